"""Small PDFs for tests, written with reportlab: given lines per page, outline, labels, images, scans, passwords."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.lib.pdfencrypt import StandardEncryption

FONT_DIR = Path(os.environ.get("QMARCHIVE_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
FONT = "DejaVuSans"
SCAN_DPI = 150
_registered = False


def _register_font() -> None:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        _registered = True


@dataclass
class Spec:
    """What to put into a test PDF. ``pages`` holds the text lines of each page, top to bottom."""

    pages: list[list[str]]
    outline: list[tuple[str, int, int]] = field(default_factory=list)  # (title, level, page index)
    labels: list[tuple[int, str, int]] = field(default_factory=list)  # (page index, style, start)
    title: str = "Testdokument"
    author: str = "qmarchive tests"
    image_pages: set[int] = field(default_factory=set)  # page indexes drawn as an image only
    scanned_pages: set[int] = field(default_factory=set)  # page indexes whose lines are drawn as a scan (no text layer)
    user_password: str | None = None


def make_pdf(path: Path, spec: Spec) -> Path:
    _register_font()
    encrypt = StandardEncryption(spec.user_password, ownerPassword="owner", strength=128) if spec.user_password else None
    c = canvas.Canvas(str(path), invariant=1, encrypt=encrypt)
    c.setTitle(spec.title)
    c.setAuthor(spec.author)
    for index, lines in enumerate(spec.pages):
        for title, level, page in spec.outline:
            if page == index:
                key = f"o{title}{level}"
                c.bookmarkPage(key)
                c.addOutlineEntry(title, key, level=level)
        for page, style, start in spec.labels:
            if page == index:
                c.addPageLabel(index, style=style, start=start)
        if index in spec.image_pages:
            c.drawImage(ImageReader(_blank_png()), 72, 400, width=300, height=200)
        elif index in spec.scanned_pages:
            width, height = c._pagesize
            c.drawImage(ImageReader(scan_png(lines, width, height)), 0, 0, width=width, height=height)
        else:
            c.setFont(FONT, 11)
            y = 800
            for line in lines:
                c.drawString(72, y, line)
                y -= 15
        c.showPage()
    c.save()
    return path


def _blank_png() -> io.BytesIO:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (60, 40), color=200).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def scan_png(lines: list[str], width: float, height: float, dpi: int = SCAN_DPI) -> io.BytesIO:
    """The lines as a page scanned at ``dpi``: black DejaVu Sans, 11 pt, 15 pt apart, from the top left."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (round(width / 72 * dpi), round(height / 72 * dpi)), color=255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans.ttf"), round(11 / 72 * dpi))
    for n, line in enumerate(lines):
        draw.text((dpi, round((42 + 15 * n) / 72 * dpi)), line, font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    buffer.seek(0)
    return buffer


def running_pages(bodies: list[list[str]], title: str = "IHEK 2019–2021 · Hellersdorfer Promenade") -> list[list[str]]:
    """Pages with a running header and a page-number footer around each body."""
    return [[title, *body, str(n)] for n, body in enumerate(bodies, start=1)]
