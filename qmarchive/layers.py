"""Content in optional-content layers (OCGs) that the default view hides, taken out before text extraction.

PDFium and pypdf extract the text of every layer, shown or not: drafts, alternative languages and print-only
variants then turn up in search, sometimes the same text three times. A PDF whose default configuration
hides a layer is copied in memory without the marked content (``/OC /name BDC … EMC``) and the form
XObjects of that layer; what was left out is reported, never dropped silently.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf
from pypdf.generic import ArrayObject, ContentStream, DictionaryObject, IndirectObject

_POLICIES = ("/AnyOn", "/AllOn", "/AnyOff", "/AllOff")


@dataclass(frozen=True)
class Stripped:
    """The PDF without its hidden layers' content, and what was left out (layer names per page)."""

    data: bytes
    notes: list[str]


def without_hidden_layers(reader: pypdf.PdfReader) -> Stripped | None:
    """A copy of the PDF without content in layers hidden by default, or None if nothing is hidden."""
    if not _hidden_groups(reader.trailer["/Root"]):
        return None
    writer = pypdf.PdfWriter(clone_from=reader)
    hidden = _hidden_groups(writer.root_object)  # the copy numbers its objects anew
    left_out: dict[str, list[int]] = {}
    for number, page in enumerate(writer.pages, start=1):
        names = _layers_used(page, hidden)
        if not names:
            continue
        content = page.get_contents()
        if content is None:
            continue
        stream = ContentStream(content, writer)
        kept, dropped = _drop_marked(stream.operations, names)
        if not dropped:
            continue
        stream.operations = kept
        page.replace_contents(stream)
        for layer in sorted(dropped):
            left_out.setdefault(layer, []).append(number)
    if not left_out:
        return None
    buffer = io.BytesIO()
    writer.write(buffer)
    notes = [
        f"text in the optional-content layer '{layer}' (hidden in the default view) left out on page(s) "
        f"{', '.join(map(str, pages))}"
        for layer, pages in left_out.items()
    ]
    return Stripped(buffer.getvalue(), notes)


def _hidden_groups(root: DictionaryObject) -> dict[int, str]:
    """Object number → name of each OCG that the default configuration turns off."""
    properties = root.get("/OCProperties")
    if properties is None:
        return {}
    properties = properties.get_object()
    if not isinstance(properties, DictionaryObject):
        raise ValueError(f"/OCProperties is not a dictionary but {type(properties).__name__}")
    default = properties.get("/D", DictionaryObject()).get_object()
    groups = {ref.idnum: ref for ref in _refs(properties.get("/OCGs"))}
    if default.get("/BaseState") == "/OFF":
        off = set(groups) - {ref.idnum for ref in _refs(default.get("/ON"))}
    else:
        off = {ref.idnum for ref in _refs(default.get("/OFF"))}
    return {idnum: str(groups[idnum].get_object().get("/Name", f"OCG {idnum}")) for idnum in off if idnum in groups}


def _refs(value: object) -> list[IndirectObject]:
    """The indirect references in an array of them, or the one reference given."""
    if isinstance(value, IndirectObject):
        target = value.get_object()
        if not isinstance(target, ArrayObject):
            return [value]
        value = target
    return [item for item in value if isinstance(item, IndirectObject)] if isinstance(value, ArrayObject) else []


def _layers_used(page: pypdf.PageObject, hidden: dict[int, str]) -> dict[str, str]:
    """Resource name (``/oc1``, or an XObject's name) → hidden layer name, for what the page refers to."""
    resources = page.get("/Resources")
    if resources is None:
        return {}
    resources = resources.get_object()
    found: dict[str, str] = {}
    for key in ("/Properties", "/XObject"):
        entries = resources.get(key)
        if entries is None:
            continue
        for name, ref in entries.get_object().items():
            target = ref.get_object()
            group = target.get("/OC") if key == "/XObject" else ref
            layer = _hidden_layer(group, hidden)
            if layer:
                found[f"{key}{name}"] = layer
    return found


def _hidden_layer(group: object, hidden: dict[int, str]) -> str | None:
    """The hidden layer's name if the OCG or membership dictionary (OCMD) is off by default."""
    if not isinstance(group, IndirectObject):
        return None
    target = group.get_object()
    if target.get("/Type") != "/OCMD":
        return hidden.get(group.idnum)
    members = _refs(target.get("/OCGs"))
    off = [ref.idnum in hidden for ref in members]
    if not members:
        return None
    policy = target.get("/P", "/AnyOn")
    invisible = {"/AnyOn": all(off), "/AllOn": any(off), "/AnyOff": not any(off), "/AllOff": not all(off)}.get(
        policy if policy in _POLICIES else "/AnyOn"
    )
    return next((hidden[ref.idnum] for ref in members if ref.idnum in hidden), None) if invisible else None


def _drop_marked(operations: list, names: dict[str, str]) -> tuple[list, set[str]]:
    """The operations without hidden marked-content sections and hidden XObjects, and the layers dropped."""
    kept: list = []
    dropped: set[str] = set()
    depth = 0  # nesting inside a hidden section (BDC/BMC … EMC), 0 outside
    for operands, operator in operations:
        if depth:
            if operator in (b"BDC", b"BMC"):
                depth += 1
            elif operator == b"EMC":
                depth -= 1
            continue
        if operator == b"BDC" and len(operands) == 2 and operands[0] == "/OC":
            layer = names.get(f"/Properties{operands[1]}")
            if layer:
                dropped.add(layer)
                depth = 1
                continue
        if operator == b"Do" and operands and (layer := names.get(f"/XObject{operands[0]}")):
            dropped.add(layer)
            continue
        kept.append((operands, operator))
    return kept, dropped
