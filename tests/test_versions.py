"""Fixity that cannot be bypassed: the first ingest's checksum is the baseline, a changed file is refused
until it is accepted as a new version, every version's file is kept, cited and served."""

import csv
import hashlib
import json
import os
import shutil
import unicodedata
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args, ihek_spec, write_catalog
from pdfmaker import make_pdf, running_pages
from qmarchive.cli import cli
from qmarchive.paths import Paths
from harness import child_server

from qmarchive.serve import build_datasette
from qmarchive.store import open_database


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def flip_a_byte(path: Path) -> bytes:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    return bytes(data)


def test_a_flipped_byte_is_refused_logged_and_still_flagged(copy: Paths) -> None:
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    original = pdf.read_bytes()
    flipped = flip_a_byte(pdf)

    result = run(copy, "ingest", "--no-index")
    assert result.exit_code == 1
    assert result.stdout.startswith("0 ingested (0 pages), 1 unchanged, 1 failed, 1 missing")
    kept = copy.archive / f"versions/ihek-2012/{sha(original)}.pdf"
    assert (
        f"Failed: {pdf}: SHA-256 {sha(flipped)} differs from {sha(original)} of the archived version 1 of document "
        f"ihek-2012; not ingested: the archived version is still served and cited. Restore the original (a copy is "
        f"kept as {kept}), or accept the new file as the next version with: qmarchive ingest --replace ihek-2012 "
        '--reason "…"'
    ) in result.stderr
    db = Database(copy.database)
    last = list(db.query("SELECT status, error_class, sha256 FROM ingest_log ORDER BY id DESC LIMIT 1 OFFSET 1"))
    assert last == [{"status": "failed", "error_class": "fixity-mismatch", "sha256": sha(flipped)}]
    assert db["documents"].get("ihek-2012")["sha256"] == sha(original)
    assert kept.read_bytes() == original

    again = run(copy, "ingest", "--no-index")  # and again: a refusal is not forgotten by the next run
    assert again.exit_code == 1 and "qmarchive ingest --replace ihek-2012" in again.stderr
    assert db.execute("SELECT count(*) FROM ingest_log WHERE error_class = 'fixity-mismatch'").fetchone() == (2,)
    verified = run(copy, "verify", "--json")
    assert verified.exit_code == 1
    findings = [f for c in json.loads(verified.stdout)["checks"] for f in c["findings"] if f["severity"] == "failed"]
    assert [(f["subject"], f["code"]) for f in findings] == [(str(pdf), "changed")]
    cited = run(copy, "cite", "ihek-2012")
    assert cited.stdout.rstrip().endswith(f"SHA-256 der Datei: {sha(original)[:12]}.")


async def test_the_archived_version_is_still_served_after_a_refusal(copy: Paths) -> None:
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    original = pdf.read_bytes()
    flip_a_byte(pdf)
    run(copy, "ingest", "--no-index")
    ds = build_datasette(copy.database, archive=copy.archive)
    response = await ds.client.get("/-/pdf/ihek-2012")
    assert response.status_code == 200
    assert response.content == original
    assert response.headers["etag"] == f'"{sha(original)}"'

    (copy.archive / f"versions/ihek-2012/{sha(original)}.pdf").unlink()
    refused = await ds.client.get("/-/pdf/ihek-2012")
    assert refused.status_code == 409
    assert refused.text == (
        f"Die Datei zu „ihek-2012“ entspricht nicht der archivierten Fassung (SHA-256 {sha(original)}) und wird "
        "deshalb nicht ausgeliefert. Bitte benachrichtigen Sie das Archiv."
    )


