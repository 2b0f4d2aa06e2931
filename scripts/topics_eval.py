"""Measure the Handlungsfeld tagging against hand labels: precision, recall and F1 per topic and micro-averaged.

The labels (tests/topic_labels.csv: page_id, space-separated topic ids) were made by reading each page of
the sample archive, before and independently of the tagger. A page counts as treating a field when it
has a heading or table rows of the field, at least two sentences about its subject matter, or a sentence
about the field by its name (for the cross-cutting Klimaanpassung every such statement counts); passing
mentions of a place ("die Kita „Sonnenblume“ beteiligt sich …") and lists of all fields do not.
Title pages, imprints, tables of contents and abbreviation lists treat none.

    python scripts/topics_eval.py [DATABASE] [--labels CSV] [--from-text] [--errors]

DATABASE defaults to index/samples/qmarchive.db (build it with
``qmarchive --archive archive/samples --index index/samples ingest``). By default the tags stored in the
database are scored; --from-text tags the stored page texts with the current lexicon instead (for
tuning without ingesting again); --errors lists every disagreement with the topic's cues.
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from qmarchive import topics


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def read_labels(path: Path) -> dict[str, set[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["page_id"]: set(row["topics"].split()) for row in csv.DictReader(f)}


def predictions(db: sqlite3.Connection, page_ids: list[str], from_text: bool) -> dict[str, set[str]]:
    if from_text:
        rows = {pid: (text, section) for pid, text, section in db.execute("SELECT id, text, section FROM pages")}
        return {pid: set(topics.tag_page(*rows[pid])) for pid in page_ids if pid in rows}
    stored: dict[str, set[str]] = {pid: set() for (pid,) in db.execute("SELECT id FROM pages")}
    for pid, topic_id in db.execute("SELECT page_id, topic_id FROM page_topics"):
        stored.setdefault(pid, set()).add(topic_id)
    return stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", nargs="?", type=Path, default=Path("index/samples/qmarchive.db"))
    parser.add_argument("--labels", type=Path, default=Path(__file__).parent.parent / "tests" / "topic_labels.csv")
    parser.add_argument("--from-text", action="store_true", help="tag the stored page texts with the current lexicon")
    parser.add_argument("--errors", action="store_true", help="list every page where tags and labels differ")
    args = parser.parse_args()
    if not args.database.is_file():
        sys.exit(
            f"{args.database}: no database; run 'qmarchive --archive archive/samples --index index/samples ingest'"
        )

    labels = read_labels(args.labels)
    db = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
    texts = dict(db.execute("SELECT id, text FROM pages").fetchall())
    missing = sorted(set(labels) - set(texts))
    if missing:
        sys.exit(f"{args.labels}: {len(missing)} labelled pages are not in {args.database}, e.g. {missing[0]}")
    stored_version = db.execute("SELECT max(lexicon_version) FROM topics").fetchone()[0]
    predicted = predictions(db, list(labels), args.from_text)

    ids = [t.id for t in topics.lexicon().topics]
    scores: dict[str, Score] = defaultdict(Score)
    errors = []
    for pid, gold in labels.items():
        for topic_id in ids:
            tagged, labelled = topic_id in predicted[pid], topic_id in gold
            score = scores[topic_id]
            if tagged and labelled:
                score.tp += 1
            elif tagged or labelled:
                if tagged:
                    score.fp += 1
                else:
                    score.fn += 1
                errors.append((pid, "tagged, not labelled" if tagged else "labelled, not tagged", topic_id))

    if args.from_text:
        source = f"current lexicon v{topics.LEXICON_VERSION} on stored text"
    else:
        source = f"stored tags (lexicon v{stored_version})"
    print(f"Database: {args.database} — {source}; {len(labels)} hand-labelled pages ({args.labels})")
    if not args.from_text and stored_version != topics.LEXICON_VERSION:
        print(f"Note: the lexicon is now v{topics.LEXICON_VERSION}; ingest again or use --from-text")
    print(f"{'topic':<28} {'labelled':>8} {'tagged':>7} {'precision':>10} {'recall':>7} {'F1':>6}")
    total = Score()
    for topic_id in ids:
        s = scores[topic_id]
        total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
        print(f"{topic_id:<28} {s.tp + s.fn:>8} {s.tp + s.fp:>7} {s.precision:>10.3f} {s.recall:>7.3f} {s.f1:>6.3f}")
    print(
        f"{'micro-average':<28} {total.tp + total.fn:>8} {total.tp + total.fp:>7} "
        f"{total.precision:>10.3f} {total.recall:>7.3f} {total.f1:>6.3f}"
    )
    if args.errors:
        print()
        for pid, kind, topic_id in errors:
            print(
                f"{pid:<45} {kind:<22} {topic_id:<26} cues (strong, weak): {topics.cue_evidence(topic_id, texts[pid])}"
            )


if __name__ == "__main__":
    main()
