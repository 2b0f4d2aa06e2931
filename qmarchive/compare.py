"""Two editions side by side: their outlines aligned, the terms distinctive of each, and the text carried over.

Distinctive terms are German stems ranked by Dunning's log-likelihood (G²) of their counts in one
document against the other. Carried-over passages are found by word shingles: every passage of ``a`` is
compared with the passages of ``b`` that share a shingle with it, and pairs whose shingle sets overlap
by at least ``MIN_SIMILARITY`` (Jaccard) are reported. At the archive's scale (two documents, a few
hundred passages) the exact Jaccard is cheap, so no MinHash estimate is needed.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlite_utils import Database

from qmarchive import german, topics
from qmarchive.errors import UnknownDocumentError

SHINGLE_WORDS = 5
MIN_SIMILARITY = 0.6
MIN_PASSAGE_WORDS = 20
DISTINCTIVE_TERMS = 15
MIN_TERM_COUNT = 3

_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+(?=[A-ZÄÖÜ0-9„])")
_HEADING_NUMBER = re.compile(r"^[\s\d.]+")
_LEADERS = re.compile(r"(?:\.\s?){4,}")  # a table of contents line, not text


@dataclass
class Section:
    title: str
    level: int
    first_page: int
    page_id: str


@dataclass
class Passage:
    page_id: str
    page_number: int
    text: str


@dataclass
class CarriedOver:
    a: Passage
    b: Passage
    similarity: float


@dataclass
class Term:
    word: str  # the most frequent written form of the stem
    count: int
    other_count: int
    g2: float


@dataclass
class Comparison:
    a: dict
    b: dict
    sections: list[tuple[Section | None, Section | None]]
    distinctive_a: list[Term]
    distinctive_b: list[Term]
    carried_over: list[CarriedOver]


def compare(db: Database, a: str, b: str) -> Comparison:
    """Compare document ``a`` with ``b`` (ids); an unknown id raises UnknownDocumentError naming it."""
    docs = {}
    for document_id in (a, b):
        row = db.execute(
            "SELECT id, title, period_start, period_end FROM documents WHERE id = ?", [document_id]
        ).fetchone()
        if row is None:
            raise UnknownDocumentError(f"no document '{document_id}' in the archive")
        docs[document_id] = dict(zip(("id", "title", "period_start", "period_end"), row))
    pages = {document_id: _pages(db, document_id) for document_id in (a, b)}
    stems = {document_id: _stems(pages[document_id]) for document_id in (a, b)}
    return Comparison(
        a=docs[a],
        b=docs[b],
        sections=align_sections(_sections(db, a), _sections(db, b)),
        distinctive_a=distinctive(stems[a], stems[b]),
        distinctive_b=distinctive(stems[b], stems[a]),
        carried_over=carried_over(_passages(pages[a]), _passages(pages[b])),
    )


def _pages(db: Database, document_id: str) -> list[tuple[str, int, str]]:
    return [
        tuple(row)
        for row in db.execute(
            "SELECT id, page_number, text FROM pages WHERE document_id = ? ORDER BY page_number", [document_id]
        )
    ]


def _sections(db: Database, document_id: str) -> list[Section]:
    return [
        Section(title=title, level=level, first_page=first_page, page_id=f"{document_id}/{first_page}")
        for title, level, first_page in db.execute(
            "SELECT title, level, first_page FROM sections WHERE document_id = ? ORDER BY position", [document_id]
        )
    ]


def _title_key(section: Section) -> str:
    return " ".join(topics.fold_accents(_HEADING_NUMBER.sub("", section.title)).split())


def _field_key(section: Section) -> str | None:
    """The Handlungsfeld a heading names under any of its names (Wohnumfeld → oeffentlicher-raum), if exactly one."""
    title = _title_key(section)
    ids = topics.lookup(title)
    if len(ids) != 1:
        return None
    names = {
        topics.fold_accents(name) for topic in topics.lexicon().topics if topic.id == ids[0] for name in topic.names
    }
    return ids[0] if title in names else None


def align_sections(a: list[Section], b: list[Section]) -> list[tuple[Section | None, Section | None]]:
    """Rows in the order of ``a``, each with the section of ``b`` of the same title, else of the same
    Handlungsfeld; a section only ``b`` has stands after the row of the ``b`` section before it."""
    matches: dict[int, Section] = {}
    for key in (_title_key, _field_key):
        unused: dict[str, list[Section]] = defaultdict(list)
        taken = {id(match) for match in matches.values()}
        for section in b:
            if id(section) not in taken and (found := key(section)) is not None:
                unused[found].append(section)
        for index, section in enumerate(a):
            wanted = key(section)
            same = unused.get(wanted) if index not in matches and wanted is not None else None
            if same:
                matches[index] = same.pop(0)
    rows: list[tuple[Section | None, Section | None]] = [(section, matches.get(i)) for i, section in enumerate(a)]
    paired = {id(match) for match in matches.values()}
    previous = -1  # the row of the b section before
    for section in b:
        if id(section) in paired:
            previous = next(i for i, (_, match) in enumerate(rows) if match is section)
        else:
            previous += 1
            rows.insert(previous, (None, section))
    return rows


def _stems(pages: list[tuple[str, int, str]]) -> dict[str, Counter[str]]:
    """Stem → the written forms it was counted from."""
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for _, _, text in pages:
        for word in german.word_list(text):
            term = german.analyse(word)
            if term is not None and len(term.stem) > 2 and not term.stem.isdigit():
                forms[term.stem][word] += 1
    return forms


def g2(count: int, total: int, other: int, other_total: int) -> float:
    """Dunning's log-likelihood of a count in one corpus against another, signed: positive if overused here."""
    expected = total * (count + other) / (total + other_total)
    expected_other = other_total * (count + other) / (total + other_total)
    value = 2 * sum(o * math.log(o / e) for o, e in ((count, expected), (other, expected_other)) if o)
    return value if count / total >= other / other_total else -value


