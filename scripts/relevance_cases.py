"""Measuring search quality on a relevance set: recall@k and mean reciprocal rank per engine.

Two kinds of query are judged. A specific query (a rare word, a stem, a compound, a phrase …) has up to 10
judged pages, and its recall@k is the share of them in the top k. A generic word (kind ``generic``: „Familie“,
„Bildung“) is on many pages; its judged pages, up to 20, are the pages of the chapters about the word, all
equally good, and "the best one must be on top": its recall@k is whether the top k hold one of them, and the
reciprocal rank of the first says how near the top. For every query, fill@k is the share of the top k places
its judged pages could fill (min(judged, k)) that they do fill: the same as recall@k for a specific query,
for a generic one the stricter demand that the top 10 come from the chapters about the word alone.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from qmarchive import search


@dataclass(frozen=True)
class Case:
    query: str
    relevant: frozenset[str]
    kind: str


# Kinds whose judged pages are many equally good ones, of which the top k must hold one (see above).
ANY_ONE_KINDS = frozenset({"generic"})


@dataclass
class Report:
    engine: str
    k: int
    recall: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    reciprocal_rank: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    fill: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    misses: list[tuple[Case, list[str]]] = field(default_factory=list)  # the top k not filled: fill@k < 1

    def add(self, case: Case, found: list[str]) -> None:
        """Scores one query by the page ids its search returned, best first."""
        top = found[: self.k]
        hits = sum(1 for page_id in top if page_id in case.relevant)
        fill = hits / min(len(case.relevant), self.k)
        self.fill[case.kind].append(fill)
        self.recall[case.kind].append(float(hits > 0) if case.kind in ANY_ONE_KINDS else fill)
        first = next((rank for rank, page_id in enumerate(top, start=1) if page_id in case.relevant), None)
        self.reciprocal_rank[case.kind].append(1 / first if first else 0.0)
        if fill < 1:
            self.misses.append((case, top))

    @staticmethod
    def _mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    def recall_at_k(self, kind: str | None = None) -> float:
        return self._mean(self._values(self.recall, kind))

    def mrr(self, kind: str | None = None) -> float:
        return self._mean(self._values(self.reciprocal_rank, kind))

    def fill_at_k(self, kind: str | None = None) -> float:
        return self._mean(self._values(self.fill, kind))

    @staticmethod
    def _values(per_kind: dict[str, list[float]], kind: str | None) -> list[float]:
        return per_kind[kind] if kind else [v for values in per_kind.values() for v in values]

    @property
    def kinds(self) -> list[str]:
        return sorted(self.recall)


def read_cases(path: Path) -> list[Case]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Case(row["query"], frozenset(row["relevant"].split()), row["kind"]) for row in csv.DictReader(f)]


def evaluate(db: Database, index_dir: Path, cases: list[Case], engine: str, k: int = 10) -> Report:
    report = Report(engine=engine, k=k)
    for case in cases:
        report.add(case, [hit.page_id for hit in search.run(db, index_dir, case.query, engine=engine, pagelen=k).hits])
    return report
