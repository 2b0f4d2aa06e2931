"""Proof that nothing changed: fixity of the archived files, integrity of the database, and agreement
of the database with the search index — the report behind ``qmarchive verify``.

Every check is named and lists findings that name the file or table concerned. A mismatch is a finding,
not an exception: one run reports everything. Nothing is written: the database is read through a
read-only connection, except for FTS5's ``integrity-check``, which SQLite only accepts on a writable
connection and which runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import hashlib
import shlex
import sqlite3
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from qmarchive import search, store, withdrawal
from qmarchive.provenance import log_path as provenance_log
from qmarchive.search import best_pages, german_terms, integrity
from qmarchive.catalog import CatalogEntry, catalog_header, read_catalog, unlisted_pdfs
from qmarchive.errors import QmarchiveError, SearchIndexDamagedError, SearchIndexError, StoreError
from qmarchive.versions import VERSIONS_DIR, file_digest
from qmarchive.migrations import FTS_INDEXES
from qmarchive.paths import Paths, document_path
from qmarchive.progress import Wrap

Status = Literal["ok", "warning", "failed"]
# How many pages or rows a finding lists by id before it only counts the rest.
LISTED = 10


@dataclass(frozen=True)
class Finding:
    """One problem. ``subject`` is the file or table concerned; ``code`` says which kind of problem."""

    subject: str
    message: str
    code: str
    severity: Literal["warning", "failed"] = "failed"
    document_id: str | None = None

    def __str__(self) -> str:
        return f"{self.subject}: {self.message}"


@dataclass
class Check:
    name: str
    title: str
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        severities = {finding.severity for finding in self.findings}
        return "failed" if "failed" in severities else "warning" if severities else "ok"

    def fail(self, subject: str | Path, message: str, code: str, document_id: str | None = None) -> None:
        self.findings.append(Finding(str(subject), message, code, "failed", document_id))

    def warn(self, subject: str | Path, message: str, code: str, document_id: str | None = None) -> None:
        self.findings.append(Finding(str(subject), message, code, "warning", document_id))


@dataclass
class Report:
    archive: Path
    database: Path
    index: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def status(self) -> Status:
        statuses = {check.status for check in self.checks}
        return "failed" if "failed" in statuses else "warning" if "warning" in statuses else "ok"

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.status == "failed"]

    def findings(self, severity: str | None = None) -> list[Finding]:
        return [f for check in self.checks for f in check.findings if severity in (None, f.severity)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "archive": str(self.archive),
            "database": str(self.database),
            "index": str(self.index),
            "checks": [
                {
                    "name": check.name,
                    "title": check.title,
                    "status": check.status,
                    "summary": check.summary,
                    "findings": [
                        {
                            "subject": f.subject,
                            "severity": f.severity,
                            "code": f.code,
                            "document_id": f.document_id,
                            "message": f.message,
                        }
                        for f in check.findings
                    ],
                }
                for check in self.checks
            ],
        }


def run(paths: Paths, *, search_index: bool = True, progress: Wrap | None = None) -> Report:
    """Run every check; ``progress`` wraps the list of documents whose files are hashed."""
    if not paths.database.is_file():
        raise StoreError(f"{paths.database}: no database yet; run 'qmarchive ingest' first")
    report = Report(paths.archive, paths.database, paths.index)
    db = store.open_read_only(paths.database, check_schema=False)
    path = paths.database
    try:
        checks: list[tuple[str, str, Callable[[], Check]]] = [
            ("fixity", FIXITY_TITLE, lambda: fixity(db, paths, progress)),
            ("sqlite-integrity", SQLITE_TITLE, lambda: sqlite_integrity(db, path)),
            ("orphans", ORPHANS_TITLE, lambda: orphans(db)),
            *((f"fts:{name}", fts_title(name), lambda name=name: fts_integrity(path, name)) for name in FTS_INDEXES),
            ("german-terms", GERMAN_TERMS_TITLE, lambda: german_terms_current(db, path)),
            ("best-pages", BEST_PAGES_TITLE, lambda: best_pages_current(db)),
            ("page-counts", PAGE_COUNTS_TITLE, lambda: page_counts(db)),
            ("page-texts", PAGE_TEXTS_TITLE, lambda: page_texts(db)),
        ]
        if search_index:
            checks.append(("search-index-readable", READABLE_TITLE, lambda: search_index_readable(paths.index)))
            checks.append(("search-index", AGREES_TITLE, lambda: search_index_agrees(db, paths.index)))
        for name, title, check in checks:
            report.checks.append(_guarded(name, title, path, check))
    finally:
        db.close()
    return report


def _guarded(name: str, title: str, path: Path, check: Callable[[], Check]) -> Check:
    """A check that SQLite stops with an error (a damaged database) fails, naming the file; the others still run."""
    try:
        return check()
    except sqlite3.DatabaseError as exc:
        failed = Check(name, title)
        failed.fail(path, f"cannot be read ({_first_line(exc)}); {DATABASE_REPAIR}", "corrupt")
        return failed


def _first_line(exc: BaseException, limit: int = 120) -> str:
    """SQLite's message, without the undecodable text a damaged page may put into it."""
    line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return line if len(line) <= limit else line[:limit] + "…"


