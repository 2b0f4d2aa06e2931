"""German terms in SQLite: every page's words as the stems of :mod:`qmarchive.german`, stored at ingest.

``pages_german`` is an FTS5 table (``unicode61``) over space-separated terms, one column each for the
page text (one term per word, in order, so phrases work; stopwords kept, marked, so that a phrase
with "im" or "und" in it still lines up), the compound parts of its words, the section heading and the
document title. ``lexicon`` maps each word of the archive (case-folded, gender suffix removed) to its
stem, its indexed compound parts and its query split, so any SQLite client can analyse a query by
lookup: ``SELECT stem FROM lexicon WHERE word = lower('Spielplätze')``.

The compound splitter knows the archive's own words, so a word's parts depend on the archive at the
time it was first seen; ``rebuild`` analyses everything again with today's vocabulary, and runs on its
own when :data:`VERSION` (analyzer and layout) differs from the stored one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlite_utils import Database

from qmarchive import german

# Raise when the stored layout of terms changes; german.ANALYZER_VERSION is part of the version too.
# 2: stopwords carry STOPWORD_MARK.
LAYOUT_VERSION = 2
# Appended to a stopword's term, so that it never meets a stem: Snowball stems "Sicherheit" and "sicher" to
# "sich", and without the mark every page with the word "sich" matched them. Stopwords are letters only,
# so no word of a text has this form.
STOPWORD_MARK = "0"
# Columns text, parts, section, title, ranked by bm25 with the weights 10, 4, 2, 1 (migration m012).
TABLE = "pages_german"
# The columns a word of a query is searched in: the section heading and the title only raise the rank.
WORD_COLUMNS = "{text parts}"
# Every match ranked by bm25 with those weights.
MATCHES_SQL = f"SELECT rowid, rank FROM {TABLE} WHERE {TABLE} MATCH ? ORDER BY rank"
# Which of these pages match, with their bm25. "+rowid" keeps the rowids from FTS5, which, given them,
# evaluates the expression once for each (176 ms for 100 pages at 20,000); so it reads every match as usual,
# but bm25 is computed for these pages alone and only they reach Python.
_AMONG_SQL = (
    "SELECT rowid{rank} FROM " + TABLE + " WHERE " + TABLE + " MATCH ? AND +rowid IN (SELECT value FROM json_each(?))"
)


# Every match in rowid order, without bm25 and as one JSON array: what the total and the facets need, in a
# tenth of the time that ranking and reading them row by row took.
_ROWIDS_SQL = f"SELECT json_group_array(rowid) FROM {TABLE} WHERE {TABLE} MATCH ?"


def rowids(db: Database, match: str) -> list[int]:
    """Every page that matches the MATCH expression, by rowid, in rowid order."""
    return json.loads(db.execute(_ROWIDS_SQL, [match]).fetchone()[0])


def mask(rowids: Iterable[int], size: int) -> bytearray:
    """These pages as a mask by rowid (1: in the set) of ``size`` pages; rowids beyond it are left out."""
    found = bytearray(size)
    for rowid in rowids:
        if rowid < size:
            found[rowid] = 1
    return found


def scores(db: Database, match: str, rowids: Iterable[int]) -> dict[int, float]:
    """The bm25 score (higher is better) of each of these pages that matches the MATCH expression."""
    wanted = sorted(rowids)
    sql = _AMONG_SQL.format(rank=", rank")
    return {rowid: -rank for rowid, rank in db.execute(sql, [match, json.dumps(wanted)])} if wanted else {}


def matching(db: Database, match: str, rowids: Iterable[int]) -> set[int]:
    """Those of these pages that match the MATCH expression."""
    wanted = sorted(rowids)
    return (
        {rowid for (rowid,) in db.execute(_AMONG_SQL.format(rank=""), [match, json.dumps(wanted)])} if wanted else set()
    )


def version() -> str:
    return f"{german.ANALYZER_VERSION}.{LAYOUT_VERSION}"


@dataclass(frozen=True)
class Entry:
    """A word's analysis as the lexicon stores it."""

    stem: str
    parts: tuple[str, ...]  # every part, also runs of parts (indexing)
    split: tuple[str, ...]  # the top-level split (queries)


