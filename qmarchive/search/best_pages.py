"""The best-ranked pages of the archive's most frequent words, so that a query of one frequent word, or of
several (:func:`combined`), need not rank every match.

FTS5 computes bm25 for every match before it hands out the best ten (about 1.5 µs a match: 130 ms for a word
on 70,000 of 100,000 pages). For every term of ``pages_german`` on at least FREQUENT pages, the words of the
lexicon with that stem are analysed as a query would be (the MATCH expression of the word alone: its stem, a
compound's parts, its synonyms), and the best LISTED matches of each such expression are kept in
``best_pages``, in bm25 order with their scores. They are exact while the pages stay as they are: the first n
of them that pass a filter are the best n of all matches that pass it, whenever the list holds n such pages;
otherwise the search ranks every match as before. Any change of the pages or of their terms marks the lists
stale (triggers of migration m014), a stale list is never read, and the commands that write the archive
list them again at their end (:func:`refresh`, from ``qmarchive index`` and every command that updates the
search index). A query analysed differently (another thesaurus) has no list and is ranked in full.

Beside its list, each expression's matches are kept whole, as a mask by rowid (``best_pages_matches``,
compressed), and so are those of the word as typed when its expression has synonyms: the total and the
facets of a frequent word, and the check which of its best pages have the typed word, need not read every
match from FTS5 (at 100,000 pages 15–25 ms for a word on most pages, :func:`matched`).
"""

from __future__ import annotations

import logging
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from qmarchive.search import german_terms

FREQUENT = 5_000  # pages a term is on before its best pages are listed (bm25 of fewer takes under ~8 ms)
LISTED = 1_000  # best pages kept an expression: enough for the 100 re-ranked candidates behind most filters

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    terms: int  # frequent terms
    lists: int  # MATCH expressions of their words listed
    seconds: float


def listed(db: Database, match: str, allowed: bytes | None, wanted: int) -> list[tuple[int, float]] | None:
    """The ``wanted`` best matches (rowid, bm25) within the allowed pages (a mask by rowid; None: all), read
    from the list of this MATCH expression when there is one, the lists are current and it holds that many
    allowed pages or all matches of the expression (fewer than the lists' size when they were made); None
    when the search must rank every match itself."""
    size = _current_size(db)
    if size is None:
        return None
    rows = _list(db, match)
    if not rows:  # no list for this expression: not a frequent word alone
        return None
    best = [(rowid, score) for rowid, score in rows if allowed is None or (rowid < len(allowed) and allowed[rowid])]
    return best[:wanted] if len(best) >= wanted or len(rows) < size else None


def combined(
    db: Database, match: str, chains: list[list[str]], matched: bytearray, wanted: int, *, filtered: bool = False
) -> list[tuple[int, float]] | None:
    """The ``wanted`` best matches (rowid, bm25) of a query of several clauses (``match``, an AND of
    OR-chains: ``Query.chains``) found among its clauses' lists, or None when the lists cannot prove them
    the best. ``matched``: the query's matches within the allowed pages, a mask by rowid; ``filtered``:
    a filter narrowed them.

    The candidates are the listed pages that match; their bm25 for the whole query is read for them alone.
    bm25 is a sum over the query's phrases, each counted on its own, so a page in none of the lists scores
    at most the sum of the lists' last scores (the threshold algorithm; a clause of several phrases must
    be in a chain of its own, so that a page matching the query has it whole, and a clause whose list
    holds all its matches adds nothing there): the candidates are the best when the last one wanted
    scores more than that. Behind a filter the bound stays that of all pages while the candidates thin
    out, so that it seldom holds (at 20,000 pages for 6 of 24 filtered queries of two frequent words; the
    others spent 6–16 ms of their 20–46 ms on it for nothing): a filtered query is taken from the lists only
    when one of them holds every match."""
    clauses = [clause for chain in chains for clause in chain]
    if len(clauses) < 2 or any(len(chain) > 1 and clause.count('"') != 2 for chain in chains for clause in chain):
        return None
    size = _current_size(db)
    if size is None:
        return None
    lists = [_list(db, clause) for clause in clauses]
    if not all(lists):
        return None
    whole = [len(rows) < size for rows in lists]  # the list holds every match of its clause
    alone = [len(chain) == 1 for chain in chains for _ in chain]  # a page must have the clause to match
    every = any(complete and must for complete, must in zip(whole, alone))  # every match is a candidate
    if filtered and not every:
        return None
    candidates = sorted({rowid for rows in lists for rowid, _ in rows if rowid < len(matched) and matched[rowid]})
    if len(candidates) < wanted and not every and len(candidates) != matched.count(1):
        return None  # too few listed pages match
    ranked = sorted(german_terms.scores(db, match, candidates).items(), key=lambda item: (-item[1], item[0]))[:wanted]
    if every or len(ranked) < wanted:
        return ranked
    bound = sum(rows[-1][1] for rows, complete in zip(lists, whole) if not complete)
    return ranked if ranked[-1][1] > bound else None


