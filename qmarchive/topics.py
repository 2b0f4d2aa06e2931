"""Handlungsfeld tagging: which fields of action (and the cross-cutting theme Klimaanpassung) a page treats.

The fields were renamed and regrouped over the years (see ``topics_lexicon.json``); tagging every page
with today's field ids lets a researcher follow one field through all documents, whatever it was called.
The rules are deterministic and explainable, so a tag can always be traced to the words that caused it:
a field's name (any historical one) on the page or in its section title, or enough of its keywords.
Tags are derived data: they are computed from the stored page text and can always be recomputed.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate
from importlib import resources
from typing import Any

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_TOKEN = re.compile(r"[a-z0-9]+")
# Combining marks, which NFKD splits off accented letters (é → e + ◌́): the blocks Latin text uses.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# A one-word name counts as a name only when it stands as a heading ("5.2 Bildung"), in quotes or
# after one of these words; elsewhere "Bildung" is an ordinary word ("Kultur, Bildung und Infrastruktur").
_NAME_CUES = ("handlungsfeld", "handlungsfelder", "querschnittsthema")
_HEADING_NUMBER = re.compile(r"^[\s\d.)•–-]*")
_QUOTES = "„“”\"'‚‘’«»"
# Between the names of an enumeration ("„Bildung“; „Arbeit und Wirtschaft“ sowie …") there is only
# punctuation and conjunctions, and no end of a sentence (a heading may follow the enumeration).
_ENUMERATION_GAP = re.compile(r"^(?:[\s\d,;:/()\-–" + _QUOTES + r"]|\bund\b|\bsowie\b|\boder\b|\bbzw\b)*$")
_LEADER_LINE = re.compile(r"(?:\.\s?){4,}\s*[\divxlc]+\s*$|…{2,}\s*[\divxlc]+\s*$")
_TOC_TITLES = {"inhalt", "inhaltsverzeichnis", "contents", "table of contents"}


@dataclass(frozen=True)
class Topic:
    """One field of action (or the cross-cutting theme) as the lexicon describes it."""

    id: str
    name: str
    since: int | None
    until: int | None
    historical_names: tuple[str, ...]
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]
    min_hits: int

    @property
    def names(self) -> tuple[str, ...]:
        """Every name that identifies the topic: today's, the historical ones and common variants."""
        return tuple(dict.fromkeys((self.name, *self.historical_names, *self.aliases)))


@dataclass(frozen=True)
class Lexicon:
    """The versioned lexicon: its topics and how many words make a stretch of text (``window``)."""

    version: int
    window: int
    topics: tuple[Topic, ...]


@cache
def lexicon() -> Lexicon:
    """The lexicon shipped with the package (read once)."""
    data = json.loads((resources.files("qmarchive") / "topics_lexicon.json").read_text(encoding="utf-8"))
    default = int(data["min_hits"])
    topics = tuple(
        Topic(
            id=t["id"],
            name=t["name"],
            since=t.get("since"),
            until=t.get("until"),
            historical_names=tuple(t["historical_names"]),
            aliases=tuple(t.get("aliases", ())),
            keywords=tuple(t["keywords"]),
            exclude=tuple(t.get("exclude", ())),
            min_hits=int(t.get("min_hits", default)),
        )
        for t in data["topics"]
    )
    return Lexicon(version=int(data["version"]), window=int(data["window_words"]), topics=topics)


LEXICON_VERSION: int = lexicon().version


