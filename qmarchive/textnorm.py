"""German text normalisation for text extracted from PDFs.

Each extractor has its own quirks: PDFium marks a hyphen it removed at a line end with U+FFFE and ends
lines with ``\\r\\n``; pypdf leaves glyph names such as ``/f_i`` and splits accents from their letters
(``F¨ur``). What comes out of here is the same clean NFC text whichever extractor ran, with running
headers and footers kept apart from the body so they do not pollute search.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# A text layer with more than this share of damaged characters is no text at all, and is OCRed.
GARBAGE_SHARE = 0.3
# Spacing accents that some PDFs draw as separate glyphs before their letter, mapped to the
# combining mark they stand for.
SPACING_ACCENTS = {
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u00b4": "\u0301",  # ´ acute
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u02c7": "\u030c",  # ˇ caron
    "\u00b8": "\u0327",  # ¸ cedilla
}
_LOOSE_ACCENT = re.compile("([" + "".join(SPACING_ACCENTS) + r"]) ?([A-Za-z])")
# Ligature glyph names that pypdf leaves in the text when a font has no usable ToUnicode map.
_GLYPH_NAME = re.compile(r"/(?:uni([0-9A-Fa-f]{4})|(f_f_[il]|f_[fiklbhjt]|s_t|c_t))")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffd\u200b-\u200d\u2060]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
# PDFium replaces a hyphen it found at a line end by U+FFFE and joins the lines; it is kept as the
# marker of a line-end hyphen (soft hyphens at line ends become it too) until dehyphenate() decides.
LINE_END_HYPHEN = "\ufffe"
_SOFT_HYPHEN = "\u00ad"

_SWALLOWED_LINE = re.compile(LINE_END_HYPHEN + r"([^\n]*)$", re.MULTILINE)
_WORD_CHARS = r"[^\W\d_]"
# A word broken at a line end: "Bewoh-\nnerschaft" or PDFium's "Bewoh\ufffenerschaft".
_BROKEN_WORD = re.compile(r"(\w+)(?:-[ \t]*\n|\ufffe\n?)[ \t]*(" + _WORD_CHARS + r"\w*|\d\w*)")
_INLINE_COMPOUND = re.compile(r"(\w+)-(\w+)")
# After "Kinder-" at a line end, these continue an elliptic coordination: "Kinder- und Jugendarbeit".
_COORDINATORS = frozenset({"und", "oder", "bzw", "sowie", "als", "bis", "wie", "noch", "u"})

_PAGE_NUMBER_LINE = re.compile(
    r"^[-–—\s]*(?:seite|s\.|page)?\s*"
    r"(?:\d{1,4}|(?=[ivxlcdm])m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
    r"(?:\s*(?:/|von|of)\s*\d{1,4})?[-–—\s]*$",
    re.IGNORECASE,
)
# Lines near the page edges that recur on this share of the pages with text are running headers/footers.
RUNNING_LINE_SHARE = 0.3
RUNNING_LINE_MIN_PAGES = 3
_EDGE_LINES = 2
_HEADER_PREFIX_WORDS = 4
# A line at the same edge of this many pages within NEIGHBOUR_PAGES either side is a running head too.
NEIGHBOUR_PAGES = 4
NEIGHBOUR_REPEATS = 2
_WORD = re.compile(r"[^\W\d_]{3,}")
_END_NUMBERS = re.compile(r"^\d+(?=\s)|(?<=\s)\d+$")
_PAGE_END_HYPHEN = re.compile(r"(\w+)-$")
_PAGE_START_WORD = re.compile(r"([^\W\d_]\w*)")


@dataclass(frozen=True)
class PageText:
    """A page's normalised body text and, apart from it, its running headers and footers."""

    body: str
    running: str
    continuation: str = ""  # the word broken at the page end, joined with the next page's first part


def clean_characters(text: str) -> str:
    """Character-level clean-up shared by all extractors; line structure is kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LOOSE_ACCENT.sub(lambda m: m.group(2) + SPACING_ACCENTS[m.group(1)], text)
    text = _GLYPH_NAME.sub(_glyph_name_text, text)
    text = text.replace(_SOFT_HYPHEN + "\n", LINE_END_HYPHEN).replace(_SOFT_HYPHEN, "")
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = _fold_presentation_forms(text)
    text = _PRIVATE_USE.sub(_private_use_bullet, text)
    text = _SWALLOWED_LINE.sub(_restore_page_number_line, text)
    return unicodedata.normalize("NFC", text)


def _restore_page_number_line(match: re.Match[str]) -> str:
    """PDFium joins a page's last hyphenated line with the footer ("Jugendar\ufffe6"): split them again."""
    rest = match.group(1)
    if _PAGE_NUMBER_LINE.match(rest):
        return LINE_END_HYPHEN + "\n" + rest
    return match.group(0)


