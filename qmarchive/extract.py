"""One PDF in, its structure and normalised page text out. Pure: no database, no catalog.

pypdf reads the structure (metadata, outline, page labels, encryption). Page text comes from PDFium
(pypdfium2) by default: on real German PDFs it keeps the spaces of justified text and the umlauts that
pypdf's text extraction loses. pypdf can be chosen instead and takes over when PDFium cannot open a file.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pypdf
import pypdfium2 as pdfium
from pypdf.errors import (
    DependencyError,
    FileNotDecryptedError,
    LimitReachedError,
    PdfReadError,
    PyPdfError,
)

from qmarchive import accents, layers, pagelabels, textnorm
from qmarchive.errors import (
    DamagedPdfError,
    EncryptedPdfError,
    ExtractionError,
    NotAPdfError,
    PasswordRequiredError,
    WrongPasswordError,
)

Extractor = Literal["pdfium", "pypdf"]
EXTRACTORS: tuple[Extractor, ...] = ("pdfium", "pypdf")

# Raise when the text pipeline changes, so that unchanged files are extracted again.
TEXT_PIPELINE_VERSION = 2  # 2: printed page labels, varying running heads, loose accents, hidden layers
# A page with no text but at least this much (decompressed) content stream is suspicious, not scanned.
SUSPICIOUS_CONTENT_BYTES = 1_000_000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    """An outline entry with the physical pages (1-based, inclusive) it covers."""

    title: str
    level: int
    first_page: int
    last_page: int


@dataclass(frozen=True)
class Page:
    number: int
    label: str
    text: str
    running_text: str
    has_text_layer: bool
    section: str | None
    needs_ocr: bool = False  # no text layer, or one that is garbage
    content_sha256: str | None = None  # of what the page draws; the key of cached OCR results
    ocr_engine: str | None = None  # set when ``text`` was read by OCR
    ocr_confidence: float | None = None
    label_source: pagelabels.Source = "physical"  # where ``label`` comes from
    continuation: str = ""  # the word broken at the page's end, joined with the next page's first part


@dataclass
class ExtractedDocument:
    page_count: int
    metadata: dict[str, str | None]
    encrypted: bool
    sections: list[Section]
    pages: list[Page]
    extractor: str
    extractor_version: str
    warnings: list[str] = field(default_factory=list)


def extraction_version(extractor: Extractor) -> str:
    """What decides whether stored text is current: the extractor and the text pipeline version."""
    return f"{extractor}/{TEXT_PIPELINE_VERSION}"


def extract(
    path: Path, *, extractor: Extractor = "pdfium", password: str | None = None, fingerprint_all: bool = False
) -> ExtractedDocument:
    """Read one PDF completely or raise an :class:`ExtractionError` subclass naming the file.

    Pages without usable text get a ``content_sha256`` for the OCR cache; ``fingerprint_all`` gives every page one.
    """
    path = Path(path)
    check_header(path)
    notes: list[str] = []
    try:
        with _repairs(notes):
            reader, password = _open_reader(path, password)
            structure = _read_structure(reader, path)
        stripped = _without_hidden_layers(reader, notes)
        raw_texts, used = _page_texts(path, reader, extractor, password, notes, stripped)
        notes.extend(_suspicious_pages(reader, raw_texts))
        unusable = [not textnorm.usable_text(raw) for raw in raw_texts]
        hashes = [
            _content_sha256(reader.pages[n]) if fingerprint_all or unusable[n] else None for n in range(len(raw_texts))
        ]
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise DamagedPdfError(
            path, "damaged PDF beyond repair (its page tree or objects are nested too deeply or cyclic)"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - the PDF libraries raise anything on hostile input
        raise DamagedPdfError(path, f"damaged PDF that could not be read ({type(exc).__name__}: {exc})") from exc

    cleaned = [textnorm.clean_characters(raw) for raw in raw_texts]
    labels = pagelabels.resolve(structure.declared_labels, pagelabels.printed_labels(cleaned))
    normalised = textnorm.normalise_clean_pages(cleaned, [label.label if label.known else None for label in labels])
    sections = structure.sections
    pages = [
        Page(
            number=n,
            label=label.label,
            label_source=label.source,
            text=page.body,
            continuation=page.continuation,
            running_text=page.running,
            has_text_layer=bool(raw.strip()),
            section=_innermost_section(sections, n),
            needs_ocr=unusable[n - 1],
            content_sha256=hashes[n - 1],
        )
        for n, (raw, page, label) in enumerate(zip(raw_texts, normalised, labels), start=1)
    ]
    return ExtractedDocument(
        page_count=len(pages),
        metadata=structure.metadata,
        encrypted=reader.is_encrypted,
        sections=sections,
        pages=pages,
        extractor=used,
        extractor_version=_library_version(used),
        warnings=notes,
    )


def check_header(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError as exc:
        raise ExtractionError(path, f"cannot read file ({exc.strerror or exc})") from exc
    if not head:
        raise NotAPdfError(path, "empty file (0 bytes)")
    if b"%PDF-" not in head:
        raise NotAPdfError(path, "not a PDF (no %PDF- header in the first 1024 bytes)")


def _open_reader(path: Path, password: str | None) -> tuple[pypdf.PdfReader, str | None]:
    """The reader, decrypted if need be, and the password that opened it (the empty one is always tried)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(path, strict=False)
    except PdfReadError as exc:
        raise DamagedPdfError(path, f"damaged PDF beyond repair ({exc})") from exc
    if reader.is_encrypted:
        candidates = [*_password_encodings(password), ""] if password else [""]
        try:
            opened = next((c for c in candidates if reader.decrypt(c)), None)
        except DependencyError as exc:
            raise EncryptedPdfError(
                path, f"encrypted PDF (AES) that needs the 'cryptography' package: pip install cryptography ({exc})"
            ) from exc
        except (FileNotDecryptedError, NotImplementedError) as exc:
            raise EncryptedPdfError(path, f"encrypted PDF that cannot be decrypted here ({exc})") from exc
        if opened is None:
            if password:
                raise WrongPasswordError(path, "encrypted PDF: the given password is wrong")
            raise PasswordRequiredError(
                path, "encrypted PDF: it needs a password (use --password, or the catalog's password column)"
            )
        return reader, password if opened != "" else ""
    return reader, password


