"""A batch of good and hostile PDFs: every good document stored whole, every bad one named with its reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import hostile
import pytest
from click.testing import CliRunner
from conftest import cli_args, write_catalog
from pdfmaker import Spec, make_pdf
from sqlite_utils import Database

from qmarchive.cli import cli
from qmarchive.paths import Paths

pytestmark = pytest.mark.slow

PASSWORD = "Grünfläche-2026"
# id → expected error_class (None: stored)
EXPECTED = {
    "gut-eins": None,
    "gut-zwei": None,
    "null-bytes": "not-a-pdf",
    "bild-png": "not-a-pdf",
    "muell-vorweg": None,
    "abgeschnitten": "damaged",
    "xref-kaputt": None,
    "leeres-passwort": None,
    "mit-passwort": None,
    "falsches-passwort": "wrong-password",
    "aes-ohne-passwort": "needs-password",
    "zyklisch": "damaged",
    "sehr-tief": "damaged",
    "bombe": None,
    "langsam": "time-limit",
    "scan": None,
}


def build_hostile_archive(paths: Paths, work: Path) -> None:
    pdf = paths.archive / "pdf"
    pdf.mkdir(parents=True)
    good = hostile.good(work / "good.pdf")
    source = good.read_bytes()
    files = {
        "gut-eins": source,
        "gut-zwei": hostile.good(work / "good2.pdf", "Spielplatzsanierung am Stadtteilzentrum").read_bytes(),
        "null-bytes": b"",
        "bild-png": hostile.png(),
        "muell-vorweg": b"JUNK" * 50 + source,
        "abgeschnitten": hostile.truncated(source),
        "xref-kaputt": hostile.broken_xref(source),
        "leeres-passwort": hostile.encrypted(good, ""),
        "mit-passwort": hostile.encrypted(good, PASSWORD),
        "falsches-passwort": hostile.encrypted(good, PASSWORD),
        "aes-ohne-passwort": hostile.encrypted(good, PASSWORD, "AES-256"),
        "zyklisch": hostile.cyclic_page_tree(),
        "sehr-tief": hostile.deep_page_tree(),
        "bombe": hostile.decompression_bomb(100),
        "langsam": hostile.slow_page(),
        "scan": make_pdf(work / "scan.pdf", Spec(pages=[["Text"], []], image_pages={1})).read_bytes(),
    }
    for name, data in files.items():
        (pdf / f"{name}.pdf").write_bytes(data)
    passwords = {"mit-passwort": PASSWORD, "falsches-passwort": "falsch"}
    write_catalog(
        paths.archive,
        [
            {
                "id": name,
                "title": name,
                "doc_type": "sonstiges",
                "file": f"pdf/{name}.pdf",
                "password": passwords.get(name, ""),
            }
            for name in files
        ],
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> tuple[Paths, object]:
    root = tmp_path_factory.mktemp("hostile")
    paths = Paths(archive=root / "archive", index=root / "index")
    build_hostile_archive(paths, root)
    # 30 s: the bomb, a good file, takes a few seconds on a quiet machine and ten on a loaded one, while the
    # slow file needs hours.
    result = CliRunner().invoke(
        cli, cli_args(paths, "ingest", "--no-index", "--jobs", "2", "--timeout", "30", "--memory-mb", "1024")
    )
    return paths, result


def latest_log(paths: Paths) -> dict[str, dict]:
    rows = Database(paths.database).query("select * from ingest_log where run_id = (select max(id) from ingest_runs)")
    return {row["document_id"]: row for row in rows}


def test_mixed_batch_exits_1_without_traceback(batch) -> None:
    _, result = batch
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    failed = sum(1 for v in EXPECTED.values() if v)
    assert result.stdout.startswith(f"{len(EXPECTED) - failed} ingested ")
    assert f", {failed} failed, 0 missing" in result.stdout


def test_every_file_is_named_with_its_reason(batch) -> None:
    paths, _ = batch
    log = latest_log(paths)
    assert {doc: row["error_class"] for doc, row in log.items()} == EXPECTED
    messages = {doc: row["message"] for doc, row in log.items()}
    assert messages["null-bytes"].endswith("null-bytes.pdf: empty file (0 bytes)")
    assert messages["bild-png"].endswith("bild-png.pdf: not a PDF (no %PDF- header in the first 1024 bytes)")
    assert "damaged PDF beyond repair" in messages["abgeschnitten"]
    assert "the given password is wrong" in messages["falsches-passwort"]
    assert "it needs a password (use --password, or the catalog's password column)" in messages["aes-ohne-passwort"]
    assert "cyclic page references" in messages["zyklisch"]
    assert "page tree depth" in messages["sehr-tief"]
    assert messages["langsam"].endswith(
        "langsam.pdf: time limit of 30 s exceeded; raise it with --timeout if the file is just large"
    )
    assert "damaged but repaired by pypdf: invalid pdf header" in messages["muell-vorweg"]
    assert "damaged but repaired by pypdf: Ignoring wrong pointing object" in messages["xref-kaputt"]
    assert messages["xref-kaputt"].endswith(" more)")
    assert "suspicious empty output: page 1 has" in messages["bombe"]


def test_good_documents_are_stored_completely(batch) -> None:
    paths, _ = batch
    db = Database(paths.database)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row["id"]: row for row in db["documents"].rows}
    assert set(stored) == {doc for doc, error in EXPECTED.items() if error is None}
    for doc, row in stored.items():
        pages = db.execute("select count(*) from pages where document_id = ?", [doc]).fetchone()[0]
        assert pages == row["page_count"], doc
    text = db.execute("select text from pages where id = 'mit-passwort/1'").fetchone()[0]
    assert "Quartiersrat tagt im Stadtteilbüro" in text
    assert stored["mit-passwort"]["pdf_encrypted"] == 1


def test_page_without_text_layer_is_flagged_not_failed(batch) -> None:
    paths, _ = batch
    db = Database(paths.database)
    assert db["documents"].get("scan")["pages_without_text"] == 1
    assert db["pages"].get("scan/2")["has_text_layer"] == 0


def test_retry_failed_reruns_only_the_failures_with_a_password(batch, tmp_path: Path) -> None:
    paths, _ = batch
    copy = Paths(archive=tmp_path / "archive", index=tmp_path / "index")
    shutil.copytree(paths.archive, copy.archive)
    shutil.copytree(paths.index, copy.index)
    result = CliRunner().invoke(
        cli, cli_args(copy, "ingest", "--no-index", "--retry-failed", "--password", PASSWORD, "--timeout", "30")
    )
    assert result.exit_code == 1
    log = latest_log(copy)
    assert set(log) == {doc for doc, error in EXPECTED.items() if error}
    assert log["aes-ohne-passwort"]["status"] == "ingested"
    assert log["falsches-passwort"]["error_class"] == "wrong-password"  # the catalog's password comes first
    assert "Grünflächen" in Database(copy.database)["pages"].get("aes-ohne-passwort/2")["text"]


def test_retry_failed_without_failures(tmp_path: Path) -> None:
    paths = Paths(archive=tmp_path / "archive", index=tmp_path / "index")
    write_catalog(paths.archive, [])
    result = CliRunner().invoke(cli, cli_args(paths, "ingest", "--retry-failed"))
    assert (result.exit_code, result.stdout) == (0, "No failed files to retry.\n")
