"""Measure qmarchive's OCR: seconds per page and character/word accuracy on German pages drawn as scans.

Pages of invented German text (from ``sample_texts.json``) are drawn at 150 dpi, once clean and once made to
look scanned as the sample archive's scans are (skew, dust, blur, JPEG), put into image-only PDFs and
read by ``qmarchive.ocr`` in worker processes. Accuracy is 1 - edit distance / length of the drawn text
(characters, then words; whitespace folded). The pages are also run with one worker and Tesseract's own
threads, to compare with one single-threaded Tesseract per worker.

    python scripts/ocr_eval.py [--pages 6] [--jobs 2]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_samples as M  # noqa: E402

from qmarchive import ocr  # noqa: E402
from ocr_accuracy import accuracy  # noqa: E402

T = M.T
PARAGRAPHS = [
    T.LEITBILD,
    *T.AREA_FACTS,
    *(f"{name}: {text.format(bew_dat='Bewohnerinnen und Bewohnern')}" for name, text in T.FUND_TEXTS),
]


def paint_page(index: int) -> tuple[Image.Image, str]:
    """A page of paragraphs (rotated through the material) in 11 pt DejaVu Sans, and the text drawn."""
    image = Image.new("L", M.SCAN_SIZE, 252)
    draw = ImageDraw.Draw(image)
    font = M.pil_font(M.SANS, 11)
    y, drawn = M.px(70), []
    for paragraph in PARAGRAPHS[index % len(PARAGRAPHS) :] + PARAGRAPHS[: index % len(PARAGRAPHS)]:
        for line in M.wrap_pil(draw, paragraph, font, M.px(M.TEXT_W)):
            draw.text((M.px(M.LEFT), y), line, font=font, fill=20)
            drawn.append(line)
            y += M.px(15)
        y += M.px(8)
    return image, " ".join(drawn)


def write_pdf(path: Path, images: list[bytes]) -> None:
    canvas = Canvas(str(path), pagesize=(M.PAGE_W, M.PAGE_H), invariant=1)
    for data in images:
        canvas.drawImage(ImageReader(io.BytesIO(data)), 0, 0, M.PAGE_W, M.PAGE_H)
        canvas.showPage()
    canvas.save()


def make_pdfs(directory: Path, pages: int) -> tuple[dict[str, Path], list[str]]:
    clean, scanned, references = [], [], []
    for index in range(pages):
        image, reference = paint_page(index)
        references.append(reference)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", dpi=(M.SCAN_DPI, M.SCAN_DPI))
        clean.append(buffer.getvalue())
        scanned.append(M.scan_to_jpeg(lambda draw, image=image: draw.bitmap((0, 0), image), f"ocr-eval-{index}"))
    pdfs = {"clean": directory / "clean.pdf", "scanned": directory / "scanned.pdf"}
    write_pdf(pdfs["clean"], clean)
    write_pdf(pdfs["scanned"], scanned)
    return pdfs, references


def _read(args: tuple[Path, int, ocr.Engine]) -> ocr.PageOcr:
    path, page, engine = args
    return ocr.recognise_page(path, page, engine)


def run(pdf: Path, pages: int, engine: ocr.Engine, jobs: int, threads: str) -> tuple[float, list[ocr.PageOcr]]:
    """Wall seconds per page with ``jobs`` processes, each Tesseract limited to ``threads`` (OMP_THREAD_LIMIT)."""
    os.environ["OMP_THREAD_LIMIT"] = threads
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        results = list(pool.map(_read, [(pdf, n, engine) for n in range(1, pages + 1)]))
    return (time.perf_counter() - started) / pages, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    engine = ocr.find_engine()
    print(f"{engine.name}, {args.pages} pages, A4, 150 dpi scans")
    with tempfile.TemporaryDirectory() as tmp:
        pdfs, references = make_pdfs(Path(tmp), args.pages)
        for kind, pdf in pdfs.items():
            for jobs, threads in ((args.jobs, "1"), (1, "1"), (1, str(os.cpu_count() or 1))):
                seconds, results = run(pdf, args.pages, engine, jobs, threads)
                scores = [accuracy(ref, result.text) for ref, result in zip(references, results)]
                chars = sum(c for c, _ in scores) / len(scores)
                words = sum(w for _, w in scores) / len(scores)
                confidence = sum(r.confidence or 0 for r in results) / len(results)
                print(
                    f"{kind:8} {jobs} worker(s) × {threads} Tesseract thread(s): {seconds:.2f} s/page (wall), "
                    f"characters {chars:.4f}, words {words:.4f}, mean confidence {confidence:.1f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
