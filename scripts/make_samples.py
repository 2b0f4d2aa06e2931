"""Generate the sample archive of qmarchive: invented IHEK-like PDFs and their catalog.

The real planning documents (IHEKs) of the Quartiersmanagement Hellersdorfer
Promenade cannot be shipped with the project.  This script writes a small,
realistic stand-in archive instead:

* seven PDFs in ``<out>/pdf/`` (IHEKs 2010 to 2022–2024, the Abschlussplan 2024 and a
  programme brochure), about 175 pages in all, with title page, Impressum,
  foreword and table of contents (roman page labels), chapters (arabic page
  labels restarting at 1), a PDF outline, running headers and footers,
  hyphenated line ends, ligatures, gendered forms, tables, two-column pages and
  a few image-only "scanned" pages without any text layer;
* ``<out>/catalog.csv`` describing them (with the SHA-256 of each PDF).

All texts are invented samples written for this project (see
``sample_texts.json``); every page is marked "MUSTERDOKUMENT – kein Originaltext".
The output is deterministic: fixed seeds, fixed PDF dates and reportlab's
invariant mode make two runs produce byte-identical files.

Usage::

    python scripts/make_samples.py [--out archive/samples]

The DejaVu fonts are taken from ``$QMARCHIVE_FONT_DIR`` (default
``/usr/share/fonts/truetype/dejavu``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from collections.abc import Callable, Iterator, Sequence

from PIL import Image, ImageDraw, ImageFilter, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from qmarchive.catalog import COLUMNS


TEXTS_FILE = Path(__file__).with_name("sample_texts.json")


def load_texts(path: Path = TEXTS_FILE) -> SimpleNamespace:
    """The invented German text material, its top-level keys as attributes; the hyphenation list ("|" marks a
    break point) becomes a table from each plain word to its form with U+00AD soft hyphens."""
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["about"]
    words = [entry for line in data.pop("HYPHENATION")["words"] for entry in line.split()]
    return SimpleNamespace(**data, HYPHENATION={w.replace("|", ""): w.replace("|", "\u00ad") for w in words})


T = load_texts()

# ---------------------------------------------------------------------------
# Fonts and page geometry
# ---------------------------------------------------------------------------
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONT_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSerif": "DejaVuSerif.ttf",
}
SANS, SANS_BOLD, SERIF = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif"

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 68.0, PAGE_W - 68.0
TEXT_W = RIGHT - LEFT
GUTTER = 18.0
CONTENT_TOP, CONTENT_BOTTOM = PAGE_H - 74.0, 74.0
HEADER_Y, FOOTER_NUMBER_Y, FOOTER_MARK_Y = PAGE_H - 44.0, 46.0, 30.0

SCAN_DPI = 150
SCAN_SIZE = (round(PAGE_W / 72 * SCAN_DPI), round(PAGE_H / 72 * SCAN_DPI))

SOFT_HYPHEN = "\u00ad"
LICENSE = "Musterdokument, frei verwendbar (CC0)"
PUBLISHER = "Bezirksamt Marzahn-Hellersdorf von Berlin / S.T.E.R.N. GmbH (Musterdokument)"
# The catalog's columns except those the samples have no use for: none is encrypted or has a persistent identifier.
CATALOG_FIELDS = [column for column in COLUMNS if column not in ("password", "urn")]


@dataclass(frozen=True)
class Style:
    font: str
    size: float
    leading: float
    space_after: float = 0.0


BODY = Style(SERIF, 10, 14, 6)
BODY_NARROW = Style(SERIF, 9.5, 13, 5)
BULLET = Style(SERIF, 10, 14, 6)
HEADINGS = {
    0: Style(SANS_BOLD, 17, 22, 14),
    1: Style(SANS_BOLD, 12.5, 16, 6),
    2: Style(SANS_BOLD, 10.5, 14, 3),
    3: Style(SANS_BOLD, 9.5, 13, 2),
}
HEADING_SPACE_BEFORE = {1: 12.0, 2: 7.0, 3: 5.0}
TABLE_TEXT = Style(SANS, 8.5, 10.5)
TABLE_HEAD = Style(SANS_BOLD, 8.5, 10.5)
SMALL = Style(SANS, 8, 10)
TOC_STYLES = {0: Style(SANS_BOLD, 10.5, 19), 1: Style(SERIF, 10, 15)}


def register_fonts(font_dir: Path) -> None:
    """Register the DejaVu TTFs with reportlab; exit with a clear message if any is missing."""
    missing = [name for name in FONT_FILES.values() if not (font_dir / name).is_file()]
    if missing:
        sys.exit(
            f"make_samples: font file(s) {', '.join(missing)} not found in {font_dir}. "
            "Install the DejaVu fonts or set QMARCHIVE_FONT_DIR to their directory."
        )
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(font_dir / filename)))


# ---------------------------------------------------------------------------
# Text utilities: soft hyphens, ligatures, line breaking, numbers
# ---------------------------------------------------------------------------
_WORD_RE = re.compile(r"[^\W\d_]+(?:[*:][^\W\d_]+)?")


def soft_hyphenate(text: str) -> str:
    """Insert U+00AD at the break points of every word known to the hyphenation table."""
    return _WORD_RE.sub(lambda m: T.HYPHENATION.get(m.group(0), m.group(0)), text)


def ligaturize(text: str) -> str:
    """Replace ff/fi/fl by the typographic ligature characters U+FB00–U+FB02."""
    return text.replace("ff", "\ufb00").replace("fi", "\ufb01").replace("fl", "\ufb02")


def width(text: str, style: Style) -> float:
    return pdfmetrics.stringWidth(text, style.font, style.size)


def _splits(word: str) -> list[tuple[str, str]]:
    """Possible (head, tail) splits of a word, longest head first; heads are display strings."""
    result = []
    for i, ch in enumerate(word):
        if ch == SOFT_HYPHEN and 0 < i < len(word) - 1:
            result.append((word[:i].replace(SOFT_HYPHEN, "") + "-", word[i + 1 :]))
        elif ch == "-" and 0 < i < len(word) - 1 and word[i - 1].isalnum() and word[i + 1].isalnum():
            result.append((word[: i + 1].replace(SOFT_HYPHEN, ""), word[i + 1 :]))
    return result[::-1]


def break_lines(text: str, style: Style, max_width: float) -> list[str]:
    """Greedy line breaking; words may break at soft hyphens (drawn as "-") or after hard hyphens."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while word:
            clean = word.replace(SOFT_HYPHEN, "")
            candidate = f"{current} {clean}" if current else clean
            if width(candidate, style) <= max_width:
                current, word = candidate, ""
                continue
            for head, tail in _splits(word):
                candidate = f"{current} {head}" if current else head
                if width(candidate, style) <= max_width:
                    lines.append(candidate)
                    current, word = "", tail
                    break
            else:
                if current:
                    lines.append(current)
                    current = ""
                else:  # a single unbreakable word wider than the line
                    current, word = clean, ""
    if current:
        lines.append(current)
    return lines


def roman(number: int) -> str:
    """Lower-case roman numeral (1 -> "i")."""
    values = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = []
    for value, letters in values:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def german_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def german_decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


# ---------------------------------------------------------------------------
# Drawing operations and pages
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TextOp:
    x: float
    y: float
    text: str
    font: str
    size: float
    align: str = "left"
    gray: float = 0.0

    def draw(self, c: Canvas) -> None:
        c.setFillGray(self.gray)
        c.setFont(self.font, self.size)
        draw = {"left": c.drawString, "right": c.drawRightString, "center": c.drawCentredString}[self.align]
        draw(self.x, self.y, self.text)


@dataclass(frozen=True)
class RectOp:
    x: float
    y: float
    w: float
    h: float
    fill_gray: float | None = None
    stroke_gray: float | None = 0.4
    line_width: float = 0.5

    def draw(self, c: Canvas) -> None:
        if self.fill_gray is not None:
            c.setFillGray(self.fill_gray)
        if self.stroke_gray is not None:
            c.setStrokeGray(self.stroke_gray)
            c.setLineWidth(self.line_width)
        c.rect(
            self.x,
            self.y,
            self.w,
            self.h,
            stroke=int(self.stroke_gray is not None),
            fill=int(self.fill_gray is not None),
        )


@dataclass(frozen=True)
class LineOp:
    x1: float
    y1: float
    x2: float
    y2: float
    gray: float = 0.4
    line_width: float = 0.5

    def draw(self, c: Canvas) -> None:
        c.setStrokeGray(self.gray)
        c.setLineWidth(self.line_width)
        c.line(self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True)
class ImageOp:
    jpeg: bytes
    x: float
    y: float
    w: float
    h: float

    def draw(self, c: Canvas) -> None:
        c.drawImage(ImageReader(io.BytesIO(self.jpeg)), self.x, self.y, self.w, self.h)


Op = TextOp | RectOp | LineOp | ImageOp


@dataclass(frozen=True)
class Bookmark:
    key: str
    title: str
    level: int
    top: float


