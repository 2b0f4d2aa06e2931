"""Search: the German Whoosh index (build, update, query) and the FTS5 alternative.

Everything that knows Whoosh lives in this package; callers use only the names below.
"""

from qmarchive.errors import QueryTooLongError
from qmarchive.search.lifecycle import (
    REPAIR,
    IndexReport,
    index_info,
    indexed_pages,
    page_fingerprints,
    rebuild,
    rebuild_reason,
    update,
)
from qmarchive.search.results import FACETS, Hit, SearchResult, snippet_text

# german: FTS5 over German terms (pre-analysed); whoosh: the German Whoosh index; fts: exact words.
ENGINES = ("german", "whoosh", "fts")
# What `qmarchive search`, `export --search` and /-/suche use unless told otherwise: as exact as Whoosh on the
# relevance set and several times faster (docs/search.md, "German search in SQLite").
DEFAULT_ENGINE = "german"

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "FACETS",
    "REPAIR",
    "Hit",
    "IndexReport",
    "SearchResult",
    "index_info",
    "indexed_pages",
    "mark",
    "page_fingerprints",
    "plain_words",
    "rebuild",
    "rebuild_reason",
    "run",
    "snippet_text",
    "update",
]


def run(
    db, index_dir, text: str, *, engine: str = "whoosh", filters=None, page: int = 1, pagelen: int = 10
) -> SearchResult:
    """Search with the chosen engine; every engine applies the facet filters (``{"jahr": ["2019"], …}``). A
    query over the limit is refused, not cut."""
    from qmarchive.search.query import MAX_QUERY_CHARS

    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLongError(len(text), MAX_QUERY_CHARS)
    if engine == "german":
        from qmarchive.search import german_fts

        return german_fts.search(db, text, filters=filters, page=page, pagelen=pagelen)
    if engine == "fts":
        from qmarchive.search import fts5

        return fts5.search(db, text, filters=filters, page=page, pagelen=pagelen)
    from qmarchive.search import query

    return query.search(db, index_dir, text, filters=filters, page=page, pagelen=pagelen)


def mark(db, index_dir, text: str, q: str, *, engine: str = DEFAULT_ENGINE) -> str | None:
    """A page's whole text escaped, with what the query ``q`` finds in it in ``<mark>`` (None: nothing): the
    words the engine matched, analysed as it analyses them (the exact-word engine marks as Whoosh does)."""
    if engine == "german":
        from qmarchive.search import german_fts

        return german_fts.mark(db, text, q)
    from qmarchive.search import query

    return query.mark(index_dir, text, q)


def plain_words(q: str) -> list[str]:
    """The words of a query without operators and filters (for a PDF viewer's ``#search=``)."""
    from qmarchive.search import query

    return query.plain_words(q)
