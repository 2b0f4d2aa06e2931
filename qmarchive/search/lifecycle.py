"""Building, updating and switching the Whoosh index; the write lock.

The index is derived from the database and can be rebuilt at any time. Layout of ``INDEX/whoosh/``:
``CURRENT`` names the generation readers use; a rebuild writes a new generation beside it and then
replaces ``CURRENT`` atomically, so readers never see a half-built index. Writers hold the archive's
one writer lock (``INDEX/.writer.lock``, see :mod:`qmarchive.locks`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from qmarchive import german, locks
from qmarchive.errors import QmarchiveError, SearchIndexDamagedError, SearchIndexError
from qmarchive.search import writer as index_writer
from qmarchive.search.schema import SCHEMA_VERSION, make_schema
from qmarchive.progress import Advance

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
MARKER = "qmarchive-index.json"


def whoosh_dir(index_dir: Path) -> Path:
    return index_dir / "whoosh"


def version() -> dict[str, int | str]:
    """What an index must have been built with to be used as it is."""
    return {
        "schema_version": SCHEMA_VERSION,
        "analyzer_version": german.ANALYZER_VERSION,
        "compound_base": german.base_key(),
    }


@dataclass
class IndexReport:
    action: str  # "built" (the first time), "rebuilt", "updated", "current"
    pages: int = 0
    added: int = 0
    removed: int = 0
    seconds: float = 0.0
    reason: str | None = None
    recovered_lock: str | None = None


def current_generation(index_dir: Path) -> Path | None:
    pointer = whoosh_dir(index_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    generation = whoosh_dir(index_dir) / name
    return generation if name and (generation / MARKER).is_file() else None


def read_marker(generation: Path) -> dict[str, Any]:
    return json.loads((generation / MARKER).read_text(encoding="utf-8"))


def index_info(index_dir: Path) -> dict[str, Any] | None:
    """The current generation's marker (versions, build time, pages) and size, or None."""
    generation = current_generation(index_dir)
    if generation is None:
        return None
    size = sum(f.stat().st_size for f in generation.iterdir() if f.is_file())
    return {
        "path": str(generation),
        **read_marker(generation),
        "bytes": size,
        "rebuild_reason": rebuild_reason(index_dir),
    }


def rebuild_reason(index_dir: Path) -> str | None:
    """Why the index cannot just be updated, or None."""
    generation = current_generation(index_dir)
    if generation is None:
        return "no search index yet"
    marker = read_marker(generation)
    built = {key: marker.get(key) for key in version()}
    if built != version():
        return f"built with {built}, this version needs {version()}"
    return None


def open_current(index_dir: Path) -> FileIndex:
    """The current generation, for writing it."""
    return _open(index_dir, whoosh_index.open_dir)


def open_for_reading(index_dir: Path) -> FileIndex:
    """The current generation, read with plain file reads instead of memory maps: a segment file that
    is cut short under a reader then raises an error the caller can name, where a mapped one would kill
    the process with SIGBUS. Costs little, see "Operating a live archive" in docs/serving.md."""
    return _open(index_dir, lambda path: FileIndex(FileStorage(path, supports_mmap=False, readonly=True)))


def _open(index_dir: Path, opener: Callable[[str], FileIndex]) -> FileIndex:
    generation = current_generation(index_dir)
    if generation is None:
        raise SearchIndexError(f"{whoosh_dir(index_dir)}: no search index yet; run 'qmarchive index'")
    try:
        return opener(str(generation))
    except OSError as exc:
        raise SearchIndexError(f"{generation}: cannot open the search index ({exc.strerror or exc})") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged TOC fails in many ways
        raise damaged(generation, exc) from exc