@dataclass(frozen=True)
class TocEntry:
    level: int
    title: str
    page_index: int  # index within the composer's pages


@dataclass
class Page:
    chapter: str = ""
    ops: list[Op] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)
    columns: int = 1
    decorated: bool = True  # running header and footer
    image_only: bool = False


@dataclass(frozen=True)
class Frame:
    x: float
    width: float
    top: float
    bottom: float


class Composer:
    """Flows headings, paragraphs, lists, tables and boxes into pages of drawing operations."""

    def __init__(self, keys: Iterator[str]) -> None:
        self.pages: list[Page] = []
        self.toc: list[TocEntry] = []
        self.chapter = ""
        self._keys = keys
        self._columns = 1
        self._frames: list[Frame] = []
        self._frame_index = 0
        self._y = 0.0
        self._fresh = True  # the next content starts a new page

    # -- pages and frames ---------------------------------------------------
    def new_page(self) -> Page:
        page = Page(chapter=self.chapter, columns=self._columns)
        self.pages.append(page)
        self._set_frames(CONTENT_TOP)
        self._fresh = False
        return page

    def _set_frames(self, top: float) -> None:
        if self._columns == 1:
            self._frames = [Frame(LEFT, TEXT_W, top, CONTENT_BOTTOM)]
        else:
            col = (TEXT_W - GUTTER) / 2
            self._frames = [Frame(LEFT, col, top, CONTENT_BOTTOM), Frame(LEFT + col + GUTTER, col, top, CONTENT_BOTTOM)]
        self._frame_index = 0
        self._y = top

    @property
    def page(self) -> Page:
        if self._fresh or not self.pages:
            self.new_page()
        return self.pages[-1]

    @property
    def frame(self) -> Frame:
        _ = self.page  # make sure a page (and thus a frame) exists
        return self._frames[self._frame_index]

    @property
    def body_style(self) -> Style:
        return BODY if self._columns == 1 else BODY_NARROW

    def _next_frame(self) -> None:
        if self._frame_index + 1 < len(self._frames):
            self._frame_index += 1
            self._y = self._frames[self._frame_index].top
        else:
            self.new_page()

    def _at_frame_top(self) -> bool:
        return self._y >= self.frame.top - 0.01

    def _ensure(self, height: float) -> None:
        if self._y - height < self.frame.bottom and not self._at_frame_top():
            self._next_frame()

    def _reserve(self, height: float) -> float:
        """Reserve vertical space in the current frame; return the top y of the block."""
        self._ensure(height)
        top = self._y
        self._y -= height
        return top

    def space(self, height: float) -> None:
        if not self._at_frame_top():
            self._y -= height

    def _add(self, op: Op) -> None:
        self.page.ops.append(op)

    def _bookmark(self, title: str, level: int, top: float, toc: bool) -> None:
        self.page.bookmarks.append(Bookmark(next(self._keys), title, level, top))
        if toc:
            self.toc.append(TocEntry(level, title, len(self.pages) - 1))

    # -- content ------------------------------------------------------------
    def heading(
        self, level: int, title: str, number: str = "", columns: int = 1, toc: bool = True, outline: bool = True
    ) -> None:
        """Place a heading; level 0 starts a new page (optionally continuing in two columns)."""
        label = f"{number} {title}".strip()
        style = HEADINGS[level]
        if level == 0:
            self.chapter = label
            self._columns = 1
            self.new_page()
        lines = break_lines(label, style, self.frame.width)
        block = len(lines) * style.leading + style.space_after
        keep_with_next = 0.0 if level == 0 else 3 * self.body_style.leading
        if not self._at_frame_top():
            self._ensure(HEADING_SPACE_BEFORE.get(level, 0) + block + keep_with_next)
            self.space(HEADING_SPACE_BEFORE.get(level, 0))
        top = self._y
        for line in lines:
            baseline = self._reserve(style.leading) - style.size
            self._add(TextOp(self.frame.x, baseline, line, style.font, style.size))
        if level == 0:
            self._add(
                LineOp(
                    self.frame.x, self._y - 2, self.frame.x + self.frame.width, self._y - 2, gray=0.3, line_width=1.0
                )
            )
        self._y -= style.space_after
        if outline and level <= 1:
            self._bookmark(label, level, top + 4, toc)
        if columns == 2:
            self._columns = 2
            self.page.columns = 2
            self._set_frames(self._y)

    def paragraph(self, text: str, style: Style | None = None, indent: float = 0.0) -> None:
        style = style or self.body_style
        for line in break_lines(text, style, self.frame.width - indent):
            baseline = self._reserve(style.leading) - style.size
            self._add(TextOp(self.frame.x + indent, baseline, line, style.font, style.size))
        self._y -= style.space_after

    def bullets(self, items: Sequence[str], style: Style | None = None) -> None:
        style = style or self.body_style
        indent = 14.0
        for item in items:
            for i, line in enumerate(break_lines(item, style, self.frame.width - indent)):
                baseline = self._reserve(style.leading) - style.size
                if i == 0:
                    self._add(TextOp(self.frame.x + 3, baseline, "•", style.font, style.size))
                self._add(TextOp(self.frame.x + indent, baseline, line, style.font, style.size))
            self._y -= 2
        self._y -= style.space_after

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        fractions: Sequence[float],
        right_aligned: Sequence[int] = (),
        caption: str = "",
    ) -> None:
        """Draw a grid table; rows that do not fit move on, the header row is repeated."""
        pad = 3.5
        if caption:
            self._ensure(HEADINGS[3].leading + 60)
            self.space(6)
            self.paragraph(caption, HEADINGS[3])

        def cells(row: Sequence[str], style: Style) -> tuple[list[list[str]], float]:
            widths = [f * self.frame.width for f in fractions]
            wrapped = [break_lines(text, style, w - 2 * pad) or [""] for text, w in zip(row, widths)]
            height = 2 * pad + style.size + 2 + (max(map(len, wrapped)) - 1) * style.leading
            return wrapped, height

        def draw_row(wrapped: list[list[str]], height: float, style: Style, shaded: bool) -> None:
            top = self._reserve(height)
            x = self.frame.x
            for col, lines in enumerate(wrapped):
                w = fractions[col] * self.frame.width
                self._add(RectOp(x, top - height, w, height, fill_gray=0.88 if shaded else None))
                for i, line in enumerate(lines):
                    baseline = top - pad - style.size - i * style.leading
                    if col in right_aligned:
                        self._add(TextOp(x + w - pad, baseline, line, style.font, style.size, "right"))
                    else:
                        self._add(TextOp(x + pad, baseline, line, style.font, style.size))
                x += w

        head, head_h = cells(header, TABLE_HEAD)
        body = [cells([soft_hyphenate(c) for c in row], TABLE_TEXT) for row in rows]
        self._ensure(head_h + (body[0][1] if body else 0))
        draw_row(head, head_h, TABLE_HEAD, True)
        for wrapped, height in body:
            if self._y - height < self.frame.bottom:
                self._next_frame()
                draw_row(head, head_h, TABLE_HEAD, True)
            draw_row(wrapped, height, TABLE_TEXT, False)
        self._y -= 10

    def box(self, title: str, text: str) -> None:
        """A shaded info box (kept in one frame)."""
        pad, style = 8.0, BODY_NARROW
        lines = break_lines(text, style, self.frame.width - 2 * pad)
        height = 2 * pad + HEADINGS[3].leading + len(lines) * style.leading
        top = self._reserve(height + 8)
        x, w = self.frame.x, self.frame.width
        self._add(RectOp(x, top - height, w, height, fill_gray=0.93, stroke_gray=0.6))
        self._add(TextOp(x + pad, top - pad - HEADINGS[3].size, title, SANS_BOLD, HEADINGS[3].size))
        y = top - pad - HEADINGS[3].leading
        for line in lines:
            y -= style.leading
            self._add(TextOp(x + pad, y + style.leading - style.size, line, style.font, style.size))

    def bar_chart(self, caption: str, labels: Sequence[str], values: Sequence[float], unit: str) -> None:
        """A small vector bar chart with value and axis labels."""
        height, axis_h = 150.0, 110.0
        top = self._reserve(height + 24)
        x0, w = self.frame.x + 10, self.frame.width - 20
        base = top - 16 - axis_h
        self._add(LineOp(x0, base, x0 + w, base, gray=0.2, line_width=0.8))
        slot = w / len(values)
        peak = max(values)
        for i, (label, value) in enumerate(zip(labels, values)):
            bar_h = axis_h * value / peak
            bx = x0 + i * slot + slot * 0.2
            self._add(RectOp(bx, base, slot * 0.6, bar_h, fill_gray=0.55, stroke_gray=None))
            centre = bx + slot * 0.3
            self._add(TextOp(centre, base + bar_h + 3, f"{german_decimal(value)} {unit}", SANS, 7, "center"))
            self._add(TextOp(centre, base - 10, label, SANS, 7, "center"))
        self._add(TextOp(self.frame.x, base - 28, caption, SANS, 8, gray=0.2))

    def toc_line(self, level: int, title: str, page_label: str) -> None:
        """A table-of-contents line with dotted leaders."""
        style = TOC_STYLES[level]
        indent = 0.0 if level == 0 else 22.0
        baseline = self._reserve(style.leading) - style.size - (2 if level == 0 else 0)
        x, right = self.frame.x + indent, self.frame.x + self.frame.width
        self._add(TextOp(x, baseline, title, style.font, style.size))
        self._add(TextOp(right, baseline, page_label, style.font, style.size, "right"))
        start = x + width(title, style) + 4
        end = right - width(page_label, style) - 4
        dot = width(" .", style)
        count = int((end - start) / dot)
        if count > 0:
            self._add(TextOp(end - count * dot, baseline, " ." * count, style.font, style.size, gray=0.3))

    def image_page(self, jpeg: bytes, title: str, level: int) -> None:
        """A page holding only a full-page image (no text operators at all)."""
        page = Page(chapter=self.chapter, decorated=False, image_only=True)
        page.ops.append(ImageOp(jpeg, 0, 0, PAGE_W, PAGE_H))
        self.pages.append(page)
        self._bookmark(title, level, PAGE_H, toc=True)
        self._fresh = True


