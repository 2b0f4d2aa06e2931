"""Measure the extraction of measures (table ``massnahmen``) against hand-checked pages.

tests/data/massnahmen_checked.csv lists, for each checked page, every measure printed on it (name as
printed, amount, fund, years, Handlungsfeld); a page listed with empty fields has amounts in prose but no
measure. The rows were written by reading the pages (and, for the scan, its image), not from the output.

    python scripts/measures_eval.py [DATABASE] [--checked CSV]

An extracted row is correct when its page has a checked measure with the same amount and fund (each
checked row is used once); its name is complete when the checked name appears whole in the row's text.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def evaluate(conn: sqlite3.Connection, checked_csv: Path) -> dict[str, dict[str, int]]:
    """Per method: extracted, correct (amount and fund), checked, names complete, Handlungsfeld equal."""
    checked: dict[str, list[dict[str, str]]] = defaultdict(list)
    with checked_csv.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            checked.setdefault(row["page_id"], [])
            if row["amount_eur"]:
                checked[row["page_id"]].append(row)
    marks = ", ".join("?" * len(checked))
    found = conn.execute(
        f"SELECT page_id, method, text, amount_eur, fund, coalesce(topic_id, '') FROM massnahmen WHERE page_id IN ({marks}) ORDER BY id",
        list(checked),
    ).fetchall()
    scores: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unused = {page_id: list(rows) for page_id, rows in checked.items()}
    for page_id, method, text, amount, fund, topic_id in found:
        score = scores[method]
        score["extracted"] += 1
        match = next((r for r in unused[page_id] if float(r["amount_eur"]) == amount and r["fund"] == fund), None)
        if match is None:
            continue
        unused[page_id].remove(match)
        score["correct"] += 1
        score["name_complete"] += match["name"] in text
        score["field_equal"] += match["topic_id"] == topic_id
    scores["all"]["checked"] = sum(len(rows) for rows in checked.values())
    scores["all"]["missed"] = sum(len(rows) for rows in unused.values())
    return {method: dict(score) for method, score in scores.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", nargs="?", type=Path, default=ROOT / "index" / "samples" / "qmarchive.db")
    parser.add_argument("--checked", type=Path, default=ROOT / "tests" / "data" / "massnahmen_checked.csv")
    args = parser.parse_args()
    with sqlite3.connect(args.database) as conn:
        for method, score in sorted(evaluate(conn, args.checked).items()):
            print(method, ", ".join(f"{name} {value}" for name, value in sorted(score.items())))


if __name__ == "__main__":
    main()
