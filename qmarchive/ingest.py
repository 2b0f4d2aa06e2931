"""Catalog + PDFs → extraction → database, one whole document at a time.

A batch is lenient: a file that fails is logged with its reason and the batch goes on. A file whose
SHA-256 and extraction version match what is stored is skipped as unchanged, so re-running an
interrupted ingest only does the work that is left.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sqlite_utils import Database

from qmarchive import measures, provenance, store, topics, versions, withdrawal
from qmarchive.catalog import CatalogEntry, guess_entry, read_catalog
from qmarchive.errors import ExtractionError, FixityError, QmarchiveError
from qmarchive.extract import (
    ExtractedDocument,
    Extractor,
    check_header,
    extraction_version,
)
from qmarchive.ocr import OcrMode
from qmarchive.ocr_pages import OcrCounts, OcrPages
from qmarchive.paths import Paths
from qmarchive.versions import FIRST_INGEST, Acceptance, file_digest
from qmarchive.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, Outcome, Pool, Task

Status = Literal["ingested", "unchanged", "failed", "missing", "withdrawn"]
CATALOG_COLUMNS = (
    "area", "place", "title", "doc_type", "period_start", "period_end", "published", "publisher",
    "license", "notes", "source_url", "landing_url", "urn",
)  # fmt: skip
# PDF titles that name no document: a word processor's placeholder or default ("Dokument1",
# "Präsentation1", "Untitled-3"), an application's name for the file, a path, URL or file name.
_JUNK_TITLE = re.compile(
    r"^(?:untitled|unbenannt|ohne titel|titel|title|dokument|document|präsentation|presentation|folie|slide"
    r"|powerpoint-präsentation|powerpoint presentation|tmp|temp)[\s_-]*\d*$"
    r"|^microsoft (?:word|powerpoint|excel) - "  # the application's default: "Microsoft Word - IHEK_v3.doc"
    r"|^[a-z][a-z0-9+.-]*:/"  # a URL: file:///C:/Users/…, https://…
    r"|^(?:[a-z]:)?\\|^[a-z]:/|\\"  # a Windows path
    r"|^~?/\S*$"  # a Unix path
    r"|^\S+\.(?=[a-z0-9]*[a-z])[a-z0-9]{1,5}$"  # a file name: tmp0001.ht, gerdoc.dvi, IHEK_final.indd
    r"|\.(?:docx?|odt|indd|pptx?|xlsx?|rtf|pdf|qxd|p65)$",  # a file name with spaces
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class Job:
    """One file to ingest, with its catalog entry (made up from the file name if it has none)."""

    entry: CatalogEntry
    path: Path
    catalogued: bool
    problem: str | None = None


@dataclass(frozen=True)
class FileResult:
    file: str
    document_id: str | None
    status: Status
    pages: int = 0
    seconds: float = 0.0
    sha256: str | None = None
    error_class: str | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass
class IngestSummary:
    run_id: int
    results: list[FileResult] = field(default_factory=list)
    retagged: int = 0
    ocr: OcrCounts = field(default_factory=OcrCounts)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in ("ingested", "unchanged", "failed", "missing", "withdrawn")}

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0


def plan(paths: Paths, files: Sequence[Path] = ()) -> list[Job]:
    """The jobs for a run: every catalog entry, or just the given files (catalogued or not)."""
    entries = read_catalog(paths.catalog)
    if not files:
        return [Job(entry, entry.path(paths.archive), catalogued=True) for entry in entries]
    by_path = {entry.path(paths.archive).resolve(): entry for entry in entries}
    by_id = {entry.id: entry for entry in entries}
    jobs: list[Job] = []
    for file in files:
        resolved = Path(file).resolve()
        if resolved in by_path:
            jobs.append(Job(by_path[resolved], resolved, catalogued=True))
            continue
        entry = guess_entry(resolved, paths.archive)
        problem = None
        if entry.id in by_id:
            problem = (
                f"its id '{entry.id}' (from the file name) belongs to catalog row {by_id[entry.id].row}, "
                "which names another file; rename the file or add it to the catalog"
            )
        elif any(job.entry.id == entry.id for job in jobs):
            problem = f"another file given has the same id '{entry.id}'; rename one of them"
        jobs.append(Job(entry, resolved, catalogued=False, problem=problem))
    return jobs


# Files checked (and, if unchanged, logged) per transaction before extraction starts.
_CHECKS_PER_COMMIT = 500


def run(
    db: Database,
    paths: Paths,
    jobs: Sequence[Job],
    *,
    extractor: Extractor = "pdfium",
    password: str | None = None,
    fail_fast: bool = False,
    workers: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    ocr: OcrMode = "auto",
    replace_ids: Collection[str] = (),
    reason: str | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestSummary:
    """Ingest the jobs, logging each result; ``on_result`` drives progress display.

    The parent checks each file (exists, SHA-256, unchanged, looks like a PDF); extraction runs in
    ``workers`` processes (default: one per CPU) under ``timeout`` seconds and ``memory_mb`` each, so a
    hostile file costs only itself. Only this process writes the database, one document per transaction
    in the order extractions finish, so a run killed at any moment leaves whole documents and the next
    run does what is left. A catalog row's ``password`` takes precedence over ``password``.

    Pages without usable text are OCRed (``ocr``: 'auto'; 'always' OCRs every page, 'never' none) as page
    tasks in the same workers; without Tesseract, 'auto' leaves them as they are and says so in
    ``summary.ocr``, while 'always' raises :class:`OcrUnavailableError` before anything is read.

    A file that differs from its document's archived version (the SHA-256 of its first ingest, or of the
    last version accepted) is refused (``fixity-mismatch``) unless its id is in ``replace_ids`` (with
    ``reason``) or the catalog's ``sha256`` names the new file: then it becomes the next version, and the
    file of every version is kept in ``ARCHIVE/versions/``.

    Withdrawals and reinstatements recorded in the archive's provenance log are applied first, and a
    withdrawn document is skipped (status 'withdrawn'), never ingested again silently. Stored pages are
    tagged again first if the topics lexicon has changed since they were tagged. Each
    document's rows in ``provenance`` are replaced by what the archive's provenance log holds for it.
    """
    unknown = sorted(set(replace_ids) - {job.entry.id for job in jobs})
    if unknown:
        raise FixityError(f"--replace {', '.join(unknown)}: no such document in the catalog or among the files given")
    replace_by = Acceptance("qmarchive ingest --replace", reason)
    ocr_pages = OcrPages(db, ocr)
    summary = IngestSummary(run_id=store.start_run(db, paths.archive, extractor), ocr=ocr_pages.counts)
    history = provenance.rows_by_document(provenance.log_path(paths.archive))
    by_key: dict[int, tuple[Job, _Prepared]] = {}
    tasks: list[Task] = []

    def record(result: FileResult) -> bool:
        summary.results.append(result)
        store.log_result(db, summary.run_id, _log_row(result))
        if on_result:
            on_result(result)
        return fail_fast and result.status == "failed"

    try:
        withdrawal.sync(db, paths.archive)
        summary.retagged = retag_if_needed(db)
        for start in range(0, len(jobs), _CHECKS_PER_COMMIT):
            with db.atomic():  # unchanged files are logged in batches: one disk sync each would dominate a re-run
                for key, job in enumerate(jobs[start : start + _CHECKS_PER_COMMIT], start=start):
                    replacing = replace_by if job.entry.id in replace_ids else None
                    prepared = _prepare(db, paths, job, extractor, ocr_pages, history.get(job.entry.id, []), replacing)
                    if isinstance(prepared, FileResult):
                        if record(prepared):
                            return summary
                        continue
                    by_key[key] = (job, prepared)
                    tasks.append(
                        Task(key, job.path, extractor, job.entry.password or password, fingerprint_all=ocr == "always")
                    )
        if not tasks:
            return summary
        queue = deque(tasks)
        with Pool(workers, timeout=timeout, memory_mb=memory_mb) as pool:
            for outcome in pool.map(queue):
                if outcome.task.ocr is not None:
                    ready = ocr_pages.page_done(outcome)
                else:
                    ready, page_tasks = ocr_pages.document_done(outcome)
                    queue.extendleft(reversed(page_tasks))  # a document's pages go first, so it is stored soon
                if ready is None:
                    continue
                job, prepared = by_key[ready.task.key]
                result = _store(
                    db, paths, job, prepared, ready, extractor, ocr_pages.applied_mode, history.get(job.entry.id, [])
                )
                if record(result):
                    break
    finally:
        store.finish_run(db, summary.run_id, summary.counts)
    return summary


@dataclass(frozen=True)
class _Prepared:
    """A file that passed the cheap checks and is to be extracted; ``version`` is set when storing it makes
    a new version of its document (its first ingest, or an accepted replacement)."""

    base: FileResult
    size: int
    version: Acceptance | None = None
    note: str | None = None


def _prepare(
    db: Database,
    paths: Paths,
    job: Job,
    extractor: Extractor,
    ocr_pages: OcrPages,
    history: list[dict[str, Any]],
    replacing: Acceptance | None,
) -> FileResult | _Prepared:
    """The cheap checks, in the parent: a final result, or what is needed to extract and store the file."""
    started = time.perf_counter()
    base = FileResult(file=job.entry.file, document_id=job.entry.id, status="failed")
    withdrawn = withdrawal.withdrawn(db, job.entry.id)
    if withdrawn:
        return replace(
            base, status="withdrawn", message=f"{job.path}: {withdrawal.skip_message(job.entry.id, withdrawn)}"
        )
    if job.problem:
        return replace(base, error_class="catalog", message=f"{job.path}: {job.problem}")
    if not job.path.is_file():
        if job.catalogued:
            return replace(base, status="missing", message=f"{job.path}: not in the archive yet")
        return replace(base, error_class="not-found", message=f"{job.path}: no such file")
    try:
        sha256, size = file_digest(job.path)
    except OSError as exc:
        return replace(base, error_class="unreadable", message=f"{job.path}: cannot read ({exc.strerror or exc})")
    base = replace(base, sha256=sha256)
    stored = store.stored_version(db, job.entry.id)
    changed = stored is not None and stored.sha256 != sha256
    if job.entry.sha256 and job.entry.sha256 != sha256:
        message = (
            f"{job.path}: SHA-256 {sha256[:12]}… differs from the catalog's {job.entry.sha256[:12]}…; "
            "the file has changed or is the wrong one"
        )
        if changed and stored is not None:
            message += (
                f" (not ingested: the archived version {stored.sha256[:12]}… is still served and cited; to "
                f"accept this file as the next version, write its SHA-256 {sha256} into the catalog)"
            )
        return replace(base, error_class="fixity-mismatch" if changed else "checksum", message=message)

    version: Acceptance | None = None
    note = None
    if stored is None:
        version = FIRST_INGEST
    elif changed:
        archived = versions.current(db, job.entry.id)
        if replacing:
            version = replacing
        elif job.entry.sha256 == sha256:
            version = Acceptance(
                "qmarchive ingest (new sha256 in the catalog)", "the catalog's sha256 names the new file"
            )
        else:
            return replace(
                base, error_class="fixity-mismatch", message=_mismatch(job, sha256, stored.sha256, archived, paths)
            )
        note = (
            f"{job.entry.id}: new version accepted ({version.command}"
            f"{', reason: ' + version.reason if version.reason else ''}); the archived version "
            f"{archived['version'] if archived else ''} (SHA-256 {stored.sha256[:12]}…) stays in the version history"
        )
    else:
        try:
            note = _keep_current(db, paths.archive, job, sha256)
        except FixityError as exc:
            return replace(base, error_class="store", message=str(exc))
        if replacing:
            note = "; ".join(
                filter(
                    None,
                    [note, f"--replace {job.entry.id}: the file is the archived version already; nothing replaced"],
                )
            )
    if stored and stored[:2] == (sha256, extraction_version(extractor)) and ocr_pages.is_current(stored):
        if job.catalogued:
            store.update_document(db, job.entry.id, _catalog_values(job.entry), provenance=history)
        return replace(base, status="unchanged", message=note, seconds=time.perf_counter() - started)
    try:
        check_header(job.path)
    except ExtractionError as exc:
        return replace(base, error_class=exc.error_class, message=str(exc))
    return _Prepared(base, size, version, note)


def _mismatch(job: Job, sha256: str, archived_sha256: str, archived: dict[str, Any] | None, paths: Paths) -> str:
    """Why a changed file was refused, with both checksums and the two ways on."""
    number = f" {archived['version']}" if archived else ""
    kept = f" (a copy is kept as {paths.archive / archived['kept_file']})" if archived and archived["kept_file"] else ""
    return (
        f"{job.path}: SHA-256 {sha256} differs from {archived_sha256} of the archived version{number} of document "
        f"{job.entry.id}; not ingested: the archived version is still served and cited. Restore the original{kept}, "
        f'or accept the new file as the next version with: qmarchive ingest --replace {job.entry.id} --reason "…"'
    )


def _keep_current(db: Database, archive: Path, job: Job, sha256: str) -> str | None:
    """Keep a copy of the archived version if there is none (a database from before copies were kept)."""
    archived = versions.current(db, job.entry.id)
    if archived is None or (archived["kept_file"] and (archive / archived["kept_file"]).is_file()):
        return None
    kept = versions.keep(archive, job.entry.id, job.path, sha256)
    store.set_kept_file(db, job.entry.id, archived["version"], kept)
    return f"a copy of the archived version {archived['version']} is now kept as {kept}"


def _store(
    db: Database,
    paths: Paths,
    job: Job,
    prepared: _Prepared,
    outcome: Outcome,
    extractor: Extractor,
    ocr_mode: OcrMode,
    history: list[dict[str, Any]],
) -> FileResult:
    """Write one extracted document (one transaction), or the failure the worker reported."""
    base = replace(prepared.base, seconds=outcome.seconds)
    if outcome.error is not None:
        return replace(base, error_class=outcome.error.error_class, message=str(outcome.error))
    document = outcome.document
    assert document is not None and base.sha256 is not None
    try:
        version = None
        if prepared.version:
            version = {
                "sha256": base.sha256,
                "bytes": prepared.size,
                "page_count": document.page_count,
                "kept_file": versions.keep(paths.archive, job.entry.id, job.path, base.sha256),
                "accepted_at": store.now(),
                "reason": prepared.version.reason,
                "accepted_by": versions.operator(),
                "command": prepared.version.command,
            }
        pages = _page_rows(job.entry.id, document)
        found = measures.extract(job.entry.id, pages, outcome.page_tables)
        store.write_document(
            db,
            _document_record(job, document, base.sha256, prepared.size, extractor, ocr_mode),
            pages,
            _section_rows(job.entry.id, document),
            _page_topic_rows(job.entry.id, document, outcome.page_topics),
            provenance=history,
            version=version,
            massnahmen=[measure.row() for measure in found],
        )
    except QmarchiveError as exc:
        return replace(base, error_class="store", message=f"{job.path}: {exc}")
    warnings = (*document.warnings, *_title_notes(job, document))
    return replace(base, status="ingested", message=prepared.note, pages=document.page_count, warnings=warnings)


def failed_files(db: Database, paths: Paths) -> list[Path]:
    """The files whose latest ingest ended in failure, for ``ingest --retry-failed``."""
    rows = db.execute(
        "SELECT file FROM ingest_log WHERE id IN (SELECT max(id) FROM ingest_log GROUP BY file) "
        "AND status = 'failed' ORDER BY id"
    ).fetchall()
    return [Path(file) if Path(file).is_absolute() else paths.archive / file for (file,) in rows]


def _catalog_values(entry: CatalogEntry) -> dict[str, Any]:
    return {column: getattr(entry, column) for column in CATALOG_COLUMNS}


def _document_record(
    job: Job, document: ExtractedDocument, sha256: str, size: int, extractor: Extractor, ocr_mode: OcrMode
) -> dict[str, Any]:
    meta = document.metadata
    values = _catalog_values(job.entry)
    values["title"] = job.entry.title or _usable_title(meta["title"]) or job.path.stem
    return {
        "id": job.entry.id,
        **values,
        "catalogued": int(job.catalogued),
        "file": job.entry.file,
        "sha256": sha256,
        "bytes": size,
        "page_count": document.page_count,
        "pages_without_text": sum(1 for p in document.pages if not p.has_text_layer),
        "pages_ocr": sum(1 for p in document.pages if p.ocr_engine),
        "ocr_mode": ocr_mode,
        **{f"pdf_{key}": value for key, value in meta.items()},
        "pdf_encrypted": int(document.encrypted),
        "extractor": document.extractor,
        "extractor_version": document.extractor_version,
        "extraction_version": extraction_version(extractor),
        "ingested_at": store.now(),
    }


def _usable_title(title: str | None) -> str | None:
    """A PDF's own title, unless it is a placeholder, an application default, a path, URL or file name."""
    if not title or _JUNK_TITLE.search(title.strip()):
        return None
    return title.strip()


