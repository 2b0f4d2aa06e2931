"""Term trends, Handlungsfeld shares and edition comparison: library, CLI and the pages /-/verlauf,
/-/handlungsfelder and /-/vergleich on the sample archive, through Datasette's own client."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import write_catalog
from openpyxl import load_workbook
from pdfmaker import Spec, make_pdf

from qmarchive import compare, series
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

SERIES_ORDER = [
    "muster-ihek-2010",
    "muster-ihek-2013-2014",
    "muster-ihek-2017-2018",
    "muster-ihek-2019-2021",
    "muster-broschuere-sozialer-zusammenhalt",
    "muster-ihek-2022-2024",
    "muster-abschlussplan-2024",
]


@pytest.fixture(scope="module")
def ds(samples: Paths):
    return build_datasette(samples.database)


async def get_json(ds, path: str, **params):
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_trend_has_one_row_per_document_in_time_order_and_counts_match_the_search(ds) -> None:
    data = await get_json(ds, "/-/verlauf.json", q="Spielplatz")
    assert [row["document_id"] for row in data["rows"]] == SERIES_ORDER
    assert all(row["term"] == "Spielplatz" for row in data["rows"])
    for row in data["rows"]:
        found = await get_json(ds, "/-/suche.json", q="Spielplatz", dokument=row["document_id"])
        assert row["pages"] == found["total"], row["document_id"]
        assert row["per_10000"] == round(row["occurrences"] * 10_000 / row["words"], 2)
    everywhere = await get_json(ds, "/-/suche.json", q="Spielplatz")
    assert sum(row["pages"] for row in data["rows"]) == everywhere["total"] == 41


async def test_trend_page_shows_an_accessible_chart_and_a_table_linking_to_the_search(ds) -> None:
    response = await ds.client.get("/-/verlauf", params={"q": "Spielplatz"})
    assert response.status_code == 200
    html = response.text
    assert '<svg class="qm-diagramm" role="img" aria-labelledby="verlauf-titel verlauf-beschreibung"' in html
    assert '<title id="verlauf-titel">Vorkommen je 10.000 Wörter: Spielplatz</title>' in html
    rows = re.findall(r'<th scope="row">([^<]+) <span class="qm-typ">', html)
    assert len(rows) == len(SERIES_ORDER)
    data = await get_json(ds, "/-/verlauf.json", q="Spielplatz")
    for row in data["rows"]:
        link = f'<a href="/-/suche?q=Spielplatz&amp;dokument={row["document_id"]}">{row["pages"]}<span'
        assert link in html
    assert 'href="/-/verlauf.csv?q=Spielplatz"' in html and 'href="/-/verlauf.xlsx?q=Spielplatz"' in html


async def test_several_terms_side_by_side_and_restrictions(ds) -> None:
    data = await get_json(ds, "/-/verlauf.json", q=["Kita", "Schule"], typ="ihek")
    assert data["terms"] == ["Kita", "Schule"]
    ids = [row["document_id"] for row in data["rows"] if row["term"] == "Kita"]
    assert ids == [d for d in SERIES_ORDER if d.startswith("muster-ihek")]
    assert len(data["rows"]) == 2 * len(ids)
    restricted = await get_json(ds, "/-/verlauf.json", q="Beteiligung", feld="bildung")
    for row in restricted["rows"]:
        found = await get_json(ds, "/-/suche.json", q="Beteiligung", dokument=row["document_id"], feld="bildung")
        assert row["pages"] == found["total"]
    with sqlite3.connect(ds.get_database("qmarchive").path) as conn:
        (words_2010,) = conn.execute(
            "SELECT count(*) FROM pages p JOIN page_topics t ON t.page_id = p.id WHERE t.topic_id = 'bildung' AND p.document_id = 'muster-ihek-2010'"
        ).fetchone()
    assert (
        next(r for r in restricted["rows"] if r["document_id"] == "muster-ihek-2010")["words"] > 0 and words_2010 == 6
    )


async def test_trend_exports_csv_and_excel_with_the_same_numbers(ds) -> None:
    data = await get_json(ds, "/-/verlauf.json", q="Spielplatz")
    response = await ds.client.get("/-/verlauf.csv", params={"q": "Spielplatz"})
    assert response.headers["content-disposition"] == 'attachment; filename="qmarchive-verlauf.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["document_id"], int(r["pages"]), float(r["per_10000"])) for r in rows] == [
        (r["document_id"], r["pages"], r["per_10000"]) for r in data["rows"]
    ]
    response = await ds.client.get("/-/verlauf.xlsx", params={"q": "Spielplatz"})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == series.RECORD_COLUMNS
    assert [row[6] for row in values[1:]] == [r["pages"] for r in data["rows"]]


async def test_trend_without_terms_shows_the_form_and_json_says_what_is_missing(ds) -> None:
    response = await ds.client.get("/-/verlauf")
    assert response.status_code == 200
    assert '<label for="qm-begriff-1">Begriff 1</label>' in response.text
    response = await ds.client.get("/-/verlauf.json")
    assert response.status_code == 400
    assert response.json()["error"] == "Bitte mindestens einen Begriff angeben: ?q=…"
    response = await ds.client.get("/-/verlauf.csv")
    assert (response.status_code, response.text) == (400, "Bitte mindestens einen Begriff angeben: ?q=…")


async def test_cli_trend_gives_the_numbers_of_the_page(ds, samples: Paths) -> None:
    result = CliRunner().invoke(
        cli, ["--archive", str(samples.archive), "--index", str(samples.index), "trend", "Spielplatz", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == (await get_json(ds, "/-/verlauf.json", q="Spielplatz"))["rows"]
    result = CliRunner().invoke(
        cli, ["--archive", str(samples.archive), "--index", str(samples.index), "trend", "Spielplatz", "--csv"]
    )
    assert result.stdout.splitlines()[0] == ",".join(series.RECORD_COLUMNS)
    assert len(result.stdout.splitlines()) == 1 + len(SERIES_ORDER)


def test_cli_trend_refuses_other_filters_and_two_formats(samples: Paths) -> None:
    base = ["--archive", str(samples.archive), "--index", str(samples.index), "trend", "Kita"]
    result = CliRunner().invoke(cli, [*base, "--filter", "jahr=2019"])
    assert result.exit_code == 2
    assert "only typ=… and feld=… restrict a trend" in result.output
    result = CliRunner().invoke(cli, [*base, "--json", "--csv"])
    assert result.exit_code == 2
    assert "--json and --csv contradict each other: give one output format" in result.output


def test_inflected_forms_and_compounds_count_as_the_search_finds_them(paths: Paths) -> None:
    """'Spielplatz' counts Spielplätze and Spielplatzsanierung; the word count is of the whole document."""
    pdf = paths.archive / "pdf" / "a.pdf"
    pdf.parent.mkdir(parents=True)
    make_pdf(
        pdf,
        Spec(pages=[["Zwei Spielplätze und ein Spielplatz.", "Die Spielplatzsanierung beginnt."], ["Ohne das Wort."]]),
    )
    write_catalog(
        paths.archive, [{"id": "a", "title": "A", "doc_type": "ihek", "period_start": "2020", "file": "pdf/a.pdf"}]
    )
    assert (
        CliRunner()
        .invoke(cli, ["--archive", str(paths.archive), "--index", str(paths.index), "ingest", "-q"])
        .exit_code
        == 0
    )
    result = CliRunner().invoke(
        cli, ["--archive", str(paths.archive), "--index", str(paths.index), "trend", "Spielplatz", "--json"]
    )
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert (record["pages"], record["occurrences"], record["words"]) == (1, 3, 11)
    assert record["per_10000"] == round(3 * 10_000 / 11, 2)


async def test_field_shares_count_the_stored_page_topics(ds) -> None:
    data = await get_json(ds, "/-/handlungsfelder.json")
    with sqlite3.connect(ds.get_database("qmarchive").path) as conn:
        expected = {
            (d, t): n
            for d, t, n in conn.execute(
                "SELECT p.document_id, t.topic_id, count(*) FROM page_topics t JOIN pages p ON p.id = t.page_id GROUP BY 1, 2"
            )
        }
        pages = dict(conn.execute("SELECT document_id, count(*) FROM pages GROUP BY 1").fetchall())
    for row in data["rows"]:
        assert row["pages"] == expected.get((row["document_id"], row["topic_id"]), 0)
        assert row["share"] == round(row["pages"] / pages[row["document_id"]], 4)
    klima = [row["pages"] for row in data["rows"] if row["topic_id"] == "klimaanpassung"]
    assert klima[:4] == [0, 0, 0, 0] and klima[-1] > 0  # the cross-cutting theme arrives with the late editions


async def test_field_shares_page_links_to_the_pages_counted(ds) -> None:
    response = await ds.client.get("/-/handlungsfelder")
    assert response.status_code == 200
    html = response.text
    assert (
        'role="img"' in html
        and '<title id="felder-titel">Anteil der Seiten je Handlungsfeld und Dokument</title>' in html
    )
    link = "/qmarchive/page_topics?topic_id=bildung&amp;page_id__startswith=muster-ihek-2010%2F"
    assert f'<a href="{link}">27 %' in html  # 6 of 22 pages
    listed = await ds.client.get(
        link.replace("&amp;", "&").replace("page_topics?", "page_topics.json?") + "&_shape=array"
    )
    assert len(listed.json()) == 6


async def test_comparison_shows_outlines_terms_and_carried_over_text(ds) -> None:
    response = await ds.client.get("/-/vergleich", params={"a": "muster-ihek-2017-2018", "b": "muster-ihek-2019-2021"})
    assert response.status_code == 200
    html = response.text
    assert (
        '<td class="qm-ebene-1"><a href="/qmarchive/pages/muster-ihek-2017-2018~2F10">5.1 Bildung, Ausbildung, Jugend</a>'
        in html
    )
    assert "4 Leitbild und Zukunftsvisionen" in html and "– nicht vorhanden –" in html
    assert '<a href="/-/suche?q=Zukunftsvisionen&amp;dokument=muster-ihek-2019-2021">Zukunftsvisionen</a>' in html
    pairs = re.findall(
        r'<a href="(/qmarchive/pages/[^"]+)">A, S\. \d+.*?<a href="(/qmarchive/pages/[^"]+)">B, S\. \d+', html, re.S
    )
    assert pairs and all("muster-ihek-2017-2018" in a and "muster-ihek-2019-2021" in b for a, b in pairs)


async def test_comparison_asks_for_two_known_documents(ds) -> None:
    response = await ds.client.get("/-/vergleich")
    assert response.status_code == 200
    assert '<label for="qm-a">Dokument A (älter)</label>' in response.text
    response = await ds.client.get("/-/vergleich", params={"a": "unbekannt", "b": "muster-ihek-2010"})
    assert response.status_code == 404
    assert "Mindestens eines der gewählten Dokumente gibt es im Archiv nicht." in response.text
    response = await ds.client.get("/-/vergleich", params={"a": "muster-ihek-2010"})
    assert response.status_code == 400
    assert "Bitte zwei Dokumente auswählen." in response.text


def test_log_likelihood_and_carried_over_passages() -> None:
    assert compare.g2(10, 1000, 10, 1000) == 0.0
    assert compare.g2(20, 1000, 0, 1000) == pytest.approx(2 * 20 * 0.6931, rel=1e-3)
    assert compare.g2(0, 1000, 20, 1000) < 0
    text = (
        "Der Quartiersrat tagt jeden Monat im Stadtteilbüro und berät über alle Projekte der Nachbarschaft im Gebiet. "
        "Seine Mitglieder werden alle zwei Jahre gewählt, die Hälfte von ihnen wohnt im Quartier, die anderen "
        "vertreten Einrichtungen wie Schulen, Kitas und Vereine."
    )
    a = [
        compare.Passage("a/1", 1, text),
        compare.Passage("a/2", 2, "Etwas ganz anderes steht hier, ohne jede Übereinstimmung mit B."),
    ]
    b = [compare.Passage("b/5", 5, text.replace("jeden Monat", "jeden zweiten Monat"))]
    (pair,) = compare.carried_over(a, b)
    assert (pair.a.page_id, pair.b.page_id) == ("a/1", "b/5")
    assert 0.6 <= pair.similarity < 1


async def test_series_pages_are_linked_from_the_start_page_menu_and_search(ds) -> None:
    home = (await ds.client.get("/")).text
    for path in ("/-/verlauf", "/-/handlungsfelder", "/-/vergleich", "/qmarchive/massnahmen"):
        assert f'href="{path}"' in home
    hits = (await ds.client.get("/-/suche", params={"q": "Spielplatz"})).text
    assert '<a href="/-/verlauf?q=Spielplatz">„Spielplatz“ im Zeitverlauf der Ausgaben</a>' in hits


def test_sections_align_by_title_then_by_handlungsfeld_under_its_historical_names() -> None:
    def sections(*titles: str) -> list[compare.Section]:
        return [compare.Section(title, 1, n, f"d/{n}") for n, title in enumerate(titles, start=1)]

    a = sections(
        "1 Einleitung",
        "2.1 Bildung, Ausbildung, Jugend",
        "2.2 Wohnumfeld/Öffentlicher Raum",
        "3 Beteiligung und Vernetzung",
    )
    b = sections(
        "1 Einleitung",
        "2.1 Bildung",
        "2.2 Öffentlicher Raum",
        "2.3 Querschnittsthema Klimaanpassung",
        "3 Beteiligung und Vernetzung",
    )
    rows = [(x.title if x else None, y.title if y else None) for x, y in compare.align_sections(a, b)]
    assert rows == [
        ("1 Einleitung", "1 Einleitung"),
        ("2.1 Bildung, Ausbildung, Jugend", "2.1 Bildung"),
        ("2.2 Wohnumfeld/Öffentlicher Raum", "2.2 Öffentlicher Raum"),
        (None, "2.3 Querschnittsthema Klimaanpassung"),
        ("3 Beteiligung und Vernetzung", "3 Beteiligung und Vernetzung"),
    ]


async def test_trend_parameters_are_refused_when_too_many_too_long_or_unknown_never_cut(ds) -> None:
    terms = [f"Wort{n}" for n in range(6)]
    data = await get_json(ds, "/-/verlauf.json", q=[*terms, "Wort1", ""], feld="bildung")
    assert data["terms"] == terms  # duplicates and empties dropped
    assert data["filters"] == {"feld": ["bildung"]}
    too_many = await ds.client.get("/-/verlauf.json", params={"q": [*terms, "Wort6"]})
    assert too_many.status_code == 400 and "Zu viele Begriffe: 7" in too_many.json()["error"]
    too_long = await ds.client.get("/-/verlauf.json", params={"q": ["Kita", "x" * 600]})
    assert too_long.status_code == 400 and "Die Suchanfrage ist zu lang: 600 Zeichen" in too_long.json()["error"]
    unknown = await ds.client.get("/-/verlauf", params={"q": "Kita", "typ": "<script>"})
    assert unknown.status_code == 400 and "Unbekannter Wert „&lt;script&gt;“ für" in unknown.text
    same = await get_json(ds, "/-/verlauf.json", q="Spielplatz", typ="IHEK")
    assert same["rows"] == (await get_json(ds, "/-/verlauf.json", q="Spielplatz", typ="ihek"))["rows"]
    response = await ds.client.post("/-/verlauf", data={"q": "Kita"})
    assert (response.status_code, response.text) == (405, "Nur GET.")


async def test_trend_without_a_search_index_says_how_to_build_it(built: Paths, tmp_path) -> None:
    database = tmp_path / "qmarchive.db"
    shutil.copy(built.database, database)
    ds = build_datasette(database)
    response = await ds.client.get("/-/verlauf", params={"q": "Straße"})
    assert response.status_code == 503
    assert "noch keinen Suchindex" in response.text and "Traceback" not in response.text
    response = await ds.client.get("/-/verlauf.json", params={"q": "Straße"})
    assert response.status_code == 503 and response.json()["ok"] is False
    assert (await ds.client.get("/-/handlungsfelder.json")).status_code == 200  # needs no index
