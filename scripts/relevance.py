"""Search quality on the relevance set: recall@10 and MRR for Whoosh and FTS5, side by side, per kind.

    python scripts/relevance.py [--index index/samples] [--cases tests/relevance.csv] [--distractors 5000] [-v]

The archive must be ingested and indexed first (`qmarchive demo --no-serve` does both for the samples).
With ``--distractors N`` the measurement runs a second time on a copy of the index to which N synthetic
pages were added (the corpus of ``scripts/bench_search.py``: the samples' words with their frequencies),
so that ranking, not matching, decides among many true matches.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from qmarchive import search, store
from qmarchive.search import german_terms
from relevance_cases import Case, Report, evaluate, read_cases


def with_distractors(index_dir: Path, work: Path, pages: int) -> Path:
    """A copy of the index in ``work`` with ``pages`` synthetic pages added, its German terms and Whoosh
    index rebuilt; returns the copy's index directory."""
    from bench_search import build_database, vocabulary

    copy = work / "index"
    shutil.copytree(index_dir, copy)
    words, weights = vocabulary()
    build_database(copy / "qmarchive.db", pages, words, weights)
    db = store.open_existing(copy / "qmarchive.db")
    german_terms.rebuild(db)
    search.rebuild(db, copy)
    return copy


def report(title: str, cases: list[Case], reports: list[Report], verbose: bool) -> None:
    print(title)
    print(f"{'kind':<16}{'n':>4}" + "".join(f"{r.engine + ' R@10':>14}{r.engine + ' MRR':>12}" for r in reports))
    for kind in reports[0].kinds + [None]:
        n = sum(1 for c in cases if kind is None or c.kind == kind)
        cells = "".join(f"{r.recall_at_k(kind):>14.3f}{r.mrr(kind):>12.3f}" for r in reports)
        print(f"{kind or 'all':<16}{n:>4}{cells}")
    if verbose:
        for r in reports:
            for case, found in r.misses:
                missing = sorted(case.relevant - set(found))
                print(f"[{r.engine}] {case.kind:<14} {case.query!r}: missing {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index/samples"))
    parser.add_argument("--cases", type=Path, default=Path("tests/relevance.csv"))
    parser.add_argument("--engines", default="german,whoosh,fts", help="engines to compare, comma-separated")
    parser.add_argument(
        "--distractors", type=int, default=0, help="measure again with this many synthetic pages added (a copy)"
    )
    parser.add_argument("--keep", type=Path, help="with --distractors: build the copy here and keep it")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the queries that missed pages")
    args = parser.parse_args()
    cases = read_cases(args.cases)
    engines = args.engines.split(",")
    db = store.open_existing(args.index / "qmarchive.db")
    reports = [evaluate(db, args.index, cases, engine) for engine in engines]
    report(f"{len(cases)} queries from {args.cases}", cases, reports, args.verbose)
    if args.distractors:
        with tempfile.TemporaryDirectory(prefix="qmarchive-relevance-") as tmp:
            work = args.keep or Path(tmp)
            copy = work / "index" if (work / "index" / "qmarchive.db").exists() else None
            copy = copy or with_distractors(args.index, work, args.distractors)
            db = store.open_existing(copy / "qmarchive.db")
            pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
            reports = [evaluate(db, copy, cases, engine) for engine in engines]
            print()
            report(f"with distractors: {pages} pages in all", cases, reports, args.verbose)


if __name__ == "__main__":
    main()
