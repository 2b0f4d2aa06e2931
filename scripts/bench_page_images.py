"""Measure page images both ways: lazily (a child process per image, as the server renders them) and in one
process (as an ingest step or a static edition would), on the sample PDFs; then serving a cached image.

    .venv/bin/python scripts/bench_page_images.py [--pages 40]

Prints milliseconds per image (median and 90th percentile) and the bytes of the images.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

import pypdfium2 as pdfium

from qmarchive import page_images

ROOT = Path(__file__).resolve().parents[1]


def pages(limit: int) -> list[tuple[Path, str, int]]:
    found = []
    for pdf in sorted((ROOT / "archive" / "samples" / "pdf").glob("*.pdf")):
        sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
        found += [(pdf, sha, n) for n in range(1, len(pdfium.PdfDocument(pdf)) + 1)]
    step = max(1, len(found) // limit)
    return found[::step][:limit]


def summary(name: str, millis: list[float], sizes: list[int]) -> None:
    p90 = statistics.quantiles(millis, n=10)[-1]
    print(f"| {name} | {statistics.median(millis):.0f} ms | {p90:.0f} ms | {statistics.median(sizes) / 1000:.0f} KB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="sample pages to render")
    args = parser.parse_args()
    chosen = pages(args.pages)
    print(f"{len(chosen)} pages of the samples\n\n| way | median | 90th percentile | median size |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp)
        for size, width in page_images.SIZES.items():
            millis, sizes = [], []
            for pdf, sha, n in chosen:
                started = time.perf_counter()
                found = page_images.ensure(index, pdf, sha, n, size)
                millis.append((time.perf_counter() - started) * 1000)
                sizes.append(found.path.stat().st_size)
            summary(f"lazy, child process, {size} ({width} px)", millis, sizes)
            millis = []
            for pdf, _, n in chosen:
                started = time.perf_counter()
                page_images.render(pdf, n, width)
                millis.append((time.perf_counter() - started) * 1000)
            summary(f"in one process, {size} ({width} px)", millis, sizes)
        millis, sizes = [], []
        for pdf, sha, n in chosen:
            started = time.perf_counter()
            found = page_images.ensure(index, pdf, sha, n, "gross")
            sizes.append(len(found.path.read_bytes()))
            millis.append((time.perf_counter() - started) * 1000)
        summary("from the cache, gross", millis, sizes)


if __name__ == "__main__":
    main()