def matched(db: Database, match: str, chains: list[list[str]] | None = None) -> bytes | None:
    """Every match of this MATCH expression as a mask by rowid (1: a match) of as many pages as the archive
    had when the lists were made: kept with them, or, for an AND of OR-chains of clauses (``Query.chains``),
    made of its clauses' kept matches (a page with a clause of every chain); None when the lists are stale
    or a match needed was not kept."""
    if _current_size(db) is None:
        return None
    own = _kept(db, match)
    if own is not None or not chains:
        return own
    every: int | None = None
    size = 0
    for chain in chains:
        either = 0
        for clause in chain:
            kept = _kept(db, clause)
            if kept is None:
                return None
            size = len(kept)
            either |= int.from_bytes(kept, "little")
        every = either if every is None else every & either
    return every.to_bytes(size, "little") if every is not None else None


def _kept(db: Database, match: str) -> bytes | None:
    try:
        row = db.execute("SELECT mask FROM best_pages_matches WHERE match = ?", [match]).fetchone()
    except sqlite3.OperationalError:  # a database from before migration m015, served without being migrated
        return None
    if row is None:
        return None
    try:
        return zlib.decompress(row[0])
    except zlib.error as exc:  # a damaged row: FTS5 finds the matches, as for any expression not kept
        log.warning(
            "%s: the kept matches of %s cannot be read (%s); found by FTS5 instead until "
            "'qmarchive index --rebuild' lists them again",
            german_terms.database_file(db),
            match,
            exc,
        )
        return None


