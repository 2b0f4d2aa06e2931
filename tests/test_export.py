"""Exports: the writers (xlsx read back with openpyxl), `qmarchive export`, the Datasette .xlsx renderer,
and the row limits of Datasette's own CSV that the README documents."""

import csv
import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from datetime import date

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import HIT_COLUMNS, cli_args, ctrl_c_as_at_a_terminal, write_documents
from datasette.app import Datasette
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from qmarchive import export, store
from qmarchive.cli import cli
from qmarchive.errors import ExportError
from qmarchive.paths import Paths
from qmarchive.serve import SETTINGS, build_datasette

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = f"{date.today():%d.%m.%Y}"
# Values a spreadsheet would turn into formulas, numbers or error values if they were not text cells.
TRICKY = ["=SUMME(A1:A2)", "+49 30 123", "-5", "@x", "\t=1+1", "#N/A", '=HYPERLINK("http://x")', "0049", "1.10"]
GERMAN = "Öffentlicher Raum: Straße, Bürger:innen, Spielplätze – „Zitat“ €"
SUCHE_COLUMNS = HIT_COLUMNS


def read_xlsx(source) -> tuple[list[tuple], dict]:
    """Rows of the first sheet (header first) and the Info sheet as a dict."""
    book = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    info = dict(book["Info"].iter_rows(values_only=True)) if "Info" in book.sheetnames else {}
    return rows, info


def records(rows: list[tuple]) -> list[dict]:
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


# -- writers -------------------------------------------------------------------------------------------


def test_xlsx_strings_stay_text_and_numbers_stay_numbers(tmp_path) -> None:
    columns = [f"c{i}" for i in range(len(TRICKY))] + ["umlaute", "ganz", "komma", "leer"]
    row = [*TRICKY, GERMAN, 42, 2.5, None]
    path = tmp_path / "t.xlsx"
    assert export.write_xlsx(columns, [row, dict(zip(columns, row))], path) == 2
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for excel_row in sheet.iter_rows(min_row=2):
        for cell, value in zip(excel_row, row):
            assert cell.value == value, (cell.coordinate, value)
            if isinstance(value, str):
                assert cell.data_type == "s" and cell.number_format == "@", (cell.coordinate, value)
        assert [c.data_type for c in excel_row[-4:-1]] == ["s", "n", "n"]
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and 't="e"' not in xml


def test_xlsx_escapes_what_xml_cannot_hold(tmp_path) -> None:
    # XML turns CR into LF and cannot hold control characters; Excel reads OOXML's _xHHHH_ escapes back,
    # and a literal "_x0041_" needs escaping itself, or Excel would show "A".
    values = ["\r=cmd|' /C calc'!A0", "Zeile 1\r\nZeile 2", "a\x01b\x1fc", "_x0041_", "\ufffe", "Zeile 1\nZeile 2"]
    path = tmp_path / "t.xlsx"
    export.write_xlsx([f"c{i}" for i in range(len(values))], [values], path)
    cells = load_workbook(path).worksheets[0][2]
    assert [unescape(cell.value) for cell in cells] == values
    assert all(cell.data_type == "s" for cell in cells)
    assert cells[3].value == "_x005F_x0041_"