async def test_replace_keeps_the_old_version_and_its_citations(copy: Paths) -> None:
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    original = pdf.read_bytes()
    make_pdf(pdf, ihek_spec(pages=running_pages([["Korrigierte Fassung über Grünflächen"]]), title="IHEK 2012"))
    new = pdf.read_bytes()
    assert run(copy, "ingest", "--no-index").exit_code == 1

    result = run(copy, "ingest", "--replace", "ihek-2012", "--reason", "Druckfehler auf S. 2 berichtigt")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 ingested (1 pages), 1 unchanged, 0 failed, 1 missing")
    assert (
        f"Note: ihek-2012: new version accepted (qmarchive ingest --replace, reason: Druckfehler auf S. 2 "
        f"berichtigt); the archived version 1 (SHA-256 {sha(original)[:12]}…) stays in the version history"
    ) in result.stderr
    assert (copy.archive / f"versions/ihek-2012/{sha(original)}.pdf").read_bytes() == original
    assert (copy.archive / f"versions/ihek-2012/{sha(new)}.pdf").read_bytes() == new

    rows = json.loads(run(copy, "versions", "ihek-2012", "--json").stdout)
    assert [(r["version"], r["sha256"], r["bytes"], r["page_count"], r["reason"], r["command"]) for r in rows] == [
        (1, sha(original), len(original), 2, "first ingest", "qmarchive ingest"),
        (2, sha(new), len(new), 1, "Druckfehler auf S. 2 berichtigt", "qmarchive ingest --replace"),
    ]
    assert rows[0]["replaced_at"] == rows[1]["accepted_at"] and rows[1]["replaced_at"] is None
    assert json.loads(rows[0]["page_labels"]) == [None, None]  # no printed page numbers: cited as "PDF-Seite N"
    assert rows[1]["accepted_by"] and rows[1]["kept_file"] == f"versions/ihek-2012/{sha(new)}.pdf"
    listing = run(copy, "versions", "ihek-2012").stdout.splitlines()
    assert listing[0] == "ihek-2012: 2 version(s)"
    assert listing[1].startswith(f"  1  {sha(original)}  {len(original)} bytes  accepted ")

    old = run(copy, "cite", "ihek-2012/2", "--sha256", sha(original)[:12], "--accessed", "2026-12-04")
    assert old.exit_code == 0, old.output
    assert old.stdout == (
        f"IHEK 2012 (2012). PDF-Seite 2. Online: /-/zitat/ihek-2012/2?sha256={sha(original)} "
        f"(abgerufen am 04.12.2026). SHA-256 der Datei: {sha(original)[:12]}.\n"
    )
    current = run(copy, "cite", "ihek-2012/1", "--accessed", "2026-12-04")
    assert current.stdout.endswith(f"SHA-256 der Datei: {sha(new)[:12]}.\n")
    assert "no page 'ihek-2012/2'" in run(copy, "cite", "ihek-2012/2").output
    verified = run(copy, "verify")
    assert verified.exit_code == 0, verified.output

    ds = build_datasette(copy.database, archive=copy.archive)
    assert (await ds.client.get("/-/pdf/ihek-2012")).content == new
    served_old = await ds.client.get(f"/-/pdf/ihek-2012/{sha(original)}")
    assert served_old.status_code == 200 and served_old.content == original
    assert served_old.headers["etag"] == f'"{sha(original)}"'
    assert served_old.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await ds.client.get(f"/-/pdf/ihek-2012/{'0' * 64}")).status_code == 404
    page = await ds.client.get(f"/-/zitat/ihek-2012/2?sha256={sha(original)[:12]}")
    assert page.status_code == 200
    replaced = rows[0]["replaced_at"]
    assert f"Sie sehen Fassung 1 der Datei, ersetzt am {replaced[8:10]}.{replaced[5:7]}.{replaced[:4]}." in page.text
    assert f"<code>{sha(original)}</code>" in page.text
    assert f'href="/-/pdf/ihek-2012/{sha(original)}#page=2"' in page.text
    listed = await ds.client.get("/-/zitat/ihek-2012")
    assert "Fassungen der Datei" in listed.text and f"<code>{sha(original)[:12]}</code>" in listed.text
    assert "<td>erstmals eingelesen</td>" in listed.text and "<td>Druckfehler auf S. 2 berichtigt</td>" in listed.text
    bib = await ds.client.get(f"/-/zitat/ihek-2012/2.bib?sha256={sha(original)}")
    assert f"SHA-256 der Datei: {sha(original)[:12]}" in bib.text

    (copy.archive / f"versions/ihek-2012/{sha(original)}.pdf").unlink()
    gone = await ds.client.get(f"/-/pdf/ihek-2012/{sha(original)}")
    assert gone.status_code == 410
    failed = run(copy, "verify", "--json")
    codes = [f["code"] for c in json.loads(failed.stdout)["checks"] for f in c["findings"] if f["severity"] == "failed"]
    assert codes == ["kept-missing"]


