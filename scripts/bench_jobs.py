"""Measure ingest throughput with --jobs 1 and --jobs 2 (or other counts) on copies of the sample PDFs.

    .venv/bin/python scripts/bench_jobs.py [--copies 4] [--jobs 1 --jobs 2]

Builds a temporary archive of COPIES × the sample PDFs under new names (uncatalogued, ids from the file
names), ingests it into a fresh database once per job count, and prints files/s and pages/s.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_ingest import ROOT, build_corpus


def ingest(files: list[Path], index: Path, jobs: int) -> tuple[float, int]:
    command = [sys.executable, "-m", "qmarchive", "--archive", str(index / "archive"), "--index", str(index),
               "ingest", "--no-index", "--quiet", "--ocr", "never", "--jobs", str(jobs), *map(str, files)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    with sqlite3.connect(index / "qmarchive.db") as db:
        pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    return seconds, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of each sample PDF")
    parser.add_argument("--jobs", type=int, action="append", help="job counts to compare (default: 1 and 2)")
    args = parser.parse_args()
    print(f"CPUs available: {len(os.sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory() as tmp:
        files = build_corpus(Path(tmp) / "batch", args.copies)
        for jobs in args.jobs or [1, 2]:
            seconds, pages = ingest(files, Path(tmp) / f"jobs-{jobs}", jobs)
            print(f"--jobs {jobs}: {len(files)} files, {pages} pages in {seconds:.2f} s — "
                  f"{len(files) / seconds:.1f} files/s, {pages / seconds:.1f} pages/s")  # fmt: skip


if __name__ == "__main__":
    main()