def test_xlsx_header_widths_filter_and_info_sheet(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    rows = [{"id": i, "text": "x" * (10 * i)} for i in range(1, 21)]
    export.write_xlsx(["id", "text"], rows, path, title="Seiten: 1/2", info=[("Quelle", "Tabelle pages")])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert book.sheetnames == ["Seiten- 1-2", "Info"]
    assert [cell.value for cell in sheet[1]] == ["id", "text"] and all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B21"
    assert sheet.column_dimensions["A"].width == export.XLSX_MIN_WIDTH
    assert sheet.column_dimensions["B"].width == export.XLSX_MAX_WIDTH
    assert list(book["Info"].values) == [("Quelle", "Tabelle pages"), ("Zeilen", 20)]


def test_xlsx_cells_within_excels_limits(tmp_path) -> None:
    path = tmp_path / "t.xlsx"
    export.write_xlsx(["lang", "gross"], [["ä" * 40_000, 10**16]], path)
    long, big = load_workbook(path).worksheets[0][2]
    assert len(long.value) == export.XLSX_MAX_CELL_CHARS and long.value.endswith(export.XLSX_SHORTENED)
    # Beyond 15 digits Excel would round the number: kept exact as text.
    assert (big.value, big.data_type) == ("10000000000000000", "s")


def test_json_is_streamed_row_by_row() -> None:
    out = io.StringIO()

    def rows():
        for i in range(3):
            if i:  # the previous row is already written when the next one is asked for
                assert f'"id": {i - 1}' in out.getvalue()
            yield {"id": i, "text": GERMAN, "blob": b"\x00\xff"}

    assert export.write_json(["id", "text", "blob"], rows(), out) == 3
    data = json.loads(out.getvalue())
    assert [r["id"] for r in data] == [0, 1, 2]
    assert data[0]["text"] == GERMAN and data[0]["blob"] == {"$base64": True, "encoded": "AP8="}
    empty = io.StringIO()
    export.write_json(["id"], [], empty)
    assert json.loads(empty.getvalue()) == []


def test_csv_is_plain_rfc_4180() -> None:
    out = io.StringIO(newline="")
    export.write_csv(["a", "b"], [["=SUMME(A1:A2)", GERMAN], {"a": None, "b": 'mit "Anführung", Komma'}], out)
    assert out.getvalue() == f'a,b\r\n=SUMME(A1:A2),"{GERMAN}"\r\n,"mit ""Anführung"", Komma"\r\n'


@pytest.mark.parametrize(
    ("sql", "keyword"),
    [
        ("select 1", "select"),
        ("  -- Kommentar\n/* mehr */ WITH x AS (select 1) select * from x", "with"),
        ("(select 1)", "select"),
        ("delete from pages", "delete"),
        ("/* select */ drop table pages", "drop"),
        ("", ""),
    ],
)
def test_first_keyword(sql: str, keyword: str) -> None:
    assert export.first_keyword(sql) == keyword


def test_duplicate_column_names_are_kept_apart() -> None:
    assert export.unique_names(["id", "id", "title", "id", "id_2"]) == ["id", "id_2", "title", "id_3", "id_2_2"]


def test_search_rows_page_through_every_hit(built: Paths) -> None:
    db = store.open_read_only(built.database)
    source = export.search_rows(db, built.index, "Straße", chunk=1)
    rows = list(source.rows)
    assert source.total == 2 and len(rows) == 2
    assert [r["rank"] for r in rows] == [1, 2]
    assert sorted(r["page_id"] for r in rows) == ["ihek-2012/2", "ihek-2019-2021/2"]
    assert list(rows[0]) == HIT_COLUMNS


def test_read_only_database_refuses_writes(built: Paths) -> None:
    db = store.open_read_only(built.database)
    with pytest.raises(ExportError, match="only SELECT"):
        export.sql_rows(db, "update pages set text = ''")
    with pytest.raises(ExportError, match="readonly"):
        export.sql_rows(db, "with x as (select 1) delete from pages")
    with sqlite3.connect(built.database) as conn:
        assert conn.execute("select count(*) from pages where text != ''").fetchone() == (6,)


# -- the command ---------------------------------------------------------------------------------------


def test_export_pages_table_as_xlsx_with_citations(built: Paths, tmp_path) -> None:
    output = tmp_path / "seiten.xlsx"
    result = run(built, "export", "--table", "pages", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"6 rows written to {output} (") and result.output.endswith(" kB, xlsx)\n")
    rows, info = read_xlsx(output)
    assert rows[0][:3] == ("id", "document_id", "page_number") and rows[0][-1] == "zitat"
    pages = records(rows)
    assert [p["id"] for p in pages] == [
        "ihek-2012/1",
        "ihek-2012/2",
        "ihek-2019-2021/1",
        "ihek-2019-2021/2",
        "ihek-2019-2021/3",
        "ihek-2019-2021/4",
    ]
    page = pages[3]
    assert "Die Spielplatzsanierung an der Straße wird finanziert." in page["text"]
    assert page["section"] == "Handlungsfelder" and page["page_number"] == 2
    assert page["zitat"].startswith("Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin, S. 2. ")
    assert f"Online: /-/zitat/ihek-2019-2021/2 (abgerufen am {TODAY})" in page["zitat"]
    assert info["Quelle"] == "Tabelle pages" and info["Zeilen"] == 6 and info["Programm"].startswith("qmarchive ")


def test_export_table_as_csv_to_stdout(built: Paths) -> None:
    result = run(built, "export", "--table", "documents", "--format", "csv", "--output", "-")
    assert result.exit_code == 0, result.output
    assert result.stderr == "2 rows written to standard output (csv)\n"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["id"]: r["title"] for r in rows} == {"ihek-2012": "IHEK 2012", "ihek-2019-2021": "IHEK 2019–2021"}
    assert "zitat" not in rows[0]


