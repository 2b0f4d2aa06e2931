"""Page images: rendered by PDFium in a bounded child process, cached on disk, a placeholder where that fails."""

from __future__ import annotations

import hashlib
import io
import re
import time
from pathlib import Path
from xml.etree import ElementTree

import hostile
import pytest
from PIL import Image

from qmarchive import page_images


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return hostile.good(tmp_path / "gut.pdf")


def test_render_sizes_and_format(pdf: Path) -> None:
    for size, width in page_images.SIZES.items():
        image = Image.open(io.BytesIO(page_images.render(pdf, 1, width)))
        assert image.format == "WEBP"
        assert image.size == (width, round(width * 842 / 595)), size  # A4 keeps its shape


def test_render_keeps_a_tall_page_under_the_pixel_limit(tmp_path: Path) -> None:
    strip = tmp_path / "streifen.pdf"
    strip.write_bytes(
        hostile.text_page_pdf(b"BT /F1 12 Tf 1 1 Td (x) Tj ET").replace(b"[0 0 595 842]", b"[0 0 9 14000]")
    )  # same length: the xref stays right
    image = Image.open(io.BytesIO(page_images.render(strip, 1, 1200)))
    assert image.height == page_images.MAX_SIDE  # not 1200 / 9 * 14000 px
    assert image.width in (10, 11)  # scaled down evenly, not squeezed


