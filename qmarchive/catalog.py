"""The archive catalog: ``catalog.csv`` read and validated into typed entries.

Every problem is reported with its row (as a spreadsheet shows it: the header is row 1) and column, all
at once, so an archivist can fix the file in one go. A missing catalog is an empty catalog: single PDFs
can still be ingested without one.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from qmarchive.errors import CatalogError, CatalogErrors
from qmarchive.paths import locate

DOC_TYPES = ("ihek", "abschlussplan", "broschuere", "sonstiges")
DOC_TYPE_LABELS = {
    "ihek": "IHEK",
    "abschlussplan": "Abschlussplan",
    "broschuere": "Broschüre",
    "sonstiges": "Sonstiges",
}
# Every column a catalog may have, in the order new catalogs get them; any other header is an error.
COLUMNS = (
    "id",
    "title",
    "doc_type",
    "area",
    "place",
    "period_start",
    "period_end",
    "published",
    "publisher",
    "file",
    "source_url",
    "landing_url",
    "sha256",
    "license",
    "notes",
    "password",
    "urn",
)
REQUIRED_COLUMNS = ("id", "title", "doc_type")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# A persistent identifier a library assigned: a URN (urn:nbn:de:…, RFC 8141) or a DOI (10.prefix/suffix).
_URN = re.compile(r"^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$", re.IGNORECASE)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PUBLISHED = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "ae", "Ö": "oe", "Ü": "ue"})
_YEARS = range(1900, 2101)
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")
PDF_DIR = "pdf"


@dataclass(frozen=True)
class CatalogEntry:
    """One catalogued document. ``file`` is relative to the archive directory (POSIX separators)."""

    id: str
    title: str
    doc_type: str
    file: str
    area: str | None = None
    place: str | None = None  # city or municipality, as citations name it
    period_start: int | None = None
    period_end: int | None = None
    published: str | None = None
    publisher: str | None = None
    source_url: str | None = None
    landing_url: str | None = None
    sha256: str | None = None
    license: str | None = None
    notes: str | None = None
    password: str | None = None
    urn: str | None = None  # persistent identifier (URN or DOI), cited first when set
    row: int | None = None

    def path(self, archive: Path) -> Path:
        """The file in the archive, found whether its name on disk is in NFC or NFD."""
        return locate(archive, self.file)


def slugify(name: str) -> str:
    """A lowercase ASCII id from a file name: ``IHEK 2019-2021 final`` → ``ihek-2019-2021-final``."""
    ascii_text = unicodedata.normalize("NFKD", name.translate(_TRANSLITERATION)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "dokument"


def guess_entry(path: Path, archive: Path) -> CatalogEntry:
    """An entry for a PDF outside the catalog: id from the file name, type and years guessed from it."""
    slug = slugify(path.stem)
    years = sorted(int(y) for y in _YEAR.findall(path.stem))
    doc_type = next(
        (
            t
            for key, t in (("ihek", "ihek"), ("abschlussplan", "abschlussplan"), ("brosch", "broschuere"))
            if key in slug
        ),
        "sonstiges",
    )
    try:
        file = path.resolve().relative_to(archive.resolve()).as_posix()
    except ValueError:
        file = str(path)
    return CatalogEntry(
        id=slug,
        title="",
        doc_type=doc_type,
        file=unicodedata.normalize("NFC", file),
        period_start=years[0] if years else None,
        period_end=years[-1] if years else None,
    )


@dataclass(frozen=True)
class Unlisted:
    """A PDF in the archive's ``pdf/`` that no catalog row names, with a catalog line that would add it."""

    path: Path
    file: str
    line: str


def unlisted_pdfs(archive: Path, entries: list[CatalogEntry], header: tuple[str, ...] = COLUMNS) -> list[Unlisted]:
    """PDFs under ``ARCHIVE/pdf/`` that no catalog row names (names compared in NFC), so none goes unnoticed."""
    named = {unicodedata.normalize("NFC", entry.file) for entry in entries}
    found = []
    for path in sorted((archive / PDF_DIR).rglob("*")):
        if path.suffix.lower() != ".pdf" or not path.is_file():
            continue
        file = unicodedata.normalize("NFC", path.relative_to(archive).as_posix())
        if file not in named:
            guess = guess_entry(path, archive)
            found.append(Unlisted(path, file, catalog_line(replace(guess, file=file, title=path.stem), header)))
    return found


