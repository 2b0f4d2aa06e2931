"""Ingest through the CLI, as archivists run it."""

import json
import shutil
from pathlib import Path

from click.testing import CliRunner
from sqlite_utils import Database

from conftest import ihek_spec, write_catalog
from pdfmaker import make_pdf, running_pages
from qmarchive.cli import cli
from qmarchive.paths import Paths


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, ["--archive", str(paths.archive), "--index", str(paths.index), *args])


def db(paths: Paths) -> Database:
    return Database(paths.database)


def test_ingest_catalog(archive: Paths) -> None:
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 ingested (6 pages), 0 unchanged, 0 failed, 1 missing — ")
    doc = db(archive)["documents"].get("ihek-2019-2021")
    assert (doc["title"], doc["doc_type"], doc["period_start"], doc["period_end"], doc["page_count"]) == (
        "IHEK 2019–2021",
        "ihek",
        2019,
        2021,
        4,
    )
    assert doc["catalogued"] == 1
    assert doc["file"] == "pdf/ihek-2019-2021.pdf"
    assert doc["extractor"] == "pdfium"
    assert len(doc["sha256"]) == 64
    page = db(archive)["pages"].get("ihek-2019-2021/2")
    assert (page["page_number"], page["page_label"], page["section"]) == (2, "2", "Handlungsfelder")
    assert "Spielplatzsanierung an der Straße wird finanziert" in page["text"]
    sections = list(
        db(archive).query(
            "select title, level, first_page, last_page from sections where document_id = 'ihek-2019-2021' order by position"
        )
    )
    assert sections[2] == {"title": "Bildung", "level": 1, "first_page": 3, "last_page": 3}


