"""Citations of a page or a whole document: German text, BibTeX (biblatex), RIS and CSL-JSON.

Citations are derived data: they are computed on request from the ``documents`` and ``pages`` rows, never
stored, so a re-ingest changes them only where the catalog or the file changed. Ids (and so permalinks and
citation keys) depend only on the catalog id and the physical page number; the file's SHA-256 lets a
reader check that the file they hold is the one cited.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sqlite_utils import Database

from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive import versions
from qmarchive.errors import CitationError, ConfigError, FixityError
from qmarchive.pagelabels import locator

FORMATS = ("text", "bibtex", "ris", "csl-json")
BASE_URL_ENV = "QMARCHIVE_BASE_URL"

LANGUAGE = "de-DE"
SHORT_SHA256 = 12
# The document type as a citation's genre; "sonstiges" names none.
GENRES = {key: label for key, label in DOC_TYPE_LABELS.items() if key != "sonstiges"}

_TARGET = re.compile(r"^(?P<document>[a-z0-9]+(?:-[a-z0-9]+)*)(?:/(?P<page>[1-9][0-9]*))?$")
# RFC 3986 characters only: a base URL then needs no escaping in BibTeX's verbatim url field or in RIS.
_URL_CHARACTERS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
_BIBTEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "%": r"\%",
        "&": r"\&",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)
# The RIS specification ends every line, the last (ER) included, with CR LF.
_RIS_NEWLINE = "\r\n"


def permalink(document_id: str, page_number: int | None = None, base_url: str | None = None) -> str:
    """The archive's lasting address for a page or document: its citation page ``/-/zitat/…``."""
    path = f"/-/zitat/{quote(document_id, safe='')}"
    if page_number is not None:
        path += f"/{page_number:d}"
    return (base_url or "").rstrip("/") + path


def _pdf_url(document_id: str, page_number: int | None, base_url: str | None, sha256: str | None = None) -> str:
    url = (base_url or "").rstrip("/") + f"/-/pdf/{quote(document_id, safe='')}" + (f"/{sha256}" if sha256 else "")
    return url if page_number is None else f"{url}#page={page_number:d}"