def _password_encodings(password: str) -> list[str | bytes]:
    """The standard says PDFDocEncoding (older) or UTF-8 (AES-256); writers differ, so try each."""
    candidates: list[str | bytes] = [password, password.encode("utf-8")]
    try:
        candidates.append(password.encode("latin-1"))
    except UnicodeEncodeError:
        pass
    return candidates


class _RepairNotes(logging.Handler):
    def __init__(self, notes: list[str]):
        super().__init__(logging.WARNING)
        self.notes = notes

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.notes:
            self.notes.append(message)


@contextmanager
def _repairs(notes: list[str]) -> Iterator[None]:
    """What pypdf repaired while opening (it logs each repair) becomes one note on the document."""
    logger = logging.getLogger("pypdf")
    repairs: list[str] = []
    handler = _RepairNotes(repairs)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        if repairs:
            more = f" (and {len(repairs) - 3} more)" if len(repairs) > 3 else ""
            notes.append(f"damaged but repaired by pypdf: {'; '.join(repairs[:3])}{more}")


def _content_sha256(page: pypdf.PageObject) -> str | None:
    """SHA-256 of what a page draws: its size, rotation, content stream and the XObjects (scans) it uses.

    None where that cannot be read within pypdf's limits (a decompression bomb): such a page is not cached.
    """
    try:
        digest = hashlib.sha256(f"{[float(v) for v in page.mediabox]}/{page.rotation}".encode())
        contents = page.get_contents()
        if contents is not None:
            digest.update(contents.get_data())
        _hash_xobjects(page.get("/Resources"), digest, depth=0)
    except Exception as exc:  # noqa: BLE001 - hostile input; the hash only serves the cache
        log.debug("page content not hashed (%s)", exc)
        return None
    return digest.hexdigest()


def _hash_xobjects(resources: object, digest: Any, depth: int) -> None:
    if depth > 4 or resources is None:
        return
    xobjects = resources.get_object().get("/XObject")  # type: ignore[attr-defined]
    if xobjects is None:
        return
    xobjects = xobjects.get_object()
    for name in sorted(xobjects):
        xobject = xobjects[name].get_object()
        digest.update(name.encode())
        digest.update(xobject.get_data())
        if xobject.get("/Subtype") == "/Form":
            _hash_xobjects(xobject.get("/Resources"), digest, depth + 1)


def _suspicious_pages(reader: pypdf.PdfReader, raw_texts: list[str]) -> list[str]:
    """Pages with a huge content stream but no text: a bomb or unreadable fonts, not a scan to OCR."""
    notes = []
    for number, raw in enumerate(raw_texts, start=1):
        if raw.strip():
            continue
        try:
            contents = reader.pages[number - 1].get_contents()
            size = len(contents.get_data()) if contents is not None else 0
            amount = f"{size:,} bytes of"
        except LimitReachedError:
            size, amount = SUSPICIOUS_CONTENT_BYTES, "more than pypdf's decompression limit of"
        except Exception as exc:  # noqa: BLE001 - the check is advisory
            log.debug("page %s: content not measured (%s)", number, exc)
            continue
        if size >= SUSPICIOUS_CONTENT_BYTES:
            notes.append(
                f"suspicious empty output: page {number} has {amount} content but no text "
                "(a decompression bomb or fonts without a text mapping); check the file"
            )
    return notes


@dataclass(frozen=True)
class _Structure:
    metadata: dict[str, str | None]
    declared_labels: list[str] | None
    sections: list[Section]


