"""Search quality on the relevance set: recall@10, MRR and fill@10 for each engine, side by side, per kind.

    python scripts/relevance.py [--index index/samples] [--cases tests/relevance.csv] [-v]
        [--distractors 5000] [--distractor-pdfs DIR --archive archive/samples]

How each kind of query is scored (a generic word: one of its many judged pages in the top 10; fill@10 the
stricter share) is in ``relevance_cases``. The archive must be ingested and indexed first (`qmarchive demo
--no-serve` does both for the samples). So that ranking, not matching, decides among many true matches, the
measurement runs again on a copy of the index with other pages added: ``--distractors N`` synthetic pages
(the corpus of ``scripts/bench_search.py``: the samples' words at their frequencies, so every sample word is
on many of them), ``--distractor-pdfs DIR`` every PDF under DIR ingested as it is (real German documents,
e.g. the manuals of Debian's texlive-lang-german, debian-edu-doc-de, lilypond-doc-pdf-de, linuxcnc-doc-de:
``apt-get download PKG && dpkg-deb -x PKG.deb DIR``), without OCR.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from qmarchive import search, store
from qmarchive.search import best_pages, german_fts, german_terms
from relevance_cases import Case, Report, evaluate, read_cases


def with_distractors(index_dir: Path, work: Path, pages: int) -> Path:
    """A copy of the index in ``work`` with ``pages`` synthetic pages added, its German terms, their lists of
    best pages and the Whoosh index rebuilt; returns the copy's index directory."""
    from bench_search import build_database, vocabulary

    copy = work / "index"
    shutil.copytree(index_dir, copy)
    words, weights = vocabulary()
    build_database(copy / "qmarchive.db", pages, words, weights)
    db = store.open_existing(copy / "qmarchive.db")
    german_terms.rebuild(db)
    best_pages.refresh(db, german_fts.word_expressions(db))
    search.rebuild(db, copy)
    return copy


def with_pdfs(archive_dir: Path, index_dir: Path, work: Path, pdf_dir: Path) -> Path:
    """A copy of the archive and index in ``work`` with every PDF under ``pdf_dir`` ingested by the CLI (one
    file per name, links skipped, no OCR); returns the copy's index directory."""
    archive, copy = work / "archive", work / "index"
    shutil.copytree(archive_dir, archive)
    shutil.copytree(index_dir, copy)
    target = archive / "distractors"
    target.mkdir()
    for pdf in sorted(pdf_dir.rglob("*.pdf")):
        if not pdf.is_symlink() and not (target / pdf.name).exists():
            shutil.copy(pdf, target / pdf.name)
    command = [sys.executable, "-m", "qmarchive", "--archive", str(archive), "--index", str(copy), "ingest",
               "--ocr", "never", *map(str, sorted(target.iterdir()))]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    print(done.stdout.splitlines()[0] if done.stdout else done.stderr.strip()[-500:])
    return copy


def report(title: str, cases: list[Case], reports: list[Report], verbose: bool) -> None:
    print(title)
    print(
        f"{'kind':<16}{'n':>4}"
        + "".join(f"{r.engine + ' R@10':>14}{r.engine + ' MRR':>12}{r.engine + ' fill@10':>16}" for r in reports)
    )
    for kind in reports[0].kinds + [None]:
        n = sum(1 for c in cases if kind is None or c.kind == kind)
        cells = "".join(f"{r.recall_at_k(kind):>14.3f}{r.mrr(kind):>12.3f}{r.fill_at_k(kind):>16.3f}" for r in reports)
        print(f"{kind or 'all':<16}{n:>4}{cells}")
    if verbose:
        for r in reports:
            for case, found in r.misses:
                missing = sorted(case.relevant - set(found))
                filled = f"{len(case.relevant & set(found))} of {min(len(case.relevant), r.k)}"
                print(f"[{r.engine}] {case.kind:<14} {case.query!r} fills {filled}; not in the top {r.k}: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index/samples"))
    parser.add_argument("--cases", type=Path, default=Path("tests/relevance.csv"))
    parser.add_argument("--engines", default="german,whoosh,fts", help="engines to compare, comma-separated")
    parser.add_argument(
        "--distractors", type=int, default=0, help="measure again with this many synthetic pages added (a copy)"
    )
    parser.add_argument("--distractor-pdfs", type=Path, help="measure again with every PDF under this folder added")
    parser.add_argument("--archive", type=Path, default=Path("archive/samples"), help="the archive of --index")
    parser.add_argument("--keep", type=Path, help="build the copy with distractors here and keep it (reused)")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the queries that missed pages")
    args = parser.parse_args()
    cases = read_cases(args.cases)
    engines = args.engines.split(",")
    db = store.open_existing(args.index / "qmarchive.db")
    reports = [evaluate(db, args.index, cases, engine) for engine in engines]
    report(f"{len(cases)} queries from {args.cases}", cases, reports, args.verbose)
    if args.distractors or args.distractor_pdfs:
        with tempfile.TemporaryDirectory(prefix="qmarchive-relevance-") as tmp:
            work = args.keep or Path(tmp)
            copy = work / "index" if (work / "index" / "qmarchive.db").exists() else None
            if copy is None and args.distractor_pdfs:
                copy = with_pdfs(args.archive, args.index, work, args.distractor_pdfs)
            copy = copy or with_distractors(args.index, work, args.distractors)
            db = store.open_existing(copy / "qmarchive.db")
            pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
            reports = [evaluate(db, copy, cases, engine) for engine in engines]
            print()
            report(f"with distractors: {pages} pages in all", cases, reports, args.verbose)


if __name__ == "__main__":
    main()
