"""SIGKILL at any moment of ``ingest`` or ``index`` leaves a consistent database and a usable index.

Real subprocesses are killed after real delays (fractions of how long an uninterrupted run takes), then
the database is checked and the next run must finish the work without any repair.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, write_catalog
from sqlite_utils import Database

from qmarchive.paths import Paths
from qmarchive.search import lifecycle

pytestmark = pytest.mark.slow

SAMPLES = ROOT / "archive" / "samples" / "pdf"
FRACTIONS = (0.3, 0.55, 0.8)


def qmarchive(paths: Paths, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "qmarchive", "--archive", str(paths.archive), "--index", str(paths.index), *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out.decode() + err.decode()


def kill_after(paths: Paths, seconds: float, *args: str) -> None:
    process = qmarchive(paths, *args)
    time.sleep(seconds)
    process.kill()  # SIGKILL, the main process only: its workers must notice on their own
    process.communicate(timeout=60)
    time.sleep(0.2)
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything of this run still alive would be a leak; end it
    except ProcessLookupError:
        pass


def assert_consistent(paths: Paths) -> None:
    db = Database(paths.database)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    incomplete = list(
        db.query(
            "SELECT d.id, d.page_count, count(p.id) AS pages FROM documents d LEFT JOIN pages p ON p.document_id = d.id "
            "GROUP BY d.id HAVING d.page_count != count(p.id)"
        )
    )
    assert incomplete == []


def assert_index_matches(paths: Paths) -> None:
    db = Database(paths.database)
    assert lifecycle.indexed_pages(paths.index) == lifecycle.page_fingerprints(db)


@pytest.fixture
def batch(tmp_path: Path) -> Paths:
    """The sample PDFs, catalogued under new ids."""
    paths = Paths(archive=tmp_path / "archive", index=tmp_path / "index")
    (paths.archive / "pdf").mkdir(parents=True)
    rows = []
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        name = f"kopie-{pdf.stem}"
        shutil.copyfile(pdf, paths.archive / "pdf" / f"{name}.pdf")
        rows.append({"id": name, "title": name, "doc_type": "sonstiges", "file": f"pdf/{name}.pdf"})
    write_catalog(paths.archive, rows)
    return paths


def timed_run(paths: Paths, *args: str) -> float:
    started = time.perf_counter()
    code, output = finish(qmarchive(paths, *args))
    assert code == 0, output
    return time.perf_counter() - started


def test_killed_ingest_resumes(batch: Paths, tmp_path: Path) -> None:
    reference = Paths(archive=batch.archive, index=tmp_path / "reference")
    duration = timed_run(reference, "ingest", "--quiet")
    assert_index_matches(reference)
    expected = Database(reference.database).execute("SELECT count(*) FROM pages").fetchone()[0]
    interrupted = 0
    for fraction in FRACTIONS:
        kill_after(batch, duration * fraction, "ingest", "--quiet")
        if batch.database.exists():
            assert_consistent(batch)
            db = Database(batch.database)
            stored = db.execute("SELECT count(*) FROM pages").fetchone()[0]
            interrupted += stored < expected or lifecycle.current_generation(batch.index) is None
        else:
            interrupted += 1
    assert interrupted  # the kills did land in the middle of the work
    code, output = finish(qmarchive(batch, "ingest", "--quiet"))
    assert code == 0, output
    assert "Traceback" not in output
    assert_consistent(batch)
    assert Database(batch.database).execute("SELECT count(*) FROM pages").fetchone()[0] == expected
    assert_index_matches(batch)


def test_killed_index_rebuild_and_update_leave_a_usable_index(batch: Paths) -> None:
    # Some of the documents, indexed: the index to update afterwards.
    first = sorted((batch.archive / "pdf").glob("*.pdf"))[::2]
    code, output = finish(qmarchive(batch, "ingest", "--quiet", *map(str, first)))
    assert code == 0, output
    rebuild = timed_run(batch, "index", "--rebuild", "--quiet")
    for fraction in FRACTIONS:
        kill_after(batch, rebuild * fraction, "index", "--rebuild", "--quiet")
        assert_index_matches(batch)  # the old generation is still CURRENT and complete
    code, output = finish(qmarchive(batch, "ingest", "--quiet", "--no-index"))
    assert code == 0, output
    for fraction in FRACTIONS:  # the update indexes about as many pages as the rebuild did
        kill_after(batch, rebuild * fraction, "index", "--quiet")
        lifecycle.indexed_pages(batch.index)  # still opens and reads
    code, output = finish(qmarchive(batch, "index", "--quiet"))
    assert code == 0, output
    assert "Traceback" not in output
    assert_index_matches(batch)


def test_a_killed_parallel_rebuild_leaves_no_process_behind(batch: Paths) -> None:
    code, output = finish(qmarchive(batch, "ingest", "--quiet"))
    assert code == 0, output
    rebuild = timed_run(batch, "index", "--rebuild", "--quiet", "--jobs", "2")
    process = qmarchive(batch, "index", "--rebuild", "--quiet", "--jobs", "2")
    time.sleep(rebuild * 0.6)  # the analysing processes are at work
    process.kill()
    process.communicate(timeout=60)
    deadline = time.monotonic() + 5
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    leaked = _group_alive(process.pid)
    if leaked:
        os.killpg(process.pid, signal.SIGKILL)
    assert not leaked, "processes of the killed rebuild are still running"
    code, output = finish(qmarchive(batch, "index", "--quiet"))  # the write lock is free again
    assert code == 0, output
    assert_index_matches(batch)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