# ---------------------------------------------------------------------------
# Document specifications
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DocSpec:
    id: str
    doc_type: str
    title: str  # catalog and PDF metadata title
    cover_kicker: str  # first line on the title page
    cover_title: str
    short: str  # used in the running header
    period_start: int
    period_end: int | None
    published: date
    era: str  # key of FIELDS_BY_ERA in sample_texts.json
    gender: str  # key of GENDER_STYLES in sample_texts.json
    programme: str
    ligatures: bool = False
    two_column: frozenset[str] = frozenset()  # chapter keys set in two columns
    density: float = 1.0  # scales the amount of generated prose
    notes: str = ""

    @property
    def header(self) -> str:
        return f"{self.short} · {T.AREA}"

    @property
    def period_label(self) -> str:
        if self.period_end and self.period_end != self.period_start:
            return f"{self.period_start}–{self.period_end}"
        return str(self.period_start)

    @property
    def late(self) -> bool:
        return self.published.year >= 2021


SOZIALE_STADT = "Soziale Stadt"
ZUSAMMENHALT = "Sozialer Zusammenhalt – Zusammenleben im Quartier gemeinsam gestalten"
IHEK_LONG = "Integriertes Handlungs- und Entwicklungskonzept"

DOCS: list[DocSpec] = [
    DocSpec(
        "muster-ihek-2010",
        "ihek",
        f"{IHEK_LONG} 2010 – Hellersdorfer Promenade (Musterdokument)",
        IHEK_LONG,
        "IHEK 2010",
        "IHEK 2010",
        2010,
        2010,
        date(2010, 3, 15),
        "2010",
        "paarform",
        SOZIALE_STADT,
        density=1.15,
        notes="enthält eine gescannte Seite ohne Textebene (Maßnahmenliste)",
    ),
    DocSpec(
        "muster-ihek-2013-2014",
        "ihek",
        f"{IHEK_LONG} 2013–2014 – Hellersdorfer Promenade (Musterdokument)",
        IHEK_LONG,
        "IHEK 2013–2014",
        "IHEK 2013–2014",
        2013,
        2014,
        date(2013, 3, 12),
        "standard",
        "binnen_i",
        SOZIALE_STADT,
        two_column=frozenset({"stand"}),
        density=0.9,
        notes="Kapitel „Stand der Gebietsentwicklung“ zweispaltig gesetzt",
    ),
    DocSpec(
        "muster-ihek-2017-2018",
        "ihek",
        f"{IHEK_LONG} 2017–2018 – Hellersdorfer Promenade (Musterdokument)",
        IHEK_LONG,
        "IHEK 2017–2018",
        "IHEK 2017–2018",
        2017,
        2018,
        date(2017, 2, 20),
        "standard",
        "stern",
        SOZIALE_STADT,
        ligatures=True,
        density=0.9,
        notes="Fließtext mit Ligaturzeichen (ﬁ, ﬂ, ﬀ)",
    ),
    DocSpec(
        "muster-ihek-2019-2021",
        "ihek",
        f"{IHEK_LONG} 2019–2021 – Hellersdorfer Promenade (Musterdokument)",
        IHEK_LONG,
        "IHEK 2019–2021",
        "IHEK 2019–2021",
        2019,
        2021,
        date(2019, 3, 28),
        "standard",
        "stern",
        SOZIALE_STADT,
        density=1.05,
    ),
    DocSpec(
        "muster-ihek-2022-2024",
        "ihek",
        f"{IHEK_LONG} 2022–2024 – Hellersdorfer Promenade (Musterdokument)",
        IHEK_LONG,
        "IHEK 2022–2024",
        "IHEK 2022–2024",
        2022,
        2024,
        date(2022, 4, 28),
        "2022",
        "doppelpunkt",
        ZUSAMMENHALT,
        two_column=frozenset({"leitbild"}),
        density=0.95,
        notes="Kapitel „Leitbild und Zukunftsvisionen“ zweispaltig gesetzt",
    ),
    DocSpec(
        "muster-abschlussplan-2024",
        "abschlussplan",
        "Abschlussplan Hellersdorfer Promenade 2025–2027 (Musterdokument)",
        "Quartiersmanagement Hellersdorfer Promenade",
        "Abschlussplan 2025–2027",
        "Abschlussplan 2025–2027",
        2025,
        2027,
        date(2024, 11, 29),
        "2022",
        "stern",
        ZUSAMMENHALT,
        density=1.0,
        notes="enthält eine gescannte Seite ohne Textebene (Stellungnahme des Quartiersrats)",
    ),
    DocSpec(
        "muster-broschuere-sozialer-zusammenhalt",
        "broschuere",
        "Sozialer Zusammenhalt in der Hellersdorfer Promenade – Broschüre (Musterdokument)",
        "Bundesprogramm Sozialer Zusammenhalt",
        "Zusammenleben im Quartier gemeinsam gestalten",
        "Broschüre Sozialer Zusammenhalt",
        2021,
        None,
        date(2021, 9, 1),
        "2022",
        "doppelpunkt",
        ZUSAMMENHALT,
        ligatures=True,
        two_column=frozenset({"*"}),
        density=1.2,
        notes="undatierte Programmbroschüre, überwiegend zweispaltig; Lageplan als Bild ohne Textebene",
    ),
]


# ---------------------------------------------------------------------------
# Template filling
# ---------------------------------------------------------------------------
class Deck:
    """Draws items in shuffled order without repetition until the deck is exhausted."""

    def __init__(self, items: Sequence[str], rng: random.Random) -> None:
        self._items = list(items)
        self._rng = rng
        self._pile: list[str] = []

    def draw(self) -> str:
        if not self._pile:
            self._pile = list(self._items)
            self._rng.shuffle(self._pile)
        return self._pile.pop()


class _Slots(dict):
    """Mapping for str.format_map that asks the Writer for every slot."""

    def __init__(self, writer: Writer, context: dict[str, object]) -> None:
        super().__init__()
        self._writer, self._context = writer, context

    def __missing__(self, key: str) -> str:
        value = self._writer.slot(key[:1].lower() + key[1:], self._context)
        return value[:1].upper() + value[1:] if key[:1].isupper() else value


class Writer:
    """Fills the sentence templates of sample_texts.json for one document, deterministically."""

    def __init__(self, spec: DocSpec, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        self.gender = T.GENDER_STYLES[spec.gender]
        self._decks: dict[str, Deck] = {}

    def slot(self, key: str, context: dict[str, object]) -> str:
        if key in context:
            value = context[key]
            return self.rng.choice(value) if isinstance(value, list) else str(value)
        if key in self.gender:
            return self.gender[key]
        if key == "jahr":
            return str(self.rng.randint(self.spec.published.year - 2, self.spec.published.year))
        if key == "periode":
            return self.spec.period_label
        return self.rng.choice(T.SLOT_POOLS[key])

    def fill(self, template: str, context: dict[str, object] | None = None) -> str:
        text, slots = template, _Slots(self, context or {})
        while "{" in text:
            text = text.format_map(slots)
        return text

    def deck(self, key: str) -> Deck:
        """Decks are named "generic:<section>" or "<befund|bedarf|ziel>:<theme>"."""
        if key not in self._decks:
            kind, _, name = key.partition(":")
            if kind == "generic":
                items = T.GENERIC[name] + (T.GENERIC_LATE.get(name, []) if self.spec.late else [])
            else:
                items = T.THEME_TEXTS[name][kind]
            self._decks[key] = Deck(items, self.rng)
        return self._decks[key]

    def finish(self, text: str) -> str:
        """Final typesetting preparation: soft hyphens, and ligatures where the document uses them."""
        text = soft_hyphenate(text)
        return ligaturize(text) if self.spec.ligatures else text

    def text(self, template: str, **context: object) -> str:
        return self.finish(self.fill(template, context))

    def paragraph(self, sources: Sequence[tuple[str, float]], n: int | None = None, **context: object) -> str:
        keys = [key for key, _ in sources]
        weights = [weight for _, weight in sources]
        templates: list[str] = []
        for _ in range(n or self.rng.randint(4, 7)):
            templates.append(self._draw_new(self.rng.choices(keys, weights)[0], templates))
        return self.finish(" ".join(self.fill(t, context) for t in templates))

    def _draw_new(self, key: str, used: Sequence[str]) -> str:
        """Draw from a deck, avoiding templates already used in the current paragraph."""
        template = self.deck(key).draw()
        for _retry in range(3):
            if template not in used:
                break
            template = self.deck(key).draw()
        return template

    def sentences(self, key: str, n: int, **context: object) -> str:
        """n different sentences from one deck, filled but not yet finished."""
        templates: list[str] = []
        for _ in range(n):
            templates.append(self._draw_new(key, templates))
        return " ".join(self.fill(t, context) for t in templates)

    def count(self, base: float) -> int:
        """Scale a paragraph count by the document's density (at least 1)."""
        return max(1, round(base * self.spec.density))


# ---------------------------------------------------------------------------
# Scanned pages (raster images without a text layer)
# ---------------------------------------------------------------------------
_FONT_DIR = Path(DEFAULT_FONT_DIR)


def pil_font(name: str, pt: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_FONT_DIR / FONT_FILES[name]), round(pt / 72 * SCAN_DPI))


