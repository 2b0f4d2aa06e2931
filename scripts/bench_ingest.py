"""Measure ingest and index throughput against plain single-process text extraction, on the same files.

    .venv/bin/python scripts/bench_ingest.py [--copies 60] [--corpus DIR] [--jobs N]

Builds a temporary archive of COPIES × the sample PDFs under new names (uncatalogued, ids from the file
names), or takes the PDFs in --corpus DIR, and measures: (a) a plain pypdfium2 text loop, the baseline;
(a') a plain pypdf ``extract_text`` loop, for reference; (b) ``qmarchive ingest --no-index`` into an empty
database; (c) the same again with nothing changed; (d) ``qmarchive index`` from empty. Prints pages/s,
the ratios b/a and b/a', c as a share of b, and the peak RSS of (b) and (d) over the whole process tree
(the command, its forkserver and the extraction workers), sampled from /proc. Ingest runs with
``--ocr never``: the baseline reads text layers only, and OCR's cost is per scanned page, not per page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import process_tree

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "archive" / "samples" / "pdf"


def build_corpus(directory: Path, copies: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for copy in range(1, copies + 1):
        for pdf in sorted(SAMPLES.glob("*.pdf")):
            target = directory / f"kopie-{copy}-{pdf.name}"
            shutil.copyfile(pdf, target)
            files.append(target)
    return files


def pdfium_loop(files: list[Path]) -> tuple[float, int]:
    import pypdfium2 as pdfium

    started = time.perf_counter()
    pages = 0
    for path in files:
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            textpage = page.get_textpage()
            textpage.get_text_range()
            textpage.close()
            page.close()
            pages += 1
        pdf.close()
    return time.perf_counter() - started, pages


def pypdf_loop(files: list[Path]) -> tuple[float, int]:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    started = time.perf_counter()
    pages = 0
    for path in files:
        for page in PdfReader(path).pages:
            page.extract_text()
            pages += 1
    return time.perf_counter() - started, pages


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(command: list[str]) -> tuple[float, float, float]:
    """Run a command; seconds, peak RSS (MB) of the largest single process and of the whole tree at once."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak_single = peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_single, peak_tree
        while not done.is_set():
            sizes = [_rss_kb(pid) for pid in process_tree(process.pid)]
            peak_single = max(peak_single, max(sizes, default=0))
            peak_tree = max(peak_tree, sum(sizes))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(command)} exited with {code}")
    return seconds, peak_single / 1024, peak_tree / 1024


def count_pages(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM pages").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--copies", type=int, default=60, help="copies of each sample PDF (default: 60, about 10,000 pages)"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        help="a directory of PDFs to use instead of copies of the samples",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="ingest worker processes (default: qmarchive's, one per CPU)",
    )
    args = parser.parse_args()
    print(f"CPUs available: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory(prefix="qmarchive-bench-") as tmp:
        work = Path(tmp)
        archive = work / "archive"
        if args.corpus:
            files = sorted(args.corpus.glob("*.pdf"))
        else:
            files = build_corpus(archive / "pdf", args.copies)
        index = work / "index"
        base = [
            sys.executable,
            "-m",
            "qmarchive",
            "--archive",
            str(archive),
            "--index",
            str(index),
        ]
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        ingest = [*base, "ingest", "--no-index", "--quiet", "--ocr", "never", *jobs, *map(str, files)]

        a_s, pages = pdfium_loop(files)
        a2_s, _ = pypdf_loop(files)
        b_s, b_single, b_tree = run_measured(ingest)
        stored = count_pages(index / "qmarchive.db")
        c_s, _, _ = run_measured(ingest)
        d_s, d_single, d_tree = run_measured([*base, "index", "--rebuild", "--quiet"])

        print(f"corpus: {len(files)} files, {pages} pages ({stored} stored)")
        rows = [
            ("(a)  pypdfium2 loop, 1 process", a_s, pages),
            ("(a') pypdf extract_text loop", a2_s, pages),
            ("(b)  qmarchive ingest --no-index", b_s, stored),
            ("(c)  ingest again, unchanged", c_s, stored),
            ("(d)  qmarchive index (from empty)", d_s, stored),
        ]
        for label, seconds, n in rows:
            print(f"{label:<36} {seconds:8.2f} s  {n / seconds:9.1f} pages/s")
        print(f"b/a  = {(stored / b_s) / (pages / a_s):.2f}×  (target ≥ 1.0, stretch 1.5)")
        print(f"b/a' = {(stored / b_s) / (pages / a2_s):.2f}×")
        print(f"c/b  = {100 * c_s / b_s:.1f} %  (target ≤ 2 %)")
        print(f"peak RSS (b): {b_single:.0f} MB largest process, {b_tree:.0f} MB whole tree  (target ≤ 500 MB)")
        print(f"peak RSS (d): {d_single:.0f} MB largest process, {d_tree:.0f} MB whole tree")
        print(f"index build: {stored / d_s:.0f} pages/s  (target ≥ 400)")


if __name__ == "__main__":
    main()
