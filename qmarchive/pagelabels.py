"""Printed page numbers: read from the numbers in the running headers and footers when the PDF has no usable
``/PageLabels``.

Most real PDFs define no page labels, yet print numbers that differ from the physical page (cover and
contents first, plates and maps unnumbered). A number at either end of a page's top or bottom lines is
only a candidate; it becomes the page's label when the difference between candidate and physical page
is the same on at least :data:`MIN_RUN` pages close to each other (a run), arabic and roman separately.
Every other page keeps its physical number, marked as such: a label is read, never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from qmarchive import textnorm

Source = Literal["pagelabels", "printed", "physical"]

# A run is at least this many pages whose candidates share one offset to the physical page number, and
# its pages are at most MAX_GAP pages apart (unnumbered plates, maps and chapter openings in between).
# Lower-case roman numbers on two facing pages ("i", "ii": a short contents) are a run too.
MIN_RUN = 3
MAX_GAP = 12
MIN_ROMAN_PAIR = 2

_DECORATION = " \t-–—|•·[]()<>"
_WHOLE = re.compile(r"^(?:(?:seite|page|s\.)\s*)?(\S+)$", re.IGNORECASE)
_OF_TOTAL = re.compile(r"(?:^|\s)(\S+)\s*(?:/|von|of)\s*\d{1,4}$", re.IGNORECASE)  # "3 / 98", "Seite 3 von 98"
_FIRST = re.compile(r"^(\S+)\s+\S")
_LAST = re.compile(r"\S\s+(\S+)$")
_NAMED = re.compile(r"\b(?:Seite|Page|S\.)\s*(\d{1,4})\b")
_ARABIC = re.compile(r"[1-9]\d{0,3}")
_ROMAN_LETTERS = re.compile(r"[ivxlcdm]+|[IVXLCDM]+")
_ROMAN_VALUES = [
    (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
    (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
]  # fmt: skip


@dataclass(frozen=True)
class PageLabel:
    """A page's label and where it comes from: the PDF's ``/PageLabels``, the printed number, or neither."""

    label: str
    source: Source

    @property
    def known(self) -> bool:
        """Whether the label is a page number as printed or declared, not just the physical position."""
        return self.source != "physical"


@dataclass(frozen=True)
class _Candidate:
    page: int  # 1-based physical page
    kind: str  # "arabic", "roman", "ROMAN"
    value: int
    text: str

    @property
    def offset(self) -> int:
        return self.value - self.page


def locator(label: str | None, physical: int | None) -> str | None:
    """How citations and hits name a page (German): "S. 3" where the printed label is the physical number,
    "S. 3 (PDF-Seite 9)" where it differs, "PDF-Seite 9" where no label is known (None); None without a page."""
    if physical is None:
        return None
    if label is None:
        return f"PDF-Seite {physical}"
    return f"S. {label}" if label == str(physical) else f"S. {label} (PDF-Seite {physical})"


def resolve(declared: Sequence[str] | None, printed: Sequence[str | None]) -> list[PageLabel]:
    """Each page's label: from ``/PageLabels`` when they say more than the physical numbers, else printed.

    ``declared`` is None when the PDF has no usable ``/PageLabels``; labels that only repeat the physical
    numbers (1, 2, 3 … from the first page, which some writers always put) say nothing and count as none.
    """
    physical = [str(n) for n in range(1, len(printed) + 1)]
    if declared is not None and list(declared) != physical:
        return [PageLabel(label, "pagelabels") for label in declared]
    return [
        PageLabel(label, "printed") if label is not None else PageLabel(number, "physical")
        for label, number in zip(printed, physical)
    ]


def printed_labels(pages: Sequence[str]) -> list[str | None]:
    """The printed number of each page, from the runs its edge lines' numbers form, or None if unread."""
    by_run: dict[tuple[str, int], list[_Candidate]] = defaultdict(list)
    for number, text in enumerate(pages, start=1):
        for candidate in _candidates(number, text):
            by_run[(candidate.kind, candidate.offset)].append(candidate)
    support: dict[int, list[tuple[int, str]]] = defaultdict(list)  # page → (run size, label)
    for candidates in by_run.values():
        for run in _runs(candidates):
            for candidate in run:
                support[candidate.page].append((len(run), candidate.text))
    labels: list[str | None] = []
    for number in range(1, len(pages) + 1):
        options = sorted(set(support.get(number, [])), reverse=True)
        if not options or (len(options) > 1 and options[1][0] == options[0][0] and options[1][1] != options[0][1]):
            labels.append(None)  # unread, or two runs of equal weight disagree
        else:
            labels.append(options[0][1])
    return labels


def edge_lines(text: str) -> list[str]:
    """The lines with text nearest a page's top and bottom, where running heads and footers stand."""
    lines = text.split("\n")
    top, bottom = textnorm.edge_indexes(lines)
    return [lines[i].strip() for i in sorted(set(top + bottom))]


def number_value(token: str) -> tuple[str, int] | None:
    """Kind and value of a page-number token: "12" → ("arabic", 12), "xiv" → ("roman", 14); else None."""
    if _ARABIC.fullmatch(token):
        return "arabic", int(token)
    if _ROMAN_LETTERS.fullmatch(token):
        value = _roman_value(token.lower())
        if value:
            return ("roman" if token.islower() else "ROMAN"), value
    return None


def _candidates(page: int, text: str) -> set[_Candidate]:
    found: set[_Candidate] = set()
    for line in edge_lines(text):
        stripped = line.strip(_DECORATION)
        tokens = [m.group(1) for pattern in (_WHOLE, _OF_TOTAL, _FIRST, _LAST) if (m := pattern.search(stripped))]
        tokens += _NAMED.findall(stripped)
        for token in tokens:
            parsed = number_value(token.strip(_DECORATION + ".,:;"))
            if parsed:
                found.add(_Candidate(page, parsed[0], parsed[1], token.strip(_DECORATION + ".,:;")))
    return found


def _runs(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates of one kind and offset, grouped into runs of close pages; only runs long enough."""
    ordered = sorted(candidates, key=lambda c: c.page)
    runs: list[list[_Candidate]] = []
    for candidate in ordered:
        if runs and candidate.page - runs[-1][-1].page <= MAX_GAP:
            if candidate.page != runs[-1][-1].page:
                runs[-1].append(candidate)
        else:
            runs.append([candidate])
    return [run for run in runs if len(run) >= MIN_RUN or _roman_pair(run)]


def _roman_pair(run: list[_Candidate]) -> bool:
    return len(run) == MIN_ROMAN_PAIR and run[0].kind == "roman" and run[1].page == run[0].page + 1


def _roman_value(token: str) -> int | None:
    """The value of a roman numeral in canonical form ("iv", not "iiii"), else None."""
    value, rest = 0, token
    for amount, letters in _ROMAN_VALUES:
        while rest.startswith(letters):
            value += amount
            rest = rest[len(letters) :]
    if rest or not value or _roman(value) != token:
        return None
    return value


def _roman(value: int) -> str:
    out = []
    for amount, letters in _ROMAN_VALUES:
        count, value = divmod(value, amount)
        out.append(letters * count)
    return "".join(out)