def px(points: float) -> int:
    return round(points / 72 * SCAN_DPI)


def wrap_pil(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, max_px: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= max_px or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    return lines + [current] if current else lines


def scan_to_jpeg(paint: Callable[[ImageDraw.ImageDraw], None], seed: str) -> bytes:
    """Paint a page, then make it look scanned: slight skew, dust, blur, JPEG."""
    rng = random.Random(seed)
    image = Image.new("L", SCAN_SIZE, 252)
    paint(ImageDraw.Draw(image))
    image = image.rotate(0.35, resample=Image.Resampling.BICUBIC, fillcolor=246)
    draw = ImageDraw.Draw(image)
    for _ in range(1800):
        x, y = rng.randrange(SCAN_SIZE[0]), rng.randrange(SCAN_SIZE[1])
        draw.point((x, y), fill=rng.randint(120, 215))
    draw.rectangle((0, 0, 10, SCAN_SIZE[1]), fill=215)  # shadow of the scanner lid
    image = image.filter(ImageFilter.GaussianBlur(0.45))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=68, optimize=True)
    return buffer.getvalue()


def paint_sample_mark(draw: ImageDraw.ImageDraw) -> None:
    font = pil_font(SANS_BOLD, 12)
    text = T.SAMPLE_MARK
    w = draw.textlength(text, font=font)
    x, y = (SCAN_SIZE[0] - w) / 2, SCAN_SIZE[1] - px(60)
    draw.rectangle((x - 20, y - 12, x + w + 20, y + px(12) + 14), outline=60, width=3)
    draw.text((x, y), text, font=font, fill=40)


def paint_signature(draw: ImageDraw.ImageDraw, x: int, y: int, rng: random.Random) -> None:
    points = [(x + i * 9, y + rng.randint(-18, 18)) for i in range(24)]
    draw.line(points, fill=50, width=3, joint="curve")


def paint_stamp(draw: ImageDraw.ImageDraw, x: int, y: int, lines: Sequence[str]) -> None:
    font = pil_font(SANS_BOLD, 8)
    draw.ellipse((x, y, x + px(120), y + px(120)), outline=110, width=5)
    for i, line in enumerate(lines):
        w = draw.textlength(line, font=font)
        draw.text((x + (px(120) - w) / 2, y + px(38) + i * px(14)), line, font=font, fill=110)


def scan_measures_table(title: str, rows: Sequence[Sequence[str]], signed: str, seed: str) -> bytes:
    """A typewritten-looking list of measures with signature and stamp."""

    def paint(draw: ImageDraw.ImageDraw) -> None:
        head, body = pil_font(SANS_BOLD, 13), pil_font(SERIF, 8.5)
        bold = pil_font(SANS_BOLD, 8.5)
        x0, y = px(60), px(70)
        draw.text((x0, y), title, font=head, fill=20)
        y += px(26)
        draw.text(
            (x0, y), "Quartiersmanagement Hellersdorfer Promenade – Beschluss des Quartiersrats", font=body, fill=40
        )
        y += px(24)
        columns = [("Nr.", 28), ("Projekt", 165), ("Handlungsfeld", 130), ("Fonds", 80), ("Betrag in €", 72)]
        row_h = px(30)
        for index, row in enumerate([[name for name, _ in columns]] + [list(r) for r in rows]):
            x = x0
            for (_, col_w), text in zip(columns, row):
                draw.rectangle((x, y, x + px(col_w), y + row_h), outline=70, width=2)
                font = bold if index == 0 else body
                for j, line in enumerate(wrap_pil(draw, text, font, px(col_w - 8))[:2]):
                    draw.text((x + px(4), y + px(3) + j * px(11)), line, font=font, fill=30)
                x += px(col_w)
            y += row_h
        y += px(40)
        draw.text((x0, y), signed, font=body, fill=30)
        rng = random.Random(seed + "/signature")
        paint_signature(draw, x0 + px(20), y + px(60), rng)
        draw.line((x0, y + px(80), x0 + px(200), y + px(80)), fill=60, width=2)
        draw.text((x0, y + px(84)), "Sprecherin des Quartiersrats (Muster)", font=body, fill=40)
        paint_stamp(draw, x0 + px(300), y + px(10), ["Quartiersrat", "Hellersdorfer", "Promenade"])
        paint_sample_mark(draw)

    return scan_to_jpeg(paint, seed)


def scan_letter(heading: str, place_date: str, paragraphs: Sequence[str], seed: str) -> bytes:
    """A scanned letter (e.g. a statement of the Quartiersrat)."""

    def paint(draw: ImageDraw.ImageDraw) -> None:
        body, head = pil_font(SERIF, 10.5), pil_font(SANS_BOLD, 13)
        x0, y, max_w = px(72), px(80), px(450)
        draw.text(
            (x0, y),
            "Quartiersrat Hellersdorfer Promenade · Hellersdorfer Promenade 17 · 12627 Berlin",
            font=pil_font(SANS, 7.5),
            fill=70,
        )
        y += px(60)
        draw.text((x0 + px(300), y), place_date, font=body, fill=30)
        y += px(40)
        draw.text((x0, y), heading, font=head, fill=20)
        y += px(34)
        for paragraph in paragraphs:
            for line in wrap_pil(draw, paragraph, body, max_w):
                draw.text((x0, y), line, font=body, fill=35)
                y += px(15.5)
            y += px(9)
        y += px(20)
        paint_signature(draw, x0 + px(10), y + px(30), random.Random(seed + "/sig"))
        draw.text((x0, y + px(60)), "Für den Quartiersrat (Muster)", font=body, fill=35)
        paint_stamp(draw, x0 + px(280), y - px(10), ["Quartiersrat", "Hellersdorfer", "Promenade"])
        paint_sample_mark(draw)

    return scan_to_jpeg(paint, seed)


