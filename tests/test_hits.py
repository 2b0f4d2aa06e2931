"""One hit record in every output (CLI, export, /-/suche.*), CSV für Excel, shared options, read-only readers."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HIT_COLUMNS, cli_args
from openpyxl import load_workbook

from qmarchive import export, hits, search, store
from qmarchive.cli import cli
from qmarchive.datasette_plugin import suche
from qmarchive.errors import FilterValueError, StoreError
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

BOTH = ["ihek-2012/2", "ihek-2019-2021/2"]


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


def read_as_excel(data: bytes) -> list[list[str]]:
    """What German Excel does with a CSV file: UTF-8 only if it starts with a BOM (else the ANSI code page),
    fields split at ';' (the list separator of a German locale)."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8")
    else:
        text = data.decode("cp1252", errors="replace")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def ds(built: Paths):
    return build_datasette(built.database)


# -- one record, the same columns everywhere --------------------------------------------------------------


async def test_every_output_has_the_same_columns(built: Paths, ds, tmp_path: Path) -> None:
    assert list(hits.COLUMNS) == HIT_COLUMNS
    cli_json = json.loads(run(built, "search", "Straße", "--json").stdout)
    cli_csv = list(csv.DictReader(io.StringIO(run(built, "search", "Straße", "--csv").stdout)))
    assert run(built, "export", "--search", "Straße", "-o", str(tmp_path / "t.json")).exit_code == 0
    exported = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    web_json = (await ds.client.get("/-/suche.json", params={"q": "Straße"})).json()["hits"]
    web_csv = list(csv.DictReader(io.StringIO((await ds.client.get("/-/suche.csv", params={"q": "Straße"})).text)))
    web_excel = read_as_excel((await ds.client.get("/-/suche.excel.csv", params={"q": "Straße"})).content)
    sheet = load_workbook(
        io.BytesIO((await ds.client.get("/-/suche.xlsx", params={"q": "Straße"})).content)
    ).worksheets[0]
    for records in (cli_json, cli_csv, exported, web_json, web_csv):
        assert [list(record) for record in records] == [HIT_COLUMNS, HIT_COLUMNS]
    assert web_excel[0] == HIT_COLUMNS and len(web_excel) == 3
    assert [cell.value for cell in sheet[1]] == HIT_COLUMNS and sheet.max_row == 3
    # The same hit, field by field (the CLI's links are relative without --base-url, the web's absolute).
    first = exported[0]
    assert cli_json[0] == first
    web = web_json[0]
    assert web["url"] == "http://localhost" + first["url"] and web["pdf_url"] == "http://localhost" + first["pdf_url"]
    same = [c for c in HIT_COLUMNS if c not in ("url", "pdf_url", "zitat")]
    assert {c: web[c] for c in same} == {c: first[c] for c in same}
    assert first["url"] == f"/qmarchive/pages/{first['page_id'].replace('/', '~2F')}"
    assert first["pdf_url"] == f"/-/pdf/{first['document_id']}#page={first['page_number']}"
    assert first["page"] == f"S. {first['page_label']}" or first["page"].startswith("PDF-Seite")
    assert "Straße" in first["snippet"] and "<mark>" not in first["snippet"]


def test_record_topics_are_the_pages_handlungsfelder(built: Paths) -> None:
    db = store.open_read_only(built.database)
    [(page_id, topic_id)] = db.execute("SELECT page_id, topic_id FROM page_topics ORDER BY page_id, topic_id LIMIT 1")
    hit = search.run(db, built.index, f"dokument:{page_id.split('/')[0]}", pagelen=50).hits
    record = next(r for r in hits.records(db, hit) if r.page_id == page_id)
    assert hits.topic_names()[topic_id] in record.topics.split("; ")


# -- CSV für Excel ----------------------------------------------------------------------------------------


def test_csv_excel_opens_in_german_excel(tmp_path: Path) -> None:
    rows = [["Begründung", "2021–2023", 3], ["=SUMME(A1:A2)", "-5", -5], ["a;b", 'mit "Anführung"', None]]
    out = io.StringIO(newline="")
    export.write_csv(["Feld", "Zeitraum", "n"], rows, out, excel=True)
    data = out.getvalue().encode("utf-8")
    assert data.startswith(codecs.BOM_UTF8)
    assert read_as_excel(data) == [
        ["Feld", "Zeitraum", "n"],
        ["Begründung", "2021–2023", "3"],
        ["'=SUMME(A1:A2)", "'-5", "-5"],
        ["a;b", 'mit "Anführung"', ""],
    ]
    # Plain CSV stays RFC 4180 for programs: commas, no BOM, every value as it is.
    plain = io.StringIO(newline="")
    export.write_csv(["Feld"], [["=SUMME(A1:A2)"]], plain)
    assert plain.getvalue() == "Feld\r\n=SUMME(A1:A2)\r\n"