def damaged(where: Path, exc: BaseException) -> SearchIndexDamagedError:
    """The error for an index Whoosh cannot read, naming the file or folder and the repair."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return SearchIndexDamagedError(
        f"{where}: the search index is damaged and cannot be read ({detail}); "
        f"rebuild it from the database with '{REPAIR}'"
    )


REPAIR = "qmarchive index --rebuild"


@dataclass
class _Reading:
    """One thread's searcher and what it was opened on."""

    generation: Path
    toc: int  # Whoosh's TOC generation the searcher reads: each commit of an update makes a new one
    index: FileIndex
    searcher: Searcher


_readers = threading.local()


def current_searcher(index_dir: Path) -> Searcher:
    """A searcher on the index as it is now, kept per thread while the index does not change.

    An update commits a new TOC, a rebuild switches ``CURRENT``; either way the searcher is replaced by
    one opened on the whole new state. Never ``Searcher.refresh()``: it keeps the readers of unchanged
    segments with the deletions they had, so replaced pages would be found twice or by old words.
    Opening reads the schema (with its compound vocabulary) once per generation and thread; a new TOC
    only opens its segments.
    """
    generation = current_generation(index_dir)
    if generation is None:
        raise SearchIndexError(f"{whoosh_dir(index_dir)}: no search index yet; run 'qmarchive index'")
    reading: _Reading | None = getattr(_readers, "current", None)
    if reading is not None and reading.generation == generation:
        if reading.index.latest_generation() == reading.toc:
            try:
                _probe(reading.searcher.reader())  # damage after opening, too (0.03 ms)
            except Exception as exc:  # noqa: BLE001 - a damaged segment fails in many ways
                _forget()
                raise damaged(generation, exc) from exc
            return reading.searcher
        index = reading.index
    else:
        index = open_for_reading(index_dir)
        index = FileIndex(index.storage, schema=index.schema)  # the schema is read once, not per TOC
    try:
        reader = index.reader()
        _probe(reader)
    except Exception as exc:  # noqa: BLE001 - a damaged segment fails in many ways
        raise damaged(generation, exc) from exc
    if reading is not None:
        reading.searcher.close()
    _readers.current = _Reading(generation, reader.generation(), index, Searcher(reader, fromindex=index))
    return _readers.current.searcher


def _probe(reader) -> None:
    """Each segment finds its own first page by id: a damaged term table would otherwise answer every
    search with no hits, silently. One stored document and one term lookup per segment."""
    for leaf, _ in reader.leaf_readers():
        first = next(iter(leaf.all_stored_fields()), None)
        if first is not None and ("page_id", first["page_id"]) not in leaf:
            raise LookupError(f"segment {leaf.segment().segment_id()} does not find its page {first['page_id']}")


@contextmanager
def searching(index_dir: Path) -> Iterator[Searcher]:
    """The current searcher; what Whoosh raises while it is read is turned into a named error.

    A damaged segment surfaces wherever its bytes are first read (TermNotFound, zlib or struct errors,
    EOFError...); the searcher is dropped so that the next request opens the index afresh.
    """
    searcher = current_searcher(index_dir)
    try:
        yield searcher
    except (QmarchiveError, sqlite3.Error):
        raise
    except Exception as exc:  # noqa: BLE001 - see above
        log.exception("search index %s failed while being read", index_dir)
        _forget()
        raise damaged(current_generation(index_dir) or whoosh_dir(index_dir), exc) from exc


def _forget() -> None:
    reading: _Reading | None = getattr(_readers, "current", None)
    _readers.current = None
    if reading is not None:
        try:
            reading.searcher.close()
        except Exception:  # noqa: BLE001 - closing a damaged reader may fail too; it is dropped either way
            pass


@contextmanager
def write_lock(index_dir: Path) -> Iterator[str | None]:
    """Hold the archive's writer lock (:func:`qmarchive.locks.writer`); yields a message if a killed
    writer's lock was recovered. A command that already holds it (``ingest``) keeps it."""
    with locks.writer(index_dir, "index") as recovered:
        whoosh_dir(index_dir).mkdir(parents=True, exist_ok=True)
        if recovered:
            log.warning(recovered)
        yield recovered


# --- what goes into the index -------------------------------------------------------------------

