"""Handlungsfeld tagging: which fields of action (and the cross-cutting theme Klimaanpassung) a page treats.

The fields were renamed and regrouped over the years (see ``topics_lexicon.json``); tagging every page
with today's field ids lets a researcher follow one field through all documents, whatever it was called.
The rules are deterministic and explainable, so a tag can always be traced to the words that caused it:
a field's name (any historical one) on the page or in its section title, or enough of its keywords.
Tags are derived data: they are computed from the stored page text and can always be recomputed.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from qmarchive import german

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
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    exclude: tuple[str, ...]
    min_weak: int

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
    default = int(data["min_weak"])
    topics = tuple(
        Topic(
            id=t["id"],
            name=t["name"],
            since=t.get("since"),
            until=t.get("until"),
            historical_names=tuple(t["historical_names"]),
            aliases=tuple(t.get("aliases", ())),
            strong=tuple(t.get("strong", ())),
            weak=tuple(t["weak"]),
            exclude=tuple(t.get("exclude", ())),
            min_weak=int(t.get("min_weak", default)),
        )
        for t in data["topics"]
    )
    return Lexicon(version=int(data["version"]), window=int(data["window_words"]), topics=topics)


LEXICON_VERSION: int = lexicon().version


def fold_accents(text: str) -> str:
    """Lower case without umlauts or accents (ß → ss, ä → ae, é → e): how names and keywords are compared.
    Looser than ``german.fold`` (case and compatibility forms only), which keeps umlauts for the stemmer."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def _fold_with_origin(text: str) -> tuple[str, list[int]]:
    """The text folded character by character, and for each folded character where it came from."""
    pieces, origin = [], []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        pieces.append(folded)
        origin.extend([i] * len(folded))
    return "".join(pieces), origin


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold_accents(ch)


def tag_page(text: str, section: str | None = None) -> list[str]:
    """The ids of the topics a page treats, in lexicon order; none for a table of contents."""
    text = unicodedata.normalize("NFKC", text)
    folded, origin = _fold_with_origin(text)
    section_folded = fold_accents(section or "")
    if section_folded.strip() in _TOC_TITLES or _is_table_of_contents(folded):
        return []
    named, enumerations = _named_topics(folded)
    named |= _named_topics_in_title(section_folded)
    for start, end in enumerations:
        # The words of an enumeration of all fields are no evidence for any of them.
        first, last = origin[start], origin[end - 1] + 1
        text = text[:first] + " " * (last - first) + text[last:]
    return [topic.id for topic in lexicon().topics if topic.id in named or _treats(topic, text)]


def preload() -> None:
    """Load the lexicon's cues and the compound splitter now rather than on the first page tagged."""
    _splitter()
    for topic in lexicon().topics:
        _cues(topic.id)


def cue_evidence(topic_id: str, text: str) -> tuple[list[str], int]:
    """The strong cues of a topic in a text and its most different weak cues within one window (explains a tag)."""
    return _cue_evidence(topic_id, unicodedata.normalize("NFKC", text))


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
    return re.sub(r"([aou])e", r"\1", " ".join(_TOKEN.findall(fold_accents(text))))


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
            owners.setdefault(tuple(_TOKEN.findall(fold_accents(name))), set()).add(topic.id)
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


# -- cues ----------------------------------------------------------------------------------------------
#
# A cue is compared by stems, word by word: the German Snowball stem of the whole word, and the stems
# of its compound parts as qmarchive.german splits them (the lexicon's own words are known parts). So
# "Begrünung" finds "Dachbegrünung" (dach + begrünung) but not "Begründung" (another stem, no parts),
# and "gießen" does not find "Gießerei". Stems do not tell the verb "gießen" from the city "Gießen":
# a form written in lower case matches a whole word only where the text writes it in lower case.


@dataclass(frozen=True)
class _Form:
    """One word form of a cue, as compared with the words of a page."""

    stem: str
    lower_only: bool  # a verb or adjective: not the capitalised name that shares its stem
    exact: str | None  # '=' forms: this very word, folded ("läden", not the verb "laden")


@dataclass(frozen=True)
class _Cue:
    label: str  # the cue as the lexicon writes it (its first form), for explanations
    words: tuple[_Form, ...]
    phrases: tuple[tuple[str, ...], ...]  # stems of consecutive words


@dataclass(frozen=True)
class _TopicCues:
    strong: tuple[_Cue, ...]
    weak: tuple[_Cue, ...]
    exclude: _Cue
    # Stem → (cue, form) for every word form, first stem → (cue, phrase): a page's words are looked up,
    # not scanned once per cue.
    forms: dict[str, tuple[tuple[_Cue, _Form], ...]]
    phrases: dict[str, tuple[tuple[_Cue, tuple[str, ...]], ...]]


@dataclass(frozen=True)
class _Word:
    """What matching needs to know of one word of a page (computed once per distinct word)."""

    exact: str
    stem: str
    parts: frozenset[str]
    lower: bool


_WORD_CACHE = 200_000


def _cue(text: str) -> _Cue:
    words, phrases = [], []
    for form in text.split("|"):
        exact = form.startswith("=")
        form = form.lstrip("=")
        stems = tuple(_stem(w) for w in german.word_list(form))
        if len(stems) > 1:
            phrases.append(stems)
        else:
            words.append(_Form(stems[0], form[0].islower(), german.fold(form) if exact else None))
    return _Cue(text.split("|")[0].lstrip("="), tuple(words), tuple(phrases))