def _glyph_name_text(match: re.Match[str]) -> str:
    if match.group(1):
        return chr(int(match.group(1), 16))
    return match.group(2).replace("_", "")


def _private_use_bullet(match: re.Match[str]) -> str:
    """Private-use glyphs are almost always list bullets from symbol fonts."""
    return "•"


def _fold_presentation_forms(text: str) -> str:
    """NFKC just for characters that are typography, not content: ligatures, odd spaces, full-width forms.

    Superscripts and fractions (m², ½) stay as printed; search folds them separately.
    """
    return _PRESENTATION_FORM.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


# Characters that are typography, not content: Latin ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ, full-width ASCII, and every
# space separator (Unicode category Zs) but the plain space: no-break, em, thin, figure, ideographic …
# Written out as one character class, so clean-up does not call Python per character.
_PRESENTATION_FORM = re.compile("[\ufb00-\ufb06\uff01-\uff5e\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def hyphenated_compounds(texts: Iterable[str]) -> set[str]:
    """Compounds written with a hyphen inside a line ("Kita-Ausbau"), lower-cased.

    A document's own spelling is the best guide whether a word broken at a hyphen keeps it.
    """
    found: set[str] = set()
    for text in texts:
        for line in text.split("\n"):
            found.update(m.group(0).casefold() for m in _INLINE_COMPOUND.finditer(line))
    return found


def dehyphenate(text: str, keep_hyphen: set[str] | frozenset[str] = frozenset()) -> str:
    """Join words broken across lines.

    "Bewoh-\\nnerschaft" → "Bewohnerschaft"; the hyphen stays before a capital or digit ("KOMA-Script",
    "U3-Betreuung"), in elliptic coordinations ("Kinder- und Jugendarbeit") and for compounds the
    document also writes with a hyphen inside a line (``keep_hyphen``).
    """

    def join(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if right.casefold() in _COORDINATORS:
            return f"{left}- {right}"
        if not right[0].islower() or left[-1].isdigit():
            return f"{left}-{right}"
        if f"{left}-{right}".casefold() in keep_hyphen:
            return f"{left}-{right}"
        return left + right

    return _BROKEN_WORD.sub(join, text).replace(LINE_END_HYPHEN, "-")


def tidy_whitespace(text: str) -> str:
    """Collapse runs of spaces, trim lines, keep at most one blank line between paragraphs."""
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def usable_text(raw: str) -> bool:
    """False for no text, or text that is mostly damage: replacement or private-use characters, control
    characters, or CJK ideographs and Hangul (what 8-bit text read as UTF-16 turns into) in a German archive."""
    if _ORDINARY.fullmatch(raw):  # the usual case, decided without looking at each character in Python
        return bool(raw.strip())
    letters = [ch for ch in raw if not ch.isspace()]
    if not letters:
        return False
    damaged = sum(1 for ch in letters if _damaged(ch))
    return damaged / len(letters) <= GARBAGE_SHARE


# Latin letters, general punctuation, the euro sign, ligatures and PDFium's hyphen mark: never damage.
_ORDINARY = re.compile("[\t\n\r\x20-\x7e\xa0-\u024f\u2000-\u206f\u20ac\ufb00-\ufb06\ufffe]*")


def _damaged(ch: str) -> bool:
    if ch == "\ufffe":  # PDFium's mark of a removed line-end hyphen
        return False
    if ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc", "Cs", "Cn"):
        return True
    code = ord(ch)
    return 0x3400 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF


def _line_keys(line: str) -> set[str]:
    """The line with digits masked, and its first words: headers often end in the chapter's title."""
    words = re.sub(r"\d+", "#", line.casefold()).split()
    return {" ".join(words), " ".join(words[:_HEADER_PREFIX_WORDS]) + " …"}


def _head_key(line: str) -> str:
    """A line as a running head repeats it: the page number at either end masked, all else as is."""
    return _END_NUMBERS.sub("#", " ".join(line.casefold().split()))


def _outermost(lines: Sequence[str], side: list[int]) -> int | None:
    """The line nearest the page edge that is not a bare page number: where a running head stands."""
    return next((i for i in side if not _PAGE_NUMBER_LINE.match(lines[i].strip())), None)


def _edge_lines(lines: Sequence[str], is_running: Callable[[int], bool]) -> set[int]:
    """Indexes of running lines: runs of qualifying lines from the top and from the bottom of a page."""
    found: set[int] = set()
    for ordered in edge_indexes(lines):
        for i in ordered:
            if not is_running(i):
                break
            found.add(i)
    return found


def edge_indexes(lines: Sequence[str]) -> tuple[list[int], list[int]]:
    """Indexes of the lines with text nearest the top and nearest the bottom, outermost first."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return filled[:_EDGE_LINES], filled[::-1][:_EDGE_LINES]


def _ends_with_number(line: str, number: str | None) -> bool:
    """Text and the page's own printed number at either end: "Kapitel 3: Die Hauptklassen 162"."""
    words = line.split()
    return number is not None and len(words) > 1 and number in (words[0], words[-1])


def split_running_lines(pages: Sequence[str], page_numbers: Sequence[str | None] = ()) -> list[PageText]:
    """Separate running headers/footers from body text across a whole document.

    A line at a page's top or bottom is running text when it is a bare page number ("12", "- 3 -",
    "Seite 4 von 20", "xii"); when, with digits masked, it or its first words recur at the edges of
    enough pages of the document; when, as the outermost line, it recurs at the same edge of at least two
    neighbouring pages, alike but for a page number at one end (heads that change with the chapter,
    alternating left and right); or when it recurs on one and has the page's printed number
    (``page_numbers``, None where unknown) at one end. A chapter heading or a
    footnote that happens to start with the page's number recurs nowhere and stays in the body.
    """
    page_lines = [text.split("\n") for text in pages]
    numbers = list(page_numbers) + [None] * (len(pages) - len(page_numbers))
    counts: Counter[str] = Counter()
    # Per page, the index and key of its outermost line at the top and at the bottom, for the neighbour rule:
    # a head stands at the very edge and repeats whole but for the page number, while body lines, lists and
    # references may share their first words or differ only in other numbers.
    heads: list[tuple[tuple[int | None, str], ...]] = []
    for lines in page_lines:
        top, bottom = edge_indexes(lines)
        counts.update(set().union(*(_line_keys(lines[i]) for i in top + bottom)))
        outer = (_outermost(lines, top), _outermost(lines, bottom))
        heads.append(tuple((i, _head_key(lines[i]) if i is not None else "") for i in outer))
    pages_with_text = sum(1 for text in pages if text.strip())
    threshold = max(RUNNING_LINE_MIN_PAGES, RUNNING_LINE_SHARE * pages_with_text)

    def repeats_nearby(page: int, index: int) -> int:
        """On how many neighbouring pages the page's outermost line at one edge stands at the same edge."""
        side = next((s for s, (i, _) in enumerate(heads[page]) if i == index), None)
        if side is None or not _WORD.search(page_lines[page][index]):
            return 0
        key = heads[page][side][1]
        near = range(max(0, page - NEIGHBOUR_PAGES), min(len(pages), page + NEIGHBOUR_PAGES + 1))
        return sum(1 for j in near if j != page and heads[j][side][1] == key)

    result = []
    for page, lines in enumerate(page_lines):

        def is_running(i: int, lines: list[str] = lines, page: int = page) -> bool:
            line = lines[i].strip()
            if _PAGE_NUMBER_LINE.match(line) or max(counts[k] for k in _line_keys(line)) >= threshold:
                return True
            repeats = repeats_nearby(page, i)
            return repeats >= NEIGHBOUR_REPEATS or (repeats >= 1 and _ends_with_number(line, numbers[page]))

        running_idx = _edge_lines(lines, is_running)
        body = "\n".join(line for i, line in enumerate(lines) if i not in running_idx)
        running = "\n".join(lines[i].strip() for i in sorted(running_idx))
        result.append(PageText(body=body, running=running))
    return result


def normalise_pages(raw_pages: Sequence[str]) -> list[PageText]:
    """The whole pipeline for one document's pages, in the order the steps depend on each other."""
    return normalise_clean_pages([clean_characters(text) for text in raw_pages])


def normalise_clean_pages(pages: Sequence[str], page_numbers: Sequence[str | None] = ()) -> list[PageText]:
    """The pipeline after :func:`clean_characters`, for callers that read the cleaned text first."""
    split = split_running_lines(pages, page_numbers)
    keep = hyphenated_compounds(page.body for page in split)
    bodies = [tidy_whitespace(dehyphenate(page.body, keep)) for page in split]
    return [
        PageText(body=body, running=tidy_whitespace(page.running), continuation=_continuation(body, following, keep))
        for page, body, following in zip(split, bodies, [*bodies[1:], ""])
    ]


def _continuation(body: str, following: str, keep: set[str]) -> str:
    """The word a page ends with when its hyphenated end goes on at the top of the next page ("Defi-" +
    "nition" → "Definition"), joined as within a page; empty unless the next page goes on in lower case."""
    end, start = _PAGE_END_HYPHEN.search(body), _PAGE_START_WORD.match(following)
    if not end or not start:
        return ""
    joined = dehyphenate(f"{end.group(1)}-\n{start.group(1)}", keep)
    return joined if start.group(1)[0].islower() and " " not in joined and "\n" not in joined else ""
