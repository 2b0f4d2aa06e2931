"""Per-page match counts of a query: which pages it matches (exactly the search's) and how often its words occur.

Term trends count with the index itself, so that a trend's page count for a document is the number of
pages the search finds in that document, and "Spielplatz" counts "Spielplätze" and "Spielplatzsanierung"
as the search does.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

from sqlite_utils import Database
from whoosh import query as wq
from whoosh.query.qcore import QueryError

from qmarchive import german
from qmarchive.search import matches
from qmarchive.search import filters as field_filters
from qmarchive.search.lifecycle import searching
from qmarchive.search.query import _filter_query, parse

TEXT_FIELD = "text"


def page_counts(
    db: Database, index_dir: Path, text: str, filters: dict[str, list[str]] | None = None
) -> dict[str, tuple[str, int]]:
    """Page id → (document id, occurrences of the query's words in the page text) for every page the query matches.

    An occurrence is a word position of the page text that carries one of the query's words (a compound
    counts once, whether matched as a whole or by its parts); for a phrase, each of its words counts.
    """
    with searching(index_dir) as searcher:
        filters = field_filters.resolve(searcher, filters or {})
        try:
            q = field_filters.resolve_query(searcher, parse(searcher.schema, text))
            found = _docnums(searcher, q, filters)
        except QueryError:  # as the search does: a phrase on a field without positions is its plain words
            q = parse(searcher.schema, " ".join(w for w, _, _ in german.words(text)))
            found = _docnums(searcher, q, filters)
        return _occurrences(db, searcher, q, found)


def _occurrences(db: Database, searcher, q: wq.Query, found: set[int]) -> dict[str, tuple[str, int]]:
    """Page id → (document id, occurrences of the query's words) for the pages found."""
    wanted = _wanted_terms(q)
    analyzer = searcher.schema[TEXT_FIELD].analyzer
    documents = {stored["page_id"]: stored["dokument"] for stored in map(searcher.stored_fields, found)}
    # The index keeps no page text: the occurrences are counted in the stored text, analysed as indexed.
    texts = dict(
        db.execute(
            "SELECT id, text FROM pages WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(sorted(documents))]
        ).fetchall()
    )
    counts = {}
    for page_id, document_id in sorted(documents.items()):
        positions = {
            token.pos
            for token in analyzer(texts.get(page_id, ""), positions=True, mode="index")
            if _is_wanted(token.text, wanted)
        }
        counts[page_id] = (document_id, len(positions))
    return counts


def _docnums(searcher, q: wq.Query, filters: dict[str, list[str]]) -> set[int]:
    """The pages the search counts: the query's matches within the filters."""
    found = matches.docnums(searcher, q)
    restrict = _filter_query(filters)
    if restrict is not None:
        found &= matches.docnums(searcher, restrict)
    return found


def _wanted_terms(q: wq.Query) -> list[tuple[str, str]]:
    """(kind, text) of the query's words in the page text: ('term', stem), ('prefix', p) or ('wildcard', pattern).

    A compound's query is Or(whole, And(parts)); its whole stem stands for it (the index puts the
    parts at the whole word's position, so the whole's parts are found under it). Negated words count not.
    """
    if isinstance(q, wq.Not):
        return []
    if isinstance(q, wq.AndNot):
        return _wanted_terms(q.a)
    if (
        type(q) is wq.Or
        and len(q.subqueries) == 2
        and isinstance(q.subqueries[0], wq.Term)
        and type(q.subqueries[1]) is wq.And
        and q.subqueries[0].fieldname == TEXT_FIELD
    ):
        return [("part", q.subqueries[0].text)]
    if isinstance(q, wq.Term):
        return [("term", q.text)] if q.fieldname == TEXT_FIELD else []
    if isinstance(q, wq.Phrase):
        return [("term", word) for word in q.words] if q.fieldname == TEXT_FIELD else []
    if isinstance(q, wq.Prefix):
        return [("prefix", q.text)] if q.fieldname == TEXT_FIELD else []
    if isinstance(q, wq.Wildcard):
        return [("wildcard", q.text)] if q.fieldname == TEXT_FIELD else []
    if q.is_leaf():
        return []
    return [term for sub in q.children() for term in _wanted_terms(sub)]


def _is_wanted(token: str, wanted: list[tuple[str, str]]) -> bool:
    for kind, text in wanted:
        if kind in ("term", "part") and token == text:
            return True
        if kind == "prefix" and token.startswith(text):
            return True
        if kind == "wildcard" and fnmatch.fnmatchcase(token, text):
            return True
    return False
