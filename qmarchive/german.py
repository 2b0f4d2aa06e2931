"""German word analysis for search, independent of any search engine.

A word becomes one or more *terms*:

- gendered forms are reduced to the base noun, so Bewohner*innen, Bewohner:innen, BewohnerInnen,
  Bewohnerinnen and Bewohner all meet in "Bewohner";
- case, ligatures and ß are folded (NFKC + casefold: "Straße" → "strasse");
- the Snowball German stemmer joins inflected forms (Spielplätze → spielplatz) and also treats the
  transliterations ae/oe/ue as ä/ö/ü ("oeffentlich" and "öffentlich" → offent);
- compounds are split into parts known from the archive's own vocabulary, so that a part finds the
  compound (Sanierung → Spielplatzsanierung) and a compound finds its parts written apart.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import Stemmer

# Raise whenever a change here changes the terms a text is indexed under.
ANALYZER_VERSION = 1

# A word, with a gender suffix after *, :, _ or / kept on it: "Bewohner*innen".
_WORD = re.compile(r"[^\W_]+(?:[*:_/](?:innen|in)(?![^\W_]))?", re.IGNORECASE)
_GENDER_SEPARATED = re.compile(r"^(.+?)[*:_/](?:innen|in)$", re.IGNORECASE)
_GENDER_CAPITAL_I = re.compile(r"^(.*[a-zäöüß])(?:Innen|In)$")
# Feminine -in/-innen after endings that make person nouns: Bewohnerin, Akteurinnen, Studentin,
# Nachbarin, Polizistin. The guard keeps "Berlin", "Termin", "Spinnen", "beginnen" intact.
_FEMININE = re.compile(r"^(.{3,}(?:er|eur|ent|ant|ist|or|ar|at|ert|eg))(?:innen|in)$")

MIN_COMPOUND = 8
MIN_PART = 3
_LINKS = ("", "s", "es", "n", "en", "e", "er")
_MAX_SPLITS = 64
# Common German words known to the splitter, and the frequency assumed for the archive's other words.
# An archive word that wordfreq knows keeps its own frequency, even below CORPUS_ZIPF: raised to it, the
# hyphenation fragments and verb prefixes of real documents became parts (on the 36,846 words of Debian's
# German manuals 366 more words were split, mostly wrongly: abge+setzten, anzu+merken, tion+alen).
BASE_WORDS = 150_000
CORPUS_ZIPF = 2.5
PART_ZIPF = 2.5
SHORT_PART_ZIPF = 4.5
# Derivational endings that look like words but never stand as the last part of a compound.
_SUFFIXES = frozenset(
    {
        "lich",
        "schaft",
        "heit",
        "keit",
        "ung",
        "isch",
        "bar",
        "sam",
        "haft",
        "los",
        "nis",
        "tum",
        "ling",
        "chen",
        "lein",
        "weise",
        "mal",
    }
)

STOPWORDS = frozenset(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes
    auch auf aus bei beim bin bis bist da damit dann das dass dem den denn der des dessen die dies
    diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines einig
    einige einigem einigen einiger einiges er es etwas euer eure für gegen gewesen hab habe haben
    hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in
    indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
    keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches
    mein meine mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem
    seinen seiner seines selbst sich sie sind so solche solchem solchen solcher solches soll
    sollte sondern sonst über um und uns unser unsere unter vom von vor war waren warst was weg
    weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird
    wirst wo wollen wollte würde würden zu zum zur zwar zwischen
    """.split()
)

_stemmer = Stemmer.Stemmer("german")
_stemmer.maxCacheSize = 100_000


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """The words of a text with their character offsets."""
    for match in _WORD.finditer(text):
        yield match.group(0), match.start(), match.end()


def spans(text: str, wanted: set[str]) -> list[tuple[int, int]]:
    """Where these words, as written, stand in the text (start, end)."""
    return [match.span() for match in _WORD.finditer(text) if match.group() in wanted]


def word_list(text: str) -> list[str]:
    """The words of a text, without offsets (faster where they are not needed)."""
    return _WORD.findall(text)


def gender_neutral(word: str) -> str:
    """The base noun of a gendered form: Bewohner:innen, BewohnerInnen, Bewohnerinnen → Bewohner."""
    for pattern in (_GENDER_SEPARATED, _GENDER_CAPITAL_I):
        match = pattern.match(word)
        if match:
            return match.group(1)
    match = _FEMININE.match(word.lower())
    return match.group(1) if match else word