def fold(text: str) -> str:
    """Lower case without umlauts or accents (ß → ss, ä → ae, é → e): how names and keywords are compared."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def tag_page(text: str, section: str | None = None) -> list[str]:
    """The ids of the topics a page treats, in lexicon order; none for a table of contents."""
    folded = fold(text)
    section_folded = fold(section or "")
    if section_folded.strip() in _TOC_TITLES or _is_table_of_contents(folded):
        return []
    named, enumerations = _named_topics(folded)
    named |= _named_topics_in_title(section_folded)
    for start, end in enumerations:
        # The words of an enumeration of all fields are no evidence for any of them.
        folded = folded[:start] + " " * (end - start) + folded[end:]
    return [
        topic.id
        for topic in lexicon().topics
        if topic.id in named or _keyword_hits(_matchers(topic.id), folded, lexicon().window) >= topic.min_hits
    ]


def keyword_hits(topic_id: str, text: str) -> int:
    """How many different keywords of a topic a text has within one window (explains a tag)."""
    return _keyword_hits(_matchers(topic_id), fold(text), lexicon().window)


def topic_rows() -> list[dict[str, Any]]:
    """The ``topics`` table, one row per lexicon topic."""
    return [
        {
            "id": topic.id,
            "name": topic.name,
            "since": topic.since,
            "until": topic.until,
            "historical_names": " · ".join(topic.historical_names),
            "lexicon_version": LEXICON_VERSION,
        }
        for topic in lexicon().topics
    ]


def lookup(query: str) -> list[str]:
    """The topic ids a field id or name refers to, under any of its names ("Wohnumfeld" → oeffentlicher-raum).

    An exact id or name wins; otherwise every topic with a name that starts with the query. "Nachbarschaft
    und Beteiligung" (2010) names two of today's fields and returns both.
    """
    wanted = _lookup_key(query)
    if not wanted:
        return []
    exact = [t.id for t in lexicon().topics if wanted in _lookup_keys(t)]
    if exact:
        return exact
    return [t.id for t in lexicon().topics if any(key.startswith(wanted) for key in _lookup_keys(t))]


def _lookup_keys(topic: Topic) -> list[str]:
    return [_lookup_key(topic.id), *(_lookup_key(name) for name in topic.names)]


def _lookup_key(text: str) -> str:
    """Words only, and "oe" like "o": people type "offentlicher" as well as "oeffentlicher"."""
    return re.sub(r"([aou])e", r"\1", " ".join(_TOKEN.findall(fold(text))))


# -- names ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    pattern: re.Pattern[str]
    one_word: bool
    topic_ids: frozenset[str]
    first_word: str  # a page without it as a substring cannot name the topic: no regex search needed


@cache
def _names() -> tuple[_Name, ...]:
    """Each distinct name once, with all topics it belongs to (one 2010 name belongs to two)."""
    owners: dict[tuple[str, ...], set[str]] = {}
    for topic in lexicon().topics:
        for name in topic.names:
            owners.setdefault(tuple(_TOKEN.findall(fold(name))), set()).add(topic.id)
    return tuple(
        _Name(
            # Words of a name may be separated by any punctuation and line breaks; the last word may
            # continue as a compound ("Klimaanpassungsmaßnahmen").
            pattern=re.compile(r"(?<![a-z0-9])" + r"[^a-z0-9]{1,4}".join(_name_word(w) for w in words)),
            one_word=len(words) == 1,
            topic_ids=frozenset(ids),
            first_word="" if words[0] == "und" else words[0],
        )
        for words, ids in owners.items()
    )


def _name_word(word: str) -> str:
    return "(?:und|&)" if word == "und" else re.escape(word)


def _named_topics(folded: str) -> tuple[set[str], list[tuple[int, int]]]:
    """Topics named in the text, and the spans of enumerations of fields (which name none of them).

    One-word names count only where they stand as names (see :func:`_stands_as_name`).
    """
    matches: list[tuple[int, int, _Name, bool]] = []
    for name in _names():
        if name.first_word not in folded:
            continue
        for m in name.pattern.finditer(folded):
            # A one-word name must be a whole word (not the start of a compound) and stand as a name.
            if name.one_word and re.match(r"[a-z0-9]", folded[m.end() : m.end() + 1]):
                continue
            matches.append((m.start(), m.end(), name, not name.one_word or _stands_as_name(folded, m)))
    named: set[str] = set()
    enumerations: list[tuple[int, int]] = []
    for group in _enumerations(folded, _longest_first(matches)):
        if len({name for _, _, name, _ in group}) >= 3:
            enumerations.append((group[0][0], group[-1][1]))
            continue
        for _, _, name, counts in group:
            if counts:
                named |= name.topic_ids
    return named, enumerations


def _named_topics_in_title(folded_title: str) -> set[str]:
    """A section title is short and chosen with care: any name in it counts, one-word names included."""
    named: set[str] = set()
    for name in _names():
        m = name.first_word in folded_title and name.pattern.search(folded_title)
        if m and not (name.one_word and re.match(r"[a-z0-9]", folded_title[m.end() : m.end() + 1])):
            named |= name.topic_ids
    return named


def _stands_as_name(folded: str, m: re.Match[str]) -> bool:
    """A heading line ("5.2 Bildung", "Querschnittsthema Klimaanpassung"), quoted, or after "Handlungsfeld"."""
    line_start = folded.rfind("\n", 0, m.start()) + 1
    line_end = folded.find("\n", m.end())
    line = folded[line_start : line_end if line_end != -1 else len(folded)]
    rest = _HEADING_NUMBER.sub("", line).strip().rstrip(":")
    words = _TOKEN.findall(rest)
    if words and words[-1] == m.group(0) and all(w in _NAME_CUES for w in words[:-1]):
        return True
    before, after = folded[max(0, m.start() - 1) : m.start()], folded[m.end() : m.end() + 1]
    if before and after and before in _QUOTES and after in _QUOTES:
        return True
    preceding = _TOKEN.findall(folded[max(0, m.start() - 30) : m.start()])
    return bool(preceding) and preceding[-1] in _NAME_CUES


_Match = tuple[int, int, _Name, bool]


def _longest_first(matches: list[_Match]) -> list[_Match]:
    """Drop matches inside a longer one ("Öffentlicher Raum" inside "Wohnumfeld/Öffentlicher Raum")."""
    kept: list[_Match] = []
    for match in sorted(matches, key=lambda m: (m[0], -(m[1] - m[0]))):
        if kept and match[0] < kept[-1][1]:
            continue
        kept.append(match)
    return kept


def _enumerations(folded: str, matches: list[_Match]) -> list[list[_Match]]:
    """Consecutive name matches separated only by punctuation, numbers or conjunctions, grouped."""
    groups: list[list[_Match]] = []
    for match in matches:
        if groups and _ENUMERATION_GAP.match(folded[groups[-1][-1][1] : match[0]]):
            groups[-1].append(match)
        else:
            groups.append([match])
    return groups


def _is_table_of_contents(folded: str) -> bool:
    """Dotted leaders and page numbers on most lines: the page lists chapters, it does not treat them."""
    lines = [line for line in folded.splitlines() if line.strip()]
    leaders = sum(1 for line in lines if _LEADER_LINE.search(line))
    return leaders >= 4 and leaders >= 0.4 * len(lines)


# -- keywords ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Matchers:
    words: re.Pattern[str] | None
    phrases: re.Pattern[str] | None
    excluded_words: re.Pattern[str] | None
    excluded_phrases: re.Pattern[str] | None
    # Word → the keyword it matches (None: no keyword), remembered across pages: words repeat.
    keyword_of: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def keyword(self, token: str) -> str | None:
        try:
            return self.keyword_of[token]
        except KeyError:
            pass
        if len(self.keyword_of) >= _KEYWORD_CACHE_WORDS:
            self.keyword_of.clear()
        m = None
        if not (self.excluded_words and self.excluded_words.search(token)) and self.words:
            m = self.words.search(token)
        keyword = self.keyword_of[token] = m.group(0) if m else None
        return keyword


_KEYWORD_CACHE_WORDS = 100_000

@cache
def _matchers(topic_id: str) -> _Matchers:
    """A topic's keywords and exclusions compiled: single words are matched per word, phrases in the text."""
    topic = next(t for t in lexicon().topics if t.id == topic_id)
    keywords = [fold(k) for k in topic.keywords]
    exclude = [fold(e) for e in topic.exclude]
    return _Matchers(
        words=_alternation([k for k in keywords if " " not in k], "^"),
        phrases=_alternation([k for k in keywords if " " in k], r"(?<![a-z0-9])"),
        excluded_words=_alternation([e for e in exclude if " " not in e], "^"),
        excluded_phrases=_alternation([e for e in exclude if " " in e], r"(?<![a-z0-9])"),
    )


