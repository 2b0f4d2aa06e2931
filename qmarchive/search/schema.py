"""The Whoosh schema: one index document per page, with the German analysis of qmarchive.german.

Analyzer and field classes live at module top level because Whoosh pickles the schema into the index.
"""

from __future__ import annotations

from whoosh import query
from whoosh.analysis import Filter, Token, Tokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from qmarchive import german, topics

# Raise when fields change; together with german.ANALYZER_VERSION it decides when to rebuild.
SCHEMA_VERSION = 1
COMPOUND_BOOST = 2.0


class GermanTokenizer(Tokenizer):
    """Words with their gender suffixes kept on (Bewohner*innen), as qmarchive.german finds them."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
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

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.splitter.stems == self.splitter.stems

    def __call__(self, tokens):
        for token in tokens:
            indexing = token.mode == "index"
            term = german.analyse(token.text, self.splitter if indexing else None)
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
        woerter=KEYWORD(lowercase=True, scorable=False),
    )