def test_export_and_search_write_csv_excel(built: Paths, tmp_path: Path) -> None:
    output = tmp_path / "treffer.csv"
    result = run(built, "export", "--search", "Straße", "--format", "csv-excel", "-o", str(output))
    assert result.exit_code == 0, result.output
    rows = read_as_excel(output.read_bytes())
    assert rows[0] == HIT_COLUMNS and sorted(r[1] for r in rows[1:]) == BOTH
    record = dict(zip(rows[0], next(r for r in rows[1:] if r[1] == "ihek-2019-2021/2")))
    assert record["title"] == "IHEK 2019–2021" and "Straße" in record["snippet"]
    printed = run(built, "search", "Straße", "--format", "csv-excel")
    assert read_as_excel(printed.stdout_bytes) == rows


async def test_web_csv_for_excel(ds) -> None:
    response = await ds.client.get("/-/suche.excel.csv", params={"q": "Straße"})
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="qmarchive-suche-strasse.excel.csv"'
    rows = read_as_excel(response.content)
    assert rows[0] == HIT_COLUMNS and sorted(r[1] for r in rows[1:]) == BOTH
    assert {r[3] for r in rows[1:]} == {"IHEK 2012", "IHEK 2019–2021"}


# -- the web downloads hold every hit -------------------------------------------------------------------