_PAGES_SQL = """
SELECT p.id, p.document_id, p.page_number, p.section, p.text, p.text_sha256, p.continuation,
       d.title, d.doc_type, d.area, d.period_start, d.period_end,
       (SELECT group_concat(topic_id, ' ') FROM page_topics t WHERE t.page_id = p.id) AS topics
FROM pages p JOIN documents d ON d.id = p.document_id
{where}
ORDER BY p.document_id, p.page_number
"""


def _page_rows(db: Database, ids: list[str] | None = None) -> Iterator[dict[str, Any]]:
    if ids is None:
        yield from db.query(_PAGES_SQL.format(where=""))
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        where = f"WHERE p.id IN ({', '.join('?' * len(chunk))})"
        yield from db.query(_PAGES_SQL.format(where=where), chunk)


def _fingerprint(row: dict[str, Any]) -> str:
    """Everything an index document is made of; a page whose fingerprint changed is indexed again."""
    values = [
        row[k]
        for k in (
            "text_sha256",
            "continuation",
            "title",
            "section",
            "doc_type",
            "area",
            "period_start",
            "period_end",
            "topics",
        )
    ]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def page_fingerprints(db: Database) -> dict[str, str]:
    """Page id → the fingerprint its index document must carry, for every page in the database."""
    sql = _PAGES_SQL.format(where="").replace("p.text,", "")
    return {row["id"]: _fingerprint(row) for row in db.query(sql)}


def indexed_pages(index_dir: Path) -> dict[str, str]:
    """Page id → stored fingerprint of every page in the current generation; reads only."""
    with searching(index_dir) as searcher:
        return {fields["page_id"]: fields.get("fingerprint") for fields in searcher.all_stored_fields()}


def _years(row: dict[str, Any]) -> str:
    start, end = row["period_start"], row["period_end"] or row["period_start"]
    return " ".join(str(y) for y in range(start, end + 1)) if start else ""


def _index_document(row: dict[str, Any]) -> dict[str, Any]:
    text = row["text"] or ""
    spelling = {german.fold(w) for w in set(german.word_list(text)) if len(w) > 2}
    return {
        "page_id": row["id"],
        "fingerprint": _fingerprint(row),
        "dokument": row["document_id"],
        "seite": row["page_number"],
        "typ": row["doc_type"],
        "jahr": _years(row),
        "gebiet": row["area"] or "",
        "feld": row["topics"] or "",
        "titel": row["title"] or "",
        "abschnitt": row["section"] or "",
        # A word hyphenated across the page break is found on the page where it starts.
        "text": f"{text}\n{row['continuation']}" if row["continuation"] else text,
        "woerter": " ".join(sorted(spelling)),
    }


def _splitter(db: Database) -> german.CompoundSplitter:
    """Compound parts: common German words and the words the archive itself uses."""
    written: set[str] = set()
    for (text,) in db.execute("SELECT text FROM pages"):
        written.update(german.word_list(text))
    return german.splitter_for({german.fold(german.gender_neutral(w)) for w in written})


# --- build and update ----------------------------------------------------------------------------


def rebuild(db: Database, index_dir: Path, progress: Advance | None = None, *, jobs: int | None = None) -> IndexReport:
    """Build a complete new generation beside the current one, then switch readers to it."""
    return update(db, index_dir, progress, rebuild=True, jobs=jobs)