def test_export_sql_keeps_formula_text(built: Paths, tmp_path) -> None:
    output = tmp_path / "abfrage.xlsx"
    sql = "select '=SUMME(A1:A2)' as formel, '+49 30 123' as telefon, '-5' as minus, title, page_count from documents order by id"
    result = run(built, "export", "--sql", sql, "-o", str(output))
    assert result.exit_code == 0, result.output
    book = load_workbook(output)
    header, first, _ = book.worksheets[0].iter_rows()
    assert [c.value for c in header] == ["formel", "telefon", "minus", "title", "page_count"]
    assert [(c.value, c.data_type) for c in first] == [
        ("=SUMME(A1:A2)", "s"),
        ("+49 30 123", "s"),
        ("-5", "s"),
        ("IHEK 2012", "s"),
        (2, "n"),
    ]
    assert dict(book["Info"].values)["Quelle"] == sql


def test_export_sql_with_parameters_as_json(built: Paths, tmp_path) -> None:
    output = tmp_path / "seiten.json"
    sql = "select id, page_label from pages where document_id = :dokument order by page_number"
    result = run(built, "export", "--sql", sql, "--param", "dokument", "ihek-2012", "-o", str(output))
    assert result.exit_code == 0, result.output
    assert json.loads(output.read_text(encoding="utf-8")) == [
        {"id": "ihek-2012/1", "page_label": "1"},
        {"id": "ihek-2012/2", "page_label": "2"},
    ]


def test_export_search_with_citations(built: Paths, tmp_path) -> None:
    output = tmp_path / "treffer.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "--index",
            str(built.index),
            "--base-url",
            "https://archiv.example.org",
            "export",
            "--search",
            "Straße",
            "-o",
            str(output),
        ],
    )
    assert result.exit_code == 0, result.output
    rows, info = read_xlsx(output)
    assert list(rows[0]) == HIT_COLUMNS
    hits = {hit["page_id"]: hit for hit in records(rows)}
    assert sorted(hits) == ["ihek-2012/2", "ihek-2019-2021/2"]
    hit = hits["ihek-2019-2021/2"]
    assert hit["title"] == "IHEK 2019–2021" and hit["period"] == "2019–2021" and "Straße" in hit["snippet"]
    assert "<mark>" not in hit["snippet"]
    assert "Online: https://archiv.example.org/-/zitat/ihek-2019-2021/2 " in hit["zitat"]
    assert info["Quelle"] == "Suche (german): Straße" and info["Zeilen"] == 2