def _title_notes(job: Job, document: ExtractedDocument) -> tuple[str, ...]:
    """Say so when the PDF's title was not taken for a document without a catalog title."""
    title = document.metadata["title"]
    if job.entry.title or not title or _usable_title(title):
        return ()
    return (f"PDF metadata title '{title}' ignored (a placeholder, application default, path, URL or file name); "
            f"title taken from the file name '{job.path.stem}'",)  # fmt: skip


def _page_rows(document_id: str, document: ExtractedDocument) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{document_id}/{page.number}",
            "document_id": document_id,
            "page_number": page.number,
            "page_label": page.label,
            "page_label_source": page.label_source,
            "section": page.section,
            "text": page.text,
            "running_text": page.running_text,
            "continuation": page.continuation,
            "chars": len(page.text),
            "text_sha256": hashlib.sha256(page.text.encode("utf-8")).hexdigest(),
            "has_text_layer": int(page.has_text_layer),
            "needs_ocr": int(page.needs_ocr),
            "ocr": int(page.ocr_engine is not None),
            "ocr_engine": page.ocr_engine,
            "ocr_confidence": page.ocr_confidence,
        }
        for page in document.pages
    ]


def _page_topic_rows(
    document_id: str, document: ExtractedDocument, page_topics: list[list[str]] | None = None
) -> list[dict[str, Any]]:
    """Rows for ``page_topics``, from the topics the worker tagged (or tagged here)."""
    if page_topics is None:
        page_topics = [list(topics.tag_page(page.text, page.section)) for page in document.pages]
    return [
        {"page_id": f"{document_id}/{page.number}", "topic_id": topic_id}
        for page, ids in zip(document.pages, page_topics)
        for topic_id in ids
    ]


