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
    encrypt = (
        StandardEncryption(spec.user_password, ownerPassword="owner", strength=128) if spec.user_password else None
    )
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


def make_loose_accent_pdf(path: Path, lines: list[tuple[str, int, int]]) -> Path:
    """One page whose umlauts are a letter and a separate diaeresis glyph, as TeX's Type3 fonts draw them.

    Each line is (text without the dots, index of the letter under the diaeresis, index where the accent is
    drawn in the flow): ("Schlusselwörter", 4, 10) draws "Schlusselw", then "¨" back over the "u", then
    "örter"; ("Ubliche Notation 25", 0, 19) puts the accent after the whole line.
    """
    _register_font()
    c = canvas.Canvas(str(path), invariant=1)
    y = 800
    for text, base, split in lines:
        width = lambda s: pdfmetrics.stringWidth(s, FONT, 11)  # noqa: E731
        c.setFont(FONT, 11)
        c.drawString(72, y, text[:split])
        letter_x = 72 + width(text[:base]) + (width(text[base]) - width("\u00a8")) / 2
        c.drawString(letter_x, y, "\u00a8")
        if text[split:]:
            c.drawString(72 + width(text[:split]), y, text[split:])
        y -= 15
    c.showPage()
    c.save()
    return path


def add_hidden_layer(path: Path, page_index: int, text: str, name: str = "Entwurf") -> Path:
    """Draw ``text`` on a page inside an optional-content group that the default view hides (``/OFF``)."""
    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter(clone_from=path)
    group = writer._add_object(
        DictionaryObject({NameObject("/Type"): NameObject("/OCG"), NameObject("/Name"): TextStringObject(name)})
    )
    writer._root_object[NameObject("/OCProperties")] = DictionaryObject(
        {
            NameObject("/OCGs"): ArrayObject([group]),
            NameObject("/D"): DictionaryObject(
                {NameObject("/OFF"): ArrayObject([group]), NameObject("/Order"): ArrayObject([group])}
            ),
        }
    )
    page = writer.pages[page_index]
    resources = page["/Resources"]
    resources[NameObject("/Properties")] = DictionaryObject({NameObject("/oc1"): group})
    fonts = DictionaryObject(resources["/Font"])
    fonts[NameObject("/FHidden")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    resources[NameObject("/Font")] = fonts
    stream = DecodedStreamObject()
    stream.set_data(f"/OC /oc1 BDC BT /FHidden 11 Tf 72 500 Td ({text}) Tj ET EMC".encode("latin-1"))
    contents = page.raw_get("/Contents")
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([*existing, writer._add_object(stream)])
    writer.write(path)
    return path


def make_type3_accent_pdf(path: Path, words: list[tuple[str, int, int]]) -> Path:
    """One page set in a Type3 font, umlauts drawn as a base letter and a separate "dieresis" glyph.

    Each word is (text without the dots, index of the letter under the accent, index where the accent is
    drawn in the flow), as in :func:`make_loose_accent_pdf`. Every glyph is a filled box: a letter from
    the baseline to x-height, the accent above it; the encoding names each glyph, so text extraction
    knows its character, as with TeX's bitmap fonts.
    """
    from hostile import _stream, raw_pdf

    letters = sorted({ch for text, _, _ in words for ch in text if ch != " "})
    differences = " ".join(f"{ord(ch)} /{_glyph_name(ch)}" for ch in letters) + " 168 /dieresis"
    procs = {_glyph_name(ch): b"500 0 20 0 480 500 d1 20 0 460 500 re f" for ch in letters}
    procs["dieresis"] = b"500 0 120 600 380 680 d1 120 600 260 80 re f"
    size, advance = 11, 5.5
    ops = []
    y = 700
    for text, base, split in words:
        ops.append(b"BT /T3 %d Tf 72 %d Td (%s) Tj ET" % (size, y, text[:split].encode("latin-1")))
        ops.append(b"BT /T3 %d Tf %.2f %d Td (\\250) Tj ET" % (size, 72 + base * advance, y))
        if text[split:]:
            ops.append(
                b"BT /T3 %d Tf %.2f %d Td (%s) Tj ET" % (size, 72 + split * advance, y, text[split:].encode("latin-1"))
            )
        y -= 15
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /T3 5 0 R >> >> /Contents 4 0 R >>",
        _stream(b"\n".join(ops)),
    ]
    first_proc = len(objects) + 2
    proc_refs = " ".join(f"/{name} {first_proc + i} 0 R" for i, name in enumerate(procs)).encode()
    objects.append(
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 700] /FontMatrix [0.001 0 0 0.001 0 0] "
        b"/CharProcs << "
        + proc_refs
        + b" >> /Encoding << /Type /Encoding /Differences ["
        + differences.encode()
        + b"] >> "
        b"/FirstChar 0 /LastChar 255 /Widths [" + b" ".join([b"500"] * 256) + b"] /Resources << >> >>"
    )
    objects.extend(_stream(proc) for proc in procs.values())
    path.write_bytes(raw_pdf(objects))
    return path


def _glyph_name(ch: str) -> str:
    """The PostScript glyph name of a Latin-1 letter (a, b, …, odieresis)."""
    return {"ä": "adieresis", "ö": "odieresis", "ü": "udieresis", "ß": "germandbls"}.get(ch, ch)