def test_export_search_with_fts_and_filter(built: Paths) -> None:
    result = run(built, "export", "--search", "Quartiersrat", "--engine", "fts", "-f", "json", "-o", "-")
    assert result.exit_code == 0, result.output
    [hit] = json.loads(result.stdout)
    assert hit["page_id"] == "ihek-2019-2021/4" and "S. 4." in hit["zitat"]
    result = run(built, "export", "--search", "Straße", "--filter", "jahr=2012", "-f", "csv", "-o", "-")
    assert [r["page_id"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["ihek-2012/2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--table", "nope"], "Error: unknown table 'nope'; tables: "),
        (["--table", "pages; drop table pages"], "Error: unknown table 'pages; drop table pages'"),
        (["--sql", "delete from pages"], "Error: only SELECT queries can be exported, not DELETE"),
        (["--sql", "pragma writable_schema = 1"], "Error: only SELECT queries can be exported, not PRAGMA"),
        (["--sql", "select 1; delete from pages"], "Error: SQL error: You can only execute one statement at a time."),
        (["--sql", "with x as (select 1) delete from pages"], "Error: SQL error: attempt to write a readonly database"),
        (["--sql", "select nope from pages"], "Error: SQL error: no such column: nope"),
        (
            ["--sql", "select * from pages where id = :id"],
            "Error: SQL error: You did not supply a value for binding parameter :id.",
        ),
        ([], "Error: give exactly one of --table, --sql, --search"),
        (["--table", "pages", "--sql", "select 1"], "Error: give exactly one of --table, --sql, --search"),
        (["--table", "pages", "--engine", "fts"], "Error: --engine and --filter only go with --search"),
    ],
)
def test_export_errors_are_clean(built: Paths, tmp_path, args: list[str], message: str) -> None:
    output = tmp_path / "out.csv"
    result = run(built, "export", *args, "-o", str(output))
    assert result.exit_code in (1, 2), result.output
    assert message in result.output and "Traceback" not in result.output
    assert not output.exists() and list(tmp_path.iterdir()) == []
    with sqlite3.connect(built.database) as conn:
        assert conn.execute("select count(*) from pages").fetchone() == (6,)


def test_export_output_errors(built: Paths, tmp_path) -> None:
    result = run(built, "export", "--table", "pages", "-o", str(tmp_path / "fehlt" / "x.csv"))
    assert result.exit_code == 1 and "fehlt/x.csv: cannot write here" in result.output
    result = run(built, "export", "--table", "pages", "-o", "-", "-f", "xlsx")
    assert result.exit_code == 2 and "xlsx cannot go to standard output" in result.output
    result = run(built, "export", "--table", "pages", "-o", str(tmp_path / "x.txt"))
    assert result.exit_code == 2 and "give --format" in result.output


def test_failed_export_keeps_the_previous_file(built: Paths, tmp_path) -> None:
    output = tmp_path / "seiten.json"
    output.write_text("alt", encoding="utf-8")
    # Fails on the second row, after the file was begun.
    sql = "select id, json_extract(case when page_number = 2 then 'kaputt' else '{}' end, '$') from pages"
    result = run(built, "export", "--sql", sql, "-o", str(output))
    assert result.exit_code == 1 and "Error: SQL error: malformed JSON" in result.output
    assert output.read_text(encoding="utf-8") == "alt"
    assert list(tmp_path.iterdir()) == [output]


def test_export_search_without_index(archive: Paths, tmp_path) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    result = run(archive, "export", "--search", "Straße", "--engine", "whoosh", "-o", str(tmp_path / "t.csv"))
    assert result.exit_code == 1 and "no search index yet; run 'qmarchive index'" in result.output
    result = run(archive, "export", "--table", "sections", "-o", str(tmp_path / "s.csv"))
    assert result.exit_code == 0 and result.output.startswith("6 rows written to ")


# -- the Datasette renderer and /-/suche.xlsx ----------------------------------------------------------


@pytest.fixture(scope="module")
def ds(built: Paths):
    return build_datasette(built.database)


async def get_xlsx(ds, path: str, **params) -> tuple[list[tuple], dict, object]:
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == XLSX
    rows, info = read_xlsx(response.content)
    return rows, info, response


