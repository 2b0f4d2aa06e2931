"""The SQLite database: the one place it is opened, writing whole documents atomically, and read queries.

Readers (search, cite, status, verify, export, versions, the served pages) open it with
:func:`open_read_only`: ``mode=ro`` and ``PRAGMA query_only``, so they never change the file, run no
migration, and work on a file they may not write. Only writers (ingest, index, withdraw, reinstate …)
open it with :func:`open_database` or :func:`open_existing`, which bring the schema up to date.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database

from qmarchive import topics
from qmarchive.errors import StoreError
from qmarchive.migrations import migrations
from qmarchive.search.fts_query import fts_query
from qmarchive.search import german_terms


def now() -> str:
    """UTC timestamp as stored in the database."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def open_database(path: Path) -> Database:
    """Open (creating if needed) the database and bring its schema up to date."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(path)
        # WAL: a running server reads the last committed state while ingest writes the next one, and
        # readers never see a half-written page. ``checkpoint`` makes the file complete on its own again.
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)
    except (OSError, sqlite3.DatabaseError) as exc:
        problem = _storage_problem(path.parent)
        if problem:
            raise StoreError(
                f"{path}: cannot write the database: {problem} ({exc}); nothing stored was changed"
            ) from exc
        raise StoreError(f"{path}: cannot open the database ({exc})") from exc
    return db


def _storage_problem(folder: Path) -> str | None:
    """Why nothing can be written into the folder, if that is why SQLite failed (it often says only "disk I/O error")."""
    if not folder.is_dir():
        return None
    if not os.access(folder, os.W_OK):
        return "its folder is read-only or not writable"
    if shutil.disk_usage(folder).free < FULL_BELOW:
        return "the disk holding it is full"
    return None


FULL_BELOW = 1 << 20  # bytes free: less than SQLite needs for its write-ahead log and shared memory


def checkpoint(db: Database) -> str | None:
    """Copy everything committed from the write-ahead log into the database file and empty the log, so
    that ``qmarchive.db`` alone is complete (for copies and backups). Waits (the connection's busy
    timeout) for readers of older states, whose requests are short; returns a warning if one held on."""
    try:
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.Error as exc:
        busy = str(exc)
    if not busy:
        return None
    path = db.execute("PRAGMA database_list").fetchone()[2]
    reason = busy if isinstance(busy, str) else "readers were still using it"
    return (
        f"{path}: the write-ahead log was not copied into the database file ({reason}); nothing is lost, "
        "SQLite reads it with the database and the next write command copies it"
    )


def open_existing(path: Path) -> Database:
    """Open a database that must already exist for writing (withdraw, index …), schema brought up to date."""
    _must_exist(path)
    return open_database(path)


def open_read_only(path: Path, *, check_schema: bool = True) -> Database:
    """Open a database that must already exist for reading only, with the SQL function the canned queries
    use; refused if it was made by an older version (a reader cannot migrate it) unless not ``check_schema``
    (verify, which reports what it finds in any file). The connection is one read transaction until it is
    closed, so that all it reads is one committed state whatever other processes commit meanwhile (a
    search's total and its hits, an export's chunks, a package's file list and its copy of the database)."""
    _must_exist(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        conn.execute("PRAGMA query_only = ON")
        conn.create_function("qm_fts_query", 1, fts_query, deterministic=True)
        db = Database(conn)
        pending = pending_migrations(db) if check_schema else []
        if not pending:
            conn.execute("BEGIN")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot read the database ({exc})") from exc
    if pending:
        db.close()
        raise StoreError(made_by_older_version(path, pending, "ingest"))
    return db


def pending_migrations(db: Database) -> list[str]:
    """The names of the migrations this database has not had (a reader cannot apply them)."""
    return [migration.name for migration in migrations.pending(db)]


def made_by_older_version(path: Path | str, pending: list[str], command: str) -> str:
    """What a reader says of a database that lacks these migrations, and which command brings it up to date."""
    return (
        f"{path}: made by an older version of qmarchive (missing {', '.join(pending)}); "
        f"run 'qmarchive {command}' once to bring it up to date"
    )


def _must_exist(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"{path}: no database yet; run 'qmarchive ingest' first")


def write_document(
    db: Database,
    document: dict[str, Any],
    pages: Iterable[dict[str, Any]],
    sections: Iterable[dict[str, Any]],
    page_topics: Iterable[dict[str, Any]] = (),
    provenance: Iterable[dict[str, Any]] | None = None,
    version: dict[str, Any] | None = None,
    massnahmen: Iterable[dict[str, Any]] = (),
) -> None:
    """Replace a document with all its pages (and their German search terms), sections, page topics and measures
    in one transaction: all of it or nothing.

    ``provenance`` rows (from the archive's provenance log) replace the document's; None leaves them as they are.
    ``version`` (a ``document_versions`` row without id and number) makes the file the document's next version.
    """
    try:
        with db.atomic():
            if version is not None:
                _add_version(db, document["id"], version)
            db.execute(
                "DELETE FROM page_topics WHERE page_id IN (SELECT id FROM pages WHERE document_id = ?)",
                [document["id"]],
            )
            db.execute("DELETE FROM massnahmen WHERE document_id = ?", [document["id"]])
            db.execute("DELETE FROM pages WHERE document_id = ?", [document["id"]])
            db.execute("DELETE FROM sections WHERE document_id = ?", [document["id"]])
            db.table("documents").upsert(document, pk="id")
            db.table("pages").insert_all(pages)
            german_terms.index_document(db, document["id"])
            db.table("sections").insert_all(sections)
            _write_topics(db)
            db.table("page_topics").insert_all(page_topics)
            db.table("massnahmen").insert_all(massnahmen)
            if provenance is not None:
                _replace_provenance(db, document["id"], provenance)
    except sqlite3.Error as exc:
        raise StoreError(f"document '{document['id']}' was not stored, the previous version is kept ({exc})") from exc


def _add_version(db: Database, document_id: str, version: dict[str, Any]) -> None:
    """Close the current version, keeping its printed page labels (its pages are about to be replaced; null
    where only the physical number is known) so it can still be cited, and add the next one (callers hold
    the transaction)."""
    (latest,) = db.execute("SELECT max(version) FROM document_versions WHERE document_id = ?", [document_id]).fetchone()
    db.execute(
        "UPDATE document_versions SET replaced_at = ?, page_labels = (SELECT json_group_array(label) FROM "
        "(SELECT CASE WHEN page_label_source = 'physical' THEN NULL ELSE page_label END AS label "
        "FROM pages WHERE document_id = ? ORDER BY page_number)) "
        "WHERE document_id = ? AND replaced_at IS NULL",
        [version["accepted_at"], document_id, document_id],
    )
    db.table("document_versions").insert({**version, "document_id": document_id, "version": (latest or 0) + 1})


def set_kept_file(db: Database, document_id: str, version: int, kept_file: str) -> None:
    """Record the copy kept of a version recorded before copies were kept."""
    with db.atomic():
        db.execute(
            "UPDATE document_versions SET kept_file = ? WHERE document_id = ? AND version = ?",
            [kept_file, document_id, version],
        )


def topics_version(db: Database) -> int | None:
    """The lexicon version the stored page topics were computed with; None before the first tagging."""
    row = db.execute("SELECT max(lexicon_version) FROM topics").fetchone()
    return row[0] if row else None


def page_texts(db: Database) -> list[tuple[str, str, str | None]]:
    """(id, text, section) of every stored page, for recomputing what is derived from the text."""
    return [tuple(row) for row in db.execute("SELECT id, text, section FROM pages ORDER BY rowid")]


def replace_all_page_topics(db: Database, page_topics: Iterable[dict[str, Any]]) -> None:
    """Replace the topics of every page at once, e.g. after the lexicon changed: all of it or nothing."""
    try:
        with db.atomic():
            db.execute("DELETE FROM page_topics")
            _write_topics(db)
            db.table("page_topics").insert_all(page_topics)
    except sqlite3.Error as exc:
        raise StoreError(f"page topics were not replaced, the previous ones are kept ({exc})") from exc


def _write_topics(db: Database) -> None:
    """The ``topics`` table as the lexicon has it now (callers hold the transaction)."""
    rows = topics.topic_rows()
    db.execute(f"DELETE FROM topics WHERE id NOT IN ({', '.join('?' for _ in rows)})", [row["id"] for row in rows])
    db.table("topics").upsert_all(rows, pk="id")


class StoredVersion(NamedTuple):
    """What decides whether a stored document is current: file, extraction, OCR mode, pages still to OCR."""

    sha256: str
    extraction_version: str
    ocr_mode: str
    pages_to_ocr: int


def stored_version(db: Database, document_id: str) -> StoredVersion | None:
    """How a stored document was made, or None if it is not stored."""
    row = db.execute(
        "SELECT sha256, extraction_version, ocr_mode, "
        "(SELECT count(*) FROM pages WHERE document_id = documents.id AND needs_ocr = 1 AND ocr = 0) "
        "FROM documents WHERE id = ?",
        [document_id],
    ).fetchone()
    return StoredVersion(*row) if row else None


def cache_ocr(db: Database, row: dict[str, Any]) -> None:
    """Keep one page's OCR result at once, apart from its document, so that no OCR is lost to an interrupted run."""
    with db.atomic():
        db.table("ocr_cache").upsert({"created_at": now(), **row}, pk=("content_sha256", "pipeline"))


def cached_ocr(db: Database, content_hashes: Iterable[str], pipeline: str) -> dict[str, dict[str, Any]]:
    """Cached OCR results (text, confidence, engine, dpi, seconds) by page content hash."""
    wanted = sorted(set(content_hashes))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            (row["content_sha256"], row)
            for row in db.query(
                f"SELECT * FROM ocr_cache WHERE pipeline = ? AND content_sha256 IN ({', '.join('?' * len(chunk))})",
                [pipeline, *chunk],
            )
        )
    return found


def update_document(
    db: Database, document_id: str, values: dict[str, Any], provenance: Iterable[dict[str, Any]] | None = None
) -> None:
    """Update catalog fields (and provenance rows, unless None) of a stored document without touching its pages."""
    with db.atomic():
        db.table("documents").update(document_id, values)
        if provenance is not None:
            _replace_provenance(db, document_id, provenance)


def _replace_provenance(db: Database, document_id: str, rows: Iterable[dict[str, Any]]) -> None:
    """The document's download history as the provenance log has it now (callers hold the transaction)."""
    db.execute("DELETE FROM provenance WHERE document_id = ?", [document_id])
    db.table("provenance").insert_all({**row, "document_id": document_id} for row in rows)


def start_run(db: Database, archive: Path, extractor: str) -> int:
    with db.atomic():
        run_id = (
            db.table("ingest_runs")
            .insert({"started_at": now(), "archive": str(archive.resolve()), "extractor": extractor})
            .last_pk
        )
    assert isinstance(run_id, int)
    return run_id


def log_result(db: Database, run_id: int, entry: dict[str, Any]) -> None:
    with db.atomic():
        db.table("ingest_log").insert({"run_id": run_id, "logged_at": now(), **entry})


def finish_run(db: Database, run_id: int, counts: dict[str, int]) -> None:
    with db.atomic():
        db.table("ingest_runs").update(run_id, {"finished_at": now(), **counts})


def summary(db: Database) -> dict[str, Any]:
    """Counts for ``status``: documents, pages, pages without a text layer, OCRed or still without text, and the last ingest run."""
    documents, pages = db.execute("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM pages)").fetchone()
    without_text, ocr, unsearchable = db.execute(
        "SELECT count(*) FILTER (WHERE has_text_layer = 0), count(*) FILTER (WHERE ocr = 1), "
        "count(*) FILTER (WHERE needs_ocr = 1 AND ocr = 0) FROM pages"
    ).fetchone()
    last = list(db.query("SELECT * FROM ingest_runs ORDER BY id DESC LIMIT 1"))
    last_run = last[0] if last else None
    if last_run:
        last_run["failures"] = list(
            db.query(
                "SELECT file, document_id, error_class, message FROM ingest_log "
                "WHERE run_id = ? AND status = 'failed' ORDER BY id",
                [last_run["id"]],
            )
        )
    return {
        "documents": documents,
        "pages": pages,
        "pages_without_text": without_text,
        "pages_ocr": ocr,
        "pages_without_searchable_text": unsearchable,
        "document_ids": [row[0] for row in db.execute("SELECT id FROM documents ORDER BY id")],
        "last_run": last_run,
    }