def fold(word: str) -> str:
    """Case, ligatures, ß, compatibility characters (m² → m2): the form words are compared in, before stemming
    and when texts are matched."""
    return unicodedata.normalize("NFKC", word).casefold()


def stem(folded: str) -> str:
    return _stemmer.stemWord(folded)


def is_stopword(folded: str) -> bool:
    return folded in STOPWORDS


@dataclass(frozen=True)
class Term:
    """The terms one word is indexed under: its own stem first, then those of its compound parts."""

    stem: str
    parts: tuple[str, ...] = ()


class CompoundSplitter:
    """Splits compounds into parts that are words of their own, by word frequency.

    A word is split when its parts are on average more common than the whole (the geometric mean
    of their frequencies, as Koehn & Knight proposed): "spielplatz" (Zipf 3.9) → spiel (5.5) +
    platz (5.5), while "sanierung" (4.1) is not split into "sani" + "rung" (2.8). Frequencies are
    Zipf values (log10 per billion words). The last part carries the inflection, so it may also be
    known by its stem; derivational endings (-lich, -schaft …) never count as parts.
    """

    def __init__(self, zipf: Mapping[str, float] | None = None, stem_zipf: Mapping[str, float] | None = None):
        self.zipf = dict(zipf or {})
        if stem_zipf is None:
            stem_zipf = {}
            for word, value in self.zipf.items():
                key = stem(word)
                stem_zipf[key] = max(value, stem_zipf.get(key, 0.0))
        self._stem_zipf = dict(stem_zipf)
        self._splits = lru_cache(maxsize=200_000)(self._all_splits)
        # Set by splitter_for: the common words come from BASE and the archive added these words.
        self._base: str | None = None
        self._corpus: set[str] = set()
        self._pending: tuple[str, ...] | None = None  # a deferred splitter's corpus, until its tables are made

    @classmethod
    def deferred(cls, base: str, corpus: Iterable[str]) -> CompoundSplitter:
        """The splitter splitter_for(corpus) makes, its tables made on first use (see __getattr__)."""
        splitter = cls()
        del splitter.zipf, splitter._stem_zipf
        splitter._base, splitter._corpus, splitter._pending = base, set(corpus), tuple(corpus)
        return splitter

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes an instance lacks: the tables of a deferred splitter, on first use.
        pending = self.__dict__.pop("_pending", None)
        if pending is None or name not in ("zipf", "_stem_zipf"):
            raise AttributeError(name)
        made = splitter_for(pending)
        self.zipf, self._stem_zipf = made.zipf, made._stem_zipf
        return getattr(self, name)

    def __reduce__(self) -> tuple:
        # The splitter is pickled into the Whoosh index's table of contents, which every opening of the index
        # reads. A splitter made by splitter_for is stored as the archive's words alone and made again from
        # the common words once per process (and shared by later openings): the whole vocabulary, 150,000
        # words and their stems, took 64 ms to read at every opening and 44 ms to write at every commit.
        if self._base is not None:
            return (_splitter_from_base, (self._base, tuple(sorted(self._corpus))))
        return (_splitter_from_tables, (self.zipf, self._stem_zipf))

    def add_corpus_words(self, words: Iterable[str]) -> None:
        """Words of the archive as possible parts (with the frequency assumed for them); splits already
        made are forgotten, since a new part can change them."""
        added = False
        for word in words:
            if _usable_part(word) and word not in self.zipf:
                self.zipf[word] = CORPUS_ZIPF
                self._corpus.add(word)
                key = stem(word)
                self._stem_zipf[key] = max(CORPUS_ZIPF, self._stem_zipf.get(key, 0.0))
                added = True
        if added:
            self._splits.cache_clear()

    @staticmethod
    def _common_enough(part: str, zipf: float | None) -> float | None:
        """Short parts only when very common (Bau, Hof, Rat), to keep out names and abbreviations."""
        if zipf is None or zipf < (SHORT_PART_ZIPF if len(part) < 4 else PART_ZIPF):
            return None
        return zipf

    def _inner(self, part: str) -> float | None:
        return self._common_enough(part, self.zipf.get(part)) if len(part) >= MIN_PART else None

    def _last(self, part: str) -> float | None:
        if len(part) < MIN_PART or part in _SUFFIXES:
            return None
        key = stem(part)
        if key in _SUFFIXES:
            return None
        return self._common_enough(part, self.zipf.get(part) or self._stem_zipf.get(key))

    def _all_splits(self, word: str) -> tuple[tuple[tuple[str, ...], float], ...]:
        """Every way to cut the word into known parts, with the sum of the parts' Zipf values."""
        found: list[tuple[tuple[str, ...], float]] = []
        whole = self._last(word)
        if whole is not None:
            found.append(((word,), whole))
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            head_zipf = self._inner(word[:i])
            if head_zipf is None:
                continue
            for link in _LINKS:
                if word.startswith(link, i) and len(word) - i - len(link) >= MIN_PART:
                    for parts, total in self._splits(word[i + len(link) :]):
                        found.append(((word[:i], *parts), head_zipf + total))
                        if len(found) > _MAX_SPLITS:
                            return tuple(found)
        return tuple(found)

    def split(self, folded: str) -> tuple[str, ...]:
        """Top-level parts of a compound (empty if it is none)."""
        if len(folded) < MIN_COMPOUND or not folded.isalpha():
            return ()
        candidates = [(parts, total / len(parts)) for parts, total in self._splits(folded) if len(parts) > 1]
        if not candidates:
            return ()
        parts, mean = max(candidates, key=lambda c: (c[1], -len(c[0])))
        return parts if mean > self.zipf.get(folded, 0.0) else ()

    def all_parts(self, folded: str) -> list[str]:
        """The parts, and every run of neighbouring parts that is a word itself:
        hausaufgabenbetreuung → haus, aufgabe, betreuung, hausaufgaben, aufgabenbetreuung."""
        parts = self.split(folded)
        found = list(parts)
        starts, position = [], 0
        for part in parts:
            position = folded.index(part, position)
            starts.append(position)
            position += len(part)
        ends = [start + len(part) for start, part in zip(starts, parts)]
        for first in range(len(parts)):
            for last in range(first + 1, len(parts)):
                run = folded[starts[first] : ends[last]]
                if run != folded and self._last(run) is not None:
                    found.append(run)
        return found