def scan_site_plan(seed: str) -> bytes:
    """A schematic site plan: street grid, slab blocks, green spaces, numbered places and a legend."""
    places = [
        ("Stadtteilbüro, Hellersdorfer Promenade 17", 0.62, 0.45),
        ("Stadtteilzentrum", 0.18, 0.58),
        ("Grundschule an der Promenade", 0.84, 0.22),
        ("Spielplatz Kastanienallee", 0.84, 0.66),
        ("U-Bahnhof Hellersdorf", 0.10, 0.16),
        ("Alice-Salomon-Platz", 0.22, 0.30),
    ]

    def paint(draw: ImageDraw.ImageDraw) -> None:
        rng = random.Random(seed + "/plan")
        title, label, small = pil_font(SANS_BOLD, 15), pil_font(SANS, 8), pil_font(SANS, 7.5)
        draw.text((px(60), px(60)), "Lageplan Quartier Hellersdorfer Promenade", font=title, fill=20)
        draw.text((px(60), px(84)), "Schematische Darstellung, nicht maßstäblich", font=small, fill=60)
        x0, y0, x1, y1 = px(60), px(110), px(535), px(600)
        w, h = x1 - x0, y1 - y0
        xs = [x0, x0 + round(0.32 * w), x0 + round(0.68 * w), x1]
        ys = [y0, y0 + round(0.45 * h), y0 + round(0.82 * h), y1]
        for i, j in itertools.product(range(3), range(3)):  # blocks between the streets
            cx0, cy0, cx1, cy1 = xs[i] + 30, ys[j] + 30, xs[i + 1] - 30, ys[j + 1] - 30
            draw.ellipse((cx0 + 40, cy0 + 40, cx1 - 40, cy1 - 40), fill=226, outline=175)
            if rng.random() < 0.5:
                for top in (cy0, cy1 - 30):
                    draw.rectangle(
                        (cx0, top, cx0 + round((cx1 - cx0) * rng.uniform(0.6, 0.95)), top + 30), fill=170, outline=110
                    )
            else:
                for left in (cx0, cx1 - 30):
                    draw.rectangle(
                        (left, cy0, left + 30, cy0 + round((cy1 - cy0) * rng.uniform(0.6, 0.95))), fill=170, outline=110
                    )
        for x in xs[1:3]:
            draw.rectangle((x - 13, y0, x + 13, y1), fill=255, outline=120)
        draw.rectangle((x0, ys[1] - 22, x1, ys[1] + 22), fill=238, outline=120)
        draw.rectangle((x0, ys[2] - 13, x1, ys[2] + 13), fill=255, outline=120)
        draw.rectangle((x0, y0, x1, y1), outline=60, width=4)
        for text, cx, y in (
            ("Hellersdorfer Promenade", x0 + round(0.25 * w), ys[1] - 10),
            ("Quedlinburger Straße", x0 + round(0.5 * w), ys[2] - 10),
            ("Stendaler Straße", xs[1], y0 + round(0.12 * h)),
            ("Kastanienallee", xs[2], y0 + round(0.74 * h)),
        ):
            tw = draw.textlength(text, font=label)
            x = cx - tw / 2
            draw.rectangle((x - 6, y - 4, x + tw + 6, y + px(10)), fill=255, outline=150)
            draw.text((x, y), text, font=label, fill=20)
        for number, (_, fx, fy) in enumerate(places, start=1):
            mx, my = x0 + round(fx * w), y0 + round(fy * h)
            draw.ellipse((mx - 22, my - 22, mx + 22, my + 22), fill=35)
            draw.text((mx - 8, my - 14), str(number), font=label, fill=255)
        draw.polygon([(x1 - 60, y0 + 90), (x1 - 45, y0 + 40), (x1 - 30, y0 + 90)], fill=40)
        draw.text((x1 - 56, y0 + 96), "N", font=label, fill=20)
        y = y1 + px(24)
        draw.text((px(60), y), "Legende", font=pil_font(SANS_BOLD, 10), fill=20)
        for number, (name, _, _) in enumerate(places, start=1):
            draw.text((px(60), y + px(8) + number * px(15)), f"{number}  {name}", font=label, fill=30)
        draw.text((px(320), y + px(23)), "Gebietsgrenze: ca. 73 ha", font=label, fill=30)
        draw.text((px(320), y + px(38)), "Dunkel: Wohngebäude, hell: Grünflächen", font=label, fill=30)
        paint_sample_mark(draw)

    return scan_to_jpeg(paint, seed)


# ---------------------------------------------------------------------------
# Building documents
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Project:
    name: str
    field: str
    fund: str
    runtime: str
    amount: int


@dataclass
class Context:
    spec: DocSpec
    rng: random.Random
    writer: Writer
    main: Composer
    projects: list[Project] = field(default_factory=list)
    chapter_no: int = 0
    section_no: int = 0
    two_columns: bool = False

    def chapter(self, title: str, key: str) -> None:
        self.chapter_no += 1
        self.section_no = 0
        self.two_columns = key in self.spec.two_column or "*" in self.spec.two_column
        self.main.heading(0, title, str(self.chapter_no), columns=2 if self.two_columns else 1)

    def extra(self, single: float, double: float) -> int:
        """Paragraph count: two-column chapters get more text, so they fill several pages."""
        return self.writer.count(double if self.two_columns else single)

    def section(self, title: str) -> None:
        self.section_no += 1
        self.main.heading(1, title, f"{self.chapter_no}.{self.section_no}")

    def sub(self, title: str) -> None:
        self.main.heading(2, title)

    def para(self, sources: Sequence[tuple[str, float]], n: int | None = None, **context: object) -> None:
        self.main.paragraph(self.writer.paragraph(sources, n, **context))

    def prose(self, text: str) -> None:
        self.main.paragraph(self.writer.text(text))


def theme_sources(themes: Sequence[str], kind: str, generic: str, own: float = 0.5) -> list[tuple[str, float]]:
    sources = [(f"{kind}:{theme}", own / len(themes)) for theme in themes]
    return sources + [(f"generic:{generic}", 0.35), ("generic:allgemein", 0.15)]


