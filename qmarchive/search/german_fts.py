"""German search in SQLite's FTS5 over the pre-analysed terms of :mod:`qmarchive.search.german_terms`.

A query is analysed in Python, word by word as the pages were, into an FTS5 MATCH expression: a word
matches its stem in the page's text or among the parts of its compounds, or, if it is a compound itself,
all its parts (``"spielplatz" OR ("spiel" AND "platz")``); its thesaurus synonyms are alternatives. The
section heading and the document title only raise the rank (or are searched with ``abschnitt:…``,
``titel:…``), so no page is found for them alone. Facet values of every page are read once per database
state and counted in Python.
"""

from __future__ import annotations

import heapq
import html
import json
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import compress
from typing import Any

from sqlite_utils import Database

from qmarchive import german, store, topics
from qmarchive.catalog import DOC_TYPES
from qmarchive.errors import SearchIndexError
from qmarchive.search import filters as field_filters
from qmarchive.search import best_pages, german_terms
from qmarchive.search.german_terms import Entry
from qmarchive.search.results import FACETS, SNIPPET_CHARS, Hit, SearchResult, fetch_pages

NOTHING = '""'  # valid FTS5 that matches nothing
MAX_QUERY_CHARS = 500  # search.run refuses longer queries; SQL's german_match reads this much of one
MIN_PREFIX = 2
# A word must be on the page: the section heading (shared by all pages of a chapter) and the title only
# raise the rank of pages whose text matches, unless asked for with abschnitt:… or titel:….
WORD_COLUMNS = german_terms.WORD_COLUMNS
PHRASE_COLUMNS = "{text}"
FIELD_COLUMNS = {"titel": "title", "abschnitt": "section", "text": "text parts"}
_OR = {"OR", "ODER"}
_NOT = {"NOT", "NICHT"}
_AND = {"AND", "UND"}
# A quoted phrase, a field with a value (quoted or not), or anything up to the next space.
_TOKEN = re.compile(r'(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')
_UMLAUT_BASE = str.maketrans("äöü", "aou")
_YEARS = re.compile(r"\bjahr:\[\s*(\d{4})\s+(?:TO|BIS)\s+(\d{4})\s*\]", re.IGNORECASE)
# Plain words typed together rank higher where they stand together as typed, stopwords included
# ("Integration und Nachbarschaft"): the best-ranked pages get the phrase's bm25 score times PHRASE_BONUS.
_PLAIN_WORDS = re.compile(r"^[^\W_]+(?:[^\w\"():*?\[\]{}^~]+[^\W_]+)*$")
PHRASE_BONUS = 2.0
PHRASE_BONUS_CANDIDATES = 100
# Plain words typed together rank higher where they stand within NEAR_WORDS words of each other, in any
# order: the best-ranked pages get that NEAR query's bm25 score times NEAR_BONUS (beside the phrase's).
NEAR_WORDS = 10
NEAR_BONUS = 1.0
# A page found only through a synonym from the thesaurus counts this much of its bm25 score.
SYNONYM_WEIGHT = 0.5
# Among the best pages, the bm25 of the same query in the section heading, times this, is added.
SECTION_BONUS = 1.0
# Among the best pages, one that has a typed word only as another word of its stem, a compound's part or a
# synonym ("Schule" for "Schüler", "vertreten" for "Vertreter") counts this much of its score, per share of
# the typed words it lacks as written: at the start of a word, case, ß, accents and a gender ending aside
# ("Spielplatz" is written in "Spielplätze", "Spielplatzes", "Spielplatzsanierung").
STEM_ONLY_WEIGHT = 0.6

Lookup = Callable[[str], Entry | None]
# Lexicon entries by key (german_terms.key), None for a word that has none; kept up to CACHED_WORDS.
Entries = dict[str, Entry | None]
CACHED_WORDS = 100_000


# --- thesaurus ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thesaurus:
    version: int
    groups: tuple[tuple[tuple[str, ...], ...], ...]  # each entry: its tokens (a phrase if several)

    def alternatives(self, stem: str) -> list[tuple[str, ...]]:
        """The other entries of every group the stem belongs to."""
        return self.alternatives_of((stem,))

    def alternatives_of(self, entry: tuple[str, ...]) -> list[tuple[str, ...]]:
        """The other entries of every group this entry (a word's stem, or a phrase's tokens) belongs to."""
        found: list[tuple[str, ...]] = []
        for group in self.groups:
            if entry in group:
                found.extend(other for other in group if other != entry and other not in found)
        return found


@lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    """The package's thesaurus (``thesaurus.json``), its entries analysed like page text."""
    data = json.loads((resources.files("qmarchive.search") / "thesaurus.json").read_text(encoding="utf-8"))
    groups = []
    for group in data["groups"]:
        entries = []
        for text in group:
            tokens = tuple(german_terms.token(w, german_terms.analyse(w, None)) for w in german.word_list(text))
            if tokens:
                entries.append(tokens)
        groups.append(tuple(entries))
    return Thesaurus(data["version"], tuple(groups))


# --- query → MATCH ----------------------------------------------------------------------------------


