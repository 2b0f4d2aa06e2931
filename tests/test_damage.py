"""Damage is found and named: a zeroed or cut-off search index segment, a corrupted database page, a full
disk and a read-only folder, through the real CLI and a live server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from conftest import cli_args
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.search import lifecycle
from harness import child_server

pytestmark = pytest.mark.slow

REBUILD = "rebuild it from the database with 'qmarchive index --rebuild'"


def segment(paths: Paths) -> Path:
    (path,) = lifecycle.current_generation(paths.index).glob("*.seg")
    return path


def terms_range(path: Path) -> tuple[int, int]:
    """Where the term table lies inside a compound segment file (offset, length)."""
    from whoosh.filedb.compound import CompoundStorage
    from whoosh.filedb.filestore import FileStorage

    storage = CompoundStorage(FileStorage(str(path.parent)).open_file(path.name), use_mmap=False)
    try:
        (info,) = [info for name, info in storage._dir.items() if name.endswith(".trm")]
    finally:
        storage.close()
    return info["offset"], info["length"]


def zero_terms(path: Path) -> None:
    """Zeroes in the middle of the term table, its header left intact: Whoosh opens it and finds nothing."""
    offset, length = terms_range(path)
    with path.open("r+b") as f:
        f.seek(offset + 64)
        f.write(b"\0" * (length // 2))


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


DAMAGE = {"zeroed": zero_terms, "truncated": truncate}


def verify(paths: Paths):
    return CliRunner().invoke(cli, cli_args(paths, "verify"))


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_segment_is_named_by_verify_and_search_says_how_to_repair(copy: Paths, kind: str) -> None:
    path = segment(copy)
    DAMAGE[kind](path)
    result = verify(copy)
    assert result.exit_code == 1
    finding = next(line for line in result.stdout.splitlines() if line.strip().startswith(str(path)))
    assert finding.strip().startswith(f"{path}: cannot be read (")
    assert finding.endswith("); rebuild the index with 'qmarchive index --rebuild'")
    assert "search-index-readable" in result.stdout.splitlines()[-1]
    assert "Traceback" not in result.output

    assert (
        CliRunner().invoke(cli, cli_args(copy, "search", "Straße")).exit_code == 0
    )  # the german engine needs no Whoosh
    searched = CliRunner().invoke(cli, cli_args(copy, "search", "Straße", "--engine", "whoosh"))
    assert searched.exit_code == 1
    assert searched.stderr.startswith(f"Error: {path.parent}: the search index is damaged and cannot be read (")
    assert searched.stderr.endswith(f"; {REBUILD}\n")

    assert CliRunner().invoke(cli, cli_args(copy, "index", "--rebuild", "-q")).exit_code == 0
    assert verify(copy).exit_code == 0
    assert CliRunner().invoke(cli, cli_args(copy, "search", "Straße", "--engine", "whoosh")).exit_code == 0


def test_an_update_of_a_cut_off_index_says_how_to_repair_it(copy: Paths) -> None:
    path = segment(copy)
    truncate(path)
    updated = CliRunner().invoke(cli, cli_args(copy, "index"))
    assert updated.exit_code == 1
    assert updated.stderr == (
        f"Error: {path.parent}: the search index is damaged and cannot be read (EOFError: Ran out "
        f"of input); {REBUILD}\n"
    )


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_live_server_keeps_searching_on_a_damaged_whoosh_index_and_serves_everything_else(
    copy: Paths, kind: str
) -> None:
    # /-/suche uses the german engine (SQLite), which does not read the Whoosh index; `search --engine
    # whoosh` names the damage (above).
    with child_server(copy.archive, copy.index, workers=2) as base, httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(4):  # both workers have searched before the index is damaged
            assert client.get("/-/suche.json", params={"q": "Straße"}).status_code == 200
        DAMAGE[kind](segment(copy))
        for _ in range(3):
            answer = client.get("/-/suche.json", params={"q": "Straße"})
            assert answer.status_code == 200 and answer.json()["total"] == 2
            assert client.get("/-/suche", params={"q": "Straße"}).status_code == 200
            assert client.get("/-/suche.csv", params={"q": "Straße"}).status_code == 200
        assert client.get("/qmarchive/pages.json").status_code == 200
        assert client.get("/qmarchive/pages/ihek-2012~2F1").status_code == 200
        assert client.get("/-/pdf/ihek-2012").status_code == 200
        assert client.get("/-/zitat/ihek-2012/2").status_code == 200

        # Repaired beside the running server, which reads the new generation without a restart.
        assert CliRunner().invoke(cli, cli_args(copy, "index", "--rebuild", "-q")).exit_code == 0
        answer = client.get("/-/suche.json", params={"q": "Straße"})
        assert answer.status_code == 200 and answer.json()["total"] > 0


def test_a_corrupted_database_page_is_named_by_verify_without_a_traceback(copy: Paths) -> None:
    size = copy.database.stat().st_size
    with copy.database.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 8192)
    result = verify(copy)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert (
        f"           {copy.database}: cannot be checked (database disk image is malformed); restore qmarchive.db "
        "from the last package (data/qmarchive.db in the bag), or run 'qmarchive ingest' into an empty index "
        "directory"
    ) in result.stdout
    assert "sqlite-integrity" in result.stdout.splitlines()[-1]


# -- a full disk and a read-only folder: real conditions, in a mount namespace of their own ----------


def in_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script as root of a new user and mount namespace, where it may mount a tmpfs of its own.

    Unprivileged user namespaces make a full or read-only filesystem possible without being root, and
    root (who ignores file modes) gets a real one too."""
    unshare = shutil.which("unshare")
    assert unshare, "the util-linux 'unshare' command is needed for the disk-full and read-only tests"
    return subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", "sh", "-e", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
    )


