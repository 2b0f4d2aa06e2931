"""Withdrawing a document from the public archive, and reinstating it, as archives do it.

A withdrawn document leaves everything that publishes it — its pages, sections, topics and provenance
rows, its row in ``documents`` (hence search, facets, exports and the hand-over package) — and leaves
a record behind: a row in ``withdrawals`` with its metadata, the SHA-256 it had, when, by whom and why.
Its citation URLs answer 410 Gone with that notice.

The act itself belongs to the archive, not to the index: it is appended to ``ARCHIVE/provenance.jsonl``
(outcome ``withdrawn`` or ``reinstated``, with the OS user, the time and the reason) before the database
changes, and :func:`sync` applies the log's latest act to the database at every ingest. A database
rebuilt from the archive therefore withdraws the same documents again, and ``ingest`` never brings a
withdrawn document back while its catalog row is still there. Reinstating reads the archived file again.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from qmarchive import __version__, locks, provenance, store
from qmarchive.catalog import read_catalog
from qmarchive.errors import WithdrawalError
from qmarchive.migrations import FTS_INDEXES
from qmarchive.paths import Paths
from qmarchive.search import german_terms
from qmarchive.versions import file_digest

WITHDRAWN = "withdrawn"
REINSTATED = "reinstated"
# What a withdrawal record keeps of the document, besides when, by whom and why.
KEPT = (
    "title",
    "doc_type",
    "area",
    "period_start",
    "period_end",
    "published",
    "publisher",
    "file",
    "sha256",
    "bytes",
    "page_count",
)


def os_user() -> str:
    """Who acts: the operating system's user name (the user id if it has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def withdrawn(db: Database, document_id: str) -> dict[str, Any] | None:
    """The withdrawal record of a document, or None if it is not withdrawn."""
    rows = list(db.query("SELECT * FROM withdrawals WHERE document_id = ?", [document_id]))
    return rows[0] if rows else None


def records(db: Database) -> list[dict[str, Any]]:
    """Every withdrawal record, most recent first."""
    return list(db.query("SELECT * FROM withdrawals ORDER BY withdrawn_at DESC, document_id"))


def uncatalogued(db: Database, catalog_ids: Iterable[str]) -> list[dict[str, Any]]:
    """Documents ingested from the catalog whose catalog row is gone: still published, no longer listed."""
    listed = set(catalog_ids)
    rows = db.query("SELECT id, title, file FROM documents WHERE catalogued = 1 ORDER BY id")
    return [row for row in rows if row["id"] not in listed]


def uncatalogued_advice(document_id: str) -> str:
    return (
        f"document {document_id} is in the database but no longer in the catalog: withdraw it "
        f"('qmarchive withdraw {document_id} --reason …') or restore its catalog row"
    )


def skip_message(document_id: str, record: dict[str, Any]) -> str:
    """Why ingest leaves a withdrawn document out, and what to do."""
    return (
        f"document {document_id} was withdrawn on {record['withdrawn_at'][:10]} by {record['withdrawn_by']} "
        f"({record['reason']}); not ingested again. To publish it again: 'qmarchive reinstate {document_id}'; "
        "to keep it out for good, remove its catalog row"
    )


def withdraw(db: Database, paths: Paths, document_id: str, reason: str, *, user: str | None = None) -> dict[str, Any]:
    """Withdraw a stored document: record the act in the archive's log, then remove it from the database.

    Returns the withdrawal record, with ``warning`` set if the write-ahead log could not be emptied into
    the database file (a reader held on; the withdrawn text stays in the log until the next write
    command). The search index is the caller's to update (``search.update``).
    """
    reason = " ".join(reason.split())
    if not reason:
        raise WithdrawalError("give the reason for the withdrawal (--reason); it is shown with the notice")
    with locks.writer(paths.index, "withdraw"):
        previous = withdrawn(db, document_id)
        if previous:
            raise WithdrawalError(
                f"document {document_id} was already withdrawn on {previous['withdrawn_at'][:10]} "
                f"({previous['reason']})"
            )
        rows = list(db.query("SELECT * FROM documents WHERE id = ?", [document_id]))
        if not rows:
            raise WithdrawalError(
                f"no document '{document_id}' in the database {paths.database}; 'qmarchive status' lists the documents"
            )
        record = {
            "document_id": document_id,
            **{key: rows[0][key] for key in KEPT},
            "withdrawn_at": store.now(),
            "withdrawn_by": user or os_user(),
            "reason": reason,
        }
        _log(paths.archive, WITHDRAWN, record, f"withdrawn by {record['withdrawn_by']}: {reason}")
        _apply(db, record)
    return {**record, "warning": store.checkpoint(db)}


