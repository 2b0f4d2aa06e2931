"""Queries against the Whoosh index: lenient parsing, BM25F ranking, `<mark>` snippets, facets, suggestions."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database
from whoosh import query as wq
from whoosh.highlight import ContextFragmenter, Formatter, Highlighter, WholeFragmenter, get_text, highlight, htmlescape
from whoosh.qparser import AndGroup, MultifieldPlugin, OperatorsPlugin, QueryParser, syntax
from whoosh.query.qcore import QueryError
from whoosh.searching import Results

from qmarchive import german
from qmarchive.search import facets, matches
from qmarchive.search import filters as field_filters
from qmarchive.search.lifecycle import searching
from qmarchive.search.schema import wildcard_query
from qmarchive.search.results import FACETS, Hit, SearchResult, fetch_pages, plain_snippet

MAX_QUERY_CHARS = 500
PHRASE_SLOP = 3
PHRASE_BONUS = 2.0
# The phrase bonus reorders this many best-ranked pages (or the page asked for, if further down).
PHRASE_BONUS_CANDIDATES = 100
SEARCH_FIELDS = ["text", "titel", "abschnitt"]
# Field filters, operators and quoting are left to the parser; plain words get spelling suggestions.
_PLAIN_WORD = re.compile(r"(?<![\w:*\"])([^\W\d_]{3,})(?![\w:*])")
_ONLY_WORDS = re.compile(r"^[^\W_]+(?:[^\w\"():*?\[\]{}^~]+[^\W_]+)*$")
_OPERATORS = {"AND", "OR", "NOT", "UND", "ODER", "NICHT", "ANDNOT", "ANDMAYBE"}


class MarkFormatter(Formatter):
    """Hits in ``<mark>``, everything else HTML-escaped."""

    between = " … "

    def _text(self, text: str) -> str:
        return htmlescape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


class _GermanParser(QueryParser):
    """Prefix and wildcard terms in the German text fields go to ``wildcard_query``: the fields parse
    their own words, and Whoosh would hand them the pattern without its ``*``."""

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        if termclass in (wq.Prefix, wq.Wildcard) and fieldname in SEARCH_FIELDS:
            return wildcard_query(fieldname, text + "*" if termclass is wq.Prefix else text, boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


def _text_first(nodes: list) -> syntax.GroupNode:
    """A word (or phrase) must be in the page text; in the title or section too, it ranks higher.

    Title and section belong to every page of a document or chapter: as alternatives to the text they
    made every page of a slide deck a hit for a word of its title.
    """
    text, *context = nodes
    return syntax.AndMaybeGroup([text, syntax.OrGroup(context)])


def _parser(schema) -> QueryParser:
    parser = _GermanParser(None, schema, group=AndGroup)
    parser.add_plugin(MultifieldPlugin(SEARCH_FIELDS, group=_text_first))
    # German operator words beside the English ones.
    parser.replace_plugin(
        OperatorsPlugin(
            And=r"(?<=\s)(AND|UND)(?=\s)",
            Or=r"(?<=\s)(OR|ODER)(?=\s)",
            Not=r"(^|(?<=(\s|[()])))(NOT|NICHT)(?=\s)",
        )
    )
    return parser


def parse(schema, text: str) -> wq.Query:
    """Never fails: what the parser cannot read is searched as plain words."""
    try:
        parsed = _parser(schema).parse(text)
    except Exception:  # noqa: BLE001 - the parser raises many kinds of errors on odd input
        parsed = None
    if parsed is None or parsed is wq.NullQuery or _has_errors(parsed):
        words = " ".join(w for w, _, _ in german.words(text))
        parsed = _parser(schema).parse(words) if words else wq.NullQuery
    return _loosen_phrases(_unphrase_keywords(schema, parsed))


def phrase_bonus(schema, text: str) -> wq.Query | None:
    """Plain words typed together rank higher where they stand together: "Nachbarschaft und Beteiligung"."""
    if not (_ONLY_WORDS.match(text) and len(text.split()) > 1):
        return None
    # with_boost, not the boost attribute: an AndMaybe (text, then title or section) applies only the former.
    return _loosen_phrases(_parser(schema).parse(f'"{text}"')).with_boost(PHRASE_BONUS)


def _unphrase_keywords(schema, q: wq.Query) -> wq.Query:
    """A quoted value in a field without positions (feld:"Nachbarschaft und Beteiligung") is its words."""
    if isinstance(q, wq.Phrase) and q.fieldname not in SEARCH_FIELDS:
        field = schema[q.fieldname]
        text = " ".join(q.words)
        if field.self_parsing():
            return field.parse_query(q.fieldname, text, boost=q.boost)
        return wq.And([wq.Term(q.fieldname, word, boost=q.boost) for word in q.words])
    if q.is_leaf():
        return q
    return q.apply(lambda sub: _unphrase_keywords(schema, sub))


def _loosen_phrases(q: wq.Query) -> wq.Query:
    """Stopwords are not indexed, so "Einsamkeit im Alter" must allow a gap where "im" stood."""
    if isinstance(q, wq.Phrase):
        q = q.copy()
        q.slop = max(q.slop, PHRASE_SLOP)
        return q
    if q.is_leaf():
        return q
    return q.apply(_loosen_phrases)


def _has_errors(q: wq.Query) -> bool:
    return bool(getattr(q, "error", None)) or any(getattr(leaf, "error", None) for leaf in q.leaves())


def _filter_query(filters: dict[str, list[str]]) -> wq.Query | None:
    """Filters already resolved to index terms (qmarchive.search.filters)."""
    clauses = [
        wq.Or([wq.Term(field, value) for value in values])
        for field, values in filters.items()
        if values and field in FACETS
    ]
    return wq.And(clauses) if clauses else None


def search(
    db: Database,
    index_dir: Path,
    text: str,
    *,
    filters: dict[str, list[str]] | None = None,
    page: int = 1,
    pagelen: int = 10,
) -> SearchResult:
    started = time.perf_counter()
    page = max(page, 1)
    with searching(index_dir) as searcher:
        filters = field_filters.resolve(searcher, {k: v for k, v in (filters or {}).items() if v})
        try:
            q = field_filters.resolve_query(searcher, parse(searcher.schema, text))
            results = _run(searcher, text, q, filters, page, pagelen)
        except QueryError:  # e.g. a phrase on a field without positions: search the plain words
            plain = " ".join(w for w, _, _ in german.words(text))
            results = _run(searcher, plain, parse(searcher.schema, plain), filters, page, pagelen)
        hits, missing = _hits(db, results.hits)
        suggestion = _suggest(searcher, text) if results.total < 3 else None
    return SearchResult(
        query=text,
        engine="whoosh",
        total=results.total,
        page=page,
        pagelen=pagelen,
        hits=hits,
        facets=results.facets,
        filters=filters,
        suggestion=suggestion,
        seconds=time.perf_counter() - started,
        missing=missing,
    )


@dataclass
class _Found:
    total: int
    hits: list  # Whoosh hits of the page asked for
    facets: dict[str, list[tuple[str, int]]]


def _run(searcher, text: str, q: wq.Query, filters: dict[str, list[str]], page: int, pagelen: int) -> _Found:
    """The page of hits asked for, the number of matches and their facet counts.

    Scoring is what costs most. For word queries only the pages that can reach the top are scored
    (Whoosh skips postings blocks whose best score is too low) and the matches are listed apart,
    unscored. Phrases and prefixes gain nothing from skipping and cost more to match than to score:
    they are matched once, and all their matches scored. The phrase bonus of several plain words is
    added to the best-ranked pages only.
    """
    restrict = _filter_query(filters)
    wanted = page * pagelen
    candidates = max(wanted, PHRASE_BONUS_CANDIDATES)
    if any(isinstance(leaf, (wq.Phrase, wq.MultiTerm)) for leaf in q.leaves()):
        results = searcher.search(q, limit=None, filter=restrict)
        docnums = {docnum for _, docnum in results.top_n}
    else:
        results = searcher.search(q, limit=candidates, filter=restrict)
        docnums = matches.docnums(searcher, q)
        if restrict is not None:
            docnums &= matches.docnums(searcher, restrict)
    top = results.top_n[:candidates]
    bonus = phrase_bonus(searcher.schema, text)
    if bonus is not None:
        extra = matches.phrase_scores(searcher, bonus, [docnum for _, docnum in top])
        top = sorted(
            ((score + extra.get(docnum, 0.0), docnum) for score, docnum in top), key=lambda item: (-item[0], item[1])
        )
    ranked = Results(
        searcher,
        q,
        top,
        highlighter=Highlighter(fragmenter=ContextFragmenter(maxchars=240, surround=70), formatter=MarkFormatter()),
    )
    return _Found(total=len(docnums), hits=ranked[wanted - pagelen : wanted], facets=facets.count(searcher, docnums))


def _hits(db: Database, results: list) -> tuple[list[Hit], list[str]]:
    """Hits with their pages' data from the database (snippets from the stored page text), and the ids
    of hits whose page the database no longer has.

    The database is written before the index, so a page the index lists but the database lacks was
    removed (or its document replaced by a shorter version) and the index has not caught up yet: it
    is left out of the list and named, not shown from the index's old copy. The count of matches stays
    the index's, the same for every reader of this index state.
    """
    rows = fetch_pages(db, [hit["page_id"] for hit in results])
    hits, missing = [], []
    for hit in results:
        row = rows.get(hit["page_id"])
        if row is None:
            missing.append(hit["page_id"])
            continue
        snippet = hit.highlights("text", text=row["text"], top=2) or plain_snippet(row["text"])
        hits.append(Hit.from_row(row, snippet=snippet, score=hit.score, rank=hit.rank + 1))
    return hits, missing


def _known(reader, word: str) -> bool:
    """In the archive as written, or by its stem (Spielplatz is known from Spielplätze)."""
    term = german.analyse(word)
    return ("woerter", german.fold(word)) in reader or (term is not None and ("text", term.stem) in reader)


def _suggest(searcher, text: str) -> str | None:
    """ "Meinten Sie …?": unknown plain words replaced by the nearest word of the archive."""
    reader = searcher.reader()
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(1)
        folded = german.fold(word)
        if word in _OPERATORS or folded in german.STOPWORDS or _known(reader, word):
            return word
        for distance in (1, 2):
            found = searcher.suggest("woerter", folded, limit=1, maxdist=distance, prefix=1)
            if found:
                changed = True
                return found[0].capitalize() if word[0].isupper() else found[0]
        return word

    suggestion = _PLAIN_WORD.sub(replace, text)
    return suggestion if changed else None


def mark(index_dir: Path, text: str, q: str) -> str | None:
    """The whole text, escaped, with the words ``q`` finds in it in ``<mark>`` (stems, compounds, gendered
    forms as the search matches them); None when none of them occurs."""
    with searching(index_dir) as searcher:
        field = searcher.schema["text"]
        reader = searcher.reader()
        # Leaf by leaf: Query.existing_terms overwrites its fieldname argument in its loop, so it skips terms.
        words = frozenset(
            field.from_bytes(word) if isinstance(word, bytes) else word
            for leaf in parse(searcher.schema, q).leaves()
            if leaf.field() == "text"
            for name, word in leaf.expanded_terms(reader, phrases=True)
        )
        if not words:
            return None
        # The text is analysed as it was indexed, so a compound marks where one of its parts was searched.
        marked = highlight(
            text, words, field.analyzer, WholeFragmenter(charlimit=None), MarkFormatter(), top=1, mode="index"
        )
        return marked or None


def plain_words(q: str) -> list[str]:
    """The words typed in a query, without operators and field filters: what a PDF viewer can look for."""
    return [word for word in _typed_words(q) if not german.is_stopword(german.fold(word))]


def stopwords_only(q: str) -> list[str]:
    """The words of a query whose every word is a stopword ("sich", "und die"): too common to be searched
    alone, so the German engines search nothing and must say so; [] for any other query."""
    words = _typed_words(q)
    return words if words and all(german.is_stopword(german.fold(word)) for word in words) else []


def _typed_words(q: str) -> list[str]:
    q = re.sub(r"\b\w+:(\"[^\"]*\"|\S+)", " ", q[:MAX_QUERY_CHARS])
    return [word for word, _, _ in german.words(q) if word not in _OPERATORS]