@dataclass(frozen=True)
class Citation:
    """Everything a citation of one page (``page_number`` set) or one whole document states."""

    document_id: str
    page_number: int | None
    page_label: str | None  # as printed or declared by /PageLabels; None for a document or an unknown label
    title: str
    publisher: str | None
    year: str
    period: str
    doc_type: str
    area: str | None
    place: str | None
    sha256: str
    url: str
    pdf_url: str
    accessed: date
    published: str | None = None
    version: int | None = None  # set when an earlier, since replaced version of the file is cited
    replaced_at: str | None = None
    urn: str | None = None  # the document's persistent identifier (URN or DOI), cited before the URL

    @property
    def doi(self) -> str | None:
        return self.urn if self.urn and self.urn.startswith("10.") else None

    @property
    def identifier(self) -> str | None:
        """The persistent identifier as cited: "urn:nbn:de:…" or "https://doi.org/10.…"."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.urn

    @property
    def key(self) -> str:
        """Citation key (BibTeX key, RIS ID, CSL id): from the ids alone, so it never changes."""
        return self.document_id if self.page_number is None else f"{self.document_id}-s{self.page_number}"

    @property
    def short_sha256(self) -> str:
        return self.sha256[:SHORT_SHA256]

    @property
    def genre(self) -> str | None:
        return GENRES.get(self.doc_type)

    @property
    def sha256_note(self) -> str:
        return f"SHA-256 der Datei: {self.short_sha256}"

    @property
    def page_locator(self) -> str | None:
        """ "S. 3" when the printed label is the physical number, "S. 3 (PDF-Seite 9)" when it differs,
        "PDF-Seite 9" when no label is known; None for a whole document."""
        return locator(self.page_label, self.page_number)

    @property
    def note(self) -> str:
        """The note of BibTeX, RIS and CSL-JSON: the PDF page where the printed label does not say it, and the
        file's SHA-256."""
        if self.page_number is None or self.page_label == str(self.page_number):
            return self.sha256_note
        return f"PDF-Seite {self.page_number}; {self.sha256_note}"

    def text(self) -> str:
        """German citation after the author-year form common in German planning literature."""
        if self.publisher and self.year:
            lead = f"{self.publisher} ({self.year}): {self.title}"
        elif self.publisher:
            lead = f"{self.publisher}: {self.title}"
        elif self.year:
            lead = f"{self.title} ({self.year})"
        else:
            lead = self.title
        where = ", ".join(part for part in (self.place, self.page_locator) if part)
        persistent = f" {self.identifier}." if self.identifier else ""
        return (
            f"{_sentence(lead)}{' ' + where + '.' if where else ''}{persistent} Online: {self.url} (abgerufen am {self.accessed:%d.%m.%Y}). "
            f"{self.sha256_note}."
        )

    def bibtex(self) -> str:
        """A biblatex ``@report``; UTF-8 as is, LaTeX's special characters escaped, url verbatim."""
        fields: list[tuple[str, str]] = []
        if self.publisher:
            fields.append(("author", "{" + _bibtex_escape(self.publisher) + "}"))
        # Braced as a whole so that no style lowercases German nouns.
        fields.append(("title", "{" + _bibtex_escape(self.title) + "}"))
        if self.genre:
            fields.append(("type", _bibtex_escape(self.genre)))
        if self.publisher:
            fields.append(("institution", _bibtex_escape(self.publisher)))
        if self.place:
            fields.append(("address", _bibtex_escape(self.place)))
        start, end = self._years()
        if self.published or start == end:
            if self.year:
                fields.append(("year", self.year))
        else:
            fields.append(("date", f"{start}/{end}"))  # biblatex's date range
        if self.page_label:
            fields.append(("pages", _bibtex_escape(self.page_label)))
        if self.doi:
            fields.append(("doi", self.doi))
        elif self.urn:
            fields += [("eprint", self.urn), ("eprinttype", "urn")]
        fields.append(("url", self.url))
        fields.append(("urldate", self.accessed.isoformat()))
        fields.append(("langid", "ngerman"))
        fields.append(("note", _bibtex_escape(self.note)))
        width = max(len(name) for name, _ in fields)
        body = "".join(f"  {name.ljust(width)} = {{{value}}},\n" for name, value in fields)
        return f"@report{{{self.key},\n{body}}}"

    def ris(self) -> str:
        """A RIS record (type RPRT), lines ending in CR LF as the specification has it."""
        start, _ = self._years()
        lines = [("TY", "RPRT"), ("ID", self.key)]
        if self.publisher:
            lines.append(("AU", self.publisher))
        lines.append(("TI", self.title))
        if start:
            lines.append(("PY", str(start)))
        if self.published and len(self.published) > 4:
            parts = self.published.split("-") + [""]
            lines.append(("DA", "/".join(parts[:3]) + "/"))
        if self.page_label:
            lines.append(("SP", self.page_label))
        if self.genre:
            lines.append(("M3", self.genre))
        if self.publisher:
            lines.append(("PB", self.publisher))
        if self.doi:
            lines.append(("DO", self.doi))
        if self.place:
            lines.append(("CY", self.place))
        lines += [
            *([("UR", self.urn)] if self.urn and not self.doi else []),
            ("UR", self.url),
            ("Y2", f"{self.accessed:%Y/%m/%d}"),
            ("LA", LANGUAGE),
            ("N1", self.note),
            ("ER", ""),
        ]
        return "".join(f"{tag}  - {value}{_RIS_NEWLINE}" for tag, value in lines)

    def csl_json(self) -> dict[str, Any]:
        """One CSL-JSON item (CSL 1.0 input schema)."""
        item: dict[str, Any] = {"id": self.key, "type": "report", "title": self.title}
        if self.publisher:
            item["author"] = [{"literal": self.publisher}]
            item["publisher"] = self.publisher
        if self.place:
            item["publisher-place"] = self.place
        if self.genre:
            item["genre"] = self.genre
        issued = self._issued()
        if issued:
            item["issued"] = {"date-parts": issued}
        if self.page_label:
            item["page"] = self.page_label
        if self.doi:
            item["DOI"] = self.doi
        item["URL"] = self.url
        item["accessed"] = {"date-parts": [[self.accessed.year, self.accessed.month, self.accessed.day]]}
        item["language"] = LANGUAGE
        # CSL has no variable for a URN: the note carries it.
        item["note"] = f"{self.urn}; {self.note}" if self.urn and not self.doi else self.note
        return item

    def render(self, fmt: str) -> str:
        """The citation in one of :data:`FORMATS`; CSL-JSON as an array of one item."""
        if fmt == "text":
            return self.text()
        if fmt == "bibtex":
            return self.bibtex()
        if fmt == "ris":
            return self.ris()
        if fmt == "csl-json":
            return json.dumps([self.csl_json()], ensure_ascii=False, indent=2)
        raise ValueError(f"unknown citation format '{fmt}' (one of: {', '.join(FORMATS)})")

    def _years(self) -> tuple[int | None, int | None]:
        """The year of publication, else the first and last year of the period."""
        if self.published:
            year = int(self.published[:4])
            return year, year
        years = [int(y) for y in self.period.split("–") if y]
        return (years[0], years[-1]) if years else (None, None)

    def _issued(self) -> list[list[int]]:
        if self.published:
            return [[int(part) for part in self.published.split("-")]]
        start, end = self._years()
        if start is None or end is None:
            return []
        return [[start]] if start == end else [[start], [end]]