async def test_renderer_table(ds) -> None:
    rows, info, response = await get_xlsx(ds, "/qmarchive/pages.xlsx")
    assert response.headers["content-disposition"] == 'attachment; filename="pages.xlsx"'
    assert len(rows) == 7 and rows[0][0] == "id"
    assert any("Die Spielplatzsanierung an der Straße" in (row[5] or "") for row in rows)
    assert info["Tabelle"] == "pages" and info["Vollständig"] == "ja" and info["Zeilen"] == 6
    rows, info, _ = await get_xlsx(ds, "/qmarchive/pages.xlsx", _size="2")
    assert len(rows) == 3
    assert (
        info["Vollständig"]
        == "nein: eine Seite von 6 Zeilen; alle Zeilen mit ?_stream=on (oder qmarchive export --table)"
    )
    rows, info, _ = await get_xlsx(ds, "/qmarchive/pages.xlsx", _size="2", _stream="on")
    assert sorted(row[0] for row in rows[1:]) == sorted(
        r[0] for r in (await get_xlsx(ds, "/qmarchive/pages.xlsx"))[0][1:]
    )
    assert info["Vollständig"] == "ja"  # pages is in id order: nothing to reorder
    html = (await ds.client.get("/qmarchive/pages")).text
    assert 'href="/qmarchive/pages.xlsx?_labels=on"' in html


async def test_renderer_row_and_labels(ds) -> None:
    rows, _, _ = await get_xlsx(ds, "/qmarchive/pages/ihek-2019-2021~2F2.xlsx")
    assert [r[0] for r in rows] == ["id", "ihek-2019-2021/2"]
    rows, _, _ = await get_xlsx(ds, "/qmarchive/sections.xlsx", _labels="on", document_id="ihek-2012", _sort="id")
    assert rows[0][:5] == ("id", "document_id", "document_id_label", "position", "title")
    assert rows[1][1:3] == ("ihek-2012", "IHEK 2012")


async def test_renderer_canned_query(ds) -> None:
    rows, info, response = await get_xlsx(ds, "/qmarchive/suche.xlsx", q="Straße")
    assert response.headers["content-disposition"] == 'attachment; filename="suche.xlsx"'
    assert rows[0] == ("seiten_id", "titel", "zeitraum", "seite", "textauszug", "treffer_gesamt")
    assert sorted(r[0] for r in rows[1:]) == ["ihek-2012/2", "ihek-2019-2021/2"]
    assert [r[5] for r in rows[1:]] == [2, 2]
    assert info["Abfrage"] == "suche" and "limit 200" in info["SQL"] and info["Vollständig"] == "ja"


async def test_the_canned_query_says_how_many_it_leaves_out(tmp_path) -> None:
    """It shows the 200 best pages: every row and the workbook name how many matched in all."""
    db = store.open_database(tmp_path / "qmarchive.db")
    write_documents(db, {f"dok-{d}": [(f"Der Spielplatz Nummer {n}.", ()) for n in range(60)] for d in range(4)})
    ds = build_datasette(tmp_path / "qmarchive.db")
    response = await ds.client.get("/qmarchive/suche.json", params={"q": "Spielplätze", "_shape": "array"})
    found = response.json()
    assert len(found) == 200 and {row["treffer_gesamt"] for row in found} == {240}
    rows, info, _ = await get_xlsx(ds, "/qmarchive/suche.xlsx", q="Spielplätze")
    assert len(rows) == 201
    assert info["Vollständig"] == (
        "nein: die 200 besten von 240 Treffern (die Abfrage endet mit limit); alle Treffer: "
        "http://localhost/-/suche.xlsx?q=Spielpl%C3%A4tze (oder qmarchive export --search)"
    )
    search = await ds.client.get("/-/suche.json", params={"q": "Spielplätze"})
    assert search.json()["total"] == 240


async def test_renderer_arbitrary_query_keeps_formula_text(ds) -> None:
    sql = "select '=SUMME(A1:A2)' as formel, '@SUMME(1)' as at, title from documents order by id"
    response = await ds.client.get("/qmarchive.xlsx", params={"sql": sql})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="qmarchive.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [(c.value, c.data_type) for c in sheet[2]] == [
        ("=SUMME(A1:A2)", "s"),
        ("@SUMME(1)", "s"),
        ("IHEK 2012", "s"),
    ]
    assert sheet["C3"].value == "IHEK 2019–2021"