def _quoted(tokens: tuple[str, ...] | list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


@dataclass
class Query:
    """A query analysed: the MATCH expression, the filters it named, the terms to mark in snippets."""

    match: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # NICHT jahr:2012
    page_filters: dict[str, list[str]] = field(default_factory=dict)  # gebiet:, seite:, page_id: (PAGE_FIELDS)
    page_excluded: dict[str, list[str]] = field(default_factory=dict)
    years: list[tuple[int, int]] = field(default_factory=list)  # jahr:[2015 TO 2019]
    marks: set[str] = field(default_factory=set)  # stems: mark words with this stem or part
    part_marks: set[str] = field(default_factory=set)  # a compound's parts: mark compounds with this part
    prefixes: set[str] = field(default_factory=set)
    near: str | None = None  # for plain words only: the words as a phrase, for the bonus
    close: str | None = None  # for plain words only: the words near each other in any order (NEAR_WORDS)
    synonyms: bool = False  # thesaurus alternatives were added
    # The MATCH expression as an AND of OR-chains of clauses (a word, a phrase, a prefix, a field) when it is
    # no more than that (no NOT, no thesaurus phrase added): its bm25 is then the sum of its clauses' own.
    chains: list[list[str]] = field(default_factory=list)
    # Words as written → marked in snippets or not, decided once per query (a page repeats its words).
    decided: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)


class _Builder:
    def __init__(self, lookup: Lookup, synonyms: bool):
        self.lookup = lookup
        self.synonyms = synonyms
        self.query = Query(NOTHING)
        self.stems: list[str] = []

    def word(self, word: str) -> str | None:
        entry = self.lookup(word)
        if entry is None:
            return None
        self.stems.append(entry.stem)
        options = [_quoted([entry.stem])]
        self.query.marks.add(entry.stem)
        if entry.split:
            options.append("(" + " AND ".join(_quoted([p]) for p in entry.split) + ")")
            self.query.part_marks.update(entry.split)
        for tokens in thesaurus().alternatives(entry.stem) if self.synonyms else ():
            options.append(_quoted(tokens))
            self.query.marks.update(tokens)
            self.query.synonyms = True
        return options[0] if len(options) == 1 else "(" + " OR ".join(options) + ")"

    def words(self, text: str, columns: str = WORD_COLUMNS) -> str | None:
        """All words of a text, each with its alternatives."""
        clauses = [c for c in (self.word(w) for w in german.word_list(text)) if c]
        if not clauses:
            return None
        return f"{columns}: " + (clauses[0] if len(clauses) == 1 else "(" + " AND ".join(clauses) + ")")

    def phrase(self, text: str, columns: str = PHRASE_COLUMNS) -> str | None:
        """The words in this order, stopwords included (they are kept in the text column)."""
        words = german.word_list(text)
        entries = [self.lookup(w) for w in words]
        if not any(entries):
            return None
        tokens = [german_terms.token(w, e) for w, e in zip(words, entries)]
        self.query.marks.update(e.stem for e in entries if e)
        return f"{columns}: {_quoted(tokens)}"

    def prefix(self, text: str) -> str | None:
        found = german.word_list(german.fold(text).translate(_UMLAUT_BASE))
        if len(found) != 1 or len(found[0]) < MIN_PREFIX:
            return None
        self.query.prefixes.add(found[0])
        return f"{WORD_COLUMNS}: {_quoted([found[0]])}*"

    def clause(self, match: re.Match[str]) -> str | None:
        name, phrase, bare = match.group("field"), match.group("phrase"), match.group("bare")
        value = phrase if phrase is not None else bare or ""
        if name and name.lower() in FIELD_COLUMNS:
            columns = "{" + FIELD_COLUMNS[name.lower()] + "}"
            return self.phrase(value, columns) if phrase is not None else self.words(value, columns)
        if name:  # not a field: "Bewohner:innen" is a word
            value = match.group(0)
        if phrase is not None and not name:
            return self.phrase(value)
        if value.endswith("*"):
            return self.prefix(value.rstrip("*"))
        return self.words(value)


