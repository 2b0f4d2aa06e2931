"""The Whoosh schema: one index document per page, with the German analysis of qmarchive.german.

Analyzer and field classes live at module top level because Whoosh pickles the schema into the index.
"""

from __future__ import annotations

from whoosh import query
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from qmarchive import german, topics

# Raise when fields change; together with german.ANALYZER_VERSION it decides when to rebuild.
SCHEMA_VERSION = 2
COMPOUND_BOOST = 2.0
_TERM_CACHE_WORDS = 200_000


class GermanTokenizer(Tokenizer):
    """Words with their gender suffixes kept on (Bewohner*innen), as qmarchive.german finds them."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pieces = german.words(value) if tokenize else [(value, 0, len(value))]
        for pos, (word, start, end) in enumerate(pieces):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class GermanFilter(Filter):
    """Word → stem; when indexing, the stems of its compound parts follow at the same position."""

    def __init__(self, splitter: german.CompoundSplitter):
        self.splitter = splitter
        self._terms: dict[tuple[str, bool], german.Term | None] = {}

    def __getstate__(self) -> dict:
        # The schema is pickled into the index: the cache stays out of it.
        return {key: value for key, value in self.__dict__.items() if key != "_terms"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._terms = {}

    def _term(self, word: str, indexing: bool) -> german.Term | None:
        """A word's term (with its compound parts when indexing); remembered, since words repeat and
        indexing and highlighting analyse every word of a page."""
        try:
            return self._terms[word, indexing]
        except KeyError:
            if len(self._terms) >= _TERM_CACHE_WORDS:
                self._terms.clear()
            term = self._terms[word, indexing] = german.analyse(word, self.splitter if indexing else None)
            return term

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.splitter.zipf == self.splitter.zipf

    def __call__(self, tokens):
        for token in tokens:
            indexing = token.mode == "index"
            term = self._term(token.text, indexing)
            if term is None:
                if not token.removestops:
                    token.stopped = True
                    yield token
                continue
            token.text = term.stem
            yield token
            for part in term.parts:
                if part != term.stem:
                    extra = token.copy()
                    extra.text = part
                    yield extra


class GermanText(TEXT):
    """Full text whose single words are parsed by qmarchive.german: a compound query needs all its parts."""

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname, qstring, boost=1.0):
        splitter = next((f.splitter for f in self.analyzer.items if isinstance(f, GermanFilter)), None)
        clauses = []
        for word, _, _ in german.words(qstring):
            term = german.analyse(word, splitter, all_levels=False)
            if term is None:
                continue
            if term.parts:
                # The compound itself ranks first; its parts written apart also match.
                parts = query.And([query.Term(fieldname, part, boost=boost) for part in term.parts])
                clauses.append(query.Or([query.Term(fieldname, term.stem, boost=boost * COMPOUND_BOOST), parts]))
            else:
                clauses.append(query.Term(fieldname, term.stem, boost=boost))
        if not clauses:
            return query.NullQuery
        return clauses[0] if len(clauses) == 1 else query.And(clauses)


def wildcard_query(fieldname: str, pattern: str, boost: float = 1.0) -> query.Query:
    """Prefix and wildcard patterns are compared with stems: fold them as the stemmer folds words."""
    folded = german.fold(pattern).translate(_UMLAUT_BASE)
    if folded.endswith("*") and not any(c in folded[:-1] for c in "*?"):
        prefix = folded[:-1]
        return query.Prefix(fieldname, prefix, boost=boost) if len(prefix) >= MIN_PREFIX else query.NullQuery
    return query.Wildcard(fieldname, folded, boost=boost)


_UMLAUT_BASE = str.maketrans("äöü", "aou")
MIN_PREFIX = 2


class TopicField(KEYWORD):
    """Handlungsfeld ids; feld:… accepts an id or any historical name ("Wohnumfeld" → oeffentlicher-raum)."""

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname, qstring, boost=1.0):
        ids = topics.lookup(qstring) or [qstring.lower()]
        return query.Or([query.Term(fieldname, topic_id, boost=boost) for topic_id in ids])


def analyzer(splitter: german.CompoundSplitter):
    return GermanTokenizer() | GermanFilter(splitter)


def make_schema(splitter: german.CompoundSplitter) -> Schema:
    """Field names are the German filter names users type: jahr:2019, typ:ihek, feld:bildung, dokument:…"""
    ana = analyzer(splitter)
    return Schema(
        page_id=ID(stored=True, unique=True),
        fingerprint=STORED(),
        dokument=ID(stored=True),
        seite=NUMERIC(stored=True),
        typ=ID(),
        jahr=KEYWORD(),
        gebiet=KEYWORD(commas=True, lowercase=True),
        feld=TopicField(lowercase=True),
        titel=GermanText(analyzer=ana, field_boost=0.5),
        abschnitt=GermanText(analyzer=ana, field_boost=1.5),
        text=GermanText(analyzer=ana, phrase=True),
        # Spelling suggestions only, never scored; but with a lengths column, since Whoosh's writer asks
        # each posting's field length and, for a field without one, looks for its file on disk every time.
        woerter=KEYWORD(lowercase=True, scorable=True),
    )
