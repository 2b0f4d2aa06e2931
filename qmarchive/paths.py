"""Where the archive (source PDFs and catalog) and the built index live."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

CATALOG_NAME = "catalog.csv"
DATABASE_NAME = "qmarchive.db"
SAMPLES_DIR = "samples"


@dataclass(frozen=True)
class Paths:
    """The archive directory (input), the index directory (derived output), and the address where the
    archive is published, which permalinks in citations start with (None: relative to the serving Datasette)."""

    archive: Path
    index: Path
    base_url: str | None = None

    @property
    def catalog(self) -> Path:
        return self.archive / CATALOG_NAME

    @property
    def database(self) -> Path:
        return self.index / DATABASE_NAME

    def samples(self) -> Paths:
        """The bundled sample archive and an index of its own, so samples never mix with real documents."""
        return replace(self, archive=self.archive / SAMPLES_DIR, index=self.index / SAMPLES_DIR)
