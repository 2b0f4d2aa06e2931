"""German OCR of one PDF page with Tesseract, for pages without a usable text layer.

The page is rendered with PDFium at the resolution of its scanned image (150–300 dpi; 300 where it has
none), handed to Tesseract (through pytesseract) with that resolution, and read as words with their
confidences in one run. Pure: no database; the cache of results lives in the database (``ocr_cache``).
Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``): the ingest workers spread pages over the CPUs,
which is faster than Tesseract's own threads.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium

from qmarchive.errors import OcrUnavailableError

OcrMode = Literal["auto", "always", "never"]
OCR_MODES: tuple[OcrMode, ...] = ("auto", "always", "never")
LANGUAGE = "deu"
# Raise when rendering or reading changes, so that cached results are not reused.
OCR_VERSION = 1
TESSERACT_ENV = "QMARCHIVE_TESSERACT"
INSTALL_HINT = "install Tesseract with German (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-deu)"
MIN_DPI, MAX_DPI = 150, 300
# A page is rendered with at most this many pixels (A4 at 300 dpi has 8.7 million), to bound memory.
MAX_PIXELS = 36_000_000


@dataclass(frozen=True)
class Engine:
    """The Tesseract found on this machine."""

    command: str
    version: str

    @property
    def name(self) -> str:
        return f"Tesseract {self.version} ({LANGUAGE})"


@dataclass(frozen=True)
class PageOcr:
    """What Tesseract read on a page: text (lines, paragraphs separated by a blank line), mean word confidence (0–100)."""

    text: str
    confidence: float | None
    engine: str
    dpi: int
    seconds: float


def cache_pipeline() -> str:
    """What a cached result must have been made with to be reused."""
    return f"tesseract/{LANGUAGE}/{OCR_VERSION}"


def find_engine() -> Engine:
    """Tesseract with German, or :class:`OcrUnavailableError` saying what is missing and how to install it.

    ``QMARCHIVE_TESSERACT`` names the command (default: ``tesseract`` on the PATH).
    """
    import pytesseract

    wanted = os.environ.get(TESSERACT_ENV) or "tesseract"
    command = shutil.which(wanted)
    if command is None:
        raise OcrUnavailableError(f"Tesseract is not installed ('{wanted}' not found); {INSTALL_HINT}")
    pytesseract.pytesseract.tesseract_cmd = command
    try:
        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages()
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, OSError) as exc:
        raise OcrUnavailableError(f"Tesseract ('{command}') does not run ({exc}); {INSTALL_HINT}") from exc
    if LANGUAGE not in languages:
        raise OcrUnavailableError(f"Tesseract has no German language data ('{LANGUAGE}'); {INSTALL_HINT}")
    return Engine(command=command, version=version)


def recognise_page(
    path: Path, page_number: int, engine: Engine, *, password: str | None = None, timeout: float = 0
) -> PageOcr:
    """OCR one page (1-based) of a PDF; ``timeout`` (seconds, 0: none) stops Tesseract itself."""
    import pytesseract

    started = time.perf_counter()
    pytesseract.pytesseract.tesseract_cmd = engine.command
    document = pdfium.PdfDocument(path, password=password)
    try:
        page = document[page_number - 1]
        try:
            dpi = render_dpi(page)
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        finally:
            page.close()
    finally:
        document.close()
    data = pytesseract.image_to_data(
        image, lang=LANGUAGE, config=f"--dpi {dpi}", output_type=pytesseract.Output.DICT, timeout=timeout
    )
    text, confidence = _text_and_confidence(data)
    return PageOcr(text=text, confidence=confidence, engine=engine.name, dpi=dpi, seconds=time.perf_counter() - started)


def render_dpi(page: pdfium.PdfPage) -> int:
    """The resolution of the page's largest image within 150–300 dpi (300 without one), kept under MAX_PIXELS."""
    best, largest = MAX_DPI, 0
    for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        meta = obj.get_metadata()
        if meta.width * meta.height > largest and meta.horizontal_dpi > 0:
            largest = meta.width * meta.height
            best = round(min(max(meta.horizontal_dpi, MIN_DPI), MAX_DPI))
    width, height = page.get_size()
    fitting = int((MAX_PIXELS / max(width * height / 72 / 72, 1e-6)) ** 0.5)
    return max(1, min(best, fitting))


def _text_and_confidence(data: dict[str, list]) -> tuple[str, float | None]:
    """Tesseract's words joined into lines and paragraphs, and the mean confidence of the words."""
    paragraphs: dict[tuple[int, int], dict[int, list[str]]] = {}
    confidences: list[float] = []
    for word, conf, block, par, line in zip(
        data["text"], data["conf"], data["block_num"], data["par_num"], data["line_num"]
    ):
        word = str(word).strip()
        if not word:
            continue
        paragraphs.setdefault((block, par), {}).setdefault(line, []).append(word)
        if float(conf) >= 0:
            confidences.append(float(conf))
    text = "\n\n".join("\n".join(" ".join(words) for words in lines.values()) for lines in paragraphs.values())
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return text, confidence
