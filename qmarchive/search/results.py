"""What a search returns, whichever engine ran it, and the page data hits are built from."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from markupsafe import escape
from sqlite_utils import Database

from qmarchive import pagelabels
from qmarchive.cite import period

# Facet fields with their German labels, in display order.
FACETS = {"jahr": "Jahr", "typ": "Dokumenttyp", "feld": "Handlungsfeld", "dokument": "Dokument"}
SNIPPET_CHARS = 240

_PAGES_SQL = """
SELECT p.id, p.document_id, p.page_number, p.page_label, p.page_label_source, p.section, p.text, p.has_text_layer, p.ocr,
       d.title, d.doc_type, d.period_start, d.period_end
FROM pages p JOIN documents d ON d.id = p.document_id
WHERE p.id IN ({marks})
"""


def fetch_pages(db: Database, page_ids: list[str]) -> dict[str, dict[str, Any]]:
    if not page_ids:
        return {}
    rows = db.query(_PAGES_SQL.format(marks=", ".join("?" * len(page_ids))), page_ids)
    return {row["id"]: row for row in rows}


def plain_snippet(text: str) -> str:
    """The start of a page, escaped, for hits whose words matched outside the page text."""
    cut = text[:SNIPPET_CHARS]
    return str(escape(cut)) + (" …" if len(text) > SNIPPET_CHARS else "")


@dataclass
class Hit:
    page_id: str
    document_id: str
    page_number: int
    page_label: str
    title: str
    doc_type: str
    period: str
    section: str | None
    snippet: str  # HTML: escaped text, hits in <mark>
    score: float
    rank: int
    ocr: bool = False  # the page's text was read by OCR
    page_label_source: str = "physical"  # see qmarchive.pagelabels

    @property
    def page_locator(self) -> str:
        """ "S. 3", "S. 3 (PDF-Seite 9)" or "PDF-Seite 9": the printed label only where it is known."""
        known = self.page_label if self.page_label_source != "physical" else None
        return pagelabels.locator(known, self.page_number) or ""

    @classmethod
    def from_row(cls, row: dict[str, Any], *, snippet: str, score: float, rank: int) -> Hit:
        return cls(
            page_id=row["id"],
            document_id=row["document_id"],
            page_number=row["page_number"],
            page_label=row["page_label"],
            title=row["title"],
            doc_type=row["doc_type"],
            period=period(row["period_start"], row["period_end"]),
            section=row["section"],
            snippet=snippet,
            score=round(float(score), 4),
            rank=rank,
            ocr=bool(row["ocr"]),
            page_label_source=row["page_label_source"],
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    engine: str
    total: int
    page: int
    pagelen: int
    hits: list[Hit]
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    suggestion: str | None = None
    # No hit because every word typed is a stopword ("sich"): not searched alone, and said so.
    stopwords_only: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Hits of this page the index still lists but the database no longer has (the index is behind it).
    missing: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.pagelen))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["facets"] = {name: [{"value": v, "count": c} for v, c in values] for name, values in self.facets.items()}
        data["seconds"] = round(self.seconds, 4)
        return data


def snippet_text(snippet_html: str) -> str:
    """A snippet as plain text: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))
