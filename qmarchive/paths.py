"""Where the archive (source PDFs and catalog) and the built index live."""

from __future__ import annotations

import unicodedata
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


def locate(base: Path, relative: str) -> Path:
    """``base / relative``, each name matched in Unicode NFC if it is not there as written.

    macOS writes „ä“ decomposed (NFD), most other systems composed (NFC): a catalog name and the file on
    disk must find each other whichever form either side uses. Returns the path as written if nothing matches.
    """
    path = base / relative
    if path.exists() or path.is_symlink():
        return path
    found = base
    for name in Path(relative).parts:
        candidate = found / name
        if not (candidate.exists() or candidate.is_symlink()):
            wanted = unicodedata.normalize("NFC", name)
            try:
                candidate = next(
                    (entry for entry in found.iterdir() if unicodedata.normalize("NFC", entry.name) == wanted),
                    candidate,
                )
            except OSError:
                return path
        found = candidate
    return found if found.exists() or found.is_symlink() else path


def document_path(archive: Path, file: str) -> Path:
    """Where a document's file lives: catalogued files relative to the archive, files ingested from
    elsewhere at their absolute path."""
    path = Path(file)
    return path if path.is_absolute() else locate(archive, file)