def splitter_for(corpus_words: Iterable[str]) -> CompoundSplitter:
    """A splitter knowing common German words (wordfreq) and every word of the archive itself."""
    base = _base_splitter()
    splitter = CompoundSplitter(base.zipf, base._stem_zipf)
    splitter._base = base_key()
    splitter.add_corpus_words(corpus_words)
    return splitter


def base_key() -> str:
    """What the common words of the splitter are: an index built with other ones must be built again."""
    from importlib.metadata import version

    return f"wordfreq {version('wordfreq')} de {BASE_WORDS}"


@lru_cache(maxsize=8)
def _splitter_from_base(base: str, corpus: tuple[str, ...]) -> CompoundSplitter:
    """A pickled splitter of splitter_for, once per process and index state, its tables made when it first
    splits a word (opening an index to read needs none); the common words are today's (an index whose
    base_key differs is rebuilt: search.lifecycle.version)."""
    return CompoundSplitter.deferred(base, corpus)


def _splitter_from_tables(zipf: Mapping[str, float], stem_zipf: Mapping[str, float]) -> CompoundSplitter:
    return CompoundSplitter(zipf, stem_zipf)


@lru_cache(maxsize=1)
def _base_splitter() -> CompoundSplitter:
    from wordfreq import get_frequency_dict, top_n_list

    frequency = get_frequency_dict("de")
    return CompoundSplitter(
        {
            word: round(math.log10(frequency[word] * 1e9), 2)
            for word in top_n_list("de", BASE_WORDS)
            if _usable_part(word)
        }
    )


def _usable_part(word: str) -> bool:
    return len(word) >= MIN_PART and word.isalpha() and not is_stopword(word)


def analyse(word: str, splitter: CompoundSplitter | None = None, *, all_levels: bool = True) -> Term | None:
    """A word → its term (None for stopwords)."""
    folded = fold(gender_neutral(word))
    if is_stopword(folded):
        return None
    parts: tuple[str, ...] = ()
    if splitter is not None:
        found = splitter.all_parts(folded) if all_levels else splitter.split(folded)
        parts = tuple(dict.fromkeys(stem(p) for p in found))
    return Term(stem=stem(folded), parts=parts)
