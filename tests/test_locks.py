"""One writer per archive: every writing command takes the lock of its index directory, and a second one
stops at once with status 1, naming the first, without a traceback or a half-written run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import hostile
import pytest
from click.testing import CliRunner
from conftest import cli_args, ctrl_c_as_at_a_terminal

from qmarchive import locks
from qmarchive.cli import cli
from qmarchive.errors import WriterBusyError
from qmarchive.paths import Paths

pytestmark = pytest.mark.slow


def qmarchive(paths: Paths, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "qmarchive", *cli_args(paths, *args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def holder(index: Path, command: str) -> subprocess.Popen:
    """Another process holding the archive's writer lock for ``command`` until it is killed."""
    code = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from qmarchive import locks
        with locks.writer(Path({str(index)!r}), {command!r}):
            print("locked", flush=True)
            time.sleep(60)
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "locked\n"
    return process


def runs(paths: Paths) -> list[tuple]:
    with sqlite3.connect(paths.database) as conn:
        return conn.execute("select id, finished_at from ingest_runs order by id").fetchall()


@pytest.mark.parametrize(
    "args",
    [
        ["ingest"],
        ["ingest", "--retry-failed"],
        ["index"],
        ["index", "--rebuild"],
        ["withdraw", "ihek-2012", "--reason", "x"],
        ["reinstate", "ihek-2012"],
        ["fetch"],
    ],
)
def test_a_second_writer_stops_at_once_naming_the_first(copy: Paths, args: list[str]) -> None:
    before = runs(copy)
    database = copy.database.read_bytes()
    first = holder(copy.index, "ingest")
    try:
        started = time.monotonic()
        result = qmarchive(copy, *args)
        seconds = time.monotonic() - started
    finally:
        first.kill()
        first.wait()
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: another ingest (process {first.pid}) is running on this archive (lock "
        f"{(copy.index / locks.WRITER_LOCK).resolve()}); wait for it to finish, then run '{args[0]}' again\n"
    )
    assert seconds < 20  # at once: it does not wait for the lock
    assert runs(copy) == before and copy.database.read_bytes() == database


def test_two_real_ingests_at_once(copy: Paths, tmp_path: Path) -> None:
    slow = tmp_path / "langsam.pdf"
    slow.write_bytes(hostile.slow_page())
    command = [
        sys.executable,
        "-m",
        "qmarchive",
        *cli_args(copy, "ingest", str(slow), "--jobs", "1", "--timeout", "60", "-q"),
    ]
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_at_a_terminal
    )
    try:
        lock = copy.index / locks.WRITER_LOCK
        deadline = time.monotonic() + 30
        while lock.read_text(encoding="utf-8") != f"{first.pid} ingest":
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        before = runs(copy)
        second = CliRunner().invoke(cli, cli_args(copy, "ingest"))
        assert first.poll() is None, "the first ingest ended before the second one tried"
        assert second.exit_code == 1
        assert f"Error: another ingest (process {first.pid}) is running on this archive" in second.stderr
        assert "Traceback" not in second.output and runs(copy) == before
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
    finally:
        first.kill()
        first.wait()
    after = CliRunner().invoke(cli, cli_args(copy, "ingest"))  # the system released the lock
    assert after.exit_code == 0, after.output


def test_the_lock_is_taken_again_by_its_holder_and_named_in_its_file(tmp_path: Path) -> None:
    with locks.writer(tmp_path, "ingest") as recovered:
        assert recovered is None
        assert (tmp_path / locks.WRITER_LOCK).read_text() == f"{__import__('os').getpid()} ingest"
        with locks.writer(tmp_path, "index"):  # ingest brings the index up to date under its own lock
            pass
        assert (tmp_path / locks.WRITER_LOCK).read_text().endswith(" ingest")
        code = f"from pathlib import Path; from qmarchive import locks\nwith locks.writer(Path({str(tmp_path)!r}), 'fetch'): pass"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert other.returncode == 1 and "WriterBusyError: another ingest (process" in other.stderr
    assert (tmp_path / locks.WRITER_LOCK).read_text() == ""
    with locks.writer(tmp_path, "fetch"):
        pass
    with pytest.raises(WriterBusyError):
        first = holder(tmp_path, "withdraw")
        try:
            with locks.writer(tmp_path, "ingest"):
                pass
        finally:
            first.kill()
            first.wait()