@lru_cache(maxsize=200_000)
def key(word: str) -> str:
    """The lexicon key of a written word: gender suffix removed, case folded."""
    return german.fold(german.gender_neutral(word))


def token(word: str, entry: Entry | None) -> str:
    """The term a word stands as in the text column: its stem, or for a stopword the folded word, marked."""
    return entry.stem if entry is not None else german.fold(word) + STOPWORD_MARK


def analyse(word: str, splitter: german.CompoundSplitter | None) -> Entry | None:
    term = german.analyse(word, splitter)
    if term is None:
        return None
    split = german.analyse(word, splitter, all_levels=False) if splitter is not None else None
    return Entry(term.stem, term.parts, split.parts if split else ())


class Analyser:
    """Words → lexicon entries; remembers every word it has seen and which ones are new."""

    def __init__(self, splitter: german.CompoundSplitter, known: Mapping[str, Entry | None] | None = None):
        self.splitter = splitter
        self.entries: dict[str, Entry | None] = dict(known or {})
        self.new: dict[str, Entry] = {}
        self._written: dict[str, tuple[str, tuple[str, ...]]] = {}  # word as written → (term, parts)

    def entry(self, word: str) -> Entry | None:
        k = key(word)
        try:
            return self.entries[k]
        except KeyError:
            found = self.entries[k] = analyse(word, self.splitter)
            if found is not None:
                self.new[k] = found
            return found

    def terms(self, text: str) -> tuple[str, str]:
        """(text column, parts column) of a text."""
        tokens: list[str] = []
        parts: list[str] = []
        written = self._written
        for word in german.word_list(text):
            try:
                term, word_parts = written[word]
            except KeyError:
                found = self.entry(word)
                term = token(word, found)
                word_parts = tuple(p for p in found.parts if p != found.stem) if found is not None else ()
                written[word] = (term, word_parts)
            tokens.append(term)
            parts.extend(word_parts)
        return " ".join(tokens), " ".join(parts)

    def row(self, page: dict[str, Any]) -> dict[str, Any]:
        text = page["text"] or ""
        if page.get("continuation"):
            # A word hyphenated across the page break is found on the page where it starts.
            text = f"{text}\n{page['continuation']}"
        terms, parts = self.terms(text)
        section, section_parts = self.terms(page["section"] or "")
        title, _ = self.terms(page["title"] or "")
        return {
            "rowid": page["rowid"],
            "text": terms,
            "parts": parts,
            "section": f"{section} {section_parts}".strip(),
            "title": title,
        }


_PAGES_SQL = """
SELECT p.rowid, p.text, p.continuation, p.section, d.title
FROM pages p JOIN documents d ON d.id = p.document_id
{where}
"""


def _pages(db: Database, where: str = "", params: Iterable[Any] = ()) -> Iterator[dict[str, Any]]:
    yield from db.query(_PAGES_SQL.format(where=where), list(params))


def load(db: Any, words: Iterable[str]) -> dict[str, Entry]:
    """Lexicon entries of these words (``db``: a Database or a bare SQLite connection)."""
    wanted = sorted(set(words))
    found: dict[str, Entry] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for word, stem, parts, split in db.execute(
            f"SELECT word, stem, parts, split FROM lexicon WHERE word IN ({', '.join('?' * len(chunk))})", chunk
        ):
            found[word] = Entry(stem, tuple(parts.split()), tuple(split.split()))
    return found


def _store_lexicon(db: Database, entries: dict[str, Entry]) -> None:
    db.table("lexicon").upsert_all(
        (
            {"word": w, "stem": e.stem, "parts": " ".join(e.parts), "split": " ".join(e.split)}
            for w, e in entries.items()
        ),
        pk="word",
        batch_size=1000,
    )


def index_document(db: Database, document_id: str) -> None:
    """Store the terms of one document's pages; callers hold the transaction that wrote the pages.

    Words already in the lexicon keep their analysis; new words are split with common German words,
    the lexicon's words and the document's own words as possible parts.
    """
    pages = list(_pages(db, "WHERE p.document_id = ?", [document_id]))
    written = {
        key(w)
        for page in pages
        for field in ("text", "continuation", "section", "title")
        for w in german.word_list(page[field] or "")
    }
    known = load(db, written)
    analyser = Analyser(_ingest_splitter(db, written - set(known)), known)
    db.table(TABLE).insert_all((analyser.row(page) for page in pages), batch_size=500)
    _store_lexicon(db, analyser.new)
    _remember_splitter(db)
    if stored_version(db) is None:  # the first pages of a new database
        _set_state(db, None)