def citation(
    db: Database, target: str, *, base_url: str | None = None, accessed: date | None = None, sha256: str | None = None
) -> Citation:
    """The citation of a page (``ihek-2019-2021/12``: document id and physical page number) or a document.

    ``sha256`` (or its first 12 or more hex digits) cites that version of the file: an earlier version keeps
    its checksum, its printed page labels and its own addresses (``?sha256=`` on the permalink, ``/-/pdf/ID/SHA256``).
    """
    match = _TARGET.match(target)
    if not match:
        raise CitationError(f"'{target}' is not a page id or document id (e.g. ihek-2019-2021/12 or ihek-2019-2021)")
    document_id = match["document"]
    page_number = int(match["page"]) if match["page"] else None
    base = _check_base_url(base_url)
    document = _row(
        db,
        "SELECT title, publisher, published, period_start, period_end, doc_type, area, place, sha256, page_count, urn "
        "FROM documents WHERE id = ?",
        [document_id],
    )
    if document is None:
        gone = _row(db, "SELECT withdrawn_at, reason, sha256 FROM withdrawals WHERE document_id = ?", [document_id])
        if gone:
            raise CitationError(
                f"document '{document_id}' was withdrawn from the archive on "
                f"{gone['withdrawn_at'][:10]} ({gone['reason']}; SHA-256 {gone['sha256']}); "
                "its permalinks answer 410 Gone"
            )
        raise CitationError(f"no document '{document_id}' in the archive")
    earlier = _earlier_version(db, document_id, sha256, document["sha256"])
    page_label = None
    if earlier and page_number is not None:
        labels = json.loads(earlier["page_labels"] or "[]")
        if page_number > (earlier["page_count"] or 0):
            raise CitationError(
                f"no page '{target}' in version {earlier['version']} of '{document_id}' "
                f"(it has {_pages(earlier['page_count'] or 0)})"
            )
        page_label = _clean(labels[page_number - 1]) if page_number <= len(labels) else None
    elif page_number is not None:
        page = _row(
            db,
            "SELECT page_label, page_label_source FROM pages WHERE document_id = ? AND page_number = ?",
            [document_id, page_number],
        )
        if page is None:
            raise CitationError(
                f"no page '{target}' in the archive ('{document_id}' has {_pages(document['page_count'])})"
            )
        page_label = _clean(page["page_label"]) if page["page_label_source"] != "physical" else None
    published = _clean(document["published"])
    period_text = period(document["period_start"], document["period_end"])
    return Citation(
        document_id=document_id,
        page_number=page_number,
        page_label=page_label,
        title=_clean(document["title"]) or document_id,
        publisher=_clean(document["publisher"]),
        year=published[:4] if published else period_text,
        period=period_text,
        doc_type=document["doc_type"],
        area=_clean(document["area"]),
        place=_clean(document["place"]),
        sha256=earlier["sha256"] if earlier else document["sha256"],
        url=permalink(document_id, page_number, base) + (f"?sha256={earlier['sha256']}" if earlier else ""),
        pdf_url=_pdf_url(document_id, page_number, base, earlier["sha256"] if earlier else None),
        accessed=accessed.date() if isinstance(accessed, datetime) else accessed or date.today(),
        published=published,
        version=earlier["version"] if earlier else None,
        replaced_at=earlier["replaced_at"] if earlier else None,
        urn=_clean(document["urn"]),
    )


def _earlier_version(db: Database, document_id: str, sha256: str | None, current: str) -> dict[str, Any] | None:
    """The version row ``sha256`` names if it is not the current file; None for the current one."""
    if not sha256:
        return None
    try:
        found = versions.find(db, document_id, sha256)
    except FixityError as exc:
        raise CitationError(str(exc)) from exc
    if found is None:
        raise CitationError(
            f"no version of '{document_id}' with SHA-256 {sha256} in the archive "
            f"(see 'qmarchive versions {document_id}')"
        )
    return None if found["sha256"] == current else found


def _check_base_url(base_url: str | None) -> str | None:
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if (
        not _URL_CHARACTERS.match(base_url)
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise ConfigError(
            f"base URL '{base_url}' is not an absolute http(s) address without query or fragment; "
            f"set --base-url or {BASE_URL_ENV} to e.g. https://archiv.example.org"
        )
    return base_url.rstrip("/")


def _row(db: Database, sql: str, params: list[Any]) -> dict[str, Any] | None:
    cursor = db.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row)) if row else None


def _clean(value: str | None) -> str | None:
    """One line, single spaces: catalog cells may hold line breaks, citations must not."""
    if not value:
        return None
    return " ".join(value.split()) or None


def period(start: int | None, end: int | None) -> str:
    """A document's period as people read it: "2019–2021", "2012", or "" when unknown."""
    if not start:
        return ""
    return f"{start}–{end}" if end and end != start else str(start)


def _pages(count: int) -> str:
    return {0: "no pages", 1: "1 page"}.get(count, f"pages 1–{count}")


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def _bibtex_escape(value: str) -> str:
    return value.translate(_BIBTEX_ESCAPES)