def distinctive(
    own: dict[str, Counter[str]], other: dict[str, Counter[str]], limit: int = DISTINCTIVE_TERMS
) -> list[Term]:
    """The stems most overused in ``own`` against ``other``."""
    total = sum(sum(c.values()) for c in own.values())
    other_total = sum(sum(c.values()) for c in other.values())
    if not total or not other_total:
        return []
    scored = []
    for stem, forms in own.items():
        count = sum(forms.values())
        if count < MIN_TERM_COUNT:
            continue
        other_count = sum(other[stem].values()) if stem in other else 0
        score = g2(count, total, other_count, other_total)
        if score > 0:
            scored.append(
                Term(word=forms.most_common(1)[0][0], count=count, other_count=other_count, g2=round(score, 1))
            )
    return sorted(scored, key=lambda t: (-t.g2, t.word))[:limit]


def _passages(pages: list[tuple[str, int, str]]) -> list[Passage]:
    """Runs of sentences of at least MIN_PASSAGE_WORDS words, within a page; table of contents lines left out."""
    passages = []
    for page_id, page_number, text in pages:
        current: list[str] = []
        for sentence in _SENTENCE_END.split(" ".join(text.split())):
            current.append(sentence)
            if len(german.word_list(" ".join(current))) >= MIN_PASSAGE_WORDS:
                if not _LEADERS.search(" ".join(current)):
                    passages.append(Passage(page_id, page_number, " ".join(current)))
                current = []
    return passages


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    words = [german.fold(w) for w in german.word_list(text)]
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))} if words else set()


def carried_over(a: list[Passage], b: list[Passage], threshold: float = MIN_SIMILARITY) -> list[CarriedOver]:
    """Each passage of ``a`` with its most similar passage of ``b``, if their shingles overlap enough."""
    b_shingles = [shingles(p.text) for p in b]
    by_shingle: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for index, found in enumerate(b_shingles):
        for shingle in found:
            by_shingle[shingle].append(index)
    pairs = []
    for passage in a:
        own = shingles(passage.text)
        candidates = Counter(index for shingle in own for index in by_shingle.get(shingle, ()))
        best = None
        for index, shared in candidates.items():
            similarity = shared / len(own | b_shingles[index])
            if similarity >= threshold and (best is None or similarity > best[1]):
                best = (index, similarity)
        if best is not None:
            pairs.append(CarriedOver(passage, b[best[0]], round(best[1], 3)))
    return pairs