def _read_structure(reader: pypdf.PdfReader, path: Path) -> _Structure:
    page_count = len(reader.pages)
    if page_count == 0:
        raise DamagedPdfError(path, "PDF has no pages")
    return _Structure(
        metadata=_metadata(reader),
        declared_labels=_declared_labels(reader, page_count),
        sections=_sections(reader, page_count),
    )


def _metadata(reader: pypdf.PdfReader) -> dict[str, str | None]:
    try:
        info = reader.metadata
    except PyPdfError:
        info = None
    if info is None:
        return dict.fromkeys(("title", "author", "subject", "keywords", "creator", "producer", "created", "modified"))

    def text(key: str) -> str | None:
        value = info.get(key)
        value = str(value).strip() if value is not None else ""
        return textnorm.clean_characters(value) or None

    def date(attr: str) -> str | None:
        try:
            value: datetime | None = getattr(info, attr)
        except (ValueError, TypeError, PyPdfError):
            return None
        return value.isoformat() if value else None

    return {
        "title": text("/Title"),
        "author": text("/Author"),
        "subject": text("/Subject"),
        "keywords": text("/Keywords"),
        "creator": text("/Creator"),
        "producer": text("/Producer"),
        "created": date("creation_date"),
        "modified": date("modification_date"),
    }


def _declared_labels(reader: pypdf.PdfReader, page_count: int) -> list[str] | None:
    """The page labels ("iii", "12") the PDF's ``/PageLabels`` define; None where it has none or bad ones."""
    try:
        if "/PageLabels" not in reader.trailer["/Root"]:
            return None
        labels = list(reader.page_labels)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return None
    if len(labels) != page_count:
        return None
    return [label.strip() or str(n) for n, label in enumerate(labels, start=1)]


def _sections(reader: pypdf.PdfReader, page_count: int) -> list[Section]:
    """Flatten the outline; each entry runs until the next entry of the same or a higher level."""
    try:
        flat = list(_walk_outline(reader, reader.outline, 0, set()))
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, RecursionError):
        return []
    sections = []
    for i, (title, level, first) in enumerate(flat):
        following = [f for (_, lvl, f) in flat[i + 1 :] if lvl <= level]
        last = max(first, following[0] - 1) if following else page_count
        sections.append(Section(title=title, level=level, first_page=first, last_page=last))
    return sections


def _walk_outline(reader: pypdf.PdfReader, items: list, level: int, seen: set[int]):
    for item in items:
        if isinstance(item, list):
            yield from _walk_outline(reader, item, level + 1, seen)
            continue
        if id(item) in seen:
            continue
        seen.add(id(item))
        page_index = reader.get_destination_page_number(item)
        title = textnorm.clean_characters(str(item.title or "")).strip()
        if page_index is not None and page_index >= 0 and title:
            yield title, level, page_index + 1


def _innermost_section(sections: list[Section], page: int) -> str | None:
    """The deepest (then latest) outline entry covering the page."""
    covering = [s for s in sections if s.first_page <= page <= s.last_page]
    if not covering:
        return None
    return max(covering, key=lambda s: (s.level, s.first_page)).title


def _without_hidden_layers(reader: pypdf.PdfReader, notes: list[str]) -> layers.Stripped | None:
    """The copy without hidden layers; a damaged layer configuration costs the layers, not the document."""
    try:
        stripped = layers.without_hidden_layers(reader)
    except Exception as exc:  # noqa: BLE001 - hostile input; the text is still read, layers and all
        notes.append(
            f"optional-content layers not read ({type(exc).__name__}: {exc}); text of hidden layers, if any, is included"
        )
        return None
    if stripped:
        notes.extend(stripped.notes)
    return stripped


def _page_texts(
    path: Path,
    reader: pypdf.PdfReader,
    extractor: Extractor,
    password: str | None,
    notes: list[str],
    stripped: layers.Stripped | None = None,
) -> tuple[list[str], str]:
    """Each page's raw text; from the copy without hidden layers if there is one (it needs no password)."""
    if extractor == "pdfium":
        try:
            return _pdfium_texts(stripped.data if stripped else path, None if stripped else password), "pdfium"
        except pdfium.PdfiumError as exc:
            notes.append(f"PDFium could not open the file ({exc}); text extracted with pypdf instead")
            log.warning("%s: PDFium failed (%s), falling back to pypdf", path, exc)
    return _pypdf_texts(pypdf.PdfReader(io.BytesIO(stripped.data)) if stripped else reader), "pypdf"


def _pdfium_texts(source: Path | bytes, password: str | None) -> list[str]:
    document = pdfium.PdfDocument(source, password=password)
    try:
        texts = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                texts.append(accents.page_text(textpage))
            finally:
                textpage.close()
                page.close()
        return texts
    finally:
        document.close()


def _pypdf_texts(reader: pypdf.PdfReader) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [page.extract_text() or "" for page in reader.pages]


def _library_version(extractor: str) -> str:
    if extractor == "pdfium":
        return f"pypdfium2 {pdfium.PYPDFIUM_INFO.version} (PDFium {pdfium.PDFIUM_INFO.build})"
    return f"pypdf {pypdf.__version__}"
