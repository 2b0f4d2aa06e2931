"""Search quality on the relevance set: recall@10 and MRR for Whoosh and FTS5, side by side, per kind.

    python scripts/relevance.py [--archive archive/samples] [--index index/samples] [--cases tests/relevance.csv] [-v]

The archive must be ingested and indexed first (`qmarchive demo --no-serve` does both for the samples).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qmarchive import store
from relevance_cases import evaluate, read_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index/samples"))
    parser.add_argument("--cases", type=Path, default=Path("tests/relevance.csv"))
    parser.add_argument("--engines", default="german,whoosh,fts", help="engines to compare, comma-separated")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the queries that missed pages")
    args = parser.parse_args()
    db = store.open_existing(args.index / "qmarchive.db")
    cases = read_cases(args.cases)
    reports = [evaluate(db, args.index, cases, engine) for engine in args.engines.split(",")]
    print(f"{len(cases)} queries from {args.cases}")
    print(f"{'kind':<16}{'n':>4}" + "".join(f"{r.engine + ' R@10':>14}{r.engine + ' MRR':>12}" for r in reports))
    for kind in reports[0].kinds + [None]:
        n = sum(1 for c in cases if kind is None or c.kind == kind)
        cells = "".join(f"{r.recall_at_k(kind):>14.3f}{r.mrr(kind):>12.3f}" for r in reports)
        print(f"{kind or 'all':<16}{n:>4}{cells}")
    if args.verbose:
        for report in reports:
            for case, found in report.misses:
                missing = sorted(case.relevant - set(found))
                print(f"[{report.engine}] {case.kind:<14} {case.query!r}: missing {missing}")


if __name__ == "__main__":
    main()