def reinstate(
    db: Database, paths: Paths, document_id: str, *, user: str | None = None, reason: str | None = None
) -> tuple[dict[str, Any], Path, str | None]:
    """Lift a withdrawal: record the act in the archive's log and remove the withdrawal record.

    Returns the record that was lifted, the file to ingest again (the caller ingests it) and a warning
    if that file is not the one that was withdrawn. Refuses while the document has no catalog row or
    its file is not in the archive, so that a reinstated document is never left without its pages.
    """

    with locks.writer(paths.index, "reinstate"):
        record = withdrawn(db, document_id)
        if record is None:
            raise WithdrawalError(
                f"document {document_id} is not withdrawn; 'qmarchive status' lists the withdrawn documents"
            )
        entry = next((e for e in read_catalog(paths.catalog) if e.id == document_id), None)
        if entry is None:
            raise WithdrawalError(
                f"document {document_id} has no row in {paths.catalog}: restore its catalog row "
                f"(file {record['file']}), then run 'qmarchive reinstate {document_id}' again"
            )
        path = entry.path(paths.archive)
        if not path.is_file():
            raise WithdrawalError(
                f"{path}: not in the archive; put the file back (it had SHA-256 {record['sha256']} "
                f"when it was withdrawn), then run 'qmarchive reinstate {document_id}' again"
            )
        try:
            sha256, _ = file_digest(path)
        except OSError as exc:
            raise WithdrawalError(f"{path}: cannot be read ({exc.strerror or exc}); nothing was changed") from exc
        changed = None
        if record["sha256"] and sha256 != record["sha256"]:
            changed = (
                f"{path} now has SHA-256 {sha256}, not the {record['sha256']} it had when it was withdrawn; "
                "the file as it is now is published"
            )
        by = user or os_user()
        note = " ".join((reason or "").split())
        _log(
            paths.archive,
            REINSTATED,
            {**record, "reason": note or None, "reinstated_by": by},
            f"reinstated by {by}" + (f": {note}" if note else ""),
        )
        with db.atomic():
            db.execute("DELETE FROM withdrawals WHERE document_id = ?", [document_id])
    return record, path, changed


def latest_acts(archive: Path) -> dict[str, dict[str, Any]]:
    """The latest withdrawal or reinstatement of each document in the archive's provenance log."""
    latest: dict[str, dict[str, Any]] = {}
    for record in provenance.records(provenance.log_path(archive)):
        if record["outcome"] in (WITHDRAWN, REINSTATED):
            latest[str(record["document_id"])] = record
    return latest


def sync(db: Database, archive: Path) -> list[str]:
    """Bring the database in step with the acts in the archive's log (latest act per document wins):
    apply withdrawals it lacks, lift those the log has lifted. Returns the ids withdrawn here."""
    applied = []
    for document_id, act in latest_acts(archive).items():
        record = withdrawn(db, document_id)
        if act["outcome"] == WITHDRAWN and record is None:
            _apply(
                db,
                {
                    "document_id": document_id,
                    **{key: act.get(key) for key in KEPT},
                    "withdrawn_at": act.get("finished_at") or store.now(),
                    "withdrawn_by": act.get("by") or "unknown",
                    "reason": act.get("reason") or "(no reason recorded)",
                },
            )
            applied.append(document_id)
        elif act["outcome"] == REINSTATED and record is not None:
            with db.atomic():
                db.execute("DELETE FROM withdrawals WHERE document_id = ?", [document_id])
    return applied


def _log(archive: Path, outcome: str, record: dict[str, Any], message: str) -> None:
    """Append the act to the archive's provenance log; nothing changes in the database if this fails."""
    at = store.now()
    line = {
        "document_id": record["document_id"],
        "file": record["file"],
        "sha256": record["sha256"],
        "bytes": record["bytes"],
        "started_at": at,
        "finished_at": at,
        "outcome": outcome,
        "message": message,
        "tool_version": __version__,
        "by": record.get("reinstated_by") or record["withdrawn_by"],
        "reason": record["reason"],
        **{key: record[key] for key in KEPT if key not in ("file", "sha256", "bytes")},
    }
    log = provenance.log_path(archive)
    try:
        provenance.append(log, line)
    except OSError as exc:
        raise WithdrawalError(
            f"{log}: cannot record the {outcome} document there ({exc.strerror or exc}); nothing was changed"
        ) from exc


def _apply(db: Database, record: dict[str, Any]) -> None:
    """Remove the document and everything that publishes it, keep the record: one transaction.

    ``secure_delete`` overwrites the removed rows in the file, and the full-text indexes are merged
    (``optimize``), so the withdrawn text is not left in free pages or old index segments of the
    database, of which the hand-over package carries a copy.
    """
    document_id = record["document_id"]
    db.execute("PRAGMA secure_delete = ON")
    with db.atomic():
        db.table("withdrawals").insert(record, pk="document_id", replace=True)
        db.execute(
            "DELETE FROM page_topics WHERE page_id IN (SELECT id FROM pages WHERE document_id = ?)", [document_id]
        )
        db.execute("DELETE FROM pages WHERE document_id = ?", [document_id])
        db.execute("DELETE FROM sections WHERE document_id = ?", [document_id])
        db.execute("DELETE FROM massnahmen WHERE document_id = ?", [document_id])
        db.execute("DELETE FROM provenance WHERE document_id = ?", [document_id])
        db.execute("DELETE FROM documents WHERE id = ?", [document_id])
        for name in FTS_INDEXES:
            db.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")
        german_terms.forget_removed(db)