async def test_suche_xlsx(ds) -> None:
    # Every hit of the query, whatever page of it the screen shows.
    rows, info, response = await get_xlsx(ds, "/-/suche.xlsx", q="Straße", n="1", seite="2")
    assert response.headers["content-disposition"] == 'attachment; filename="qmarchive-suche-strasse.xlsx"'
    assert list(rows[0]) == SUCHE_COLUMNS
    found = records(rows)
    assert [hit["rank"] for hit in found] == [1, 2]
    assert sorted(hit["page_id"] for hit in found) == ["ihek-2012/2", "ihek-2019-2021/2"]
    hit = found[0]
    assert hit["url"] == f"http://localhost/qmarchive/pages/{hit['page_id'].replace('/', '~2F')}"
    assert f"Online: http://localhost/-/zitat/{hit['page_id']} (abgerufen am {TODAY})" in hit["zitat"]
    assert (info["Treffer"], info["Vollständig"]) == ("2", "ja")
    html = (await ds.client.get("/-/suche", params={"q": "Straße"})).text
    assert '<a href="/-/suche.xlsx?q=Stra%C3%9Fe">Excel (xlsx)</a>' in html
    rows, info, _ = await get_xlsx(ds, "/-/suche.xlsx", q="=SUMME(A1:A2)")
    assert rows == [tuple(SUCHE_COLUMNS)] and info["Suche"] == "=SUMME(A1:A2)" and info["Treffer"] == "keine"


# -- Datasette's own limits, as the README reports them ------------------------------------------------

ROWS = 1500


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Datasette:
    """1,500 rows served as qmarchive serves: same settings, a canned query, the plugin (entry point)."""
    path = tmp_path_factory.mktemp("big") / "gross.db"
    db = sqlite_utils.Database(path)
    db["zeilen"].insert_all(({"id": i, "wert": f"=SUMME(A{i})"} for i in range(1, ROWS + 1)), pk="id")
    # Like pages: text ids, a column with repeated values (page_number).
    db["seiten"].insert_all(({"id": f"dok-{d}/{p}", "seite": p} for d in range(30) for p in range(1, 51)), pk="id")
    metadata = {"databases": {"gross": {"queries": {"alle": {"sql": "select * from zeilen"}}}}}
    return Datasette(immutables=[str(path)], metadata=metadata, settings=SETTINGS)


@pytest.mark.parametrize(
    ("path", "rows"),
    [
        ("/gross/zeilen.csv", 50),  # default_page_size
        ("/gross/zeilen.csv?_size=max", 1000),  # max_returned_rows
        ("/gross/zeilen.csv?_stream=on", ROWS),  # a table streams every row
        ("/gross/alle.csv?_stream=on", 1000),  # a canned query does not stream
        ("/gross/alle.csv?_size=max", 1000),
        ("/gross.csv?sql=select+*+from+zeilen&_stream=on", 1000),  # nor does an arbitrary query
        ("/gross/zeilen.xlsx?_size=max", 1000),
        ("/gross/zeilen.xlsx?_stream=on", ROWS),
        ("/gross/alle.xlsx", 1000),
        ("/gross.xlsx?sql=select+*+from+zeilen", 1000),
    ],
)
async def test_datasette_row_limits(big, path: str, rows: int) -> None:
    response = await big.client.get(path)
    assert response.status_code == 200
    if ".xlsx" in path:
        table, info = read_xlsx(response.content)
        assert len(table) - 1 == info["Zeilen"] == rows
        assert info["Vollständig"] == "ja" if rows == ROWS else info["Vollständig"].startswith("nein: ")
    else:
        assert len(list(csv.reader(io.StringIO(response.text)))) - 1 == rows