def parse(text: str, lookup: Lookup, *, synonyms: bool = True) -> Query:
    """A query → MATCH expression: all words required; OR/ODER between two terms, NOT/NICHT before one,
    "…" a phrase, word* a prefix; jahr:, typ:, feld:, dokument:, gebiet:, seite:, page_id: filters;
    titel:, abschnitt:, text: one field.
    Never an FTS5 syntax error: every term is quoted."""
    builder = _Builder(lookup, synonyms)
    text = text[:MAX_QUERY_CHARS]
    builder.query.years = [(int(first), int(last)) for first, last in _YEARS.findall(text)]  # jahr:[2015 TO 2019]
    text = _YEARS.sub(" ", text)
    positive: list[list[str]] = []  # AND of OR-chains
    negative: list[str] = []
    join_or = negate = False
    for match in _TOKEN.finditer(text.replace("(", " ").replace(")", " ")):
        raw = match.group(0)
        if raw in _OR:
            join_or = bool(positive)
            continue
        if raw in _NOT:
            negate = True
            continue
        if raw in _AND:
            continue
        name = (match.group("field") or "").lower()
        if name in FACETS or name in PAGE_FIELDS:
            value = match.group("phrase") if match.group("phrase") is not None else match.group("bare") or ""
            if name in FACETS:
                chosen = builder.query.excluded if negate else builder.query.filters
            else:
                chosen = builder.query.page_excluded if negate else builder.query.page_filters
            chosen.setdefault(name, []).append(value)
            join_or = negate = False
            continue
        clause = builder.clause(match)
        if clause is None:
            continue
        if negate:
            negative.append(clause)
        elif join_or:
            positive[-1].append(clause)
        else:
            positive.append([clause])
        join_or = negate = False
    if positive:
        expression = " AND ".join(chain[0] if len(chain) == 1 else "(" + " OR ".join(chain) + ")" for chain in positive)
        if negative:
            expression = f"({expression}) NOT ({' OR '.join(negative)})"
        else:
            builder.query.chains = positive
        builder.query.match = expression
    if _PLAIN_WORDS.match(text) and len(builder.stems) > 1:
        words = german.word_list(text)
        builder.query.near = f"{PHRASE_COLUMNS}: " + _quoted([german_terms.token(w, lookup(w)) for w in words])
        builder.query.close = proximity(builder.stems)
        if synonyms:
            _phrase_synonyms(builder.query, tuple(german_terms.token(w, lookup(w)) for w in words))
    return builder.query


def _phrase_synonyms(query: Query, tokens: tuple[str, ...]) -> None:
    """Words typed that are a thesaurus entry of several words ("Soziale Stadt") find its group's other
    entries too ("Sozialer Zusammenhalt"), weighted as synonyms."""
    others = thesaurus().alternatives_of(tokens)
    if not others or query.match == NOTHING:
        return
    options = [f"{WORD_COLUMNS if len(t) == 1 else PHRASE_COLUMNS}: {_quoted(t)}" for t in others]
    query.match = f"({query.match}) OR " + " OR ".join(options)
    query.chains = []
    query.marks.update(token for t in others for token in t)
    query.synonyms = True


def word_expressions(db: Database) -> Callable[[str], tuple[str, ...]]:
    """A word → the MATCH expression a query of that word alone is searched with, then, if that has
    synonyms, the one of the word as typed, without them (for best_pages.refresh)."""
    lookup = lexicon_lookup(db.execute)

    def expressions(word: str) -> tuple[str, ...]:
        query = parse(word, lookup)
        return (query.match, parse(word, lookup, synonyms=False).match) if query.synonyms else (query.match,)

    return expressions


# --- lexicon lookup ---------------------------------------------------------------------------------


def lexicon_lookup(db_execute: Callable[..., Any]) -> Lookup:
    """Query words analysed as the pages were: from the lexicon if the archive has the word, otherwise
    stemmed and split with common German words."""

    def lookup(word: str) -> Entry | None:
        row = db_execute("SELECT stem, split FROM lexicon WHERE word = ?", [german_terms.key(word)]).fetchone()
        if row is not None:
            return Entry(row[0], (), tuple(row[1].split()))
        splitter = german._base_splitter() if len(german_terms.key(word)) >= german.MIN_COMPOUND else None
        return german_terms.analyse(word, splitter)

    return lookup


# --- snippets ---------------------------------------------------------------------------------------


def _marked(entry: Entry | None, query: Query) -> bool:
    """Whether a word with this analysis is one the query found: its stem, one of its parts, a prefix."""
    if entry is None:
        return False
    return (
        entry.stem in query.marks
        or not query.marks.isdisjoint(entry.parts)
        or not query.part_marks.isdisjoint(entry.parts)
        or any(t.startswith(p) for t in (entry.stem, *entry.parts) for p in query.prefixes)
    )


def matched_spans(
    text: str, query: Query, entries: Mapping[str, Entry | None], distinct: set[str] | None = None
) -> list[tuple[int, int]]:
    """Where the words the query matches stand in the text (start, end): its stems, its compounds' parts,
    its prefixes, its synonyms. Each distinct word is decided once per query (a page repeats its words);
    ``distinct``: the text's words, if the caller has them already."""
    decided = query.decided
    wanted = set()
    for word in german.word_list(text) if distinct is None else distinct:
        hit = decided.get(word)
        if hit is None:
            hit = decided[word] = _marked(entries.get(german_terms.key(word)), query)
        if hit:
            wanted.add(word)
    return german.spans(text, wanted) if wanted else []


def unsearchable(db: Database, exc: sqlite3.OperationalError) -> SearchIndexError:
    """Why a database read without migrating it (a reader may not write) cannot be searched: made by an
    older version, naming the migrations it lacks, or without German search terms."""
    file = german_terms.database_file(db)
    pending = store.pending_migrations(db)
    if pending:
        return SearchIndexError(store.made_by_older_version(file, pending, "index"))
    return SearchIndexError(f"{file}: no German search terms ({exc}); run 'qmarchive index'")


