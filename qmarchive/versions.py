"""Versions of the archived originals: each document's fixity baseline and every file that replaced it.

The SHA-256 of a document's first ingest is its baseline. A file that differs from it becomes a new version
only when someone accepts it (``ingest --replace ID``, or a new ``sha256`` in the catalog). Every accepted
file is kept unchanged as ``ARCHIVE/versions/<id>/<sha256>.pdf``, so the archived version is still served
and cited when the working copy under ``pdf/`` is damaged or swapped, and a citation of an older version
still finds its file. The kept copies are part of the archive, not derived: they cannot be rebuilt.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from qmarchive.errors import FixityError

VERSIONS_DIR = "versions"
SHA256_PREFIX = 12  # the shortest checksum prefix that names a version, as citations print it


@dataclass(frozen=True)
class Acceptance:
    """Why a file becomes a document's version: the reason and the command that accepted it."""

    command: str
    reason: str | None = None


FIRST_INGEST = Acceptance("qmarchive ingest", "first ingest")


def kept_file(document_id: str, sha256: str) -> str:
    """Where a version's copy lives, relative to the archive directory (POSIX separators)."""
    return f"{VERSIONS_DIR}/{document_id}/{sha256}.pdf"


def keep(archive: Path, document_id: str, source: Path, sha256: str) -> str:
    """Copy ``source`` into the versions directory unless the copy is there; returns its relative path.

    The copy is hashed while it is written and renamed into place only if it is the file that was
    checked (``sha256``), so a file changed meanwhile is never kept under the wrong checksum.
    """
    relative = kept_file(document_id, sha256)
    target = archive / relative
    if target.is_file() and file_digest(target)[0] == sha256:
        return relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    hasher = hashlib.sha256()
    try:
        with source.open("rb") as src, partial.open("wb") as dst:
            while chunk := src.read(1 << 20):
                hasher.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        if hasher.hexdigest() != sha256:
            raise FixityError(
                f"{source}: changed while it was being archived (SHA-256 {hasher.hexdigest()[:12]}… "
                f"instead of {sha256[:12]}…); run 'qmarchive ingest' again"
            )
        os.replace(partial, target)
    except OSError as exc:
        raise FixityError(
            f"{target}: cannot keep a copy of the archived version ({exc.strerror or exc}); the "
            "archive directory must be writable"
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    return relative


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def operator() -> str:
    """The OS user running the command, for the version history."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def current(db: Database, document_id: str) -> dict[str, Any] | None:
    """The document's current version row, or None."""
    rows = list(
        db.query(
            "SELECT * FROM document_versions WHERE document_id = ? AND replaced_at IS NULL ORDER BY version DESC LIMIT 1",
            [document_id],
        )
    )
    return rows[0] if rows else None


def history(db: Database, document_id: str) -> list[dict[str, Any]]:
    """Every version of a document, oldest first."""
    return list(db.query("SELECT * FROM document_versions WHERE document_id = ? ORDER BY version", [document_id]))


def find(db: Database, document_id: str, sha256: str) -> dict[str, Any] | None:
    """The version of a document whose SHA-256 is or starts with ``sha256`` (at least 12 hex digits; the
    latest if a file was accepted twice); None if there is none. Raises :class:`FixityError` if the prefix is
    too short or names several files."""
    prefix = sha256.lower()
    if len(prefix) < SHA256_PREFIX or len(prefix) > 64 or any(c not in "0123456789abcdef" for c in prefix):
        raise FixityError(f"'{sha256}' is not a SHA-256 or a prefix of at least {SHA256_PREFIX} hex digits")
    rows = [row for row in history(db, document_id) if row["sha256"].startswith(prefix)]
    if len({row["sha256"] for row in rows}) > 1:
        raise FixityError(f"'{sha256}' names several versions of {document_id}; give more digits")
    return rows[-1] if rows else None