_splitters: dict[str, tuple[int, german.CompoundSplitter]] = {}


def database_file(db: Any) -> str:
    """The file of the connection's main database ('' in memory)."""
    return next((row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"), "")


def _ingest_splitter(db: Database, new_words: set[str]) -> german.CompoundSplitter:
    """The splitter for a document's new words: common German words, the lexicon's and the new words.

    Kept per database file while the lexicon only grows by what this process adds (ingest writes
    document after document); read again from the lexicon otherwise."""
    path = database_file(db)
    words = db.execute("SELECT count(*) FROM lexicon").fetchone()[0]
    cached = _splitters.get(path)
    if cached is None or cached[0] != words:
        splitter = german.splitter_for(w for (w,) in db.execute("SELECT word FROM lexicon"))
    else:
        splitter = cached[1]
    splitter.add_corpus_words(new_words)
    _splitters.clear()
    _splitters[path] = (-1, splitter)  # until index_document has stored the new words
    return splitter


def _remember_splitter(db: Database) -> None:
    path = database_file(db)
    if path in _splitters:
        _splitters[path] = (db.execute("SELECT count(*) FROM lexicon").fetchone()[0], _splitters[path][1])


def rebuild(db: Database) -> int:
    """Analyse every page again with today's analyzer and vocabulary, in one transaction; returns pages."""
    started = time.perf_counter()
    written: set[str] = set()
    for (text,) in db.execute("SELECT text FROM pages"):
        written.update(german.word_list(text))
    analyser = Analyser(german.splitter_for({key(w) for w in written}))
    with db.atomic():
        db.execute(f"DELETE FROM {TABLE}")
        db.execute("DELETE FROM lexicon")
        pages = 0
        rows = (analyser.row(page) for page in _pages(db))
        while batch := list(islice(rows, 1000)):
            db.table(TABLE).insert_all(batch, batch_size=1000)
            pages += len(batch)
        _store_lexicon(db, analyser.new)
        db.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
        _set_state(db, time.perf_counter() - started)
    return pages


def _set_state(db: Database, seconds: float | None) -> None:
    built_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    db.table("german_terms_state").upsert(
        {"id": 1, "version": version(), "built_at": built_at, "seconds": seconds}, pk="id"
    )


def stored_version(db: Database) -> str | None:
    row = db.execute("SELECT version FROM german_terms_state WHERE id = 1").fetchone()
    return row[0] if row else None


def forget_removed(db: Database) -> int:
    """After pages were removed for good (a withdrawal): drop the lexicon's words no stored page or title
    uses any more and merge the index, so that their text is not left in the file; returns words dropped.
    Callers hold the transaction (and ``secure_delete``)."""
    used: set[str] = set()
    for page in _pages(db):
        for name in ("text", "continuation", "section", "title"):
            used.update(map(key, german.word_list(page[name] or "")))
    gone = [word for (word,) in db.execute("SELECT word FROM lexicon") if word not in used]
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        db.execute(f"DELETE FROM lexicon WHERE word IN ({', '.join('?' * len(chunk))})", chunk)
    db.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
    return len(gone)


def rebuild_reason(db: Database) -> str | None:
    """Why the terms must be made anew: another analyzer version, or pages without terms (a database
    from before, or pages written another way); None if they are current."""
    stored = stored_version(db)
    if stored is not None and stored != version():
        return f"made with version {stored}, this version needs {version()}"
    missing = db.execute(f"SELECT count(*) FROM pages WHERE rowid NOT IN (SELECT rowid FROM {TABLE})").fetchone()[0]
    return f"{missing} pages without terms" if missing else None


def rebuild_if_needed(db: Database) -> int:
    """Rebuild if :func:`rebuild_reason` gives a reason; returns the pages analysed (0: current)."""
    return rebuild(db) if rebuild_reason(db) else 0