def mark(db: Database, text: str, q: str) -> str | None:
    """The whole text, HTML-escaped, with the words the query ``q`` matches in it in ``<mark>`` (analysed
    as the search analyses them); None when none of them occurs."""
    try:
        query = parse(q, lexicon_lookup(db.execute))
        spans = matched_spans(text, query, entries_for(db, [text]))
    except sqlite3.OperationalError as exc:  # a database from before the German terms
        raise unsearchable(db, exc) from exc
    if not spans:
        return None
    out, position = [], 0
    for start, end in spans:
        out += [
            html.escape(text[position:start], quote=False),
            f"<mark>{html.escape(text[start:end], quote=False)}</mark>",
        ]
        position = end
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def snippet(
    text: str,
    query: Query,
    entries: Mapping[str, Entry | None],
    quote: Callable[[str], str] = lambda t: html.escape(t, quote=False),
    distinct: set[str] | None = None,
) -> str:
    """The passage of the page with the most matched words, matched words in ``<mark>``; ``quote`` escapes
    the text (HTML by default; SQL callers leave that to the page that shows it). ``distinct``: the text's
    words, if the caller has them already."""
    found = matched_spans(text, query, entries, distinct)
    if not found:
        return quote(text[:SNIPPET_CHARS]) + (" …" if len(text) > SNIPPET_CHARS else "")
    best, most, j = 0, 0, 0  # the first match that begins the window with the most matches
    for i, (first, _) in enumerate(found):
        while j < len(found) and found[j][0] - first < SNIPPET_CHARS - 70:
            j += 1
        if j - i > most:
            best, most = i, j - i
    start = max(0, found[best][0] - 70)
    start = text.rfind(" ", 0, start) + 1 if start else 0
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        end = max(text.rfind(" ", start, end), found[best][1])
    out, position = [], start
    for s, e in found:
        if s >= start and e <= end:
            out += [quote(text[position:s]), f"<mark>{quote(text[s:e])}</mark>"]
            position = e
    out.append(quote(text[position:end]))
    return ("… " if start else "") + "".join(out).strip() + (" …" if end < len(text) else "")


def remembered(cache: Entries, db: Any, words: Iterable[str]) -> Entries:
    """``cache`` (lexicon key → entry) holding the entries of these words, up to CACHED_WORDS (then begun
    anew): only words not seen yet are read, and a word without an entry (a stopword, a number) is kept as
    None, so that it is not looked up again at every page that has it."""
    missing = [w for w in words if german_terms.key(w) not in cache]
    if missing:
        if len(cache) > CACHED_WORDS:
            cache.clear()
        found = entries_for(db, [" ".join(missing)])
        cache.update({german_terms.key(w): found.get(german_terms.key(w)) for w in missing})
    return cache


def entries_for(db: Any, texts: list[str]) -> dict[str, Entry]:
    """The lexicon entries of the words of these texts (``db``: anything with SQLite's ``execute``)."""
    words = {german_terms.key(w) for text in texts for w in german.word_list(text)}
    entries = german_terms.load(db, words)
    for word in words - set(entries):  # a word added after the pages' terms were made
        found = german_terms.analyse(word, None)
        if found is not None:
            entries[word] = found
    return entries


class SqlFunctions:
    """``german_match(:q)`` and ``german_snippet(text, :q)`` for one SQLite connection.

    A query is analysed once, not once per row, and the lexicon entries of words already seen are kept
    (a connection's lifetime, up to CACHED_WORDS): the canned query makes up to 200 snippets at once.
    """

    def __init__(self, conn: Any):
        self.conn = conn
        self._queries: dict[str, Query] = {}
        self._entries: Entries = {}

    def query(self, text: str | None) -> Query:
        text = text or ""
        found = self._queries.get(text)
        if found is None:
            if len(self._queries) > 16:
                self._queries.clear()
            found = self._queries[text] = parse(text, lexicon_lookup(self.conn.execute))
        return found

    def match(self, text: str | None) -> str:
        """The MATCH expression for ``pages_german`` (filters in the text are left out)."""
        return self.query(text).match

    def snippet(self, text: str | None, query_text: str | None) -> str:
        """The passage with the query's words in ``<mark>``, not escaped (the page showing it escapes)."""
        text = text or ""
        distinct = set(german.word_list(text))
        entries = remembered(self._entries, self.conn, distinct)
        return snippet(text, self.query(query_text), entries, quote=str, distinct=distinct)


# --- facets -----------------------------------------------------------------------------------------