def test_reingest_skips_unchanged_files(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 0
    assert result.stdout.startswith("0 ingested (0 pages), 2 unchanged, 0 failed, 1 missing")
    statuses = [r["status"] for r in db(archive).query("select status from ingest_log where run_id = 2 order by id")]
    assert statuses == ["unchanged", "unchanged", "missing"]


def test_an_accepted_new_version_replaces_pages_under_the_same_ids(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    make_pdf(archive.archive / "pdf/ihek-2012.pdf", ihek_spec(pages=running_pages([["Neuer Text über Grünflächen"]])))
    assert run(archive, "ingest", "--no-index").stdout.startswith("0 ingested (0 pages), 1 unchanged, 1 failed")
    result = run(archive, "ingest", "--no-index", "--replace", "ihek-2012")
    assert result.stdout.startswith("1 ingested (1 pages), 1 unchanged")
    rows = list(db(archive).query("select id, text from pages where document_id = 'ihek-2012'"))
    assert [row["id"] for row in rows] == ["ihek-2012/1"]
    assert rows[0]["text"].endswith("\nNeuer Text über Grünflächen")
    hits = list(db(archive).query("select rowid from pages_fts where pages_fts match 'Grünflächen'"))
    assert len(hits) == 1
    assert not list(
        db(archive).query(
            "select rowid from pages_fts where pages_fts match 'Quartiersrat' and rowid in (select rowid from pages where document_id = 'ihek-2012')"
        )
    )


def test_catalog_changes_update_metadata_without_extraction(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    catalog = archive.catalog.read_text(encoding="utf-8").replace("IHEK 2012,", "IHEK 2012 (Fortschreibung),")
    archive.catalog.write_text(catalog, encoding="utf-8")
    result = run(archive, "ingest", "--no-index")
    assert "2 unchanged" in result.stdout
    assert db(archive)["documents"].get("ihek-2012")["title"] == "IHEK 2012 (Fortschreibung)"


def test_uncatalogued_file_gets_an_id_from_its_name(archive: Paths, tmp_path: Path) -> None:
    outside = make_pdf(tmp_path / "IHEK 2019-2021 final.pdf", ihek_spec(title="Integriertes Handlungskonzept"))
    result = run(archive, "ingest", "--no-index", str(outside))
    assert result.exit_code == 0, result.output
    doc = db(archive)["documents"].get("ihek-2019-2021-final")
    assert (doc["title"], doc["doc_type"], doc["period_start"], doc["period_end"], doc["catalogued"]) == (
        "Integriertes Handlungskonzept",
        "ihek",
        2019,
        2021,
        0,
    )
    assert doc["file"] == str(outside)
    status = json.loads(run(archive, "status", "--json").stdout)
    assert status["document_ids"] == ["ihek-2019-2021-final"]
    assert status["pages"] == 4


def test_ingest_without_archive_or_catalog(tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "Broschüre Sozialer Zusammenhalt.pdf", ihek_spec(title="untitled"))
    paths = Paths(tmp_path / "nowhere", tmp_path / "idx")
    result = run(paths, "ingest", "--no-index", str(pdf))
    assert result.exit_code == 0, result.output
    doc = db(paths)["documents"].get("broschuere-sozialer-zusammenhalt")
    assert (doc["title"], doc["doc_type"]) == ("Broschüre Sozialer Zusammenhalt", "broschuere")


def test_failed_file_is_named_and_the_batch_goes_on(archive: Paths) -> None:
    (archive.archive / "pdf/ihek-2010.pdf").write_bytes(b"kein PDF")
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 1
    assert result.stdout.startswith("2 ingested (6 pages), 0 unchanged, 1 failed, 0 missing")
    assert "Failed: " in result.stderr
    assert "ihek-2010.pdf: not a PDF (no %PDF- header in the first 1024 bytes)" in result.stderr
    assert "Traceback" not in result.output
    log = list(db(archive).query("select document_id, status, error_class from ingest_log where status = 'failed'"))
    assert log == [{"document_id": "ihek-2010", "status": "failed", "error_class": "not-a-pdf"}]
    assert db(archive)["documents"].count == 2


def test_fail_fast_stops_at_the_first_failure(archive: Paths) -> None:
    write_catalog(
        archive.archive,
        [
            {"id": "kaputt", "title": "Kaputt", "doc_type": "sonstiges", "file": "pdf/kaputt.pdf"},
            {"id": "ihek-2012", "title": "IHEK 2012", "doc_type": "ihek", "file": "pdf/ihek-2012.pdf"},
        ],
    )
    (archive.archive / "pdf/kaputt.pdf").write_bytes(b"")
    result = run(archive, "ingest", "--no-index", "--fail-fast")
    assert result.exit_code == 1
    assert result.stdout.startswith("0 ingested (0 pages), 0 unchanged, 1 failed, 0 missing")
    assert "kaputt.pdf: empty file (0 bytes)" in result.stderr


def test_checksum_mismatch_is_refused(archive: Paths) -> None:
    write_catalog(
        archive.archive,
        [
            {
                "id": "ihek-2012",
                "title": "IHEK 2012",
                "doc_type": "ihek",
                "file": "pdf/ihek-2012.pdf",
                "sha256": "0" * 64,
            },
        ],
    )
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 1
    assert "differs from the catalog's 000000000000…" in result.stderr
    assert db(archive)["documents"].count == 0


def test_invalid_catalog_is_a_clean_error(archive: Paths) -> None:
    write_catalog(archive.archive, [{"id": "Falsche ID", "title": "x", "doc_type": "ihek"}])
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {archive.catalog}, row 2, column 'id': 'Falsche ID' is not a valid id "
        "(lowercase letters, digits and single hyphens, e.g. ihek-2019-2021)\n"
    )


def test_pypdf_extractor_can_be_chosen(archive: Paths) -> None:
    result = run(archive, "ingest", "--no-index", "--extractor", "pypdf")
    assert result.exit_code == 0
    assert {d["extractor"] for d in db(archive)["documents"].rows} == {"pypdf"}
    # Switching the extractor extracts again.
    assert run(archive, "ingest", "--no-index").stdout.startswith("2 ingested")


def test_id_clash_between_file_name_and_catalog(archive: Paths, tmp_path: Path) -> None:
    clash = shutil.copy(archive.archive / "pdf/ihek-2012.pdf", tmp_path / "ihek-2019-2021.pdf")
    result = run(archive, "ingest", "--no-index", str(clash))
    assert result.exit_code == 1
    assert "its id 'ihek-2019-2021' (from the file name) belongs to catalog row 2" in result.stderr


def test_status_reports_missing_files_and_last_run(archive: Paths) -> None:
    before = run(archive, "status")
    assert "(not built yet)" in before.stdout
    run(archive, "ingest", "--no-index")
    report = json.loads(run(archive, "status", "--json").stdout)
    assert report["documents"] == 2
    assert report["pages"] == 6
    assert report["pages_without_text"] == 0
    assert report["missing_files"] == [{"id": "ihek-2010", "file": "pdf/ihek-2010.pdf"}]
    assert report["last_run"]["ingested"] == 2
    text = run(archive, "status").stdout
    assert "Missing files:  1\n  ihek-2010: pdf/ihek-2010.pdf\n" in text


def test_every_command_has_help() -> None:
    for name, command in cli.commands.items():
        assert command.help, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
