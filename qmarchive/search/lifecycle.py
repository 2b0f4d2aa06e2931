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
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.searching import Searcher

from qmarchive import german, locks
from qmarchive.errors import SearchIndexError
from qmarchive.search import writer as index_writer
from qmarchive.search.schema import SCHEMA_VERSION, make_schema

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
MARKER = "qmarchive-index.json"

Progress = Callable[[int], None]


def whoosh_dir(index_dir: Path) -> Path:
    return index_dir / "whoosh"


def version() -> dict[str, int]:
    """What an index must have been built with to be used as it is."""
    return {"schema_version": SCHEMA_VERSION, "analyzer_version": german.ANALYZER_VERSION}


@dataclass
class IndexReport:
    action: str  # "rebuilt", "updated", "current"
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
    return {"path": str(generation), **read_marker(generation), "bytes": size, "rebuild_reason": rebuild_reason(index_dir)}


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
    generation = current_generation(index_dir)
    if generation is None:
        raise SearchIndexError(f"{whoosh_dir(index_dir)}: no search index yet; run 'qmarchive index'")
    return whoosh_index.open_dir(str(generation))


_searchers = threading.local()


def current_searcher(index_dir: Path) -> Searcher:
    """A searcher on the current generation, kept per thread and refreshed when the index changes.

    Opening an index reads its schema with the compound vocabulary, which is too slow to repeat on
    every request of a server.
    """
    generation = current_generation(index_dir)
    cache: dict[Path, Searcher] = getattr(_searchers, "by_generation", {})
    searcher = cache.get(generation) if generation else None
    if searcher is None:
        searcher = open_current(index_dir).searcher()
        for stale in cache.values():
            stale.close()
        cache = {}
    else:
        searcher = searcher.refresh()
    cache[generation] = searcher
    _searchers.by_generation = cache
    return searcher


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
    values = [row[k] for k in ("text_sha256", "continuation", "title", "section", "doc_type", "area", "period_start", "period_end", "topics")]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:32]


def page_fingerprints(db: Database) -> dict[str, str]:
    """Page id → the fingerprint its index document must carry, for every page in the database."""
    sql = _PAGES_SQL.format(where="").replace("p.text,", "")
    return {row["id"]: _fingerprint(row) for row in db.query(sql)}


def indexed_pages(index_dir: Path) -> dict[str, str]:
    """Page id → stored fingerprint of every page in the current generation; reads only."""
    with open_current(index_dir).searcher() as searcher:
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


def rebuild(db: Database, index_dir: Path, progress: Progress | None = None, *, jobs: int | None = None) -> IndexReport:
    """Build a complete new generation beside the current one, then switch readers to it."""
    return update(db, index_dir, progress, rebuild=True, jobs=jobs)


def _rebuild_locked(db: Database, index_dir: Path, progress: Progress | None, jobs: int | None) -> IndexReport:
    started = datetime.now(timezone.utc)
    directory = whoosh_dir(index_dir)
    previous = current_generation(index_dir)
    _remove_generations(directory, keep={previous})
    generation = directory / f"gen-{started.strftime('%Y%m%dT%H%M%S%f')}"
    generation.mkdir()
    ix = whoosh_index.create_in(str(generation), make_schema(_splitter(db)))
    total = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    pages = index_writer.build(ix, _reported(map(_index_document, _page_rows(db)), progress), total, jobs)
    marker = {**version(), "built_at": started.isoformat(timespec="seconds"), "pages": pages}
    (generation / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
    _switch(directory, generation)
    _remove_generations(directory, keep={generation, previous})
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    return IndexReport("rebuilt", pages=pages, added=pages, seconds=seconds)


def _reported(documents: Iterator[dict[str, Any]], progress: Progress | None) -> Iterator[dict[str, Any]]:
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
    db: Database, index_dir: Path, progress: Progress | None = None, *, rebuild: bool = False, jobs: int | None = None
) -> IndexReport:
    """Bring the index in step with the database: only pages that changed are indexed again, unless
    a rebuild is asked for or the index was built by another version."""
    with write_lock(index_dir) as recovered:
        reason = None if rebuild else rebuild_reason(index_dir)
        if rebuild or reason:
            report = _rebuild_locked(db, index_dir, progress, jobs)
            report.reason = reason
        else:
            report = _update_locked(db, index_dir, progress)
        report.recovered_lock = recovered
        return report


def _update_locked(db: Database, index_dir: Path, progress: Progress | None) -> IndexReport:
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