@dataclass
class _PageFacets:
    """Every page's id, document and Handlungsfelder by rowid, and every document's facet values, for one
    state of the database. Year, type and document are the document's: matches are counted by document.

    Counting is done on masks, not page by page: a set of pages is a ``bytearray`` indexed by rowid (1: in
    the set), a document is the runs of rowids its pages hold (``bytearray.count`` over each), a
    Handlungsfeld the same mask read as an integer (``(matches & pages_of_topic).bit_count()``). A
    frequent word's 60,000 matches are counted in about a millisecond instead of one dictionary lookup
    each."""

    page_id: dict[int, str]
    document: dict[int, str]
    topics: dict[int, tuple[str, ...]]
    documents: dict[str, dict[str, tuple[str, ...]]]  # document id → jahr, typ, dokument values
    stale: str | None  # why the German terms are not in step with the pages (german_terms.rebuild_reason)
    runs: list[tuple[int, int, str]] = field(default_factory=list)  # rowids [start, end) all of one document
    topic_masks: dict[str, int] = field(default_factory=dict)  # topic → its pages as a mask read as an integer
    entries: Entries = field(default_factory=dict)  # lexicon entries read for snippets (this state)

    def __post_init__(self) -> None:
        self.size = max(self.page_id, default=0) + 1
        if not self.runs:
            for rowid in sorted(self.document):
                document = self.document[rowid]
                if self.runs and self.runs[-1][2] == document and self.runs[-1][1] == rowid:
                    self.runs[-1] = (self.runs[-1][0], rowid + 1, document)
                else:
                    self.runs.append((rowid, rowid + 1, document))
        if not self.topic_masks:
            by_topic: dict[str, bytearray] = {}
            for rowid, page_topics in self.topics.items():
                for topic in page_topics:
                    by_topic.setdefault(topic, bytearray(self.size))[rowid] = 1
            self.topic_masks = {topic: int.from_bytes(mask, "little") for topic, mask in by_topic.items()}

    def mask(self, rowids: Iterable[int]) -> bytearray:
        return german_terms.mask(rowids, self.size)

    def as_integer(self, rowids: Iterable[int]) -> int:
        """These pages as a mask read as an integer (as :meth:`allowed` gives it)."""
        return int.from_bytes(self.mask(rowids), "little")

    @property
    def everything(self) -> int:
        """Every rowid up to the largest as a mask read as an integer (a filter narrows it)."""
        return int.from_bytes(b"\x01" * self.size, "little")

    def resolve(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        """Filter values as the facets hold them, named as the Whoosh engine takes them (case and accents
        ignored, a key or its label), in the order given; a value naming nothing raises FilterValueError."""
        return {
            name: list(
                dict.fromkeys(
                    term for value in values for term in field_filters.matching(name, value, self.known(name))
                )
            )
            for name, values in filters.items()
        }

    def allowed(self, resolved: dict[str, list[str]], *, excluded: bool = False) -> int:
        """The pages with a value of every filter (or, ``excluded``, of none), as a mask read as an integer."""
        wanted = {name: set(terms) for name, terms in resolved.items()}
        fields = wanted.pop("feld", None)
        test = any if excluded else all
        documents = {
            d
            for d, values in self.documents.items()
            if test(not wanted[n].isdisjoint(values[n]) for n in wanted) != excluded
        }
        found = bytearray(self.size)
        for start, end, document in self.runs:
            if document in documents:
                found[start:end] = b"\x01" * (end - start)
        mask = int.from_bytes(found, "little")
        if fields is not None:
            with_field = 0
            for topic in fields:
                with_field |= self.topic_masks.get(topic, 0)
            mask = mask & ~with_field if excluded else mask & with_field
        return mask

    def known(self, name: str) -> list[str]:
        """Every valid filter value: all document types and Handlungsfelder, the years and documents stored."""
        if name == "typ":
            return list(DOC_TYPES)
        if name == "feld":
            return [topic.id for topic in topics.lexicon().topics]
        return sorted({value for values in self.documents.values() for value in values[name]})

    def count(self, matched: bytearray) -> dict[str, list[tuple[str, int]]]:
        """Facet name → (value, matching pages), most first, for the pages in the mask."""
        found: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        by_document: Counter[str] = Counter()
        for start, end, document in self.runs:
            by_document[document] += matched.count(1, start, end)
        for document, pages in by_document.items():
            if pages:
                for name, values in self.documents[document].items():
                    for value in values:
                        found[name][value] += pages
        as_integer = int.from_bytes(matched, "little")
        found["feld"] = Counter({topic: (as_integer & mask).bit_count() for topic, mask in self.topic_masks.items()})
        return {
            name: sorted(((v, c) for v, c in counter.items() if v and c), key=lambda item: (-item[1], item[0]))
            for name, counter in found.items()
        }


_facet_lock = threading.Lock()
_facet_cache: dict[tuple[Any, ...], _PageFacets] = {}

_GENERATION_SQL = "SELECT max(generation) FROM archive_state"  # NULL if its row is gone: nothing is kept
_FACETS_SQL = f"""
SELECT ({_GENERATION_SQL}), p.rowid, p.id, p.document_id, d.doc_type, d.period_start, d.period_end,
       (SELECT group_concat(topic_id, ' ') FROM page_topics t WHERE t.page_id = p.id) AS topics
FROM pages p JOIN documents d ON d.id = p.document_id
"""


def _state_key(path: str, generation: int | None) -> tuple[Any, ...] | None:
    """What the facets of this database file at this generation are kept under (None: not kept)."""
    if not path or generation is None:
        return None
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (path, generation, stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def page_facets(db: Database) -> _PageFacets:
    """Read once per state of the database: the generation of ``archive_state`` (migration m016), read in
    the connection's own transaction (the file's size and time, read outside it, can tell of a write its
    snapshot does not hold), and the file's identity (another database put in its place)."""
    path = german_terms.database_file(db)
    key = _state_key(path, db.execute(_GENERATION_SQL).fetchone()[0])
    cached = _facet_cache.get(key) if key else None
    if cached is not None:
        return cached
    rows = db.execute(_FACETS_SQL).fetchall()
    if rows:  # the generation the rows were read in: one statement, one state, even outside a transaction
        key = _state_key(path, rows[0][0])
    page_id, document, page_topics, documents = {}, {}, {}, {}
    for _, rowid, pid, document_id, doc_type, start, end, topic_ids in rows:
        page_id[rowid], document[rowid] = pid, document_id
        page_topics[rowid] = tuple((topic_ids or "").split())
        if document_id not in documents:
            years = tuple(str(y) for y in range(start, (end or start) + 1)) if start else ()
            documents[document_id] = {"jahr": years, "typ": (doc_type,), "dokument": (document_id,)}
    found = _PageFacets(page_id, document, page_topics, documents, german_terms.rebuild_reason(db))
    if key:
        with _facet_lock:
            _facet_cache.clear()
            _facet_cache[key] = found
    return found


def prepare(db: Database) -> None:
    """Build what a process's first search would otherwise wait for: the pages' facets of the database's
    current state and the common German words that analyse words the archive lacks."""
    page_facets(db)
    german._base_splitter()


# --- "Meinten Sie …?" -------------------------------------------------------------------------------

# Plain words of three letters or more (not field filters, prefixes or quoted) get spelling suggestions.
_SUGGEST_WORD = re.compile(r"(?<![\w:*\"])([^\W\d_]{3,})(?![\w:*])")
SUGGEST_BELOW = 3  # hits


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, or limit + 1 once it is certain to exceed the limit."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def suggest(db: Database, text: str) -> str | None:
    """Words the archive does not know replaced by its nearest word (same first letter, one or two edits)."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(1)
        folded = german_terms.key(word)
        if word in _OR | _NOT | _AND or german.is_stopword(folded):
            return word
        entry = german_terms.analyse(word, None)
        known = db.execute(
            "SELECT 1 FROM lexicon WHERE word = ? OR stem = ? LIMIT 1", [folded, entry.stem if entry else ""]
        ).fetchone()
        if known:
            return word
        candidates = [
            w
            for (w,) in db.execute(
                "SELECT word FROM lexicon WHERE word >= ? AND word < ? AND length(word) BETWEEN ? AND ?",
                [folded[0], folded[0] + "\U0010ffff", len(folded) - 2, len(folded) + 2],
            )
        ]
        for limit in (1, 2):
            near = sorted(w for w in candidates if _distance(folded, w, limit) <= limit)
            if near:
                changed = True
                return near[0].capitalize() if word[0].isupper() else near[0]
        return word

    suggestion = _SUGGEST_WORD.sub(replace, text[:MAX_QUERY_CHARS])
    return suggestion if changed else None


# --- search -----------------------------------------------------------------------------------------


def _matches(db: Database, facets: _PageFacets, query: Query, allowed: bytes | None) -> tuple[bytearray, int]:
    """The query's matches within the allowed pages (None: all) as a mask by rowid, and the number of all
    its matches. Those of frequent words are read from their lists (:func:`best_pages.matched`), any
    other's from FTS5."""
    kept = best_pages.matched(db, query.match, query.chains)
    every = (
        bytearray(kept)
        if kept is not None and len(kept) == facets.size
        else facets.mask(german_terms.rowids(db, query.match))
    )
    if allowed is None:
        return every, every.count(1)
    within = int.from_bytes(every, "little") & int.from_bytes(allowed, "little")
    return bytearray(within.to_bytes(facets.size, "little")), every.count(1)


def _matching(db: Database, query: Query, rowids: Iterable[int]) -> set[int]:
    """Those of these pages that match the query: from its words' kept matches if they have them."""
    kept = best_pages.matched(db, query.match, query.chains)
    if kept is None:
        return german_terms.matching(db, query.match, rowids)
    return {rowid for rowid in rowids if rowid < len(kept) and kept[rowid]}


# A filter that leaves at most this share of a query's matches has the bm25 of those alone computed
# (german_terms.scores), not every match's in FTS5's order (whose sorting scores every match whatever
# else the statement says): at 20,000 pages, 626–4,425 of 8,600–17,700 matches took 4–19 ms instead of
# 16–38 ms, the same pages in the same order; 13,300 of 17,700 took 37 ms instead of 28.
FILTERED_SHARE = 0.5


def _best_among(db: Database, match: str, rowids: Iterable[int], wanted: int) -> list[tuple[int, float]]:
    """The ``wanted`` best-ranked of these matches, with their bm25, computed for them alone."""
    scored = german_terms.scores(db, match, rowids)
    return heapq.nsmallest(wanted, scored.items(), key=lambda item: (-item[1], item[0]))


def _best(db: Database, match: str, allowed: bytes | None, wanted: int) -> list[tuple[int, float]]:
    """The ``wanted`` best-ranked matches within the allowed pages (a mask by rowid; None: all), with
    their bm25. FTS5 still scores every match to sort them, but only these rows reach Python."""
    best: list[tuple[int, float]] = []
    cursor = db.execute(german_terms.MATCHES_SQL, [match])
    try:
        for rowid, rank in cursor:
            if allowed is None or (rowid < len(allowed) and allowed[rowid]):
                best.append((rowid, -rank))
                if len(best) >= wanted:
                    break
    finally:
        cursor.close()
    return best


def _reranked(db: Database, text: str, query: Query, ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """The ranked matches, the best PHRASE_BONUS_CANDIDATES re-ranked (whatever page is asked for, so
    that every page size gives the same order): a page found only through a thesaurus synonym weighted
    down, the proximity, phrase and section bonuses added. Each is an FTS5 query of its own, its bm25
    computed for these pages alone."""
    if query.match == NOTHING:
        return ranked
    top = dict(ranked[:PHRASE_BONUS_CANDIDATES])
    if query.synonyms:
        typed = _matching(db, parse(text, lexicon_lookup(db.execute), synonyms=False), top)
        for rowid in top:
            if rowid not in typed:
                top[rowid] *= SYNONYM_WEIGHT
    _weigh_typed_forms(db, text, top)
    in_section = query.match.replace(WORD_COLUMNS, "{section}").replace(PHRASE_COLUMNS, "{section}")
    for bonus, match in ((NEAR_BONUS, query.close), (PHRASE_BONUS, query.near), (SECTION_BONUS, in_section)):
        for rowid, score in german_terms.scores(db, match, top).items() if match else ():
            top[rowid] += bonus * score
    return sorted(top.items(), key=lambda item: (-item[1], item[0])) + ranked[PHRASE_BONUS_CANDIDATES:]


# --- filters on fields of the page or its document that are not facets ------------------------------

# The other fields the Whoosh index has filters for: the document's area, the page's number in the PDF, its id.
PAGE_FIELDS = {
    "gebiet": "SELECT DISTINCT d.area FROM documents d WHERE d.area IS NOT NULL ORDER BY d.area",
    "seite": "SELECT DISTINCT page_number FROM pages ORDER BY page_number",
    "page_id": None,  # any page id; one not in the archive matches nothing, as with Whoosh
}
_PAGE_FIELD_SQL = {
    "gebiet": "SELECT p.rowid FROM pages p JOIN documents d ON d.id = p.document_id WHERE d.area IN ({marks})",
    "seite": "SELECT rowid FROM pages WHERE page_number IN ({marks})",
    "page_id": "SELECT rowid FROM pages WHERE id IN ({marks})",
}


def page_field_rowids(db: Database, name: str, values: list[str]) -> set[int]:
    """The rowids of the pages with one of these values of a PAGE_FIELDS field; a value naming nothing
    raises FilterValueError listing the valid ones (areas compared as the other filters, case and accents
    ignored; pages by number)."""
    if name == "page_id":
        terms: list[Any] = list(values)
    else:
        known = [str(value) for (value,) in db.execute(PAGE_FIELDS[name] or "")]
        terms = [term for value in values for term in field_filters.matching(name, value, known)]
        if name == "seite":
            terms = [int(term) for term in terms]
    sql = _PAGE_FIELD_SQL[name].format(marks=", ".join("?" * len(terms)))
    return {rowid for (rowid,) in db.execute(sql, terms)}


# --- ranking: words near each other -----------------------------------------------------------------


def proximity(stems: list[str]) -> str | None:
    """The FTS5 query for two or more different stems within NEAR_WORDS of each other in the text."""
    distinct = list(dict.fromkeys(stems))
    if len(distinct) < 2:
        return None
    return f"{PHRASE_COLUMNS}: NEAR({' '.join(_quoted([stem]) for stem in distinct)}, {NEAR_WORDS})"


# --- ranking: the typed word before other words of its stem ----------------------------------------


def typed_words(text: str) -> list[str]:
    """The words of a query of plain words that are searched (no stopwords, no operators); [] otherwise."""
    if not _PLAIN_WORDS.match(text):
        return []
    return [w for w in german.word_list(text) if w not in _OR | _NOT | _AND and not german.is_stopword(german.fold(w))]


# Latin letters with accents by their base letter (a: àáâãäå…), so that a written form is found in a page's
# text whatever its accents, without folding whole pages (that costs more than the search).
def _accented_letters() -> dict[str, str]:
    found: dict[str, str] = {}
    for letter in map(chr, range(0xC0, 0x250)):
        base = unicodedata.normalize("NFD", letter)[0]
        if base != letter and base.isascii() and letter.islower():
            found[base] = found.get(base, "") + letter
    return found


_ACCENTED = _accented_letters()


def written_pattern(forms: set[str]) -> re.Pattern[str]:
    """A word starting with one of these forms, case, ß/ss and accents aside."""
    options = []
    for form in sorted(forms):
        plain = "".join(unicodedata.normalize("NFD", c)[0] for c in german.fold(form))
        parts = re.split("(ss)", plain)
        options.append(
            "".join(
                "(?:ss|ß)"
                if part == "ss"
                else "".join(f"[{c}{_ACCENTED[c]}]" if c in _ACCENTED else re.escape(c) for c in part)
                for part in parts
            )
        )
    return re.compile(r"(?<!\w)(?:" + "|".join(options) + ")", re.IGNORECASE)


def _weigh_typed_forms(db: Database, text: str, top: dict[int, float]) -> None:
    """Scores in ``top`` times STEM_ONLY_WEIGHT to the share of typed words a page lacks as written. The
    candidates' texts are read and searched (a bounded cost, however many pages match in the archive)."""
    words = typed_words(text)
    if not words or not top:
        return
    patterns = [written_pattern({word, german_terms.key(word)}) for word in words]
    marks = ", ".join("?" * len(top))
    texts = dict(db.execute(f"SELECT rowid, text FROM pages WHERE rowid IN ({marks})", list(top)).fetchall())
    for rowid in top:
        lacking = sum(1 for pattern in patterns if not pattern.search(texts.get(rowid) or ""))
        top[rowid] *= STEM_ONLY_WEIGHT ** (lacking / len(words))


def search(
    db: Database, text: str, *, filters: dict[str, list[str]] | None = None, page: int = 1, pagelen: int = 10
) -> SearchResult:
    """Ranked by bm25 with the column weights (text ≫ parts), the 100 best re-ranked; a page past the end
    has no hits (as with Whoosh). The total and the facets come from every match, unranked; only the
    best max(100, page × pagelen) matches are read ranked, from the word's list of best pages when it is a
    frequent word alone (:mod:`qmarchive.search.best_pages`)."""
    started = time.perf_counter()
    query = parse(text, lexicon_lookup(db.execute))
    try:
        facets = page_facets(db)
    except sqlite3.OperationalError as exc:  # a database from before, served without being opened for writing
        raise unsearchable(db, exc) from exc
    if facets.stale:
        raise SearchIndexError(
            f"{german_terms.database_file(db)}: the German search terms are not current ({facets.stale}); run 'qmarchive index'"
        )
    # The facets' filters, then those typed in the query (jahr:2019, NICHT typ:ihek, jahr:[2015 TO 2019]).
    chosen = facets.resolve({k: list(v) for k, v in (filters or {}).items() if v and k in FACETS})
    conditions = [(chosen, False), (facets.resolve(query.filters), False), (facets.resolve(query.excluded), True)]
    for first, last in query.years:
        conditions.append(({"jahr": [y for y in facets.known("jahr") if first <= int(y) <= last]}, False))
    conditions = [(resolved, excluded) for resolved, excluded in conditions if resolved]
    allowed: bytes | None = None
    if conditions or query.page_filters or query.page_excluded:
        mask = facets.everything
        for resolved, excluded in conditions:
            mask &= facets.allowed(resolved, excluded=excluded)
        for name, values in query.page_filters.items():
            mask &= facets.as_integer(page_field_rowids(db, name, values))
        for name, values in query.page_excluded.items():
            mask &= ~facets.as_integer(page_field_rowids(db, name, values))
        allowed = mask.to_bytes(facets.size, "little")
    page = max(page, 1)
    wanted = max(PHRASE_BONUS_CANDIDATES, page * pagelen)
    if query.match == NOTHING and allowed is not None:  # "jahr:2019": every page of 2019, in document order
        matched = [rowid for rowid in facets.page_id if allowed[rowid]]
        found = facets.mask(matched)
        ranked = [(rowid, 0.0) for rowid in matched[:wanted]]
        total = len(matched)
    else:
        found, every = _matches(db, facets, query, allowed)
        total = found.count(1)
        ranked = (
            (
                best_pages.listed(db, query.match, allowed, wanted)
                or best_pages.combined(db, query.match, query.chains, found, wanted, filtered=allowed is not None)
                or (
                    _best_among(db, query.match, compress(range(facets.size), found), wanted)
                    if total <= FILTERED_SHARE * every
                    else _best(db, query.match, allowed, wanted)
                )
            )
            if total
            else []
        )
    ranked = _reranked(db, text, query, ranked)[(page - 1) * pagelen : page * pagelen]
    ids = [facets.page_id[rowid] for rowid, _ in ranked]
    scores = {facets.page_id[rowid]: score for rowid, score in ranked}
    rows = fetch_pages(db, ids)
    distinct = {pid: set(german.word_list(row["text"])) for pid, row in rows.items()}
    entries = remembered(facets.entries, db, set().union(*distinct.values()))
    hits = [
        Hit.from_row(
            rows[pid],
            snippet=snippet(rows[pid]["text"], query, entries, distinct=distinct[pid]),
            score=scores[pid],
            rank=(page - 1) * pagelen + n,
        )
        for n, pid in enumerate(ids, start=1)
        if pid in rows
    ]
    return SearchResult(
        query=text,
        engine="german",
        total=total,
        page=page,
        pagelen=pagelen,
        hits=hits,
        facets=facets.count(found),
        filters=chosen,
        suggestion=suggest(db, text) if total < SUGGEST_BELOW else None,
        seconds=time.perf_counter() - started,
    )
