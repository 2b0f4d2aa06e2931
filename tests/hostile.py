"""Hostile PDFs for tests, written byte by byte or with pypdf: each small, each breaking one assumption."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from pdfmaker import Spec, make_pdf
from pypdf import PdfReader, PdfWriter


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from numbered object bodies (object n is objects[n-1]), with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def _stream(data: bytes, compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_page_pdf(content: bytes, compress: bool = False) -> bytes:
    """One page with the given content stream and Helvetica as /F1."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(content, compress),
            _FONT,
        ]
    )


def good(path: Path, text: str = "Quartiersrat tagt im Stadtteilbüro") -> Path:
    return make_pdf(path, Spec(pages=[[text], ["Zweite Seite über Grünflächen"]]))


def cyclic_page_tree() -> bytes:
    """The page tree's only kid is the tree itself."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
        ]
    )


def deep_page_tree(depth: int = 3000) -> bytes:
    """One page at the bottom of ``depth`` nested /Pages nodes."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (number + 1, parent))
    page = depth + 2
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (page - 1, page + 1))
    objects.append(_stream(b"BT /F1 12 Tf 72 720 Td (tief) Tj ET"))
    return raw_pdf(objects)


def decompression_bomb(megabytes: int = 300) -> bytes:
    """A page whose content stream is a few hundred KB compressed and hundreds of MB of spaces inflated."""
    chunk = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(chunk.compress(block) for _ in range(megabytes)) + chunk.flush()
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        ]
    )


def slow_drawing(operations: int = 3_000_000) -> bytes:
    """Very many tiny text operations on one page, compressed to a small file: slow to draw (and to read as
    text, which takes 1.5 GB per 3 million operations)."""
    ops = b"BT /F1 1 Tf (a) Tj ET\n" * operations
    return text_page_pdf(ops, compress=True)


def slow_page(fan_out: int = 44, levels: int = 5) -> bytes:
    """A 6 KB page that takes minutes of CPU but no memory to read: its resources name ``fan_out`` times the
    same Form XObject, whose resources name the next one ``fan_out`` times, ``levels`` deep. Nothing is
    drawn from them, but whatever walks the resources as a tree visits fan_out ** levels forms (44**5 =
    165 million; the content hash of a page without text takes 1.2 µs a visit: over 3 minutes, in under
    50 MB)."""

    def xobjects(target: int) -> bytes:
        return b"/XObject << " + b" ".join(b"/X%d %d 0 R" % (i, target) for i in range(fan_out)) + b" >>"

    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> " + xobjects(6) + b" >> >>",
        _stream(b"q Q"),  # no text: the page is fingerprinted for the OCR cache, which walks its resources
        _FONT,
    ]
    for level in range(levels):
        resources = b" /Resources << " + xobjects(7 + level) + b" >>" if level < levels - 1 else b""
        objects.append(
            b"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1]" + resources + b" /Length 5 >>\nstream\n0 0 m\nendstream"
        )
    return raw_pdf(objects)


def truncated(source: bytes) -> bytes:
    return source[: len(source) // 2]


def broken_xref(source: bytes) -> bytes:
    """Every xref offset points to the wrong place; pypdf must rebuild the table."""
    head, _, tail = source.rpartition(b"\nxref\n")
    lines = tail.split(b"\n")
    fixed = [b"%010d 00000 n " % (int(line[:10]) + 7) if line.endswith(b" n ") else line for line in lines]
    return head + b"\nxref\n" + b"\n".join(fixed)


def encrypted(source: Path, user_password: str, algorithm: str = "RC4-128") -> bytes:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user_password, owner_password="eigentümer", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), color=(0, 128, 0)).save(out, format="PNG")
    return out.getvalue()