async def test_web_downloads_hold_every_hit_not_the_page(ds) -> None:
    response = await ds.client.get("/-/suche.csv", params={"q": "Straße", "n": "1", "seite": "2"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [r[:2] for r in rows[1:]] == [["1", rows[1][1]], ["2", rows[2][1]]]
    assert sorted(r[1] for r in rows[1:]) == BOTH


async def test_web_download_cut_says_so(ds, monkeypatch) -> None:
    monkeypatch.setattr(suche, "MAX_EXPORT_HITS", 1)
    rows = list(csv.reader(io.StringIO((await ds.client.get("/-/suche.csv", params={"q": "Straße"})).text)))
    assert len(rows) == 3 and rows[1][0] == "1"
    assert rows[2][0] == (
        "[gekürzt: die ersten 1 von 2 Treffern (alle mit qmarchive export --search 'Straße' --output treffer.xlsx)]"
    ) and set(rows[2][1:]) == {""}
    sheet = load_workbook(io.BytesIO((await ds.client.get("/-/suche.xlsx", params={"q": "Straße"})).content))
    assert sheet.worksheets[0].max_row == 2
    info = {row[0].value: row[1].value for row in sheet["Info"].iter_rows()}
    assert info["Vollständig"].startswith("nein: gekürzt: die ersten 1 von 2 Treffern") and info["Zeilen"] == 1
    html = (await ds.client.get("/-/suche", params={"q": "Straße"})).text
    assert "Herunterladen (die ersten 1 von 2 Treffern):" in html


# -- options ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [["--json", "--csv"], ["--csv", "--json"], ["--json", "--format", "csv"], ["--format", "text", "--csv"]],
)
def test_two_output_formats_are_a_usage_error(built: Paths, options: list[str]) -> None:
    result = run(built, "search", "Straße", *options)
    assert result.exit_code == 2 and "contradict each other: give one output format" in result.stderr
    assert result.stdout == ""


def test_one_meaning_per_short_flag() -> None:
    meanings: dict[str, set[str]] = {}
    for command in cli.commands.values():
        for param in command.params:
            for opt in param.opts:
                if len(opt) == 2:
                    meanings.setdefault(opt, set()).add(param.opts[-1])
    assert {flag: names for flag, names in meanings.items() if len(names) > 1} == {}


@pytest.mark.parametrize(
    "facet",
    [
        {"jahr": ["2012"]},
        {"jahr": ["2020"]},
        {"jahr": ["2012", "2020"]},
        {"typ": ["ihek"]},
        {"typ": ["broschuere"]},
        {"dokument": ["ihek-2012"]},
        {"jahr": ["2019"], "dokument": ["ihek-2012"]},
        {"typ": ["IHEK"]},
        {"dokument": ["IHEK-2012"]},
    ],
)
def test_fts_honours_filters_as_whoosh_does(built: Paths, facet: dict[str, list[str]]) -> None:
    db = store.open_read_only(built.database)
    found = {
        engine: sorted(
            h.page_id for h in search.run(db, built.index, "Straße", engine=engine, filters=facet, pagelen=50).hits
        )
        for engine in search.ENGINES
    }
    assert found["fts"] == found["whoosh"]


@pytest.mark.parametrize("engine", search.ENGINES)
def test_a_filter_value_naming_nothing_is_refused_by_either_engine(built: Paths, engine: str) -> None:
    db = store.open_read_only(built.database)
    with pytest.raises(FilterValueError, match="unknown typ 'gibtsnicht'; valid values: "):
        search.run(db, built.index, "Straße", engine=engine, filters={"typ": ["gibtsnicht"]})


def test_fts_honours_feld_filter_and_cli_filter(built: Paths) -> None:
    db = store.open_read_only(built.database)
    tagged = db.execute(
        "SELECT t.topic_id, t.page_id, p.text FROM page_topics t JOIN pages p ON p.id = t.page_id"
    ).fetchall()
    assert tagged
    for topic_id, page_id, text in tagged:
        word = max(text.split(), key=len).strip(".,:;()„“")
        with_topic = {p for (p,) in db.execute("SELECT page_id FROM page_topics WHERE topic_id = ?", [topic_id])}
        found = {
            engine: sorted(
                h.page_id
                for h in search.run(db, built.index, word, engine=engine, filters={"feld": [topic_id]}, pagelen=50).hits
            )
            for engine in search.ENGINES
        }
        assert page_id in found["fts"] and set(found["fts"]) <= with_topic
        assert found["fts"] == found["whoosh"]
    result = run(built, "search", "Straße", "--engine", "fts", "--filter", "jahr=2012", "--json")
    assert [hit["page_id"] for hit in json.loads(result.stdout)] == ["ihek-2012/2"]


# -- readers never write the database -------------------------------------------------------------------


def _fingerprint(path: Path) -> tuple[int, int, str]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size, hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_commands_never_write_the_database(copy: Paths, tmp_path: Path) -> None:
    before = _fingerprint(copy.database)
    with sqlite3.connect(copy.database) as conn:
        migrated = conn.execute("SELECT * FROM _sqlite_migrations ORDER BY name").fetchall()
    conn.close()
    commands = [
        ["search", "Straße"],
        ["search", "Straße", "--engine", "fts", "--json"],
        ["cite", "ihek-2012/2"],
        ["status"],
        ["versions", "ihek-2012"],
        ["verify", "-q"],
        ["export", "--search", "Straße", "-o", str(tmp_path / "t.csv")],
        ["export", "--table", "pages", "-f", "csv-excel", "-o", "-"],
    ]
    for command in commands:
        result = run(copy, *command)
        assert result.exit_code == 0, (command, result.output)
    assert _fingerprint(copy.database) == before
    with sqlite3.connect(copy.database) as conn:
        assert conn.execute("SELECT * FROM _sqlite_migrations ORDER BY name").fetchall() == migrated
    conn.close()
    assert not copy.database.with_name(copy.database.name + "-journal").exists()


def test_a_reader_opens_a_file_it_cannot_write(copy: Paths) -> None:
    db = store.open_read_only(copy.database)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("UPDATE pages SET text = ''")
    db.close()
    # A file the process may not write: a user other than root cannot open it read-write at all.
    copy.database.chmod(0o444)
    copy.index.chmod(0o555)
    try:
        for command in (["search", "Straße"], ["cite", "ihek-2012/2"], ["status"]):
            result = run(copy, *command)
            assert result.exit_code == 0, (command, result.output)
    finally:
        copy.index.chmod(0o755)
        copy.database.chmod(0o644)


def test_a_reader_refuses_an_old_database_instead_of_migrating_it(copy: Paths) -> None:
    with sqlite3.connect(copy.database) as conn:
        (last,) = conn.execute(
            "SELECT name FROM _sqlite_migrations ORDER BY applied_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = ?", [last])
    conn.close()
    before = _fingerprint(copy.database)
    with pytest.raises(
        StoreError, match=f"made by an older version of qmarchive \\(missing {last}\\); run 'qmarchive ingest'"
    ):
        store.open_read_only(copy.database)
    result = run(copy, "search", "Straße")
    assert result.exit_code == 1 and "made by an older version" in result.stderr
    assert _fingerprint(copy.database) == before


# -- package data ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ingest_with_a_folder_named_qmarchive_in_the_working_directory(archive: Paths, tmp_path: Path) -> None:
    workdir = tmp_path / "arbeit"
    (workdir / "qmarchive").mkdir(parents=True)
    (workdir / "qmarchive" / "notiz.txt").write_text("nicht das Paket", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "qmarchive", *cli_args(archive, "ingest", "-q", "-j", "1")],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "2 ingested" in result.stdout
    shutil.rmtree(workdir)