def _alternation(stems: list[str], anchor: str) -> re.Pattern[str] | None:
    """One regex for a list of stems; a stem starting with '*' drops the anchor (inside a compound)."""
    if not stems:
        return None
    parts = [
        (re.escape(s[1:]) if s.startswith("*") else anchor + re.escape(s))
        for s in sorted(stems, key=len, reverse=True)
    ]
    return re.compile("|".join(parts))


@lru_cache(maxsize=2)
def _words(folded: str) -> tuple[list[str], frozenset[str], str, list[int]]:
    """A page's words, the distinct ones, the words joined by single spaces, and where each starts there.

    Kept for the page being tagged: every topic's keywords are looked for in the same words.
    """
    tokens = _TOKEN.findall(folded)
    starts = list(accumulate((len(token) + 1 for token in tokens[:-1]), initial=0)) if tokens else []
    return tokens, frozenset(tokens), " ".join(tokens), starts


def _keyword_hits(matchers: _Matchers, folded: str, window: int) -> int:
    """The most different keywords found within any stretch of ``window`` words.

    Different keywords, not occurrences: a field's own chapter uses many of its words, a page that
    mentions "Kitas und Schulen" three times in passing does not. The window keeps a long page's
    scattered mentions from adding up to a paragraph that treats the field.
    """
    if matchers.excluded_phrases:
        folded = matchers.excluded_phrases.sub(" ", folded)
    tokens, distinct, text, word_starts = _words(folded)
    keywords = {token: keyword for token in distinct if (keyword := matchers.keyword(token)) is not None}
    found = [(position, keywords[token]) for position, token in enumerate(tokens) if token in keywords] if keywords else []
    if matchers.phrases:
        found += [(bisect.bisect_right(word_starts, m.start()) - 1, m.group(0)) for m in matchers.phrases.finditer(text)]
    found.sort()
    best, first = 0, 0
    in_window: Counter[str] = Counter()
    for position, keyword in found:
        in_window[keyword] += 1
        while position - found[first][0] >= window:
            dropped = found[first][1]
            in_window[dropped] -= 1
            if not in_window[dropped]:
                del in_window[dropped]
            first += 1
        best = max(best, len(in_window))
    return best