def project_amount(fund: str, rng: random.Random) -> int:
    ranges = {
        "Aktionsfonds": (10_000, 10_000, 1_000),
        "Projektfonds": (8_000, 120_000, 500),
        "Baufonds": (60_000, 380_000, 5_000),
        "Netzwerkfonds": (20_000, 150_000, 1_000),
    }
    low, high, step = ranges[fund]
    return low + rng.randrange(0, (high - low) // step + 1) * step


def field_chapter_sections(ctx: Context, name: str, themes: Sequence[str], abschluss: bool = False) -> None:
    """One Handlungsfeld: Ausgangslage, Handlungsbedarf, Ziele, Projekte (with extra anchor text)."""
    w, spec = ctx.writer, ctx.spec
    topic = {"thema": [t for theme in themes for t in T.THEMEN[theme]], "feld": name}
    ctx.section(name)
    ctx.sub("Bilanz und Ausgangslage" if abschluss else "Ausgangslage")
    for _ in range(w.count(3.6)):
        ctx.para(theme_sources(themes, "befund", "ausgangslage"), **topic)
    ctx.sub("Verstetigungsbedarf" if abschluss else "Handlungsbedarf")
    for _ in range(w.count(2.8)):
        ctx.para(theme_sources(themes, "bedarf", "bedarf"), **topic)
    ctx.sub("Ziele")
    ctx.main.paragraph(w.text(w.deck("generic:ziel_intro").draw(), **topic))
    goals = [goal for theme in themes for goal in T.THEME_TEXTS[theme]["ziel"]]
    ctx.main.bullets([w.finish(goal) for goal in ctx.rng.sample(goals, min(len(goals), 6))])
    ctx.sub("Maßnahmen bis 2027" if abschluss else "Projekte und Maßnahmen")
    projects = [p for theme in themes for p in T.THEME_TEXTS[theme]["projekt"]]
    for project_name, fund, description in ctx.rng.sample(projects, min(len(projects), 5)):
        ctx.main.heading(3, f"{project_name} ({fund})", outline=False)
        follow = w.sentences("generic:projekt", ctx.rng.randint(2, 4), **topic)
        ctx.main.paragraph(w.finish(w.fill(description) + " " + follow))
        ctx.projects.append(Project(project_name, name, fund, spec.period_label, project_amount(fund, ctx.rng)))
    extra = T.DOC_TEXTS[spec.id]["extra"]
    for theme in themes:
        if theme in extra:
            ctx.main.box("Aus der Praxis", w.finish(extra[theme]))


def social_data(spec: DocSpec, rng: random.Random, ew: str) -> tuple[list[str], list[list[str]]]:
    """An invented Sozialdaten table for the three years before publication."""
    years = [spec.published.year - 3 + i for i in range(3)]

    def series(base: float, trend: float, spread: float) -> list[float]:
        return [base + trend * (y - 2010) + rng.uniform(-spread, spread) for y in years]

    rows = [
        (f"{ew} (31.12.)", [german_int(round(v)) for v in series(10_150, 18, 60)]),
        ("Anteil unter 18 Jahren in %", [german_decimal(v) for v in series(19.0, 0.15, 0.4)]),
        ("Anteil 65 Jahre und älter in %", [german_decimal(v) for v in series(14.0, 0.45, 0.3)]),
        ("Arbeitslosenquote in %", [german_decimal(v) for v in series(15.5, -0.45, 0.4)]),
        ("Transferbezug (SGB II) in %", [german_decimal(v) for v in series(31.0, -0.5, 0.6)]),
        ("Kinderarmut (unter 15 J.) in %", [german_decimal(v) for v in series(52.0, -0.6, 0.8)]),
        ("Wohnungen", ["5.500"] * 3),
        ("Fläche in ha", ["73"] * 3),
    ]
    return ["Indikator"] + [str(y) for y in years], [[label, *values] for label, values in rows]


def ch_einleitung(ctx: Context) -> None:
    w = ctx.writer
    ctx.chapter("Einleitung", "einleitung")
    ctx.section("Anlass und Auftrag")
    for text in T.DOC_TEXTS[ctx.spec.id]["einleitung"]:
        ctx.prose(text)
    ctx.prose(f"Grundlage ist das Programm „{ctx.spec.programme}“ der Städtebauförderung.")
    for _ in range(w.count(2)):
        ctx.para([("generic:allgemein", 0.6), ("generic:bedarf", 0.4)])
    if ctx.spec.doc_type == "abschlussplan":
        ctx.section("Aufbau des Abschlussplans")
        ctx.prose(
            "Auf einen Rückblick und das Gebietsprofil folgen die Bilanz der Handlungsfelder, die "
            "Verstetigungsstrategie, die Maßnahmen bis 2027 und der Zeitplan bis zum Ende des Verfahrens."
        )
    else:
        ctx.section("Aufbau des Konzepts")
        ctx.prose(
            "Nach der Beschreibung des Gebiets und einer Bilanz der bisherigen Arbeit folgen das Leitbild, "
            "die Handlungsfelder mit ihren Zielen sowie die geplanten Maßnahmen und Projekte."
        )
    for _ in range(w.count(1)):
        ctx.para([("generic:allgemein", 0.5), ("generic:beteiligung", 0.5)])


def ch_gebietsprofil(ctx: Context) -> None:
    w, spec = ctx.writer, ctx.spec
    ctx.chapter("Gebietsprofil", "gebietsprofil")
    ctx.section("Lage und Abgrenzung")
    for fact in T.AREA_FACTS:
        ctx.prose(fact)
    ctx.para([("generic:ausgangslage", 0.6), ("generic:allgemein", 0.4)])
    ctx.section("Bevölkerung und Sozialstruktur")
    ctx.para([("generic:ausgangslage", 0.7), ("generic:allgemein", 0.3)], thema=["Sozialstruktur"])
    header, rows = social_data(spec, ctx.rng, w.gender["ew"])
    ctx.main.table(
        header,
        rows,
        [0.46, 0.18, 0.18, 0.18],
        right_aligned=(1, 2, 3),
        caption="Tabelle 1: Sozialdaten des Gebiets (erfundene Musterwerte)",
    )
    ages = [ctx.rng.uniform(low, high) for low, high in ((6, 8), (11, 13), (9, 11), (22, 26), (24, 28), (16, 20))]
    ctx.main.bar_chart(
        "Abbildung 1: Altersstruktur der Bevölkerung in Prozent (Musterwerte)",
        ["unter 6", "6–17", "18–26", "27–44", "45–64", "65 und älter"],
        ages,
        "%",
    )
    for _ in range(w.count(1.5)):
        ctx.para([("generic:ausgangslage", 0.7), ("generic:allgemein", 0.3)], thema=["Sozialstruktur"])
    ctx.section("Wohnen und Infrastruktur")
    for _ in range(w.count(2)):
        ctx.para(
            theme_sources(["raum", "bildung"], "befund", "ausgangslage"),
            thema=["Wohnen", "Infrastruktur", "Nahversorgung"],
        )


def ch_stand(ctx: Context) -> None:
    w = ctx.writer
    ctx.chapter("Stand der Gebietsentwicklung", "stand")
    ctx.section("Bilanz der bisherigen Arbeit")
    for _ in range(ctx.extra(3, 6)):
        ctx.para(
            [("generic:allgemein", 0.5), ("generic:projekt", 0.25), ("generic:ausgangslage", 0.25)],
            thema=["Bilanz", "Zusammenarbeit"],
        )
    ctx.section("Ergebnisse der Beteiligung")
    for _ in range(ctx.extra(2, 5)):
        ctx.para([("generic:beteiligung", 0.7), ("generic:allgemein", 0.3)], thema=["Beteiligung"])
    ctx.main.bullets(
        [
            w.finish(w.fill(t))
            for t in (
                "{Methode} {ort}",
                "{Methode} {ort}",
                "Sitzungen des Quartiersrats und der Aktionsfondsjury",
                "Gespräche mit {akt_dat} aus Kitas, Schulen und Vereinen",
            )
        ]
    )


def ch_leitbild(ctx: Context) -> None:
    w, spec = ctx.writer, ctx.spec
    visions = spec.published.year >= 2019
    ctx.chapter("Leitbild und Zukunftsvisionen" if visions else "Leitbild", "leitbild")
    ctx.main.box("Leitbild", w.finish(T.LEITBILD))
    for _ in range(ctx.extra(1.5, 4)):
        ctx.para([("generic:allgemein", 0.6), ("generic:bedarf", 0.4)])
    if visions:
        ctx.section("Zukunftsvisionen")
        for name, themes in T.FIELDS_BY_ERA[spec.era]:
            ctx.sub(name)
            for _ in range(ctx.extra(1, 2)):
                ctx.para(
                    theme_sources(themes, "bedarf", "bedarf"),
                    n=ctx.rng.randint(4, 6),
                    thema=[t for theme in themes for t in T.THEMEN[theme]],
                )


def ch_handlungsfelder(ctx: Context, abschluss: bool = False) -> None:
    spec = ctx.spec
    title = "Handlungsfelder: Bilanz und Verstetigung" if abschluss else "Handlungsfelder, Bedarfe und Ziele"
    ctx.chapter(title, "handlungsfelder")
    ctx.prose(
        "Die Arbeit im Quartier gliedert sich in die folgenden Handlungsfelder: "
        + "; ".join(f"„{name}“" for name, _ in T.FIELDS_BY_ERA[spec.era])
        + "."
    )
    for name, themes in T.FIELDS_BY_ERA[spec.era]:
        field_chapter_sections(ctx, name, themes, abschluss)
    if spec.late:
        name, themes = T.CROSS_CUTTING_THEME
        field_chapter_sections(ctx, f"Querschnittsthema {name}", themes, abschluss)


def ch_massnahmen(ctx: Context, title: str = "Maßnahmen und Projekte") -> None:
    w = ctx.writer
    ctx.chapter(title, "massnahmen")
    ctx.section("Fonds des Programms")
    ctx.main.bullets([w.text(f"{fund}: {text}") for fund, text in T.FUND_TEXTS])
    ctx.para([("generic:projekt", 0.6), ("generic:allgemein", 0.4)])
    ctx.section("Maßnahmenliste")
    rows = [[p.name, p.field, p.fund, p.runtime, german_int(p.amount)] for p in ctx.projects]
    ctx.main.table(
        ["Projekt", "Handlungsfeld", "Fonds", "Laufzeit", "Betrag in €"],
        rows,
        [0.30, 0.28, 0.15, 0.13, 0.14],
        right_aligned=(4,),
        caption="Tabelle 2: Geplante Maßnahmen (Musterdaten)",
    )
    total = sum(p.amount for p in ctx.projects)
    ctx.prose(f"Insgesamt sind Maßnahmen im Umfang von {german_int(total)} Euro vorgesehen.")


def ch_beteiligung(ctx: Context) -> None:
    w = ctx.writer
    ctx.chapter("Beteiligung und Vernetzung", "beteiligung")
    ctx.section("Quartiersrat und Aktionsfondsjury")
    for _ in range(w.count(2)):
        ctx.para([("befund:beteiligung", 0.4), ("generic:beteiligung", 0.6)], thema=["Gremienarbeit"])
    ctx.section("Quartiersratswahl")
    election = max(y for y in (2008, 2010, 2012, 2014, 2016, 2018, 2021, 2023) if y < ctx.spec.published.year)
    ctx.prose(
        f"Die letzte Quartiersratswahl fand im Jahr {election} statt. Gewählt werden {{bew}} sowie "
        "Vertretungen der Einrichtungen für eine Amtszeit von etwa zwei Jahren."
    )
    for _ in range(w.count(1.5)):
        ctx.para([("bedarf:beteiligung", 0.5), ("generic:beteiligung", 0.5)], thema=["Quartiersratswahl"])
    ctx.section("Öffentlichkeitsarbeit")
    ctx.para([("generic:beteiligung", 0.6), ("generic:allgemein", 0.4)])


def ch_verstetigung(ctx: Context) -> None:
    w = ctx.writer
    ctx.chapter("Verstetigung", "verstetigung")
    for _ in range(w.count(2)):
        ctx.para([("generic:bedarf", 0.5), ("generic:allgemein", 0.5)], thema=["Verstetigung"])
    ctx.main.bullets(
        [
            w.finish(s)
            for s in (
                "Tragfähige Netzwerke ohne dauerhafte Förderung aufbauen",
                "Räume für Nachbarschaftsarbeit langfristig sichern",
                "Ehrenamtliche Strukturen qualifizieren und begleiten",
            )
        ]
    )


def ch_anlagen(ctx: Context, scan: Callable[[Context], bytes] | None = None, scan_title: str = "") -> None:
    ctx.chapter("Anlagen", "anlagen")
    ctx.section("Abkürzungsverzeichnis")
    ctx.main.table(["Abkürzung", "Bedeutung"], [list(a) for a in T.ABBREVIATIONS], [0.25, 0.75])
    ctx.section("Hinweis zu diesem Muster")
    ctx.main.paragraph(ctx.writer.finish(T.SAMPLE_NOTE))
    if scan is not None:
        ctx.section_no += 1
        ctx.main.image_page(scan(ctx), f"{ctx.chapter_no}.{ctx.section_no} {scan_title}", level=1)


def scan_2010_measures(ctx: Context) -> bytes:
    rows = [[str(i), p.name, p.field, p.fund, german_int(p.amount)] for i, p in enumerate(ctx.projects[:14], 1)]
    return scan_measures_table(
        "Anlage: Maßnahmenliste 2010", rows, "Beschlossen in der Sitzung des Quartiersrats am 09.02.2010.", ctx.spec.id
    )


def scan_quartiersrat_statement(ctx: Context) -> bytes:
    paragraphs = [
        "Der Quartiersrat hat den Entwurf des Abschlussplans in seinen Sitzungen im September und Oktober 2024 "
        "beraten. Er begrüßt, dass die Verstetigung der Nachbarschaftsarbeit im Mittelpunkt steht.",
        "Besonders wichtig ist uns, dass das Stadtteilzentrum als Anlaufstelle erhalten bleibt und der "
        "Aktionsfonds in einen bezirklichen Kiezfonds übergeht.",
        "Der Quartiersrat stimmt dem Abschlussplan mit den besprochenen Änderungen zu.",
    ]
    return scan_letter(
        "Stellungnahme des Quartiersrats zum Abschlussplan", "Berlin, 12. November 2024", paragraphs, ctx.spec.id
    )


def build_ihek(ctx: Context) -> None:
    ch_einleitung(ctx)
    ch_gebietsprofil(ctx)
    ch_stand(ctx)
    ch_leitbild(ctx)
    ch_handlungsfelder(ctx)
    ch_massnahmen(ctx)
    ch_beteiligung(ctx)
    ch_verstetigung(ctx)
    if ctx.spec.id == "muster-ihek-2010":
        ch_anlagen(ctx, scan_2010_measures, "Maßnahmenliste 2010 (Scan)")
    else:
        ch_anlagen(ctx)


def build_abschlussplan(ctx: Context) -> None:
    w = ctx.writer
    ch_einleitung(ctx)
    ctx.chapter("Rückblick 2005–2024", "rueckblick")
    ctx.main.table(
        ["Jahr", "Ereignis"],
        [list(m) for m in T.MILESTONES],
        [0.15, 0.85],
        caption="Tabelle 1: Meilensteine des Quartiersverfahrens",
    )
    for phase in ("Aufbau 2005–2012", "Konsolidierung 2013–2018", "Neuausrichtung 2019–2024"):
        ctx.section(phase)
        for _ in range(w.count(1.5)):
            ctx.para([("generic:allgemein", 0.5), ("generic:projekt", 0.3), ("generic:beteiligung", 0.2)])
    ch_gebietsprofil(ctx)
    ch_handlungsfelder(ctx, abschluss=True)
    ctx.chapter("Verstetigungsstrategie", "verstetigung")
    ctx.section("Grundsätze")
    for _ in range(w.count(2)):
        ctx.para([("bedarf:beteiligung", 0.4), ("generic:bedarf", 0.3), ("generic:allgemein", 0.3)])
    ctx.section("Übergabe von Aufgaben")
    ctx.main.table(
        ["Aufgabe", "Künftige Verantwortung", "Übergabe bis"],
        [list(h) for h in T.HANDOVER],
        [0.3, 0.5, 0.2],
        caption="Tabelle 3: Übergabe von Strukturen und Angeboten",
    )
    ch_massnahmen(ctx, "Maßnahmen 2025–2027")
    ctx.chapter("Zeitplan bis 31.12.2027", "zeitplan")
    ctx.main.table(
        ["Zeitraum", "Schritt"],
        [
            ["2025", "Übergabe des Bildungsnetzwerks und des Gemeinschaftsgartens"],
            ["2026", "Überführung des Aktionsfonds in einen bezirklichen Kiezfonds; Stadtteilzeitung ehrenamtlich"],
            ["1. Halbjahr 2027", "Letzte Quartiersratswahl entfällt; Übergang in die Stadtteilkonferenz"],
            ["31.12.2027", "Ende des Quartiersverfahrens; Schließung des Stadtteilbüros"],
        ],
        [0.22, 0.78],
    )
    ctx.para([("generic:allgemein", 0.6), ("generic:bedarf", 0.4)])
    ch_anlagen(ctx, scan_quartiersrat_statement, "Stellungnahme des Quartiersrats (Scan)")


def build_broschuere(ctx: Context) -> None:
    w = ctx.writer
    ctx.chapter("Vorwort", "vorwort")
    for text in T.DOC_TEXTS[ctx.spec.id]["vorwort"]:
        ctx.prose(text)
    ctx.para([("generic:allgemein", 0.7), ("generic:beteiligung", 0.3)])
    for title, paragraphs in T.BROCHURE_SECTIONS[:3]:
        ctx.chapter(title, "*")
        for text in paragraphs:
            ctx.prose(text)
        for _ in range(w.count(5)):
            ctx.para([("generic:allgemein", 0.5), ("generic:ausgangslage", 0.5)], thema=["Zusammenhalt"])
    ctx.main.box(
        "Zahlen und Fakten",
        w.finish(
            "73 Hektar · rund 5.500 Wohnungen · etwa 10.300 Einwohner:innen · Quartiersrat seit 2006 · "
            "Quartiersmanagement bis 31.12.2027"
        ),
    )
    for name, themes in T.FIELDS_BY_ERA[ctx.spec.era] + [T.CROSS_CUTTING_THEME]:
        ctx.chapter(name, "*")
        topic = {"thema": [t for theme in themes for t in T.THEMEN[theme]], "feld": name}
        for _ in range(w.count(4)):
            ctx.para(theme_sources(themes, "befund", "ausgangslage"), **topic)
        ctx.sub("Was wir vorhaben")
        ctx.main.bullets([w.finish(g) for g in T.THEME_TEXTS[themes[0]]["ziel"][:4]])
        for _ in range(w.count(2)):
            ctx.para(theme_sources(themes, "bedarf", "bedarf"), **topic)
    for title, paragraphs in T.BROCHURE_SECTIONS[3:5]:
        ctx.chapter(title, "*")
        for text in paragraphs:
            ctx.prose(text)
        for _ in range(w.count(4)):
            ctx.para([("generic:beteiligung", 0.5), ("generic:projekt", 0.5)])
    ctx.chapter_no += 1
    ctx.main.image_page(scan_site_plan(ctx.spec.id), f"{ctx.chapter_no} Lageplan des Quartiers", level=0)
    title, paragraphs = T.BROCHURE_SECTIONS[5]
    ctx.chapter(title, "kontakt")
    for text in paragraphs:
        ctx.prose(text)
    ctx.main.paragraph(w.finish(T.SAMPLE_NOTE))


BUILDERS: dict[str, Callable[[Context], None]] = {
    "ihek": build_ihek,
    "abschlussplan": build_abschlussplan,
    "broschuere": build_broschuere,
}


# ---------------------------------------------------------------------------
# Front matter: title page, Impressum, Vorwort, Inhaltsverzeichnis
# ---------------------------------------------------------------------------
def title_page(spec: DocSpec) -> Page:
    """The title page: no running header; carries the sample mark prominently."""
    page = Page(decorated=False)
    ops = page.ops
    ops.append(RectOp(0, PAGE_H - 150, PAGE_W, 150, fill_gray=0.86, stroke_gray=None))
    ops.append(TextOp(LEFT, PAGE_H - 70, "Quartiersmanagement Hellersdorfer Promenade", SANS, 11, gray=0.2))
    ops.append(TextOp(LEFT, PAGE_H - 90, "Berlin, Bezirk Marzahn-Hellersdorf", SANS, 10, gray=0.3))
    y = PAGE_H - 230
    for line in break_lines(spec.cover_kicker, Style(SANS, 14, 18), TEXT_W):
        ops.append(TextOp(LEFT, y, line, SANS, 14))
        y -= 20
    for line in break_lines(spec.cover_title, Style(SANS_BOLD, 26, 32), TEXT_W):
        y -= 14
        ops.append(TextOp(LEFT, y, line, SANS_BOLD, 26))
        y -= 18
    ops.append(TextOp(LEFT, y - 24, f"Programm „{spec.programme}“", SERIF, 10.5, gray=0.2))
    ops.extend(skyline_ops(PAGE_H - 560))
    ops.append(RectOp(LEFT, 150, TEXT_W, 62, fill_gray=0.95, stroke_gray=0.2, line_width=1.2))
    ops.append(TextOp(PAGE_W / 2, 188, T.SAMPLE_MARK, SANS_BOLD, 13, "center"))
    ops.append(TextOp(PAGE_W / 2, 170, "Erfundener Beispieltext zu Test- und Demonstrationszwecken", SANS, 9, "center"))
    stand = f"Stand: {spec.published.day}.{spec.published.month}.{spec.published.year}"
    ops.append(TextOp(LEFT, 100, stand, SANS, 9, gray=0.3))
    ops.append(TextOp(LEFT, 86, PUBLISHER, SANS, 8, gray=0.3))
    return page


def skyline_ops(base: float) -> list[Op]:
    """Stylised WBS 70 panel blocks as a cover illustration (pure vector)."""
    ops: list[Op] = []
    x = LEFT
    for floors, blocks in ((6, 4), (11, 3), (5, 5), (8, 3), (6, 4)):
        w, h = blocks * 18.0, floors * 12.0
        ops.append(RectOp(x, base, w, h, fill_gray=0.75, stroke_gray=0.35))
        for fy in range(floors):
            for fx in range(blocks * 2):
                ops.append(RectOp(x + 3 + fx * 9, base + 4 + fy * 12, 4, 5, fill_gray=0.95, stroke_gray=None))
        x += w + 6
    ops.append(LineOp(LEFT - 10, base, RIGHT + 10, base, gray=0.2, line_width=1.5))
    return ops


def impressum_lines(spec: DocSpec) -> list[tuple[str, str]]:
    return [
        ("Herausgeber", "Bezirksamt Marzahn-Hellersdorf von Berlin (Musterangabe)"),
        ("Bearbeitung", "S.T.E.R.N. GmbH, Quartiersmanagement Hellersdorfer Promenade (Musterangabe)"),
        ("Anschrift", "Stadtteilbüro, Hellersdorfer Promenade 17, 12627 Berlin"),
        ("Förderung", f"Städtebauförderprogramm „{spec.programme}“"),
        ("Stand", spec.published.strftime("%d.%m.%Y")),
        ("Abbildungen", "Alle Abbildungen und Tabellen wurden für dieses Muster erzeugt."),
        ("Hinweis", T.SAMPLE_NOTE),
    ]


def front_matter(spec: DocSpec, writer: Writer, main: Composer, keys: Iterator[str]) -> list[Page]:
    """Title page, Impressum, Vorwort and the table of contents (roman page labels)."""
    pages = [title_page(spec)]
    impressum = Composer(keys)
    impressum.heading(0, "Impressum", toc=False)
    for label, value in impressum_lines(spec):
        impressum.paragraph(label, HEADINGS[3])
        impressum.paragraph(writer.finish(value), BODY)
    pages += impressum.pages
    vorwort = Composer(keys)
    vorwort.heading(0, "Vorwort", toc=False)
    for text in T.DOC_TEXTS[spec.id]["vorwort"]:
        vorwort.paragraph(writer.text(text))
    vorwort.paragraph(writer.paragraph([("generic:allgemein", 0.6), ("generic:beteiligung", 0.4)]))
    vorwort_label = roman(len(pages) + 1)
    pages += vorwort.pages
    toc = Composer(keys)
    toc.heading(0, "Inhaltsverzeichnis", toc=False)
    toc.toc_line(0, "Vorwort", vorwort_label)
    for entry in main.toc:
        toc.toc_line(entry.level, entry.title, str(entry.page_index + 1))
    return pages + toc.pages


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------
def pdf_date(day: date) -> Callable[..., str]:
    stamp = f"D:{day.year:04d}{day.month:02d}{day.day:02d}100000+01'00'"
    return lambda *args: stamp


@contextlib.contextmanager
def source_date(day: date) -> Iterator[None]:
    """Pin reportlab's time stamp (which seeds the PDF /ID) to the publication date.

    reportlab honours SOURCE_DATE_EPOCH even in invariant mode, so a value inherited
    from the environment would otherwise change the bytes of the output.
    """
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(
        int(datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc).timestamp())
    )
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def draw_header(c: Canvas, spec: DocSpec, page: Page) -> None:
    c.setFillGray(0.25)
    c.setFont(SANS, 8)
    c.drawString(LEFT, HEADER_Y, spec.header)
    chapter = page.chapter
    while chapter and width(chapter, Style(SANS, 8, 10)) > TEXT_W / 2:
        chapter = chapter[:-2] + "…"
    c.drawRightString(RIGHT, HEADER_Y, chapter)
    c.setStrokeGray(0.5)
    c.setLineWidth(0.5)
    c.line(LEFT, HEADER_Y - 6, RIGHT, HEADER_Y - 6)


