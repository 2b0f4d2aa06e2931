"""Measuring search quality on a relevance set: recall@k and mean reciprocal rank per engine."""

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


@dataclass
class Report:
    engine: str
    k: int
    recall: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    reciprocal_rank: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    misses: list[tuple[Case, list[str]]] = field(default_factory=list)

    @staticmethod
    def _mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    def recall_at_k(self, kind: str | None = None) -> float:
        return self._mean(self._values(self.recall, kind))

    def mrr(self, kind: str | None = None) -> float:
        return self._mean(self._values(self.reciprocal_rank, kind))

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
        found = [hit.page_id for hit in search.run(db, index_dir, case.query, engine=engine, pagelen=k).hits]
        hits = [page_id for page_id in found if page_id in case.relevant]
        report.recall[case.kind].append(len(hits) / min(len(case.relevant), k))
        first = next((rank for rank, page_id in enumerate(found, start=1) if page_id in case.relevant), None)
        report.reciprocal_rank[case.kind].append(1 / first if first else 0.0)
        if len(hits) < min(len(case.relevant), k):
            report.misses.append((case, found))
    return report
