"""Which pages a query matches, without scoring them, and the phrase bonus for the best-ranked ones."""

from __future__ import annotations

from whoosh import query as wq
from whoosh.searching import Searcher


def docnums(searcher: Searcher, q: wq.Query) -> set[int]:
    """The global document numbers q matches, deleted documents excluded.

    Word queries are resolved with set operations on each term's postings, which is several times
    faster than stepping Whoosh's matcher tree one document at a time; other queries go to Whoosh.
    """
    if isinstance(q, wq.Term):
        if (q.fieldname, q.text) not in searcher.reader():
            return set()
        return set(searcher.postings(q.fieldname, q.text).all_ids())
    if type(q) is wq.Or and not q.minmatch:
        return set().union(*(docnums(searcher, sub) for sub in q.subqueries))
    if type(q) is wq.And:
        parts = sorted((docnums(searcher, sub) for sub in q.subqueries), key=len)
        return set.intersection(*parts) if parts else set()
    if isinstance(q, wq.AndMaybe):
        return docnums(searcher, q.a)
    if isinstance(q, wq.AndNot):
        return docnums(searcher, q.a) - docnums(searcher, q.b)
    return set(searcher.docs_for_query(q))


def phrase_scores(searcher: Searcher, phrase: wq.Query, candidates: list[int]) -> dict[int, float]:
    """Score of the phrase on each candidate document that contains it.

    Matching a phrase means reading word positions; doing it only for a page of candidates, by
    skipping to each of them, avoids reading positions on every page both words occur on.
    """
    found: dict[int, float] = {}
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        wanted = sorted(d - offset for d in candidates if offset <= d < end)
        if not wanted:
            continue
        matcher = phrase.matcher(leaf, leaf.context())
        for docnum in wanted:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                found[docnum + offset] = matcher.score()
    return found