def draw_footer(c: Canvas, label: str) -> None:
    c.setStrokeGray(0.5)
    c.setLineWidth(0.5)
    c.line(LEFT, FOOTER_NUMBER_Y + 14, RIGHT, FOOTER_NUMBER_Y + 14)
    c.setFillGray(0)
    c.setFont(SANS, 9)
    c.drawCentredString(PAGE_W / 2, FOOTER_NUMBER_Y, label)
    c.setFillGray(0.35)
    c.setFont(SANS, 7)
    c.drawCentredString(PAGE_W / 2, FOOTER_MARK_Y, T.SAMPLE_MARK)


def page_labels(n_front: int, n_total: int) -> list[str]:
    return [roman(i + 1) for i in range(n_front)] + [str(i + 1) for i in range(n_total - n_front)]


def render(spec: DocSpec, pages: list[Page], n_front: int, path: Path) -> None:
    keywords = ", ".join(
        ["Quartiersmanagement", T.AREA, spec.doc_type.upper(), spec.period_label, "Musterdokument"]
        + [name for name, _ in T.FIELDS_BY_ERA[spec.era]]
    )
    with source_date(spec.published):
        c = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1, initialFontName=SANS, lang="de-DE")
    c.setTitle(spec.title)
    c.setAuthor("Quartiersmanagement Hellersdorfer Promenade (Musterdokument)")
    c.setSubject(f"{T.SAMPLE_MARK}: erfundenes Musterdokument für das Projekt qmarchive")
    c.setCreator("qmarchive scripts/make_samples.py")
    c.setKeywords(keywords)
    c.setDateFormatter(pdf_date(spec.published))
    if n_front:
        c.addPageLabel(0, "ROMAN_LOWER", 1)
    c.addPageLabel(n_front, "ARABIC", 1)
    labels = page_labels(n_front, len(pages))
    for index, page in enumerate(pages):
        if page.decorated:
            draw_header(c, spec, page)
        for mark in page.bookmarks:
            c.bookmarkPage(mark.key, fit="XYZ", left=0, top=mark.top)
            c.addOutlineEntry(mark.title, mark.key, level=mark.level, closed=mark.level > 0)
        for op in page.ops:
            op.draw(c)
        if page.decorated:
            draw_footer(c, labels[index])
        c.showPage()
    c.showOutline()
    c.save()


