"""The provenance log: ``ARCHIVE/provenance.jsonl``, one JSON object per download attempt, append-only.

The log belongs to the archive, not to the index: it is the only record of where a file came from
(requested and final URL, HTTP status, validators, hash, time), so it is never rewritten, only appended
to. ``ingest`` copies it into the database's ``provenance`` table.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

LOG_NAME = "provenance.jsonl"
# The columns of the database table, in order; the log may hold more keys, which stay in the log only.
COLUMNS = (
    "document_id", "file", "requested_url", "final_url", "status", "last_modified", "etag", "content_type",
    "bytes", "sha256", "started_at", "finished_at", "outcome", "message", "attempt", "tool_version",
)  # fmt: skip

logger = logging.getLogger(__name__)


def log_path(archive: Path) -> Path:
    return archive / LOG_NAME


def append(path: Path, record: dict[str, Any]) -> None:
    """Append one record as one line, with a single ``write`` and an fsync, so a crash leaves whole lines."""
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record of the log in order; a line that is not a JSON object (e.g. cut by a crash) is skipped
    with a warning naming it."""
    if not path.is_file():
        return
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict) or not record.get("document_id") or not record.get("outcome"):
                logger.warning("%s, line %d: not a provenance record; skipped", path, number)
                continue
            yield record


def rows_by_document(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The log as database rows (the table's columns only), grouped by document id, in log order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records(path):
        grouped.setdefault(str(record["document_id"]), []).append({column: record.get(column) for column in COLUMNS})
    return grouped
