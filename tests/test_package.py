"""qmarchive package: a BagIt bag for the long-term archive, validated as the receiving archive does."""

import csv
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import bagit
from click.testing import CliRunner

from conftest import cli_args, write_catalog, ihek_spec
from pdfmaker import make_pdf
from qmarchive import package
from qmarchive.cli import cli
from qmarchive.paths import Paths

DC = "{http://purl.org/dc/elements/1.1/}"
PAYLOAD = {
    "data/catalog.csv",
    "data/qmarchive.db",
    "data/pdf/ihek-2012.pdf",
    "data/pdf/ihek-2019-2021.pdf",
    "data/metadata/ihek-2012.xml",
    "data/metadata/ihek-2019-2021.xml",
}


def run(paths: Paths, *args: str, base_url: str | None = None):
    prefix = ["--base-url", base_url] if base_url else []
    return CliRunner().invoke(cli, [*prefix, *cli_args(paths, "package", *args)])


def documents(paths: Paths) -> dict[str, dict]:
    conn = sqlite3.connect(paths.database)
    conn.row_factory = sqlite3.Row
    rows = {row["id"]: dict(row) for row in conn.execute("SELECT * FROM documents")}
    conn.close()
    return rows


def dublin_core(path: Path) -> dict[str, list[str]]:
    record: dict[str, list[str]] = {}
    for element in ET.parse(path).getroot():
        record.setdefault(element.tag.removeprefix(DC), []).append(element.text)
    return record


def flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_package_writes_a_valid_bag(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "uebergabe" / "qm-bag"
    result = run(copy, str(out), "--contact-name", "Erika Mustermann", "--contact-email", "erika@example.org", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Bag written to {out}: 2 documents, 8 files, {_size(out)}; valid (SHA-256, SHA-512 manifests). "
        f"The receiving archive checks it with: bagit.py --validate {out}\n"
    )
    assert result.stderr == ""

    bag = bagit.Bag(str(out))
    bag.validate()
    validated = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(out)], capture_output=True, text=True, check=False
    )
    assert validated.returncode == 0, validated.stderr
    assert f"{out} is valid" in validated.stderr

    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    assert (out / "manifest-sha256.txt").is_file() and (out / "manifest-sha512.txt").is_file()
    kept = {f"data/versions/{name}/{documents(copy)[name]['sha256']}.pdf" for name in ("ihek-2012", "ihek-2019-2021")}
    assert set(bag.payload_entries()) == PAYLOAD | kept
    for name in ("ihek-2012", "ihek-2019-2021"):
        original = copy.archive / f"pdf/{name}.pdf"
        sha256 = documents(copy)[name]["sha256"]
        assert (out / f"data/pdf/{name}.pdf").read_bytes() == original.read_bytes()
        assert bag.entries[f"data/pdf/{name}.pdf"]["sha256"] == sha256
        assert (out / f"data/versions/{name}/{sha256}.pdf").read_bytes() == original.read_bytes()
    assert (out / "data/catalog.csv").read_bytes() == copy.catalog.read_bytes()

    info = bag.info
    assert info["Source-Organization"] == package.DEFAULT_ORGANISATION
    assert info["Organization-Address"] == package.DEFAULT_ADDRESS
    assert (info["Contact-Name"], info["Contact-Email"]) == ("Erika Mustermann", "erika@example.org")
    assert info["External-Description"].startswith("Planungsdokumente des Quartiersmanagements Hellersdorfer Promenade")
    assert info["External-Identifier"] == f"qmarchive-hellersdorfer-promenade-{date.today().isoformat()}"
    assert info["Bagging-Date"] == date.today().isoformat()
    assert info["Bag-Count"] == "1 of 1"
    assert info["Internal-Sender-Description"].endswith(
        "ohne Befund; jede PDF-Datei entsprach der beim Einlesen erfassten SHA-256."
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["qm-bag"]


def _size(out: Path) -> str:
    total = sum(p.stat().st_size for p in (out / "data").rglob("*") if p.is_file())
    return f"{total / 1000:.1f} kB"


def test_each_document_has_a_dublin_core_record(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q", base_url="https://archiv.example.org").exit_code == 0
    stored = documents(copy)["ihek-2019-2021"]
    record = dublin_core(out / "data/metadata/ihek-2019-2021.xml")
    assert record == {
        "title": ["IHEK 2019–2021"],
        "creator": ["Bezirksamt Marzahn-Hellersdorf"],
        "publisher": ["Bezirksamt Marzahn-Hellersdorf"],
        "type": ["Text", "IHEK"],
        "format": ["application/pdf", f"4 Seiten, {stored['bytes']} Bytes"],
        "identifier": [
            "ihek-2019-2021",
            "https://archiv.example.org/-/zitat/ihek-2019-2021",
            f"sha256:{stored['sha256']}",
            "data/pdf/ihek-2019-2021.pdf",
        ],
        "language": ["de"],
        "coverage": ["Hellersdorfer Promenade, Berlin", "2019/2021"],
        "rights": [package.DEFAULT_RIGHTS],
    }
    root = ET.parse(out / "data/metadata/ihek-2012.xml").getroot()
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert dublin_core(out / "data/metadata/ihek-2012.xml")["coverage"] == ["2012"]


def test_the_database_copy_opens_and_holds_the_documents(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    conn = sqlite3.connect(f"{(out / 'data/qmarchive.db').as_uri()}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert [row[0] for row in conn.execute("SELECT id FROM documents ORDER BY id")] == ["ihek-2012", "ihek-2019-2021"]
    assert conn.execute("SELECT count(*) FROM pages").fetchone() == (6,)
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file, no -wal/-shm when read
    conn.close()
    assert sorted(path.name for path in (out / "data").glob("qmarchive.db*")) == ["qmarchive.db"]


def test_data_is_an_archive_directory_of_its_own(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    again = Paths(out / "data", tmp_path / "again")
    result = CliRunner().invoke(cli, cli_args(again, "ingest", "--no-index", "-q"))
    assert result.stdout.startswith("2 ingested (6 pages), 0 unchanged, 0 failed, 1 missing")


def test_the_provenance_log_goes_along_when_there_is_one(copy: Paths, tmp_path: Path) -> None:
    log = copy.archive / "provenance.jsonl"
    log.write_text('{"document_id": "ihek-2012", "outcome": "downloaded"}\n', encoding="utf-8")
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    assert (out / "data/provenance.jsonl").read_bytes() == log.read_bytes()
    assert "data/provenance.jsonl" in bagit.Bag(str(out)).payload_entries()


def test_pdf_passwords_in_the_catalog_stay_behind(copy: Paths, tmp_path: Path) -> None:
    rows = list(csv.DictReader(copy.catalog.open(encoding="utf-8")))
    rows[0]["password"] = "Grünfläche-2026"
    write_catalog(copy.archive, rows)
    with copy.catalog.open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    packaged = list(csv.DictReader((out / "data/catalog.csv").open(encoding="utf-8")))
    assert [row["id"] for row in packaged] == [row["id"] for row in rows]
    assert all(row["password"] == "" for row in packaged)
    assert "password" in header and "Grünfläche-2026" not in (out / "data/catalog.csv").read_text(encoding="utf-8")
    bagit.Bag(str(out)).validate()


def test_an_existing_outdir_is_refused(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    out.mkdir()
    (out / "notiz.txt").write_text("bleibt", encoding="utf-8")
    result = run(copy, str(out), "-q")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out}: already exists and is not an empty directory; name a new one "
        "(a bag is never written over anything)\n"
    )
    assert [p.name for p in out.iterdir()] == ["notiz.txt"]
    empty = tmp_path / "leer"
    empty.mkdir()
    assert run(copy, str(empty), "-q").exit_code == 0
    bagit.Bag(str(empty)).validate()


def test_nothing_is_packaged_when_fixity_fails(copy: Paths, tmp_path: Path) -> None:
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    flip_a_byte(pdf)
    out = tmp_path / "bag"
    result = run(copy, str(out), "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: nothing packaged: the archive fails verification:\n  {pdf}: SHA-256 ")
    assert result.stderr.endswith("Fix these (see 'qmarchive verify'), or package anyway with --force.\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["archive", "index"]

    forced = run(copy, str(out), "-q", "--force")
    assert forced.exit_code == 0, forced.output
    assert f"Warning: packaged despite: {pdf}: SHA-256 " in forced.stderr
    assert "Warning: data/pdf/ihek-2012.pdf: SHA-256 in the manifest" in forced.stderr
    bag = bagit.Bag(str(out))
    bag.validate()
    assert "1 Befund(e), trotzdem gepackt (--force)" in bag.info["Internal-Sender-Description"]


def test_a_catalogued_file_never_ingested_is_not_left_out_silently(copy: Paths, tmp_path: Path) -> None:
    make_pdf(copy.archive / "pdf/ihek-2010.pdf", ihek_spec(title="IHEK 2010"))
    assert CliRunner().invoke(cli, cli_args(copy, "verify")).exit_code == 0
    result = run(copy, str(tmp_path / "bag"), "-q")
    assert result.exit_code == 1
    assert (
        f"  {copy.archive / 'pdf/ihek-2010.pdf'}: catalogued and in the archive but not in the database "
        "(document ihek-2010)"
    ) in result.stderr


def test_a_document_from_outside_the_archive_goes_to_extern(copy: Paths, tmp_path: Path) -> None:
    outside = make_pdf(tmp_path / "Broschüre Zusammenhalt.pdf", ihek_spec(title="Broschüre"))
    assert CliRunner().invoke(cli, cli_args(copy, "ingest", "--no-index", "-q", str(outside))).exit_code == 0
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    assert (out / "data/pdf/extern/broschuere-zusammenhalt.pdf").read_bytes() == outside.read_bytes()
    record = dublin_core(out / "data/metadata/broschuere-zusammenhalt.xml")
    assert "data/pdf/extern/broschuere-zusammenhalt.pdf" in record["identifier"]


def test_a_changed_bag_fails_validation(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    flip_a_byte(out / "data/pdf/ihek-2019-2021.pdf")
    validated = subprocess.run(
        [sys.executable, "-m", "bagit", "--validate", str(out)], capture_output=True, text=True, check=False
    )
    assert validated.returncode == 1
    assert "data/pdf/ihek-2019-2021.pdf" in validated.stderr


def test_no_contact_is_a_warning(copy: Paths, tmp_path: Path) -> None:
    result = run(copy, str(tmp_path / "bag"), "-q")
    assert result.exit_code == 0
    assert result.stderr == (
        "Warning: bag-info.txt names no contact: give --contact-name and --contact-email, so "
        "the receiving archive knows whom to ask\n"
    )


def test_the_place_comes_from_the_catalog(copy: Paths, tmp_path: Path) -> None:
    """No constant "Berlin": a stored document takes the catalog's place on the next ingest, the bag states it."""
    with copy.catalog.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["place"] = "Koblenz" if row["id"] == "ihek-2019-2021" else ""
    write_catalog(copy.archive, rows)
    assert (
        CliRunner().invoke(cli, cli_args(copy, "ingest")).exit_code == 0
    )  # the file is unchanged: catalog values only
    assert documents(copy)["ihek-2019-2021"]["place"] == "Koblenz"
    out = tmp_path / "bag"
    assert run(copy, str(out), "-q").exit_code == 0
    assert dublin_core(out / "data/metadata/ihek-2019-2021.xml")["coverage"] == [
        "Hellersdorfer Promenade, Koblenz",
        "2019/2021",
    ]
    assert (
        bagit.Bag(str(out))
        .info["External-Description"]
        .startswith("Planungsdokumente des Quartiersmanagements Hellersdorfer Promenade (Koblenz), übergeben")
    )
    cited = CliRunner().invoke(cli, cli_args(copy, "cite", "ihek-2019-2021/2"))
    assert "IHEK 2019–2021. Koblenz, S. 2. Online:" in cited.output
