"""The same search on SQLite's FTS5 index: exact words (case and accents folded), for comparison and
for databases without a Whoosh index."""

from __future__ import annotations

import json
import time

from markupsafe import escape
from sqlite_utils import Database

from qmarchive import topics
from qmarchive.catalog import DOC_TYPES
from qmarchive.search import filters as field_filters
from qmarchive.search.fts_query import fts_query
from qmarchive.search.results import Hit, SearchResult, fetch_pages

# Control characters never survive text normalisation, so they can mark hits unambiguously.
_START, _END = "\x02", "\x03"

# Ordered by FTS5's own rank column, FTS5 sorts the matches by bm25 itself and snippets are made only
# for the rows returned; ordered by a bm25() result column, SQLite makes a snippet for every match.
_HITS_SQL = """
SELECT p.id, snippet(pages_fts, 0, ?, ?, ' … ', 32) AS snippet, pages_fts.rank AS score
FROM pages_fts JOIN pages p ON p.rowid = pages_fts.rowid
WHERE pages_fts MATCH ?{where}
ORDER BY pages_fts.rank
LIMIT ? OFFSET ?
"""
# Triggers keep the index in step with the pages in the same transaction, so without a filter its matches
# are the pages that match and the count reads no page row (at 100,000 pages 2–3 ms instead of 80–100 ms
# for 60,000–70,000 matches, each row of them read for the join).
_COUNT_SQL = "SELECT count(*) FROM pages_fts{join} WHERE pages_fts MATCH ?{where}"
_JOIN = " JOIN pages p ON p.rowid = pages_fts.rowid"
# The facet filters as the Whoosh index applies them: values of one facet OR, facets AND.
_FILTER_SQL = {
    "jahr": "EXISTS (SELECT 1 FROM documents d WHERE d.id = p.document_id AND CAST(? AS INTEGER) "
    "BETWEEN d.period_start AND coalesce(d.period_end, d.period_start))",
    "typ": "EXISTS (SELECT 1 FROM documents d WHERE d.id = p.document_id AND d.doc_type = ?)",
    "feld": "EXISTS (SELECT 1 FROM page_topics t WHERE t.page_id = p.id AND t.topic_id IN "
    "(SELECT value FROM json_each(?)))",
    "dokument": "p.document_id = ?",
}


def marked(snippet: str) -> str:
    return str(escape(snippet)).replace(_START, "<mark>").replace(_END, "</mark>")


def search(
    db: Database,
    text: str,
    *,
    filters: dict[str, list[str]] | None = None,
    page: int = 1,
    pagelen: int = 10,
) -> SearchResult:
    started = time.perf_counter()
    page = max(page, 1)
    match = fts_query(text)
    filters = _resolved(
        db, {name: values for name, values in (filters or {}).items() if values and name in _FILTER_SQL}
    )
    where, params = _where(filters)
    total = db.execute(_COUNT_SQL.format(join=_JOIN if where else "", where=where), [match, *params]).fetchone()[0]
    found = list(db.query(_HITS_SQL.format(where=where), [_START, _END, match, *params, pagelen, (page - 1) * pagelen]))
    rows = fetch_pages(db, [f["id"] for f in found])
    hits = [
        Hit.from_row(rows[f["id"]], snippet=marked(f["snippet"]), score=-f["score"], rank=(page - 1) * pagelen + i)
        for i, f in enumerate(found, start=1)
    ]
    return SearchResult(
        query=text,
        engine="fts",
        total=total,
        page=page,
        pagelen=pagelen,
        hits=hits,
        filters=filters,
        seconds=time.perf_counter() - started,
    )


def _resolved(db: Database, filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Filter values as people type them (typ=IHEK, feld=Wohnumfeld) → the database's terms, as the Whoosh
    search resolves them against its index; a value naming nothing raises FilterValueError."""
    resolved: dict[str, list[str]] = {}
    for name, values in filters.items():
        known = _known(db, name)
        terms = resolved.setdefault(name, [])
        for value in values:
            terms.extend(term for term in field_filters.matching(name, value, known) if term not in terms)
    return resolved


def _known(db: Database, name: str) -> list[str]:
    if name == "typ":
        return list(DOC_TYPES)
    if name == "feld":
        return [topic.id for topic in topics.lexicon().topics]
    if name == "dokument":
        return [id_ for (id_,) in db.execute("SELECT id FROM documents ORDER BY id")]
    years: set[int] = set()
    for start, end in db.execute(
        "SELECT period_start, coalesce(period_end, period_start) FROM documents WHERE period_start"
    ):
        years.update(range(start, end + 1))
    return [str(year) for year in sorted(years)]


def _where(filters: dict[str, list[str]]) -> tuple[str, list[str]]:
    clauses: list[str] = []
    params: list[str] = []
    for name, values in filters.items():
        clauses.append("(" + " OR ".join([_FILTER_SQL[name]] * len(values)) + ")")
        if name == "feld":
            params.extend(json.dumps([value]) for value in values)
        else:
            params.extend(values)
    return "".join(f" AND {clause}" for clause in clauses), params
