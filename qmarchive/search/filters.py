"""Field filter values as people type them (typ:IHEK, typ:Broschüre, feld:Wohnumfeld) → the index's own terms.

Values are compared case- and accent-insensitively with each term and with its label (the document type
or Handlungsfeld as pages show it), so the facet's wording works as a filter. A value that matches
nothing raises :class:`FilterValueError` listing the valid ones: an unknown filter must not look like
an empty result.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher

from qmarchive import topics
from qmarchive.catalog import DOC_TYPE_LABELS, DOC_TYPES
from qmarchive.errors import FilterValueError
from qmarchive.search.results import FACETS

MAX_LISTED = 30


def resolve(searcher: Searcher, filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each filter's values as index terms, duplicates dropped, in the order given."""
    resolved: dict[str, list[str]] = {}
    for name, values in filters.items():
        terms = resolved.setdefault(name, [])
        for value in values:
            terms.extend(term for term in terms_for(searcher, name, value) if term not in terms)
    return {name: terms for name, terms in resolved.items() if terms}


def resolve_query(searcher: Searcher, q: wq.Query) -> wq.Query:
    """Field filters written in the query (typ:IHEK) replaced by the terms they name."""
    if isinstance(q, wq.Term) and q.fieldname in FACETS:
        clauses = [wq.Term(q.fieldname, term, boost=q.boost) for term in terms_for(searcher, q.fieldname, q.text)]
        return clauses[0] if len(clauses) == 1 else wq.Or(clauses)
    if q.is_leaf():
        return q
    return q.apply(lambda sub: resolve_query(searcher, sub))


def terms_for(searcher: Searcher, name: str, value: str) -> list[str]:
    """The index terms one filter value names; raises FilterValueError if none."""
    return matching(name, value, _terms(searcher, name))


def matching(name: str, value: str, known: list[str]) -> list[str]:
    """The terms of ``known`` (all of a field's terms) one filter value names, for any engine; raises
    FilterValueError if none."""
    wanted = topics.fold_accents(value).strip()
    if name == "feld":
        found = topics.lookup(value)
    else:
        found = [
            term for term in known if wanted in (topics.fold_accents(term), topics.fold_accents(label(name, term)))
        ]
    if not found:
        raise FilterValueError(
            name,
            value,
            [_listed(name, term) for term in known[:MAX_LISTED]] + (["…"] if len(known) > MAX_LISTED else []),
        )
    return found


def label(name: str, term: str) -> str:
    """How pages show a term: the document type's or Handlungsfeld's name, else the term itself."""
    if name == "typ":
        return DOC_TYPE_LABELS.get(term, term)
    if name == "feld":
        return next((t.name for t in topics.lexicon().topics if t.id == term), term)
    return term


def _listed(name: str, term: str) -> str:
    shown = label(name, term)
    return term if shown == term else f"{shown} ({term})"


def _terms(searcher: Searcher, name: str) -> list[str]:
    """Every valid term: all document types and Handlungsfelder, the years and documents in the index."""
    if name == "typ":
        return list(DOC_TYPES)
    if name == "feld":
        return [topic.id for topic in topics.lexicon().topics]
    field = searcher.schema[name]
    return [field.from_bytes(term) for term in searcher.reader().lexicon(name)]
