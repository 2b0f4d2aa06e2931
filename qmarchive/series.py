"""The archive read as a series: term trends over the editions and the share of each Handlungsfeld per document.

Counts come from the stored pages and the search index, so a trend's pages for a document are exactly
the pages the search finds in it. Rates are per 10,000 words of the pages counted in (all pages of the
document, or those of the Handlungsfeld asked for).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from qmarchive import german
from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive.errors import QueryTooLongError
from qmarchive.search import filters as field_filters
from qmarchive.search.counts import page_counts
from qmarchive.search.lifecycle import searching
from qmarchive.search.query import MAX_QUERY_CHARS
from qmarchive.search.results import period

PER_WORDS = 10_000
MAX_TERMS = 6

# Documents in the order of the series: by the period they plan for, then by publication.
_DOCUMENTS_SQL = """
SELECT id, title, doc_type, period_start, period_end, published FROM documents
{where}
ORDER BY period_start IS NULL, period_start, period_end, published, id
"""


@dataclass
class Document:
    """One document of the series as a trend or share table shows it."""

    id: str
    title: str
    doc_type: str
    period: str
    pages: int = 0
    words: int = 0

    @property
    def type_label(self) -> str:
        return DOC_TYPE_LABELS.get(self.doc_type, self.doc_type)


@dataclass
class TermCount:
    """One term in one document: the pages the search finds there and the occurrences on them."""

    pages: int
    occurrences: int
    per_10000: float


@dataclass
class Trend:
    """Each term's counts per document, documents in series order."""

    terms: list[str]
    filters: dict[str, list[str]]
    documents: list[Document]
    counts: dict[str, list[TermCount]] = field(default_factory=dict)  # term → one per document

    def records(self) -> list[dict[str, Any]]:
        """One flat record per document and term, for JSON, CSV and Excel."""
        return [
            {
                "term": term,
                "document_id": doc.id,
                "title": doc.title,
                "doc_type": doc.doc_type,
                "period": doc.period,
                "words": doc.words,
                **asdict(count),
            }
            for term in self.terms
            for doc, count in zip(self.documents, self.counts[term])
        ]


RECORD_COLUMNS = ("term", "document_id", "title", "doc_type", "period", "words", "pages", "occurrences", "per_10000")


def documents(db: Database, doc_types: list[str] | None = None) -> list[Document]:
    """The documents in series order, optionally only those of some types."""
    where, params = "", []
    if doc_types:
        where, params = "WHERE doc_type IN (SELECT value FROM json_each(?))", [json.dumps(doc_types)]
    return [
        Document(
            id=row["id"],
            title=row["title"],
            doc_type=row["doc_type"],
            period=period(row["period_start"], row["period_end"]),
        )
        for row in db.query(_DOCUMENTS_SQL.format(where=where), params)
    ]


def _word_counts(db: Database, topic_ids: list[str] | None) -> dict[str, tuple[int, int]]:
    """Document id → (pages, words) of its pages, or of those tagged with one of the topics."""
    sql = "SELECT document_id, text FROM pages"
    params: list[Any] = []
    if topic_ids:
        sql += " WHERE id IN (SELECT page_id FROM page_topics WHERE topic_id IN (SELECT value FROM json_each(?)))"
        params = [json.dumps(topic_ids)]
    counts: dict[str, tuple[int, int]] = {}
    for document_id, text in db.execute(sql, params):
        pages, words = counts.get(document_id, (0, 0))
        counts[document_id] = (pages + 1, words + len(german.word_list(text)))
    return counts


def trend(db: Database, index_dir: Path, terms: list[str], filters: dict[str, list[str]] | None = None) -> Trend:
    """How often each term occurs in each document of the series (filters: ``typ`` and ``feld`` as in the search)."""
    for term in terms:
        if len(term) > MAX_QUERY_CHARS:
            raise QueryTooLongError(len(term), MAX_QUERY_CHARS)
    with searching(index_dir) as searcher:  # filter values as the search takes them: "IHEK", "Broschüre"
        filters = field_filters.resolve(searcher, {name: values for name, values in (filters or {}).items() if values})
    docs = documents(db, filters.get("typ"))
    sizes = _word_counts(db, filters.get("feld"))
    for doc in docs:
        doc.pages, doc.words = sizes.get(doc.id, (0, 0))
    result = Trend(terms=list(terms), filters=filters, documents=docs)
    for term in terms:
        per_document: dict[str, list[int]] = {}
        for document_id, occurrences in page_counts(db, index_dir, term, filters).values():
            pages_and_occurrences = per_document.setdefault(document_id, [0, 0])
            pages_and_occurrences[0] += 1
            pages_and_occurrences[1] += occurrences
        result.counts[term] = [
            TermCount(
                pages=per_document.get(doc.id, [0, 0])[0],
                occurrences=per_document.get(doc.id, [0, 0])[1],
                per_10000=round(per_document.get(doc.id, [0, 0])[1] * PER_WORDS / doc.words, 2) if doc.words else 0.0,
            )
            for doc in docs
        ]
    return result


@dataclass
class FieldShares:
    """Per document, the share of its pages that treat each Handlungsfeld (a page can treat several)."""

    topics: list[tuple[str, str]]  # (id, today's name) in lexicon order
    documents: list[Document]
    pages: dict[str, dict[str, int]]  # document id → topic id → pages

    def share(self, document_id: str, topic_id: str) -> float:
        doc = next(d for d in self.documents if d.id == document_id)
        return self.pages[document_id].get(topic_id, 0) / doc.pages if doc.pages else 0.0

    def records(self) -> list[dict[str, Any]]:
        return [
            {
                "document_id": doc.id,
                "title": doc.title,
                "period": doc.period,
                "topic_id": topic_id,
                "topic": name,
                "pages": self.pages[doc.id].get(topic_id, 0),
                "document_pages": doc.pages,
                "share": round(self.share(doc.id, topic_id), 4),
            }
            for doc in self.documents
            for topic_id, name in self.topics
        ]


def field_shares(db: Database) -> FieldShares:
    """Shares from the stored ``page_topics``: the tagging already folds historical names into today's fields."""
    docs = documents(db)
    totals = dict(db.execute("SELECT document_id, count(*) FROM pages GROUP BY document_id").fetchall())
    for doc in docs:
        doc.pages = totals.get(doc.id, 0)
    pages: dict[str, dict[str, int]] = {doc.id: {} for doc in docs}
    rows = db.execute(
        "SELECT p.document_id, t.topic_id, count(*) FROM page_topics t JOIN pages p ON p.id = t.page_id "
        "GROUP BY p.document_id, t.topic_id"
    )
    for document_id, topic_id, count in rows:
        pages.setdefault(document_id, {})[topic_id] = count
    topic_list = [(row["id"], row["name"]) for row in db.query("SELECT id, name FROM topics ORDER BY rowid")]
    return FieldShares(topics=topic_list, documents=docs, pages=pages)
