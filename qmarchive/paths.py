"""Where the archive (source PDFs and catalog) and the built index live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATALOG_NAME = "catalog.csv"
DATABASE_NAME = "qmarchive.db"
SAMPLES_DIR = "samples"


@dataclass(frozen=True)
class Paths:
    """The archive directory (input) and the index directory (derived output)."""

    archive: Path
    index: Path

    @property
    def catalog(self) -> Path:
        return self.archive / CATALOG_NAME

    @property
    def database(self) -> Path:
        return self.index / DATABASE_NAME

    def samples(self) -> Paths:
        """The bundled sample archive and an index of its own, so samples never mix with real documents."""
        return Paths(self.archive / SAMPLES_DIR, self.index / SAMPLES_DIR)
