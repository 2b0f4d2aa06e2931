"""Facet counts of a search: how many matching pages each year, type, Handlungsfeld and document has.

Whoosh can count facets while it collects hits, but then it scores every match and rebuilds each
segment's document → values lists from the postings on every query. Here the lists are built once per
index segment (a segment's postings never change; deletions only hide documents, which a query never
matches) and a search's matches are counted against them.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from itertools import chain

from whoosh.searching import Searcher

from qmarchive.search.results import FACETS

Values = tuple[str, ...]

_lock = threading.Lock()
# (field, the segments of one index state) → value tuple per global document number; few index states live at once.
_by_state: dict[tuple[str, tuple[tuple[str, int], ...]], list[Values]] = {}
_STATES_KEPT = 8


def count(searcher: Searcher, docnums: Iterable[int]) -> dict[str, list[tuple[str, int]]]:
    """Facet name → (value, matching pages) pairs, most pages first, for the given global document numbers."""
    docnums = list(docnums)
    counts = {}
    for name in FACETS:
        values = _values(searcher, name)
        found = Counter(chain.from_iterable(map(values.__getitem__, docnums)))
        counts[name] = sorted(((v, c) for v, c in found.items() if v), key=lambda item: (-item[1], item[0]))
    return counts


def _values(searcher: Searcher, fieldname: str) -> list[Values]:
    """Every document's values of the field, by global document number, built once per index state."""
    leaves = searcher.leaf_searchers()
    state = tuple((leaf.reader().segment().segment_id(), leaf.doc_count_all()) for leaf, _ in leaves)
    key = (fieldname, state)
    values = _by_state.get(key)
    if values is None:
        values = []
        for leaf, _offset in leaves:  # leaf searchers come in document-number order
            values.extend(_segment_values(leaf, fieldname))
        with _lock:
            if len(_by_state) >= _STATES_KEPT:
                _by_state.clear()
            _by_state[key] = values
    return values


def _segment_values(leaf: Searcher, fieldname: str) -> list[Values]:
    reader = leaf.reader()
    field = reader.schema[fieldname]
    per_doc: list[list[str]] = [[] for _ in range(reader.doc_count_all())]
    for term in reader.lexicon(fieldname):
        value = field.from_bytes(term)
        for docnum in reader.postings(fieldname, term).all_ids():
            per_doc[docnum].append(value)
    shared: dict[Values, Values] = {}  # pages of one document share their tuples
    return [shared.setdefault(tuple(v), tuple(v)) for v in per_doc]