def _current_size(db: Database) -> int | None:
    """The lists' size when they were made, or None when they are stale or missing."""
    try:
        current = db.execute("SELECT fresh, size FROM best_pages_state WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # a database from before migration m014, served without being migrated
        return None
    return current[1] if current and current[0] else None


def _list(db: Database, match: str) -> list[tuple[int, float]]:
    return db.execute("SELECT page_rowid, score FROM best_pages WHERE match = ? ORDER BY position", [match]).fetchall()


def differences(db: Database) -> tuple[int, list[str]]:
    """Every list and every kept mask compared with what FTS5 finds now (as :func:`refresh` would make them
    again, so it costs about as much): the expressions compared, and a line for each that differs or cannot
    be read. Only meaningful while the lists are current."""
    size = _current_size(db) or LISTED
    found: list[str] = []
    listed = [match for (match,) in db.execute("SELECT DISTINCT match FROM best_pages ORDER BY match").fetchall()]
    for match in listed:
        stored = _list(db, match)
        ranked = [(rowid, -rank) for rowid, rank in db.execute(f"{german_terms.MATCHES_SQL} LIMIT ?", [match, size])]
        differ = _first_difference(stored, ranked)
        if differ is not None:
            found.append(
                f"the list of {match} differs from FTS5's ranking from position {differ + 1} "
                f"({len(stored)} pages listed, {len(ranked)} ranked)"
            )
    masks = db.execute("SELECT match, mask FROM best_pages_matches ORDER BY match").fetchall()
    for match, blob in masks:
        try:
            kept = zlib.decompress(blob)
        except zlib.error as exc:
            found.append(f"the kept matches of {match} cannot be read ({exc})")
            continue
        matches = german_terms.rowids(db, match)
        if kept.count(1) != len(matches) or kept != german_terms.mask(matches, len(kept)):
            found.append(f"the kept matches of {match} differ from FTS5's ({kept.count(1)} kept, {len(matches)} found)")
    return len(listed) + len(masks), found


def _first_difference(stored: list[tuple[int, float]], ranked: list[tuple[int, float]]) -> int | None:
    """The first position where a list and FTS5's ranking differ in page or score (None: nowhere)."""
    for position, ((page, score), (rowid, rank)) in enumerate(zip(stored, ranked)):
        if page != rowid or abs(score - rank) > 1e-9 * max(1.0, abs(rank)):
            return position
    return None if len(stored) == len(ranked) else min(len(stored), len(ranked))


def state(db: Database) -> dict[str, Any] | None:
    """Whether the lists are current, when and how fast they were made, and how many terms they cover."""
    try:
        row = db.execute("SELECT fresh, terms, lists, built_at, seconds FROM best_pages_state WHERE id = 1").fetchone()
    except sqlite3.OperationalError:
        return None
    return dict(zip(("fresh", "terms", "lists", "built_at", "seconds"), row)) if row else None


def is_stale(db: Database) -> bool:
    current = state(db)
    return current is not None and not current["fresh"]


def frequent_terms(db: Database) -> list[str]:
    """The terms on at least FREQUENT pages, in any column (a stopword's term has no word in the lexicon, so
    nothing is listed for it)."""
    db.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.best_pages_vocab USING fts5vocab(main, {german_terms.TABLE}, 'row')"
    )
    return [
        term
        for (term,) in db.execute("SELECT term FROM temp.best_pages_vocab WHERE doc >= ? ORDER BY term", [FREQUENT])
    ]


def refresh(db: Database, expressions_of: Callable[[str], tuple[str, ...]]) -> Report:
    """List the best pages of the words of every frequent term again, in one transaction, and mark the lists
    current; ``expressions_of``: a word → the MATCH expression a query of that word alone is searched with
    (listed, its matches kept), then any other such a query reads every match of (the word as typed,
    without synonyms: its matches kept)."""
    started = time.perf_counter()
    with db.atomic():
        db.execute("DELETE FROM best_pages")
        db.execute("DELETE FROM best_pages_matches")
        pages = db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM pages").fetchone()[0]
        terms = frequent_terms(db)
        tried: set[str] = set()
        done: set[str] = set()  # the expressions with matches, listed
        kept: set[str] = set()
        for term in terms:
            for (word,) in db.execute("SELECT word FROM lexicon WHERE stem = ?", [term]).fetchall():
                match, *others = expressions_of(word)
                if match in tried:
                    continue
                tried.add(match)
                ranked = db.execute(f"{german_terms.MATCHES_SQL} LIMIT ?", [match, LISTED]).fetchall()
                if not ranked:
                    continue
                done.add(match)
                db.conn.executemany(
                    "INSERT INTO best_pages (match, position, page_rowid, score) VALUES (?, ?, ?, ?)",
                    [(match, position, rowid, -rank) for position, (rowid, rank) in enumerate(ranked)],
                )
                for expression in (match, *others):
                    if expression not in kept:
                        kept.add(expression)
                        every = german_terms.mask(german_terms.rowids(db, expression), pages)
                        db.execute(
                            "INSERT INTO best_pages_matches (match, mask) VALUES (?, ?)",
                            [expression, zlib.compress(every)],
                        )
        seconds = time.perf_counter() - started
        db.execute(
            "UPDATE best_pages_state SET fresh = 1, size = ?, terms = ?, lists = ?, built_at = ?, seconds = ? WHERE id = 1",
            [
                LISTED,
                len(terms),
                len(done),
                datetime.now(timezone.utc).isoformat(timespec="seconds"),
                round(seconds, 3),
            ],
        )
    return Report(len(terms), len(done), time.perf_counter() - started)