@dataclass(frozen=True)
class Built:
    spec: DocSpec
    path: Path
    pages: int
    image_pages: list[int]
    two_column_pages: list[int]


def build_document(spec: DocSpec, pdf_dir: Path) -> Built:
    rng = random.Random(f"qmarchive-samples/{spec.id}")
    keys = (f"b{n}" for n in itertools.count(1))
    writer = Writer(spec, rng)
    ctx = Context(spec, rng, writer, Composer(keys))
    BUILDERS[spec.doc_type](ctx)
    if spec.doc_type == "broschuere":
        front = [title_page(spec)]
        n_front = 0
    else:
        front = front_matter(spec, writer, ctx.main, keys)
        n_front = len(front)
    pages = front + ctx.main.pages
    path = pdf_dir / f"{spec.id}.pdf"
    render(spec, pages, n_front, path)
    return Built(
        spec,
        path,
        len(pages),
        [i + 1 for i, p in enumerate(pages) if p.image_only],
        [i + 1 for i, p in enumerate(pages) if p.columns == 2],
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_catalog(out: Path, built: Sequence[Built]) -> None:
    with (out / "catalog.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CATALOG_FIELDS, lineterminator="\n")
        writer.writeheader()
        for item in built:
            spec = item.spec
            notes = "Generiertes Musterdokument (scripts/make_samples.py), kein Originaltext; Inhalte frei erfunden"
            writer.writerow(
                {
                    "id": spec.id,
                    "title": spec.title,
                    "doc_type": spec.doc_type,
                    "area": T.AREA,
                    "place": "Berlin",
                    "period_start": spec.period_start,
                    "period_end": spec.period_end or "",
                    "published": spec.published.isoformat(),
                    "publisher": PUBLISHER,
                    "file": item.path.relative_to(out).as_posix(),
                    "source_url": "",
                    "landing_url": "",
                    "sha256": sha256(item.path),
                    "license": LICENSE,
                    "notes": f"{notes}; {spec.notes}" if spec.notes else notes,
                }
            )


def main(argv: Sequence[str] | None = None) -> int:
    global _FONT_DIR
    default_out = Path(__file__).resolve().parent.parent / "archive" / "samples"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out, help=f"output directory (default: {default_out})")
    args = parser.parse_args(argv)
    _FONT_DIR = Path(os.environ.get("QMARCHIVE_FONT_DIR", DEFAULT_FONT_DIR))
    register_fonts(_FONT_DIR)
    pdf_dir = args.out / "pdf"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    built = [build_document(spec, pdf_dir) for spec in DOCS]
    write_catalog(args.out, built)
    for item in built:
        print(
            f"{item.path.name:45} {item.pages:4d} pages {item.path.stat().st_size / 1024:7.1f} KiB"
            f"  image-only: {item.image_pages or '-'}  two-column: {item.two_column_pages or '-'}"
        )
    total = sum(item.pages for item in built)
    size = sum(item.path.stat().st_size for item in built)
    print(f"{len(built)} documents, {total} pages, {size / 1024 / 1024:.2f} MiB -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