def _stem(word: str) -> str:
    return german.stem(german.fold(word))


@cache
def _cues(topic_id: str) -> _TopicCues:
    topic = next(t for t in lexicon().topics if t.id == topic_id)
    strong, weak = tuple(_cue(c) for c in topic.strong), tuple(_cue(c) for c in topic.weak)
    exclude = _cue("|".join(topic.exclude)) if topic.exclude else _Cue("", (), ())
    forms: dict[str, list[tuple[_Cue, _Form]]] = {}
    phrases: dict[str, list[tuple[_Cue, tuple[str, ...]]]] = {}
    for cue in (*strong, *weak, exclude):
        for form in cue.words:
            forms.setdefault(form.stem, []).append((cue, form))
        for phrase in cue.phrases:
            phrases.setdefault(phrase[0], []).append((cue, phrase))
    return _TopicCues(
        strong,
        weak,
        exclude,
        forms={k: tuple(v) for k, v in forms.items()},
        phrases={k: tuple(v) for k, v in phrases.items()},
    )


@cache
def _splitter() -> german.CompoundSplitter:
    """Common German words and the lexicon's own: a cue is always a known compound part."""
    forms = (form.lstrip("=") for t in lexicon().topics for c in (*t.strong, *t.weak) for form in c.split("|"))
    return german.splitter_for(german.fold(w) for form in forms for w in german.word_list(form))


_analysed: dict[str, _Word] = {}


def _word(token: str) -> _Word:
    found = _analysed.get(token)
    if found is None:
        if len(_analysed) >= _WORD_CACHE:
            _analysed.clear()
        folded = german.fold(german.gender_neutral(token))
        parts = frozenset(german.stem(p) for p in _splitter().all_parts(folded))
        found = _analysed[token] = _Word(folded, german.stem(folded), parts, token.islower())
    return found


_WHOLE, _PART = 2, 1


def _match(form: _Form, word: _Word) -> int:
    """How a form matches a word: as the whole word, as one of its compound parts, or not at all (0)."""
    if form.exact is not None:
        return _WHOLE if word.exact == form.exact else 0
    if form.stem == word.stem:
        return _WHOLE if word.lower or not form.lower_only else 0
    return _PART if form.stem in word.parts else 0


def _occurrences(cues: _TopicCues, words: list[_Word]) -> dict[_Cue, dict[int, int]]:
    """Where each cue of a topic occurs (word position → _WHOLE or _PART): a form, or the start of a phrase."""
    found: dict[_Cue, dict[int, int]] = {}
    for i, word in enumerate(words):
        for stem in (word.stem, *word.parts):
            for cue, form in cues.forms.get(stem, ()):
                how = _match(form, word)
                if how > found.setdefault(cue, {}).get(i, 0):
                    found[cue][i] = how
        for cue, phrase in cues.phrases.get(word.stem, ()):
            if tuple(w.stem for w in words[i : i + len(phrase)]) == phrase:
                found.setdefault(cue, {})[i] = _WHOLE
    return found


@lru_cache(maxsize=2)
def _page_words(text: str) -> list[_Word]:
    """Kept for the page being tagged: every topic's cues are looked for in the same words."""
    return [_word(token) for token in german.word_list(text)]


def _cue_evidence(topic_id: str, text: str) -> tuple[list[str], int]:
    """The strong cues of a topic on a page, and the most different weak cues within one window.

    Different cues, not occurrences: a field's own chapter uses many of its words, a page that
    mentions "Kitas und Schulen" three times in passing does not. The window keeps a long page's
    scattered mentions from adding up to a paragraph that treats the field.
    """
    cues = _cues(topic_id)
    words = _page_words(text)
    found = _occurrences(cues, words)
    excluded = set(found.get(cues.exclude, ()))
    for phrase in cues.exclude.phrases:  # every word of an excluded phrase
        for start in excluded.copy():
            if tuple(w.stem for w in words[start : start + len(phrase)]) == phrase:
                excluded.update(range(start, start + len(phrase)))
    strong = {cue.label: found.get(cue, {}).keys() - excluded for cue in cues.strong}
    excluded.update(*strong.values())
    weak = [(at, how, cue.label) for cue in cues.weak for at, how in found.get(cue, {}).items() if at not in excluded]
    # A word counts once: a cue that is the whole word ("Aktionsfondsjury") hides those that are parts of it ("Jury").
    whole = {at for at, how, _ in weak if how == _WHOLE}
    hits = sorted((at, label) for at, how, label in weak if how == _WHOLE or at not in whole)
    window = lexicon().window
    best, first = 0, 0
    in_window: Counter[str] = Counter()
    for position, label in hits:
        in_window[label] += 1
        while position - hits[first][0] >= window:
            dropped = hits[first][1]
            in_window[dropped] -= 1
            if not in_window[dropped]:
                del in_window[dropped]
            first += 1
        best = max(best, len(in_window))
    return [label for label, at in strong.items() if at], best


def _treats(topic: Topic, text: str) -> bool:
    strong, weak = _cue_evidence(topic.id, text)
    return bool(strong) or weak >= topic.min_weak
