"""One record per search hit, the same in every output: ``search --json/--csv``, ``export --search`` and
``/-/suche.json/.csv/.xlsx`` all write :data:`COLUMNS` from :func:`records`.

A hit carries where it is (page id, document, printed page and the locator a citation states), what it
is (title, type, period, section, topics, whether its text came from OCR), why it was found (the snippet as plain text, the score) and how
to cite and open it (citation, page URL, PDF URL; relative unless a base URL is given).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlite_utils import Database

from qmarchive import cite, search, topics
from qmarchive.errors import CitationError

# The database name Datasette serves the archive under (the file is qmarchive.db).
DATABASE = "qmarchive"
# Hits fetched, cited and written per round: a search of any size streams in rounds of this many.
CHUNK = 200


@dataclass(frozen=True)
class HitRecord:
    """A search hit as every export writes it (field order = column order)."""

    rank: int
    page_id: str
    document_id: str
    title: str
    doc_type: str
    period: str
    page_number: int
    page_label: str | None  # the printed page label where it is known, else None
    page: str  # the locator a citation states: "S. 3 (PDF-Seite 9)", "PDF-Seite 9"
    section: str | None
    topics: str  # the page's Handlungsfelder, "; " between them
    ocr: bool  # the page's text was read by OCR (Tesseract)
    snippet: str  # plain text, one line
    score: float
    zitat: str  # the page's German citation ("" if the page cannot be cited)
    url: str  # the page in the served archive
    pdf_url: str  # the PDF, opened at the page

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(COLUMNS, astuple(self)))


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(HitRecord))


def page_url(page_id: str, base_url: str | None = None) -> str:
    """The page's row in the served archive, as Datasette addresses it (``/`` in the id tilde-encoded)."""
    from datasette.utils import tilde_encode

    return (base_url or "").rstrip("/") + f"/{DATABASE}/pages/{tilde_encode(page_id)}"


def pdf_url(document_id: str, page_number: int | None = None, base_url: str | None = None) -> str:
    """The document's PDF, opened at a page."""
    url = (base_url or "").rstrip("/") + f"/-/pdf/{quote(document_id, safe='')}"
    return url if page_number is None else f"{url}#page={page_number:d}"


def one_line(snippet_html: str) -> str:
    """A snippet as one line of plain text."""
    return " ".join(search.snippet_text(snippet_html).split())


def records(db: Database, hits: Iterable[search.Hit], *, base_url: str | None = None) -> Iterator[HitRecord]:
    """The records of some hits, their topics read a chunk at a time."""
    batch: list[search.Hit] = []
    for hit in hits:
        batch.append(hit)
        if len(batch) == CHUNK:
            yield from _records(db, batch, base_url)
            batch = []
    if batch:
        yield from _records(db, batch, base_url)


def _records(db: Database, hits: list[search.Hit], base_url: str | None) -> Iterator[HitRecord]:
    page_topics = _topics(db, [hit.page_id for hit in hits])
    names = topic_names()
    for hit in hits:
        known = hit.page_label if hit.page_label_source != "physical" else None
        yield HitRecord(
            rank=hit.rank,
            page_id=hit.page_id,
            document_id=hit.document_id,
            title=hit.title,
            doc_type=hit.doc_type,
            period=hit.period,
            page_number=hit.page_number,
            page_label=known,
            page=hit.page_locator,
            section=hit.section,
            topics="; ".join(names.get(t, t) for t in page_topics.get(hit.page_id, [])),
            ocr=hit.ocr,
            snippet=one_line(hit.snippet),
            score=hit.score,
            zitat=citation_text(db, hit.page_id, base_url),
            url=page_url(hit.page_id, base_url),
            pdf_url=pdf_url(hit.document_id, hit.page_number, base_url),
        )


def _topics(db: Database, page_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    rows = db.execute(
        "SELECT page_id, topic_id FROM page_topics WHERE page_id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
        [json.dumps(page_ids)],
    )
    for page_id, topic_id in rows:
        found.setdefault(page_id, []).append(topic_id)
    return found


@cache
def topic_names() -> dict[str, str]:
    """Handlungsfeld id → its current name."""
    return {topic.id: topic.name for topic in topics.lexicon().topics}


def citation_text(db: Database, page_id: str, base_url: str | None = None) -> str:
    """The German citation of a page; empty if the page cannot be cited (the export goes on)."""
    try:
        return cite.citation(db, page_id, base_url=base_url).text()
    except CitationError:
        return ""


@dataclass
class AllHits:
    """Every hit of a search (up to ``limit``), best first, fetched in chunks as they are read."""

    total: int
    hits: Iterator[search.Hit]
    limit: int | None = None
    # Hits the index found whose pages are no longer in the database (known once ``hits`` is read).
    missing: list[str] = field(default_factory=list)


def all_hits(
    db: Database,
    index_dir: Path,
    query: str,
    *,
    engine: str = search.DEFAULT_ENGINE,
    filters: dict[str, list[str]] | None = None,
    limit: int | None = None,
    chunk: int = CHUNK,
) -> AllHits:
    """Run a search and read all its hits (the first ``limit`` if given) chunk by chunk."""
    first = search.run(db, index_dir, query, engine=engine, filters=filters, page=1, pagelen=chunk)
    wanted = first.total if limit is None else min(first.total, limit)

    def hits() -> Iterator[search.Hit]:
        given = 0
        for page in range(1, -(-wanted // chunk) + 1):
            result = (
                first
                if page == 1
                else search.run(db, index_dir, query, engine=engine, filters=filters, page=page, pagelen=chunk)
            )
            found.missing.extend(result.missing)
            for hit in result.hits[: wanted - given]:
                yield hit
                given += 1

    found = AllHits(total=first.total, hits=hits(), limit=limit)
    return found
