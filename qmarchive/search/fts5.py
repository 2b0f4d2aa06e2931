"""The same search on SQLite's FTS5 index: exact words (case and accents folded), for comparison and
for databases without a Whoosh index."""

from __future__ import annotations

import time

from markupsafe import escape
from sqlite_utils import Database

from qmarchive.search.fts_query import fts_query
from qmarchive.search.results import Hit, SearchResult, fetch_pages

# Control characters never survive text normalisation, so they can mark hits unambiguously.
_START, _END = "\x02", "\x03"

# Ordered by FTS5's own rank column, FTS5 sorts the matches by bm25 itself and snippets are made only
# for the rows returned; ordered by a bm25() result column, SQLite makes a snippet for every match.
_HITS_SQL = """
SELECT p.id, snippet(pages_fts, 0, ?, ?, ' … ', 32) AS snippet, pages_fts.rank AS score
FROM pages_fts JOIN pages p ON p.rowid = pages_fts.rowid
WHERE pages_fts MATCH ?
ORDER BY pages_fts.rank
LIMIT ? OFFSET ?
"""


def marked(snippet: str) -> str:
    return str(escape(snippet)).replace(_START, "<mark>").replace(_END, "</mark>")


def search(db: Database, text: str, *, page: int = 1, pagelen: int = 10) -> SearchResult:
    started = time.perf_counter()
    page = max(page, 1)
    match = fts_query(text)
    total = db.execute("SELECT count(*) FROM pages_fts WHERE pages_fts MATCH ?", [match]).fetchone()[0]
    found = list(db.query(_HITS_SQL, [_START, _END, match, pagelen, (page - 1) * pagelen]))
    rows = fetch_pages(db, [f["id"] for f in found])
    hits = [
        Hit.from_row(rows[f["id"]], snippet=marked(f["snippet"]), score=-f["score"], rank=(page - 1) * pagelen + i)
        for i, f in enumerate(found, start=1)
    ]
    return SearchResult(
        query=text, engine="fts", total=total, page=page, pagelen=pagelen, hits=hits,
        seconds=time.perf_counter() - started,
    )