async def test_xlsx_stream_of_a_table_sorted_by_a_repeating_column_is_complete(big) -> None:
    """Datasette 0.65 pages a table sorted by a column with repeated values without a stable tie-breaker
    (rows repeat or go missing at page boundaries); the xlsx stream reads such a table in primary key
    order instead, and says so."""
    table, info = read_xlsx((await big.client.get("/gross/seiten.xlsx?_stream=on&_sort=seite")).content)
    assert len(table) - 1 == len({row[0] for row in table[1:]}) == ROWS
    assert info["Vollständig"] == "ja; Reihenfolge nach id (die gewählte Sortierung verlöre in Datasette 0.65 Zeilen)"


@pytest.mark.slow
async def test_sample_pages_stream_completely(samples: Paths) -> None:
    """The pages table has no default sort on a repeating column, so Datasette's own CSV stream is whole."""
    ds = build_datasette(samples.database)
    response = await ds.client.get("/qmarchive/pages.csv?_stream=on")
    streamed = [row[0] for row in list(csv.reader(io.StringIO(response.text)))[1:]]
    assert len(streamed) == len(set(streamed)) == 174
    table, _ = read_xlsx((await ds.client.get("/qmarchive/pages.xlsx?_stream=on")).content)
    assert len({row[0] for row in table[1:]}) == len(table) - 1 == 174


ENDLESS_ROWS = "with recursive c(x) as (select 1 union all select x + 1 from c) select x from c"
ENDLESS_COUNT = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"


@pytest.mark.slow
def test_export_sql_is_stopped_at_its_time_limit_and_leaves_no_partial_file(built: Paths, tmp_path) -> None:
    output = tmp_path / "endlos.csv"
    started = time.monotonic()
    result = run(built, "export", "--sql", ENDLESS_ROWS, "--time-limit", "0.5", "-o", str(output))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(
        "Error: the query ran longer than the time limit of 0.5 s (time spent in SQLite); narrow it, or raise the "
        "limit with --time-limit SECONDS (0: none); " + f"{output} was not written (the partial file .endlos.csv."
    )
    assert result.stderr.endswith(".part was removed)\n")
    assert list(tmp_path.iterdir()) == []
    assert time.monotonic() - started < 30  # rows written in between do not count against the limit


@pytest.mark.slow
def test_export_sql_has_the_served_time_limit_by_default(built: Paths, tmp_path) -> None:
    assert export.SQL_TIME_LIMIT == SETTINGS["sql_time_limit_ms"] / 1000 == 3
    started = time.monotonic()
    result = run(built, "export", "--sql", ENDLESS_COUNT, "-o", str(tmp_path / "n.csv"))
    seconds = time.monotonic() - started
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the query ran longer than the time limit of 3 s (time spent in SQLite); "
        "narrow it, or raise the limit with --time-limit SECONDS (0: none)\n"
    )
    assert 3 <= seconds < 30 and list(tmp_path.iterdir()) == []
    result = run(built, "export", "--table", "pages", "--time-limit", "1", "-o", str(tmp_path / "p.csv"))
    assert result.exit_code == 2 and "--param and --time-limit only go with --sql" in result.output


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_export_removes_its_partial_file_and_says_so(built: Paths, tmp_path, stop: int) -> None:
    output = tmp_path / "endlos.csv"
    command = [
        sys.executable,
        "-m",
        "qmarchive",
        *cli_args(built, "export", "--sql", ENDLESS_ROWS, "--time-limit", "0", "-o", str(output)),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_at_a_terminal
    )
    try:
        deadline = time.monotonic() + 30
        while not list(tmp_path.glob(".endlos.csv.*.part")):
            assert time.monotonic() < deadline and process.poll() is None, process.stderr.read()
            time.sleep(0.05)
        part = next(tmp_path.glob(".endlos.csv.*.part"))
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 1
    assert stderr == f"Error: interrupted; {output} was not written (the partial file {part.name} was removed)\n"
    assert list(tmp_path.iterdir()) == []