def _rebuild_locked(db: Database, index_dir: Path, progress: Advance | None, jobs: int | None) -> IndexReport:
    started = datetime.now(timezone.utc)
    directory = whoosh_dir(index_dir)
    previous = current_generation(index_dir)
    _remove_generations(directory, keep={previous})
    generation = directory / f"gen-{started.strftime('%Y%m%dT%H%M%S%f')}"
    generation.mkdir()
    try:
        ix = whoosh_index.create_in(str(generation), make_schema(_splitter(db)))
        total = db.execute("SELECT count(*) FROM pages").fetchone()[0]
        pages = index_writer.build(ix, _reported(map(_index_document, _page_rows(db)), progress), total, jobs)
        marker = {**version(), "built_at": started.isoformat(timespec="seconds"), "pages": pages}
        (generation / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        _switch(directory, generation)
    except OSError:
        shutil.rmtree(generation, ignore_errors=True)  # a half-written generation only takes the space a retry needs
        raise
    _remove_generations(directory, keep={generation, previous})
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    return IndexReport("rebuilt", pages=pages, added=pages, seconds=seconds)


def _reported(documents: Iterator[dict[str, Any]], progress: Advance | None) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield document
        if progress:
            progress(1)


def _switch(directory: Path, generation: Path) -> None:
    """Point CURRENT at the generation in one atomic rename."""
    pointer = directory / CURRENT
    temporary = directory / f"{CURRENT}.tmp"
    temporary.write_text(generation.name, encoding="utf-8")
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())
    os.replace(temporary, pointer)


def _remove_generations(directory: Path, keep: set[Path | None]) -> None:
    """Drop generations nobody points to: older ones and those a killed build left half-written."""
    for path in directory.glob("gen-*"):
        if path not in keep:
            shutil.rmtree(path, ignore_errors=True)


def update(
    db: Database, index_dir: Path, progress: Advance | None = None, *, rebuild: bool = False, jobs: int | None = None
) -> IndexReport:
    """Bring the index in step with the database: only pages that changed are indexed again, unless
    a rebuild is asked for or the index was built by another version.

    A full disk or a read-only folder stops it with a SearchIndexError naming the folder; the index
    readers use stays as it was (a rebuild's new generation is removed, an update is not committed).
    """
    try:
        with write_lock(index_dir) as recovered:
            first = current_generation(index_dir) is None
            reason = None if rebuild or first else rebuild_reason(index_dir)
            if rebuild or first or reason:
                report = _rebuild_locked(db, index_dir, progress, jobs)
                report.reason = reason
                if first:
                    report.action = "built"
            else:
                report = _updated_or_damaged(db, index_dir, progress)
            report.recovered_lock = recovered
            return report
    except OSError as exc:
        where = exc.filename or whoosh_dir(index_dir)
        raise SearchIndexError(
            f"{where}: cannot write the search index ({exc.strerror or exc}); the index in use is unchanged. "
            "Free space or make the folder writable, then run 'qmarchive index'"
        ) from exc


def _updated_or_damaged(db: Database, index_dir: Path, progress: Advance | None) -> IndexReport:
    """An update reads the index it changes; what Whoosh raises on a damaged one becomes a named error."""
    try:
        return _update_locked(db, index_dir, progress)
    except (QmarchiveError, OSError, sqlite3.Error):
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged segment fails in many ways
        raise damaged(current_generation(index_dir) or whoosh_dir(index_dir), exc) from exc


def _update_locked(db: Database, index_dir: Path, progress: Advance | None) -> IndexReport:
    started = datetime.now(timezone.utc)
    ix = open_current(index_dir)
    wanted = page_fingerprints(db)
    with ix.searcher() as searcher:
        indexed = {fields["page_id"]: fields.get("fingerprint") for fields in searcher.all_stored_fields()}
    removed = [page_id for page_id in indexed if page_id not in wanted]
    changed = [page_id for page_id, fp in wanted.items() if indexed.get(page_id) != fp]
    if removed or changed:
        writer = ix.writer(limitmb=index_writer.MEMORY_MB)
        try:
            for page_id in removed:
                writer.delete_by_term("page_id", page_id)
            for document in _reported(map(_index_document, _page_rows(db, changed)), progress):
                writer.update_document(**document)
            writer.commit(optimize=False)
        except BaseException:
            writer.cancel()
            raise
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    action = "updated" if removed or changed else "current"
    return IndexReport(action, pages=len(wanted), added=len(changed), removed=len(removed), seconds=seconds)