def test_a_new_sha256_in_the_catalog_accepts_a_new_version(archive: Paths) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    pdf = archive.archive / "pdf/ihek-2012.pdf"
    flipped = flip_a_byte(pdf)
    write_catalog(
        archive.archive,
        [
            {
                "id": "ihek-2012",
                "title": "IHEK 2012",
                "doc_type": "ihek",
                "file": "pdf/ihek-2012.pdf",
                "sha256": sha(flipped),
            },
        ],
    )
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 0, result.output
    rows = list(
        Database(archive.database).query(
            "SELECT version, sha256, command, reason FROM document_versions "
            "WHERE document_id = 'ihek-2012' ORDER BY version"
        )
    )
    assert [(r["version"], r["command"]) for r in rows] == [
        (1, "qmarchive ingest"),
        (2, "qmarchive ingest (new sha256 in the catalog)"),
    ]
    assert rows[1]["sha256"] == sha(flipped)


def test_replace_needs_a_known_document_and_reason_needs_replace(archive: Paths) -> None:
    unknown = run(archive, "ingest", "--no-index", "--replace", "ihek-1999")
    assert unknown.exit_code == 1
    assert unknown.stderr == "Error: --replace ihek-1999: no such document in the catalog or among the files given\n"
    lonely = run(archive, "ingest", "--no-index", "--reason", "x")
    assert lonely.exit_code == 2 and "--reason goes with --replace" in lonely.stderr
    run(archive, "ingest", "--no-index")
    same = run(archive, "ingest", "--no-index", "--replace", "ihek-2012")
    assert same.exit_code == 0
    assert "--replace ihek-2012: the file is the archived version already; nothing replaced" in same.stderr


def test_a_database_from_before_versions_gets_its_copies_kept(archive: Paths) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    shutil.rmtree(archive.archive / "versions")
    db = Database(archive.database)
    db.execute("UPDATE document_versions SET kept_file = NULL")
    db.conn.commit()
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 0
    digest = db["documents"].get("ihek-2012")["sha256"]
    assert f"Note: a copy of the archived version 1 is now kept as versions/ihek-2012/{digest}.pdf" in result.stderr
    assert (archive.archive / f"versions/ihek-2012/{digest}.pdf").is_file()