def test_ensure_renders_once_then_serves_the_cache(pdf: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    first = page_images.ensure(index, pdf, sha256(pdf), 2, "klein")
    assert first.rendered and first.failure is None
    assert first.path == index / "pages" / "v1" / sha256(pdf)[:2] / f"{sha256(pdf)}-2-klein.webp"
    assert first.etag == f'"{sha256(pdf)[:16]}-2-klein-v1"'
    made = first.path.stat().st_mtime_ns
    again = page_images.ensure(index, pdf, sha256(pdf), 2, "klein")
    assert not again.rendered and again.path == first.path and again.path.stat().st_mtime_ns == made
    assert page_images.cached(index, sha256(pdf), 2, "gross") is None  # each size on its own
    assert list(first.path.parent.iterdir()) == [first.path]  # no partial file left behind


def test_ensure_reads_through_an_open_descriptor(pdf: Path, tmp_path: Path) -> None:
    import os

    fd = os.open(pdf, os.O_RDONLY)
    try:
        found = page_images.ensure(tmp_path / "index", fd, sha256(pdf), 1, "klein")
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # the child read its own descriptor of the file
    finally:
        os.close(fd)
    assert found.path is not None and Image.open(found.path).width == 200


def test_slow_page_ends_with_the_placeholder_within_its_time_limit(tmp_path: Path) -> None:
    slow = tmp_path / "langsam.pdf"
    slow.write_bytes(hostile.slow_drawing())
    started = time.monotonic()
    found = page_images.ensure(tmp_path / "index", slow, sha256(slow), 1, "gross", timeout=1.0)
    assert time.monotonic() - started < 3.0
    assert found.path is None and found.rendered
    assert found.failure == "rendering page 1 took longer than the time limit of 1 s"
    # Remembered: the next request gets the placeholder at once, without rendering again.
    started = time.monotonic()
    again = page_images.ensure(tmp_path / "index", slow, sha256(slow), 1, "gross", timeout=1.0)
    assert time.monotonic() - started < 0.5
    assert again.path is None and not again.rendered and again.failure == found.failure
    assert again.etag == f'"{sha256(slow)[:16]}-1-gross-fehlt-v1"'


@pytest.mark.slow
def test_decompression_bomb_renders_within_the_limits(tmp_path: Path) -> None:
    bomb = tmp_path / "bombe.pdf"
    bomb.write_bytes(hostile.decompression_bomb())
    started = time.monotonic()
    found = page_images.ensure(tmp_path / "index", bomb, sha256(bomb), 1, "klein", timeout=30.0)
    assert time.monotonic() - started < 30.0
    assert found.failure is None and Image.open(found.path).width in (
        200,
        201,
    )  # a blank page (595 pt wide, rounded up)


def test_damaged_file_and_missing_page_end_with_their_reason(pdf: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "kaputt.pdf"
    damaged.write_bytes(hostile.truncated(hostile.cyclic_page_tree()))
    found = page_images.ensure(tmp_path / "index", damaged, sha256(damaged), 1, "klein")
    assert found.path is None and found.failure.startswith("PDFium could not render page 1 (")
    missing = page_images.ensure(tmp_path / "index", pdf, sha256(pdf), 9, "klein")
    assert missing.failure == "PDFium could not render page 9 (ValueError: the PDF has no page 9 (it has 2))"


def test_a_failure_is_retried_after_a_day(pdf: Path, tmp_path: Path, monkeypatch) -> None:
    index = tmp_path / "index"
    target = page_images.cache_file(index, sha256(pdf), 1, "klein")
    target.parent.mkdir(parents=True)
    marker = target.with_suffix(".failed")
    marker.write_text("rendering page 1 took longer than the time limit of 10 s", encoding="utf-8")
    assert page_images.ensure(index, pdf, sha256(pdf), 1, "klein").path is None
    old = time.time() - page_images.FAILURE_RETRY_SECONDS - 1
    import os

    os.utime(marker, (old, old))
    assert page_images.ensure(index, pdf, sha256(pdf), 1, "klein").path == target


def test_placeholder_is_svg_with_a_german_notice() -> None:
    svg = page_images.placeholder_svg('S. 12<script>"')
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("aria-label") == "Seitenbild nicht verfügbar"
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Seitenbild nicht verfügbar", "S. 12script: Text und PDF siehe Seite"]


def test_unknown_size_is_refused(pdf: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown image size 'riesig'; one of gross, klein"):
        page_images.ensure(tmp_path, pdf, sha256(pdf), 1, "riesig")


@pytest.mark.slow
def test_pages_render_in_one_child_and_a_failing_page_falls_back_to_its_own(tmp_path: Path) -> None:
    """ensure_pages (the static edition): the batch child stops at the slow page 2; page 2 is rendered on its
    own (placeholder, failure remembered) and a new batch renders page 3."""
    from pypdf import PdfReader, PdfWriter

    good = PdfReader(hostile.good(tmp_path / "gut.pdf"))
    writer = PdfWriter()
    writer.add_page(good.pages[0])
    writer.add_page(PdfReader(io.BytesIO(hostile.slow_drawing())).pages[0])
    writer.add_page(good.pages[1])
    mixed = tmp_path / "gemischt.pdf"
    with mixed.open("wb") as out:
        writer.write(out)
    index = tmp_path / "index"
    seen: list[tuple[int, bool]] = []
    images = page_images.ensure_pages(
        index, mixed, sha256(mixed), [1, 2, 3], "klein", timeout=3.0, on_page=lambda n, i: seen.append((n, i.rendered))
    )
    assert seen == [(1, True), (2, True), (3, True)]
    assert images[1].path == page_images.cache_file(index, sha256(mixed), 1, "klein")
    assert Image.open(images[1].path).width == 200 and Image.open(images[3].path).width == 200
    assert images[2].path is None
    # The slow page ends at one of its limits: the time limit, or (on a loaded machine, seen in 3 of 5 runs)
    # the memory limit its growing drawing reaches first.
    assert images[2].failure in ("rendering page 2 took longer than the time limit of 3 s",) or re.fullmatch(
        r"the renderer crashed \(SIG[A-Z]+\) after [0-9.]+ s, most likely at the memory limit of 1024 MB",
        images[2].failure or "",
    )
    # All from the cache now, the failure too: no child runs.
    started = time.monotonic()
    again = page_images.ensure_pages(index, mixed, sha256(mixed), [1, 2, 3], "klein", timeout=3.0)
    assert time.monotonic() - started < 0.5
    assert [image.rendered for image in again.values()] == [False, False, False]
    assert again[2].failure == images[2].failure and again[3].path == images[3].path


def test_pages_of_a_missing_page_number_end_with_their_reason(pdf: Path, tmp_path: Path) -> None:
    images = page_images.ensure_pages(tmp_path / "index", pdf, sha256(pdf), [2, 9], "klein")
    assert images[2].path is not None and images[2].rendered
    assert images[9].failure == "PDFium could not render page 9 (ValueError: the PDF has no page 9 (it has 2))"