DATABASE_REPAIR = (
    "restore qmarchive.db from the last package (data/qmarchive.db in the bag), or run "
    "'qmarchive ingest' into an empty index directory"
)
FIXITY_TITLE = "Fixity of the archived files (SHA-256)"
SQLITE_TITLE = "SQLite integrity (PRAGMA integrity_check)"
ORPHANS_TITLE = "Orphan rows (PRAGMA foreign_key_check)"
PAGE_COUNTS_TITLE = "Pages per document (documents.page_count)"
PAGE_TEXTS_TITLE = "Page texts (pages.text_sha256)"
GERMAN_TERMS_TITLE = f"German search terms ({german_terms.TABLE}, the default engine)"
BEST_PAGES_TITLE = "Best pages of frequent words (best_pages, the default engine)"
READABLE_TITLE = "Search index readable (every segment, end to end)"
AGREES_TITLE = "Search index agrees with the database (Whoosh)"


def fts_title(name: str) -> str:
    return f"Full-text index {name} (FTS5 integrity-check)"


def _short(sha256: str | None) -> str:
    return f"{sha256[:12]}…" if sha256 else "(none)"


def _listed(items: Sequence[Any]) -> str:
    shown = ", ".join(str(item) for item in items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


# -- fixity ---------------------------------------------------------------------------------------------


def fixity(db: Database, paths: Paths, progress: Wrap | None = None) -> Check:
    """Every document's file against its archived version's SHA-256 (whatever the catalog says), the catalog's
    checksum where given, the kept copy of every version, and PDFs under ``pdf/`` that no catalog row names."""
    check = Check("fixity", FIXITY_TITLE)
    try:
        catalog = {entry.id: entry for entry in read_catalog(paths.catalog)}
        unlisted = unlisted_pdfs(paths.archive, list(catalog.values()), catalog_header(paths.catalog))
    except QmarchiveError as exc:
        check.fail(paths.catalog, f"cannot be read, so its checksums were not compared: {exc}", "catalog-unreadable")
        catalog, unlisted = None, []
    readable, catalog = catalog is not None, catalog or {}
    documents = list(db.query("SELECT id, file, sha256, bytes FROM documents ORDER BY id"))
    hashed = size = 0
    for document in progress(documents, "Hashing") if progress else documents:
        path = document_path(paths.archive, document["file"])
        entry = catalog.get(document["id"])
        try:
            digest, length = file_digest(path)
        except FileNotFoundError:
            check.fail(
                path,
                f"missing (document {document['id']}, SHA-256 {_short(document['sha256'])}); restore it from a backup",
                "missing",
                document["id"],
            )
            continue
        except OSError as exc:
            check.fail(
                path, f"cannot be read ({exc.strerror or exc}; document {document['id']})", "unreadable", document["id"]
            )
            continue
        hashed += 1
        size += length
        _compare(check, path, document, digest, entry, paths.catalog)
    withdrawn = {row["document_id"] for row in withdrawal.records(db)} if "withdrawals" in db.table_names() else set()
    _not_ingested(check, paths, catalog, {d["id"] for d in documents} | withdrawn)
    stored = {d["id"] for d in documents}
    for document_id, act in sorted(withdrawal.latest_acts(paths.archive).items()):
        if act["outcome"] == withdrawal.WITHDRAWN and (document_id in stored or document_id not in withdrawn):
            check.fail(
                provenance_log(paths.archive),
                f"document {document_id} was withdrawn on {act.get('finished_at')} "
                "but the database does not show it withdrawn; run 'qmarchive ingest' to apply the withdrawal",
                "withdrawal-not-applied",
                document_id,
            )
    if readable:
        for row in withdrawal.uncatalogued(db, catalog):
            check.fail(paths.catalog, withdrawal.uncatalogued_advice(row["id"]), "not-in-catalog", row["id"])
    by_file = {unicodedata.normalize("NFC", d["file"]): d["id"] for d in documents}
    for item in unlisted:
        add = f"add the line {item.line} to {paths.catalog} (check its title)"
        if item.file in by_file:
            check.warn(
                item.path,
                f"ingested by path as document {by_file[item.file]} but in no catalog row, so a "
                f"rebuild from the catalog would lose it; {add}",
                "uncatalogued-ingested",
                by_file[item.file],
            )
        else:
            check.warn(
                item.path,
                f"in the archive but in no catalog row, so never ingested; {add} or ingest it by "
                f"path: qmarchive ingest {shlex.quote(str(item.path))}",
                "uncatalogued",
            )
    kept = _kept_versions(check, db, paths.archive)
    check.summary = (
        f"{hashed} of {len(documents)} files hashed, {size} bytes"
        + (f"; {kept} kept version(s)" if kept else "")
        + (f"; {len(withdrawn)} withdrawn document(s) not checked" if withdrawn else "")
    )
    return check


def _kept_versions(check: Check, db: Database, archive: Path) -> int:
    """The copies in ``ARCHIVE/versions/`` are what citations of a version and a damaged working copy fall
    back on: each must still be the file it was kept as. Returns how many were hashed."""
    hashed = 0
    try:
        rows = list(db.query("SELECT * FROM document_versions ORDER BY document_id, version"))
    except sqlite3.OperationalError:
        return 0  # a database from before versions; its next ingest adds them
    for row in rows:
        document_id, number = row["document_id"], row["version"]
        if not row["kept_file"]:
            check.warn(
                f"{document_id} version {number}",
                "no copy of this version is kept; 'qmarchive ingest' keeps "
                "one of the current version while its file is unchanged",
                "not-kept",
                document_id,
            )
            continue
        path = archive / row["kept_file"]
        try:
            digest, _ = file_digest(path)
        except OSError as exc:
            check.fail(
                path,
                f"kept copy of version {number} of {document_id} is missing or unreadable "
                f"({exc.strerror or exc}); restore it from a backup",
                "kept-missing",
                document_id,
            )
            continue
        hashed += 1
        if digest != row["sha256"]:
            check.fail(
                path,
                f"kept copy of version {number} of {document_id}: SHA-256 {_short(digest)} differs from "
                f"the {_short(row['sha256'])} it was kept as; restore it from a backup",
                "kept-changed",
                document_id,
            )
    return hashed


def _compare(
    check: Check, path: Path, document: dict[str, Any], digest: str, entry: CatalogEntry | None, catalog_path: Path
) -> None:
    recorded, document_id = document["sha256"], document["id"]
    catalogued = entry.sha256 if entry else None
    if digest != recorded:
        if catalogued == digest:
            advice = "it matches the catalog's checksum, so the file was replaced and not ingested again; run 'qmarchive ingest'"
        elif catalogued == recorded:
            advice = "the catalog agrees with the database, so the file has changed; restore it from a backup"
        else:
            advice = (
                f"the file has changed since it was ingested; restore it (from {VERSIONS_DIR}/ or a backup), or "
                f"accept it as a new version with 'qmarchive ingest --replace {document_id}'"
            )
        check.fail(
            path,
            f"SHA-256 {_short(digest)} differs from the {_short(recorded)} recorded at ingest "
            f"(document {document_id}): {advice}",
            "changed",
            document_id,
        )
    if entry and catalogued and catalogued != recorded and catalogued != digest:
        check.fail(
            catalog_path,
            f"row {entry.row} ({document_id}): sha256 {_short(catalogued)} differs from the "
            f"file's {_short(digest)}; correct the catalog or restore the file",
            "catalog-mismatch",
            document_id,
        )
    elif entry and catalogued and catalogued != recorded:
        check.fail(
            catalog_path,
            f"row {entry.row} ({document_id}): sha256 {_short(catalogued)} differs from the "
            f"{_short(recorded)} recorded at ingest",
            "catalog-mismatch",
            document_id,
        )


def _not_ingested(check: Check, paths: Paths, catalog: dict[str, CatalogEntry], stored: set[str]) -> None:
    """Catalogued files that are in the archive but not in the database have nothing recorded to check
    against; catalogued files not in the archive yet are only noted."""
    absent = []
    for entry in catalog.values():
        if entry.id in stored:
            continue
        path = entry.path(paths.archive)
        if not path.is_file():
            absent.append(entry.id)
            continue
        if entry.sha256:
            try:
                digest, _ = file_digest(path)
            except OSError as exc:
                check.fail(path, f"cannot be read ({exc.strerror or exc}; document {entry.id})", "unreadable", entry.id)
                continue
            if digest != entry.sha256:
                check.fail(
                    path,
                    f"SHA-256 {_short(digest)} differs from the catalog's {_short(entry.sha256)} "
                    f"(row {entry.row}, document {entry.id}); the file has changed or is the wrong one",
                    "changed",
                    entry.id,
                )
                continue
        check.warn(
            path,
            f"catalogued and in the archive but not in the database (document {entry.id}): "
            "not ingested yet, or its ingest failed; run 'qmarchive ingest'",
            "not-ingested",
            entry.id,
        )
    if absent:
        check.warn(
            paths.catalog,
            f"{len(absent)} catalogued document(s) not in the archive yet: {_listed(absent)}",
            "not-in-archive",
        )


# -- the database ----------------------------------------------------------------------------------------


def sqlite_integrity(db: Database, path: Path) -> Check:
    check = Check("sqlite-integrity", SQLITE_TITLE)
    try:
        messages = [row[0] for row in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        check.fail(path, f"cannot be checked ({exc}); {DATABASE_REPAIR}", "corrupt")
        return check
    problems = [message for message in messages if message != "ok"]
    for message in problems[:LISTED]:
        check.fail(path, message, "corrupt")
    if problems:
        more = f" ({len(problems) - LISTED} more not listed)" if len(problems) > LISTED else ""
        check.fail(path, f"damaged{more}; {DATABASE_REPAIR}", "corrupt")
    check.summary = "ok" if messages == ["ok"] else f"{len(check.findings)} problem(s)"
    return check


def orphans(db: Database) -> Check:
    """Rows whose document, page or run is gone, as ``PRAGMA foreign_key_check`` finds them from the schema's
    REFERENCES, grouped by the missing row. The version history of a withdrawn document is kept on purpose
    (its fixity baseline, should it be reinstated), so it is no orphan."""
    check = Check("orphans", ORPHANS_TITLE)
    try:
        violations = db.execute("PRAGMA foreign_key_check").fetchall()
        withdrawn = (
            {row["document_id"] for row in withdrawal.records(db)} if "withdrawals" in db.table_names() else set()
        )
        grouped: dict[tuple[str, str, str, Any], int] = defaultdict(int)
        columns: dict[str, dict[int, str]] = {}
        for table, rowid, parent, fkid in violations:
            if table not in columns:
                columns[table] = {row[0]: row[3] for row in db.execute(f"PRAGMA foreign_key_list({_quoted(table)})")}
            column = columns[table][fkid]
            value = db.execute(f"SELECT {_quoted(column)} FROM {_quoted(table)} WHERE rowid = ?", [rowid]).fetchone()
            if table == "document_versions" and value and value[0] in withdrawn:
                continue
            grouped[(table, column, parent, value[0] if value else None)] += 1
    except sqlite3.DatabaseError as exc:
        check.fail("database", f"foreign keys cannot be checked ({exc})", "unreadable")
        return check
    for (table, column, parent, value), count in sorted(grouped.items(), key=str):
        document_id = None
        if isinstance(value, str) and parent in ("documents", "pages"):
            document_id = value if parent == "documents" else _document_of(value)
        check.fail(table, f"{count} row(s) with {column} {value!r}, which is not in {parent}", "orphan", document_id)
    check.summary = "every reference resolves" if not grouped else f"{sum(grouped.values())} orphan row(s)"
    return check


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fts_integrity(path: Path, name: str) -> Check:
    """FTS5's own check, with ``rank = 1`` so it also compares the index with the ``pages`` table: the plain
    form only checks that the index is well-formed and passes an index that lacks pages."""
    check = Check(f"fts:{name}", fts_title(name))
    statement = f"INSERT INTO {_quoted(name)}({_quoted(name)}, rank) VALUES ('integrity-check', 1)"
    try:
        _check_in_rollback(path, statement)
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            check.fail(
                name,
                f"cannot be checked now ({exc}): another process is writing the database; try again when it is done",
                "locked",
            )
        elif "malformed" in str(exc) and not _quick_check_passes(path):
            # FTS5 reports an index out of step as "malformed" too; only a damaged file fails quick_check
            check.fail(name, f"cannot be checked ({exc}); {DATABASE_REPAIR}", "corrupt")
        elif "no such table" in str(exc):
            check.fail(
                name,
                "missing; rebuild the database with 'qmarchive ingest' into an empty index directory",
                "missing-table",
            )
        else:
            check.fail(
                name,
                f"out of step with the pages table (SQLite reports: {exc}); it is derived: rebuild it with "
                f"INSERT INTO {name}({name}) VALUES('rebuild'), or ingest into an empty index directory",
                "fts-mismatch",
            )
        return check
    check.summary = "matches the pages table"
    return check


def german_terms_current(db: Database, path: Path) -> Check:
    """The German engine's terms: FTS5's own check of its index, and every page analysed by this version of
    the German analysis (a page without terms is found by no search of the default engine)."""
    check = fts_integrity(path, german_terms.TABLE)
    check.name, check.title = "german-terms", GERMAN_TERMS_TITLE
    if check.status != "ok":
        return check
    reason = german_terms.rebuild_reason(db)
    if reason:
        check.fail(german_terms.TABLE, f"not current: {reason}; run 'qmarchive index --rebuild'", "german-terms-stale")
    else:
        check.summary = "well-formed; every page analysed by this version of the German analysis"
    return check


def best_pages_current(db: Database) -> Check:
    """The lists of best pages and the kept matches a search reads instead of ranking every match of a
    frequent word: current, readable and the same as FTS5 finds now. Stale lists are only a warning:
    searches rank every match until the next writing command lists them again."""
    check = Check("best-pages", BEST_PAGES_TITLE)
    current = best_pages.state(db)
    if current is None:
        check.warn("best_pages", "none: a database from before them; run 'qmarchive index'", "best-pages-missing")
    elif not current["fresh"]:
        check.warn(
            "best_pages",
            "stale (the pages or their terms changed since they were made): searches rank every match until "
            "'qmarchive index' lists them again",
            "best-pages-stale",
        )
    else:
        compared, found = best_pages.differences(db)
        for line in found:
            check.fail("best_pages", f"{line}; run 'qmarchive index --rebuild'", "best-pages-differ")
        check.summary = (
            f"{compared} lists and kept matches agree with FTS5"
            if compared
            else f"no word on {best_pages.FREQUENT:,} pages or more, nothing listed"
        )
    return check


def _quick_check_passes(path: Path) -> bool:
    db = store.open_read_only(path, check_schema=False)
    try:
        return [row[0] for row in db.execute("PRAGMA quick_check")] == ["ok"]
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def _check_in_rollback(path: Path, statement: str) -> None:
    """Run a checking statement that SQLite only accepts on a writable connection, in a transaction that is
    rolled back; on a read-only file, against a temporary copy."""
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN")
            try:
                conn.execute(statement)
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        if "readonly" not in str(exc):
            raise
        with tempfile.TemporaryDirectory(prefix="qmarchive-verify-") as directory:
            copy = Path(directory) / path.name
            source = store.open_read_only(path, check_schema=False).conn
            target = sqlite3.connect(copy)
            try:
                source.backup(target)
                target.execute(statement)
            finally:
                target.close()
                source.close()


def page_counts(db: Database) -> Check:
    """Each document has exactly the pages 1..page_count, under the ids ``<document>/<page>``."""
    check = Check("page-counts", PAGE_COUNTS_TITLE)
    numbers: dict[str, list[int]] = defaultdict(list)
    for document_id, number in db.execute("SELECT document_id, page_number FROM pages"):
        numbers[document_id].append(number)
    documents = db.execute("SELECT id, page_count FROM documents ORDER BY id").fetchall()
    for document_id, page_count in documents:
        have = set(numbers.get(document_id, ()))
        missing = sorted(set(range(1, page_count + 1)) - have)
        extra = sorted(have - set(range(1, page_count + 1)))
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"page(s) {_listed(missing)} missing")
            if extra:
                problems.append(f"page(s) {_listed(extra)} beyond it")
            check.fail(
                "pages",
                f"document {document_id} has {len(have)} page(s), documents.page_count says "
                f"{page_count}: {'; '.join(problems)}",
                "page-count",
                document_id,
            )
    wrong_ids = [
        row[0] for row in db.execute("SELECT id FROM pages WHERE id != document_id || '/' || page_number ORDER BY id")
    ]
    if wrong_ids:
        check.fail("pages", f"id(s) not made of document and page number: {_listed(wrong_ids)}", "page-id")
    expected = sum(count for _, count in documents)
    stored = sum(len(found) for found in numbers.values())
    check.summary = f"{len(documents)} documents, {stored} pages stored of {expected} counted"
    return check


def page_texts(db: Database) -> Check:
    """Each page's stored text against the SHA-256 taken when it was extracted."""
    check = Check("page-texts", PAGE_TEXTS_TITLE)
    changed: dict[str, list[str]] = defaultdict(list)
    pages = 0
    for page_id, document_id, text, recorded in db.execute(
        "SELECT id, document_id, text, text_sha256 FROM pages ORDER BY rowid"
    ):
        pages += 1
        if hashlib.sha256((text or "").encode("utf-8")).hexdigest() != recorded:
            changed[document_id].append(page_id)
    for document_id, page_ids in sorted(changed.items()):
        check.fail(
            "pages",
            f"text of {_listed(page_ids)} (document {document_id}) no longer matches its text_sha256: "
            "changed after extraction; ingest into an empty index directory to restore it",
            "text-changed",
            document_id,
        )
    check.summary = f"{pages} page texts hashed"
    return check


# -- the search index ------------------------------------------------------------------------------------


def search_index_agrees(db: Database, index_dir: Path) -> Check:
    """The current Whoosh generation holds exactly the database's pages, as they are now."""
    check = Check("search-index", AGREES_TITLE)
    where = index_dir / "whoosh"
    try:
        info = search.index_info(index_dir)
        if info is None:
            check.warn(where, "no search index yet; 'qmarchive index' builds it", "no-index")
            check.summary = "not built"
            return check
        if info["rebuild_reason"]:
            check.warn(info["path"], f"{info['rebuild_reason']}; 'qmarchive index' rebuilds it", "index-version")
        where = Path(info["path"])
        indexed = search.indexed_pages(index_dir)
    except SearchIndexDamagedError:
        check.fail(
            where,
            f"cannot be compared with the database: it cannot be read (see above); rebuild it with '{search.REPAIR}'",
            "unreadable",
        )
        return check
    except Exception as exc:  # noqa: BLE001 - a damaged Whoosh index fails in many ways, none of them ours to name
        check.fail(
            where,
            f"cannot be read ({type(exc).__name__}: {exc}); rebuild it with 'qmarchive index --rebuild'",
            "unreadable",
        )
        return check
    wanted = search.page_fingerprints(db)
    problems: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for page_id in wanted.keys() - indexed.keys():
        problems[_document_of(page_id)]["missing"].append(page_id)
    for page_id in indexed.keys() - wanted.keys():
        problems[_document_of(page_id)]["extra"].append(page_id)
    for page_id in wanted.keys() & indexed.keys():
        if wanted[page_id] != indexed[page_id]:
            problems[_document_of(page_id)]["stale"].append(page_id)
    counts = _per_document(wanted)
    indexed_counts = _per_document(indexed)
    texts = {
        "missing": "lacks {n} of the document's {total} page(s): {pages}",
        "extra": "holds {n} page(s) that are not in the database: {pages}",
        "stale": "holds an older version of {n} page(s): {pages}",
    }
    for document_id in sorted(problems):
        for kind, page_ids in problems[document_id].items():
            page_ids.sort(key=_page_order)
            message = texts[kind].format(n=len(page_ids), total=counts.get(document_id, 0), pages=_listed(page_ids))
            check.fail(
                where,
                f"document {document_id}: {message} (the index has {indexed_counts.get(document_id, 0)}, "
                f"the database {counts.get(document_id, 0)}); run 'qmarchive index'",
                f"index-{kind}",
                document_id,
            )
    check.summary = f"{len(indexed)} pages indexed, {len(wanted)} in the database"
    return check


def search_index_readable(index_dir: Path) -> Check:
    """Every segment of the current generation read end to end, as searches would read it: Whoosh keeps no
    checksums, and a damaged segment opens fine and fails only when a search reaches its bytes."""
    check = Check("search-index-readable", READABLE_TITLE)
    try:
        reading = integrity.read_all(index_dir)
    except SearchIndexError:
        check.summary = "not built"  # a warning of the next check
        return check
    for damage in reading.damage:
        check.fail(
            damage.path, f"cannot be read ({damage.detail}); rebuild the index with '{search.REPAIR}'", "index-damaged"
        )
    check.summary = f"{reading.segments} segment(s), {reading.documents} pages, {reading.terms} terms read"
    return check


def _document_of(page_id: str) -> str:
    return page_id.rsplit("/", 1)[0]


def _page_order(page_id: str) -> tuple[str, int]:
    document, _, number = page_id.rpartition("/")
    return document, int(number) if number.isdigit() else 0


def _per_document(pages: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for page_id in pages:
        counts[_document_of(page_id)] += 1
    return counts