def test_uncatalogued_pdfs_are_named_by_ingest_status_verify_and_package(copy: Paths, tmp_path: Path) -> None:
    stray = copy.archive / "pdf/Broschüre Sommerfest 2023.pdf"
    shutil.copy(copy.archive / "pdf/ihek-2012.pdf", stray)
    line = "broschuere-sommerfest-2023,Broschüre Sommerfest 2023,broschuere,,,2023,2023,,,pdf/Broschüre Sommerfest 2023.pdf,,,,,,,"

    ingested = run(copy, "ingest", "--no-index")
    assert ingested.exit_code == 0
    assert (
        f"Warning: 1 PDF(s) under {copy.archive / 'pdf'} in no catalog row; add a line to {copy.catalog} (check its "
        f"title) or ingest the file by path:\n  {stray}\n    catalog: {line}\n    or: qmarchive ingest '{stray}'\n"
    ) in ingested.stderr
    status = run(copy, "status")
    assert (
        f"Not catalogued: 1 (add a line to {copy.catalog}, or 'qmarchive ingest FILE')\n  pdf/Broschüre Sommerfest 2023.pdf: {line}\n"
        in status.stdout
    )
    report = json.loads(run(copy, "verify", "--json").stdout)
    [fixity] = [c for c in report["checks"] if c["name"] == "fixity"]
    assert [(f["subject"], f["code"]) for f in fixity["findings"] if f["code"].startswith("uncatalogued")] == [
        (str(stray), "uncatalogued")
    ]
    refused = run(copy, "package", str(tmp_path / "bag"), "-q")
    assert refused.exit_code == 1 and "in no catalog row, so never ingested" in refused.stderr

    with copy.catalog.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
    assert "no catalog row" not in run(copy, "ingest", "--no-index").stderr


def test_bag_round_trip_keeps_documents_ingested_by_path(copy: Paths, tmp_path: Path) -> None:
    outside = tmp_path / "eingang" / "Abschlussplan 2024.pdf"
    outside.parent.mkdir()
    make_pdf(
        outside, ihek_spec(pages=running_pages([["Abschlussplan der Hellersdorfer Promenade"]]), title="Abschlussplan")
    )
    assert run(copy, "ingest", "--no-index", str(outside)).exit_code == 0
    bag = tmp_path / "bag"
    packaged = run(copy, "package", str(bag), "-q")
    assert packaged.exit_code == 0, packaged.output
    rows = list(csv.DictReader((bag / "data/catalog.csv").open(encoding="utf-8")))
    added = rows[-1]
    assert (added["id"], added["file"], added["doc_type"], added["period_start"]) == (
        "abschlussplan-2024",
        "pdf/extern/abschlussplan-2024.pdf",
        "abschlussplan",
        "2024",
    )

    again = Paths(bag / "data", tmp_path / "again")
    rebuilt = run(again, "ingest", "--no-index")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert rebuilt.stdout.startswith("3 ingested (7 pages), 0 unchanged, 0 failed, 1 missing")
    query = "SELECT id, sha256, page_count FROM documents ORDER BY id"
    assert list(Database(again.database).query(query)) == list(Database(copy.database).query(query))


def test_a_symlink_out_of_the_archive_is_refused_at_ingest(archive: Paths, tmp_path: Path) -> None:
    secret = tmp_path / "secret.pdf"
    shutil.copy(archive.archive / "pdf/ihek-2012.pdf", secret)
    (archive.archive / "pdf/link.pdf").symlink_to(secret)
    write_catalog(archive.archive, [{"id": "link", "title": "Link", "doc_type": "sonstiges", "file": "pdf/link.pdf"}])
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {archive.catalog}, row 2, column 'file': 'pdf/link.pdf' is a link to {secret}, outside the archive "
        "directory; copy the file into the archive instead of linking to it\n"
    )


def test_nfd_names_on_disk_are_found_for_nfc_catalog_names(archive: Paths) -> None:
    nfc = "pdf/Broschüre Grünflächen.pdf"
    nfd = unicodedata.normalize("NFD", nfc)
    (archive.archive / "pdf/ihek-2012.pdf").rename(archive.archive / nfd)
    (archive.archive / "pdf/ihek-2019-2021.pdf").unlink()
    write_catalog(archive.archive, [{"id": "gruen", "title": "Grünflächen", "doc_type": "broschuere", "file": nfc}])
    result = run(archive, "ingest", "--no-index")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 ingested (2 pages), 0 unchanged, 0 failed, 0 missing")
    assert result.stderr == ""  # the NFD file is the catalogued one, not an uncatalogued stray
    assert run(archive, "verify").exit_code == 0

    (archive.archive / nfd).rename(archive.archive / nfc)
    write_catalog(archive.archive, [{"id": "gruen", "title": "Grünflächen", "doc_type": "broschuere", "file": nfd}])
    assert run(archive, "ingest", "--no-index").stdout.startswith(
        "0 ingested (0 pages), 1 unchanged, 0 failed, 0 missing"
    )