def catalog_header(path: Path) -> tuple[str, ...]:
    """The columns of an existing catalog, in its order; all known columns for a new one."""
    if not path.is_file():
        return COLUMNS
    text = path.read_text(encoding="utf-8-sig")
    first = next(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)), [])
    return tuple(name.strip() for name in first) or COLUMNS


def catalog_line(entry: CatalogEntry, header: tuple[str, ...] = COLUMNS, delimiter: str = ",") -> str:
    """One catalog row for ``entry``, its cells in the order of ``header`` (unknown columns left empty)."""
    out = io.StringIO(newline="")
    cells = [_cell(getattr(entry, name, None)) for name in header]
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(cells)
    return out.getvalue()


def append_entries(path: Path, entries: list[CatalogEntry]) -> None:
    """Add rows for ``entries`` at the end of a catalog, in its column order and delimiter (a new catalog
    gets every known column)."""
    text = path.read_text(encoding="utf-8-sig") if path.is_file() else ""
    delimiter = _delimiter(text) if text else ","
    header = catalog_header(path)
    lines = [catalog_line(entry, header, delimiter) for entry in entries]
    if not text:
        lines.insert(0, delimiter.join(header))
    elif not text.endswith(("\n", "\r")):
        text += "\n"
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def default_file(entry_id: str) -> str:
    """Where a catalogued PDF lives when the catalog names no file."""
    return f"pdf/{entry_id}.pdf"


