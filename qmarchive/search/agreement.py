"""Whether the search index is in step with the database: pages missing from it, stale in it, or extra."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from qmarchive.search.lifecycle import indexed_pages, page_fingerprints


@dataclass
class Agreement:
    """Page ids by kind of difference; ``indexed`` counts the pages the current generation holds now."""

    indexed: int
    database: int
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def in_step(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def compare(db: Database, index_dir: Path) -> Agreement:
    """Read the current index generation's stored fingerprints and compare them with the database's pages."""
    wanted = page_fingerprints(db)
    indexed = indexed_pages(index_dir)
    return Agreement(
        indexed=len(indexed),
        database=len(wanted),
        missing=sorted(wanted.keys() - indexed.keys()),
        stale=sorted(p for p in wanted.keys() & indexed.keys() if wanted[p] != indexed[p]),
        extra=sorted(indexed.keys() - wanted.keys()),
    )
