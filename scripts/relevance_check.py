#!/usr/bin/env python3
"""Check the search relevance set ``tests/relevance.csv`` against a database.

Standalone (standard library only, no ``qmarchive`` imports)::

    python scripts/relevance_check.py [DB] [--csv tests/relevance.csv]

Verifies that the CSV has the columns ``query,relevant,kind,note``, that every
``kind`` is known, that every query has between 1 and 10 relevant pages (20 for a generic word), that
no page is listed twice for a query and that every listed page id exists in
the ``pages`` table.  Prints the number of queries per kind and exits with 1
if any problem was found.
"""

from __future__ import annotations

import argparse
import collections
import csv
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = ["query", "relevant", "kind", "note"]
KINDS = {
    "word",
    "stem",
    "plural",
    "gender",
    "compound-part",
    "compound-whole",
    "translit",
    "sz",
    "hyphen",
    "field",
    "phrase",
    "ligature",
    "generic",
}
MIN_PAGES, MAX_PAGES = 1, 10
# A generic word is the topic of many pages (a chapter in every IHEK): all of them count, up to this many.
MAX_GENERIC_PAGES = 20


def resolve(path: str) -> Path:
    """A relative path is taken from the working directory, else from the repository root."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return ROOT / p


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", nargs="?", default="index/samples/qmarchive.db", help="SQLite database")
    parser.add_argument("--csv", default="tests/relevance.csv", help="relevance set")
    args = parser.parse_args(argv)

    db_path, csv_path = resolve(args.db), resolve(args.csv)
    problems: list[str] = []
    if not db_path.is_file():
        print(f"database not found: {db_path}", file=sys.stderr)
        return 1
    if not csv_path.is_file():
        print(f"relevance set not found: {csv_path}", file=sys.stderr)
        return 1

    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        page_ids = {row[0] for row in con.execute("SELECT id FROM pages")}
    finally:
        con.close()

    with csv_path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            print(f"{csv_path}: columns are {reader.fieldnames}, expected {COLUMNS}", file=sys.stderr)
            return 1
        rows = list(reader)

    per_kind: collections.Counter[str] = collections.Counter()
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        query, kind = (row["query"] or "").strip(), (row["kind"] or "").strip()
        where = f"line {line} ({query!r})"
        if not query:
            problems.append(f"{where}: empty query")
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind {kind!r}")
        if (query, kind) in seen:
            problems.append(f"{where}: duplicate query for kind {kind!r}")
        seen.add((query, kind))
        ids = (row["relevant"] or "").split()
        most = MAX_GENERIC_PAGES if kind == "generic" else MAX_PAGES
        if not MIN_PAGES <= len(ids) <= most:
            problems.append(f"{where}: {len(ids)} relevant pages, expected {MIN_PAGES}-{most}")
        dupes = sorted(i for i, n in collections.Counter(ids).items() if n > 1)
        if dupes:
            problems.append(f"{where}: pages listed twice: {' '.join(dupes)}")
        missing = [i for i in ids if i not in page_ids]
        if missing:
            problems.append(f"{where}: unknown page ids: {' '.join(missing)}")
        per_kind[kind] += 1

    print(f"{csv_path}: {len(rows)} queries against {db_path} ({len(page_ids)} pages)")
    for kind in sorted(per_kind):
        print(f"  {kind:15} {per_kind[kind]:3}")
    for problem in problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
