"""Loose accents rejoined with their letters by where PDFium says the glyphs are drawn.

TeX's Type3 and Type1 fonts and some word processors draw "ü" as a "u" and a separate diaeresis. The
text then holds a stray "¨" wherever the writer put it: before the letter ("Tonh¨ohen"), after it, with
spaces around ("Schlusselw ¨ örter") or at the end of the line ("Übliche Notation 25 ¨"). The glyph
boxes decide which letter an accent sits on, so no text rule has to guess.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from qmarchive.textnorm import LINE_END_HYPHEN, SPACING_ACCENTS

# How far (in characters of the text page) an accent may be from its letter: the end of a long line.
_WINDOW = 160
# Beyond this many accent glyphs on a page (no text has them; a hostile file may), the page keeps
# PDFium's text and the clean-up's text rule, rather than one glyph lookup after another.
MAX_ACCENTS = 5000
# PDFium's mark for a hyphen it removed at a line end (get_text_range shows U+FFFE for it).
_PDFIUM_HYPHEN = "\x02"


def page_text(textpage: pdfium.PdfTextPage) -> str:
    """The page's text as PDFium extracts it, with loose accents put on their letters as combining marks."""
    text = textpage.get_text_range()
    if not any(accent in text for accent in SPACING_ACCENTS) or sum(map(text.count, SPACING_ACCENTS)) > MAX_ACCENTS:
        return text
    return _rejoined(textpage)


def _rejoined(textpage: pdfium.PdfTextPage) -> str:
    count = textpage.count_chars()
    chars = [_char(pdfium_c.FPDFText_GetUnicode(textpage, i)) for i in range(count)]
    for i, ch in enumerate(chars):
        if ch == _PDFIUM_HYPHEN:
            chars[i] = LINE_END_HYPHEN if i and chars[i - 1].isalpha() else ""
    boxes = _Boxes(textpage)
    for accent in [i for i, ch in enumerate(chars) if ch in SPACING_ACCENTS]:
        base = _base_letter(accent, chars, boxes)
        if base is None:
            continue  # no letter under or over it: left as drawn, clean-up joins it by text rules if it can
        chars[base] += SPACING_ACCENTS[chars[accent]]
        chars[accent] = ""
        _close_gap(accent, chars, boxes)
    return "".join(chars)


class _Boxes(dict):
    """Glyph boxes (left, bottom, right, top) by character index, asked of PDFium only when needed."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        super().__init__()
        self.textpage = textpage

    def __missing__(self, index: int) -> tuple[float, float, float, float]:
        box = self[index] = self.textpage.get_charbox(index)
        return box


def _char(code: int) -> str:
    return chr(code) if 0 < code < 0x110000 else ""


def _base_letter(accent: int, chars: list[str], boxes: _Boxes) -> int | None:
    """The letter nearest in the text whose box the accent stands over (or under, a cedilla)."""
    left, bottom, right, top = boxes[accent]
    centre_x, centre_y = (left + right) / 2, (bottom + top) / 2
    for distance in range(1, _WINDOW):
        for j in (accent - distance, accent + distance):
            if not 0 <= j < len(chars) or len(chars[j]) != 1 or not chars[j].isalpha():
                continue  # not a letter, or one that already took an accent
            l, b, r, t = boxes[j]
            width, height = r - l, t - b
            if (
                height > 0
                and l - 0.15 * width <= centre_x <= r + 0.15 * width
                and abs(centre_y - (b + t) / 2) <= 1.5 * height
            ):
                return j
    return None


def _close_gap(accent: int, chars: list[str], boxes: _Boxes) -> None:
    """Drop the spaces PDFium put around a removed accent when the letters either side touch."""
    before = next((i for i in range(accent - 1, -1, -1) if chars[i] and not chars[i].isspace()), None)
    after = next((i for i in range(accent + 1, len(chars)) if chars[i] and chars[i] != " "), None)
    if before is None or after is None or not chars[before][0].isalnum() or not chars[after][0].isalnum():
        return
    _, _, right, top = boxes[before]
    left, bottom, _, _ = boxes[after]
    height = top - boxes[before][1]
    if height > 0 and abs(left - right) < 0.3 * height and bottom < top:
        for i in range(before + 1, after):
            if chars[i] == " ":
                chars[i] = ""