def qmarchive_command(paths: Paths, *args: str) -> str:
    return " ".join(
        [sys.executable, "-m", "qmarchive", "--archive", str(paths.archive), "--index", str(paths.index), *args]
    )


def test_a_full_disk_stops_an_index_rebuild_with_one_line_and_keeps_the_index(copy: Paths) -> None:
    whoosh = copy.index / "whoosh"
    used = sum(f.stat().st_size for f in whoosh.rglob("*") if f.is_file())
    kept = copy.index.parent / "whoosh-kept"
    shutil.move(whoosh, kept)
    whoosh.mkdir()
    script = f"""
        mount -t tmpfs -o size={used + 64 * 1024} tmpfs {whoosh}
        cp -a {kept}/. {whoosh}/
        if {qmarchive_command(copy, "index", "--rebuild", "-q")} 2> {copy.index.parent}/rebuild.err; then exit 9; fi
        {qmarchive_command(copy, "search", "Straße")} > {copy.index.parent}/search.out
    """
    result = in_namespace(script)
    assert result.returncode == 0, result.stderr
    error = (copy.index.parent / "rebuild.err").read_text()
    assert error.count("\n") == 1 and error.startswith("Error: ")
    assert "No space left on device" in error and str(whoosh) in error
    assert "the index in use is unchanged" in error and "Traceback" not in error
    assert "[ihek-2019-2021/" in (copy.index.parent / "search.out").read_text()


def test_a_read_only_index_folder_stops_ingest_and_index_with_one_line(copy: Paths) -> None:
    kept = copy.index.parent / "index-kept"
    shutil.copytree(copy.index, kept)
    script = f"""
        mount -t tmpfs tmpfs {copy.index}
        cp -a {kept}/. {copy.index}/
        mount -o remount,ro {copy.index}
        if {qmarchive_command(copy, "index", "--rebuild", "-q")} 2> {copy.index.parent}/index.err; then exit 9; fi
        if {qmarchive_command(copy, "ingest", "-q")} 2> {copy.index.parent}/ingest.err; then exit 8; fi
    """
    result = in_namespace(script)
    assert result.returncode == 0, result.stderr
    for name in ("index.err", "ingest.err"):
        error = (copy.index.parent / name).read_text()
        assert error.count("\n") == 1 and error.startswith("Error: "), error
        # Whoosh's lock file, or SQLite: at opening (no shared-memory file yet) or at the first write.
        assert any(
            reason in error
            for reason in (
                "Read-only file system",
                "its folder is read-only or not writable",
                "attempt to write a readonly database",
            )
        ), error
        assert str(copy.index) in error and "Traceback" not in error


def test_a_full_disk_stops_ingest_with_one_line_and_loses_nothing(copy: Paths) -> None:
    from pdfmaker import make_pdf

    from conftest import ihek_spec

    extra = copy.archive / "pdf" / "nachtrag-2024.pdf"
    make_pdf(extra, ihek_spec(title="Nachtrag 2024"))
    kept = copy.index.parent / "index-kept"
    shutil.copytree(copy.index, kept)
    out = copy.index.parent
    script = f"""
        mount -t tmpfs -o size=8m tmpfs {copy.index}
        cp -a {kept}/. {copy.index}/
        {qmarchive_command(copy, "status")} > /dev/null
        dd if=/dev/zero of={copy.index}/filler bs=4k 2> /dev/null || true
        if {qmarchive_command(copy, "ingest", "-q", "--no-index", str(extra))} > {out}/ingest.out 2> {out}/ingest.err; then exit 9; fi
        rm {copy.index}/filler
        {qmarchive_command(copy, "verify")} > {out}/verify.out
    """
    result = in_namespace(script)
    assert result.returncode == 0, result.stderr
    error = (out / "ingest.err").read_text()
    # The writer lock's file fails first (it names its holder), or SQLite when it opens the database (its
    # shared memory needs space) or at the first write.
    assert error in (
        f"Error: {copy.index / '.writer.lock'}: No space left on device; nothing already stored was lost\n",
        f"Error: {copy.database}: database or disk is full; nothing already stored was lost (each document is "
        "written in one transaction)\n",
        f"Error: {copy.database}: cannot write the database: the disk holding it is full (disk I/O error); nothing "
        "stored was changed\n",
    ), error
    assert (out / "verify.out").read_text().splitlines()[-1] == "All 11 checks passed, 1 with warnings."