def read_catalog(path: Path) -> list[CatalogEntry]:
    """Read and validate a catalog; raise :class:`CatalogErrors` listing every invalid cell."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(path, f"not UTF-8 text (byte {exc.start}); save the catalog as UTF-8 CSV") from exc
    except OSError as exc:
        raise CatalogError(path, f"cannot read the catalog ({exc.strerror or exc})") from exc

    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    if not rows:
        return []
    header = [unicodedata.normalize("NFC", name.strip()) for name in rows[0]]
    _check_header(header, path)

    errors: list[CatalogError] = []
    entries: list[CatalogEntry] = []
    for row_number, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(header):
            errors.append(CatalogError(path, f"{len(values)} cells but the header has {len(header)}", row=row_number))
            continue
        cells = {name: value.strip() for name, value in zip(header, values)}
        try:
            entries.append(_entry(cells, path, row_number))
        except CatalogErrors as exc:
            errors.extend(exc.errors)
    errors.extend(_duplicates(entries, path))
    if errors:
        raise CatalogErrors(errors)
    return entries


def _check_header(header: list[str], path: Path) -> None:
    """Only known columns, each once, the required ones present: a misspelt ``SHA256`` would otherwise be
    ignored, and with it the checksum the archivist meant to enforce."""
    errors: list[CatalogError] = []
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if not name:
            errors.append(CatalogError(path, f"column {number} has no name; name it or remove it", row=1))
        elif name not in COLUMNS:
            errors.append(CatalogError(path, "unknown column; " + _suggestion(name), row=1, column=name))
        elif name in seen:
            errors.append(
                CatalogError(path, f"column {number} repeats column {seen[name]}; keep one", row=1, column=name)
            )
        else:
            seen[name] = number
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        errors.append(CatalogError(path, f"missing column(s): {', '.join(missing)}", row=1))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise CatalogErrors(errors)


def _suggestion(name: str) -> str:
    close = difflib.get_close_matches(name.casefold().replace(" ", "_"), COLUMNS, n=1, cutoff=0.6)
    known = f"known columns: {', '.join(COLUMNS)}"
    return f"did you mean '{close[0]}'? ({known})" if close else f"{known}"


def _delimiter(text: str) -> str:
    """Comma by default; semicolon when the header uses it, as German spreadsheet programs save CSV."""
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _entry(cells: dict[str, str], path: Path, row: int) -> CatalogEntry:
    """One row as an entry; ``path`` is the catalog, whose directory is the archive."""
    errors: list[CatalogError] = []

    def fail(column: str, message: str) -> None:
        errors.append(CatalogError(path, message, row=row, column=column))

    entry_id = cells.get("id", "")
    if not entry_id:
        fail("id", "empty id")
    elif not _SLUG.match(entry_id):
        fail(
            "id", f"'{entry_id}' is not a valid id (lowercase letters, digits and single hyphens, e.g. ihek-2019-2021)"
        )
    if not cells.get("title"):
        fail("title", "empty title")
    doc_type = cells.get("doc_type", "")
    if doc_type not in DOC_TYPES:
        fail("doc_type", f"unknown document type '{doc_type}' (one of: {', '.join(DOC_TYPES)})")

    years = {}
    for column in ("period_start", "period_end"):
        value = cells.get(column, "")
        if value and not (value.isdigit() and int(value) in _YEARS):
            fail(column, f"'{value}' is not a year (four digits, e.g. 2019)")
        years[column] = int(value) if value.isdigit() else None
    start, end = years["period_start"], years["period_end"]
    if start and end and end < start:
        fail("period_end", f"period ends ({end}) before it starts ({start})")

    published = cells.get("published", "")
    if published and not _valid_date(published):
        fail("published", f"'{published}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")

    file = unicodedata.normalize("NFC", cells.get("file", "") or default_file(entry_id))
    problem = (_file_problem(file) if cells.get("file") else None) or _outside(file, path.parent)
    if problem:
        fail("file", problem)

    for column in ("source_url", "landing_url"):
        url = cells.get(column, "")
        parsed = urlparse(url)
        if url and not (parsed.scheme in ("http", "https") and parsed.netloc):
            fail(column, f"'{url}' is not an http(s) URL")

    sha256 = cells.get("sha256", "").lower()
    if sha256 and not _SHA256.match(sha256):
        fail("sha256", "not a SHA-256 checksum (64 hexadecimal digits)")

    urn = cells.get("urn", "")
    if urn and not (_URN.match(urn) or _DOI.match(urn)):
        fail("urn", f"'{urn}' is not a URN (urn:nbn:de:…) or a DOI (10.1234/…)")

    if errors:
        raise CatalogErrors(errors)
    return CatalogEntry(
        id=entry_id,
        title=cells["title"],
        doc_type=doc_type,
        file=str(PurePosixPath(file)),
        area=cells.get("area") or None,
        place=cells.get("place") or None,
        period_start=start,
        period_end=end or start,
        published=published or None,
        publisher=cells.get("publisher") or None,
        source_url=cells.get("source_url") or None,
        landing_url=cells.get("landing_url") or None,
        sha256=sha256 or None,
        license=cells.get("license") or None,
        notes=cells.get("notes") or None,
        password=cells.get("password") or None,
        urn=urn or None,
        row=row,
    )


def _valid_date(value: str) -> bool:
    if not _PUBLISHED.match(value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError:
        return False
    return True


def _file_problem(file: str) -> str | None:
    """Why a catalog path is unacceptable: it must stay inside the archive directory and name a PDF."""
    posix = PurePosixPath(file.replace("\\", "/"))
    if posix.is_absolute() or re.match(r"^[A-Za-z]:", file):
        return f"'{file}' is an absolute path; give it relative to the archive directory"
    if ".." in posix.parts:
        return f"'{file}' leaves the archive directory"
    if posix.suffix.lower() != ".pdf":
        return f"'{file}' does not name a .pdf file"
    return None


def outside_archive(file: str, archive: Path) -> Path | None:
    """Where ``file`` really is (symbolic links followed) if that is outside the archive directory."""
    resolved = locate(archive, file).resolve()
    return None if resolved.is_relative_to(archive.resolve()) else resolved


def _outside(file: str, archive: Path) -> str | None:
    target = outside_archive(file, archive)
    if target is None:
        return None
    return (
        f"'{file}' is a link to {target}, outside the archive directory; copy the file into the archive "
        "instead of linking to it"
    )


def _duplicates(entries: list[CatalogEntry], path: Path) -> list[CatalogError]:
    errors = []
    for attribute in ("id", "file"):
        first_row: dict[str, int | None] = {}
        for entry in entries:
            value = getattr(entry, attribute)
            key = unicodedata.normalize("NFC", value).casefold() if attribute == "file" else value
            if key in first_row:
                errors.append(
                    CatalogError(
                        path,
                        f"duplicate {attribute} '{value}' (first in row {first_row[key]})",
                        row=entry.row,
                        column=attribute,
                    )
                )
            else:
                first_row[key] = entry.row
    return errors


def record_checksums(path: Path, checksums: dict[str, str]) -> list[str]:
    """Fill the empty ``sha256`` cells of the given ids; returns the ids whose cell was filled.

    Only those cells change: every other byte of the file (quoting, line ends, a BOM, the delimiter) stays
    as the archivist wrote it. A cell that already holds a checksum is never overwritten. The new text is
    checked cell by cell against the old before it replaces the file (atomically).
    """
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(path, f"cannot read the catalog to record checksums ({exc})") from exc
    delimiter = _delimiter(text)
    records = _cell_spans(text, delimiter)
    header = [text[a:b].strip().lstrip("\ufeff").strip('"') for a, b in records[0]] if records else []
    if "sha256" not in header or "id" not in header:
        raise CatalogError(path, "no sha256 column to record checksums in; add one (see docs/ingest.md)", row=1)
    id_column, sha_column = header.index("id"), header.index("sha256")
    values = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    edits: list[tuple[int, int, str]] = []
    filled: list[str] = []
    for number, cells in enumerate(values[1:], start=1):
        document_id = cells[id_column].strip() if id_column < len(cells) else ""
        checksum = checksums.get(document_id)
        if not checksum or not _SHA256.match(checksum):
            continue
        spans = records[number]
        if sha_column < len(spans):
            if cells[sha_column].strip():
                continue
            start, end = spans[sha_column]
            edits.append((start, end, checksum))
        else:
            end = spans[-1][1]
            edits.append((end, end, delimiter * (sha_column - len(spans) + 1) + checksum))
        filled.append(document_id)
    if not edits:
        return []
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    _check_only_checksums_changed(path, values, text, delimiter, id_column, sha_column, set(filled))
    temporary = path.with_name(path.name + ".tmp")
    try:
        with temporary.open("wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise CatalogError(path, f"cannot write the catalog ({exc.strerror or exc})") from exc
    return filled


def _cell_spans(text: str, delimiter: str) -> list[list[tuple[int, int]]]:
    """(start, end) offsets of every cell of every record, split as ``csv.reader`` splits them."""
    records: list[list[tuple[int, int]]] = []
    cells: list[tuple[int, int]] = []
    start, i, n = 0, 0, len(text)
    quoted, at_start = False, True
    while i < n:
        char = text[i]
        if quoted:
            if char == '"':
                if text[i + 1 : i + 2] == '"':
                    i += 2
                    continue
                quoted = False
            i += 1
        elif char == '"' and at_start:
            quoted, at_start = True, False
            i += 1
        elif char == delimiter:
            cells.append((start, i))
            i += 1
            start, at_start = i, True
        elif char in "\r\n":
            cells.append((start, i))
            records.append(cells)
            cells = []
            i += 2 if text[i : i + 2] == "\r\n" else 1
            start, at_start = i, True
        else:
            at_start = False
            i += 1
    if start < n or cells:
        cells.append((start, n))
        records.append(cells)
    return records


def _check_only_checksums_changed(
    path: Path, before: list[list[str]], text: str, delimiter: str, id_column: int, sha_column: int, ids: set[str]
) -> None:
    after = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    problem = len(after) != len(before)
    for old, new in zip(before, after):
        if problem:
            break
        if old == new:
            continue
        document_id = new[id_column].strip() if id_column < len(new) else ""
        padded = old + [""] * (len(new) - len(old))
        changed = [i for i, (a, b) in enumerate(zip(padded, new)) if a != b]
        problem = document_id not in ids or changed != [sha_column] or len(new) < len(old)
    if problem:
        raise CatalogError(path, "the checksums cannot be written without changing other cells; add them by hand")


def without_passwords(path: Path) -> str | None:
    """The catalog's text with every ``password`` cell emptied, or None if it holds no password.

    PDF passwords are for ingest only; copies of the catalog that leave the archive must not carry them.
    """
    text = path.read_text(encoding="utf-8-sig")
    delimiter = _delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows or "password" not in [name.strip() for name in rows[0]]:
        return None
    column = [name.strip() for name in rows[0]].index("password")
    if not any(len(row) > column and row[column].strip() for row in rows[1:]):
        return None
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for number, row in enumerate(rows):
        if number and len(row) > column:
            row[column] = ""
        writer.writerow(row)
    return out.getvalue()