@pytest.mark.slow
def test_a_link_retargeted_while_serving_is_never_followed(copy: Paths, tmp_path: Path) -> None:
    """A live server: the catalogued file is a link inside the archive; retargeted outside, or to another
    file of the same size, the archived version (its kept copy) is served, and with no kept copy nothing."""
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    original = pdf.read_bytes()
    inside = copy.archive / "originale/ihek-2012.pdf"
    inside.parent.mkdir()
    pdf.rename(inside)
    pdf.symlink_to(inside)
    assert run(copy, "ingest", "--no-index").stdout.startswith("0 ingested (0 pages), 2 unchanged")
    impostor = tmp_path / "impostor.pdf"
    impostor.write_bytes(b"%PDF-" + b"x" * (len(original) - 5))
    kept = copy.archive / f"versions/ihek-2012/{sha(original)}.pdf"
    with child_server(copy.archive, copy.index) as base:
        first = httpx.get(f"{base}/-/pdf/ihek-2012")
        assert (first.status_code, first.content) == (200, original)
        for target in (Path("/etc/hostname"), impostor):
            pdf.unlink()
            pdf.symlink_to(target)
            response = httpx.get(f"{base}/-/pdf/ihek-2012")
            assert (response.status_code, response.content) == (200, original)
        os.rename(kept, tmp_path / "kept.pdf")
        refused = httpx.get(f"{base}/-/pdf/ihek-2012")
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("text/plain")
        assert b"x" * 100 not in refused.content and "entspricht nicht der archivierten Fassung" in refused.text


def test_a_catalog_checksum_that_names_neither_file_blocks_replace(archive: Paths) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    pdf = archive.archive / "pdf/ihek-2012.pdf"
    archived = sha(pdf.read_bytes())
    write_catalog(
        archive.archive,
        [
            {
                "id": "ihek-2012",
                "title": "IHEK 2012",
                "doc_type": "ihek",
                "file": "pdf/ihek-2012.pdf",
                "sha256": archived,
            },
        ],
    )
    flipped = flip_a_byte(pdf)
    result = run(archive, "ingest", "--no-index", "--replace", "ihek-2012")
    assert result.exit_code == 1
    assert (
        f"differs from the catalog's {archived[:12]}…; the file has changed or is the wrong one (not ingested: the "
        f"archived version {archived[:12]}… is still served and cited; to accept this file as the next version, "
        f"write its SHA-256 {sha(flipped)} into the catalog)"
    ) in result.stderr
    logged = (
        Database(archive.database).execute("SELECT error_class FROM ingest_log ORDER BY id DESC LIMIT 1").fetchone()
    )
    assert logged == ("fixity-mismatch",)


def test_the_migration_makes_stored_documents_their_first_version(built: Paths, tmp_path: Path) -> None:
    database = tmp_path / "qmarchive.db"
    shutil.copy(built.database, database)
    db = Database(database)
    db.execute("DROP TABLE document_versions")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm006_versions'")
    db.conn.commit()
    db.close()

    rows = list(
        open_database(database).query(
            "SELECT d.id, v.version, v.sha256 = d.sha256 AS same, v.bytes = d.bytes AS size, v.kept_file, v.reason "
            "FROM documents d JOIN document_versions v ON v.document_id = d.id ORDER BY d.id"
        )
    )
    assert rows == [
        {
            "id": name,
            "version": 1,
            "same": 1,
            "size": 1,
            "kept_file": None,
            "reason": "ingested before versions were recorded",
        }
        for name in ("ihek-2012", "ihek-2019-2021")
    ]