def retag_if_needed(db: Database) -> int:
    """Tag every stored page again if its topics come from another lexicon version; returns pages tagged.

    Topics are derived from the stored page text, so a new lexicon needs no new extraction: this also
    fills ``page_topics`` in a database ingested before topics existed.
    """
    if store.topics_version(db) == topics.LEXICON_VERSION:
        return 0
    pages = store.page_texts(db)
    store.replace_all_page_topics(
        db,
        [
            {"page_id": page_id, "topic_id": topic_id}
            for page_id, text, section in pages
            for topic_id in topics.tag_page(text, section)
        ],
    )
    return len(pages)


def _section_rows(document_id: str, document: ExtractedDocument) -> list[dict[str, Any]]:
    return [
        {
            "document_id": document_id,
            "position": position,
            "title": section.title,
            "level": section.level,
            "first_page": section.first_page,
            "last_page": section.last_page,
        }
        for position, section in enumerate(document.sections, start=1)
    ]


def _log_row(result: FileResult) -> dict[str, Any]:
    message = result.message
    if result.warnings:
        message = "; ".join(filter(None, [message, *result.warnings]))
    return {
        "document_id": result.document_id,
        "file": result.file,
        "sha256": result.sha256,
        "status": result.status,
        "error_class": result.error_class,
        "message": message,
        "pages": result.pages,
        "seconds": round(result.seconds, 3),
    }
