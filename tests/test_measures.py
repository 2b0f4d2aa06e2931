"""Measures and funds (table massnahmen): amounts, tables and lines, ingest, and precision on hand-checked pages."""

from __future__ import annotations

import importlib.util
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, cli_args, write_catalog
from pdfmaker import Spec, make_pdf

from qmarchive import measures
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

spec = importlib.util.spec_from_file_location("measures_eval", ROOT / "scripts" / "measures_eval.py")
measures_eval = importlib.util.module_from_spec(spec)
spec.loader.exec_module(measures_eval)

PAGE = ("d/7", "d", 7)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12.500", 12500.0),
        ("1.602.500,50 €", 1602500.5),
        ("10 000 Euro", 10000.0),
        ("8000", 8000.0),
        ("rund 2.500,- €", 2500.0),
        ("Seite 7", None),
        ("", None),
    ],
)
def test_german_amounts_become_numbers(text: str, amount: float | None) -> None:
    assert measures.parse_amount(text) == amount


def test_table_rows_by_their_header_with_wrapped_cells_joined_and_totals_left_out() -> None:
    table = [
        ["Projekt", "Handlungsfeld", "Fonds", "Laufzeit", "Betrag in €"],
        ["Elterncafé im Familienzen-\ntrum", "Bildung, Ausbildung,\nJugend", "Netzwerk-\nfonds", "2019–2021", "26.500"],
        ["Kiezputz", "Wohnumfeld", "Aktionsfonds", "2010", "10.000"],
        ["Summe", "", "", "", "36.500"],
        ["Ohne Betrag", "Bildung", "Projektfonds", "2010", "–"],
    ]
    other = [["Jahr", "Ereignis"], ["2005", "Start"]]
    found = measures.from_tables([other, table], PAGE, None)
    assert [(m.text, m.amount_eur, m.fund, m.years, m.topic_id, m.method) for m in found] == [
        (
            "Elterncafé im Familienzentrum | Bildung, Ausbildung, Jugend | Netzwerkfonds | 2019–2021 | 26.500",
            26500.0,
            "Netzwerkfonds",
            "2019–2021",
            "bildung",
            "tabelle",
        ),
        (
            "Kiezputz | Wohnumfeld | Aktionsfonds | 2010 | 10.000",
            10000.0,
            "Aktionsfonds",
            "2010",
            "oeffentlicher-raum",
            "tabelle",
        ),
    ]


def test_lines_that_name_a_fund_and_end_with_an_amount() -> None:
    text = "\n".join(
        [
            "Nr. | Projekt Handlungsfeld Fonds Betrag in €",
            "3 | Umgestaltung des Schulhofs Bildung, Ausbildung, Baufonds 145.000",
            "Aktionsfonds: rund 10.000 Euro im Jahr für kleine Vorhaben.",
            "Aktionsfonds 10.000",
            "Die Jury entscheidet über Anträge bis zu einer Höhe von 1.500 Euro.",
            "Insgesamt Projektfonds 1.602.500",
        ]
    )
    (found,) = measures.from_lines(text, PAGE, "Maßnahmen")
    assert (found.text, found.amount_eur, found.fund, found.topic_id, found.method) == (
        "3 | Umgestaltung des Schulhofs Bildung, Ausbildung, Baufonds 145.000",
        145000.0,
        "Baufonds",
        "bildung",
        "textzeile",
    )


def test_a_file_pdfplumber_cannot_open_falls_back_to_lines_and_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.pdf"
    broken.write_bytes(b"%PDF-1.4 kaputt")
    tables, warnings = measures.read_tables(broken, [1])
    assert tables == {}
    assert len(warnings) == 1 and warnings[0].startswith("measures: tables not read (")
    page = {"id": "d/1", "page_number": 1, "text": "Kiezfest Aktionsfonds 2.500 €", "section": None}
    found = measures.extract("d", [page], tables)
    assert [(m.amount_eur, m.fund, m.method) for m in found] == [(2500.0, "Aktionsfonds", "textzeile")]


def test_only_pages_with_amounts_in_table_words_are_read_for_tables() -> None:
    assert measures.wants_tables("Projekt Fonds Betrag in €\nKiezfest Aktionsfonds 2.500")
    assert not measures.wants_tables("Anträge bis zu einer Höhe von 1.500 Euro.")
    assert not measures.wants_tables("Tabelle 1: Meilensteine 2005 2013")


def test_ingest_fills_the_table_and_replaces_a_documents_rows(paths: Paths) -> None:
    pdf = paths.archive / "pdf" / "m.pdf"
    pdf.parent.mkdir(parents=True)
    write_catalog(
        paths.archive, [{"id": "m", "title": "M", "doc_type": "ihek", "period_start": "2020", "file": "pdf/m.pdf"}]
    )
    for amount, options in (("2.500", ()), ("3.000", ("--replace", "m", "--reason", "neue Fassung"))):
        make_pdf(pdf, Spec(pages=[["Maßnahmen", f"Kiezfest an der Promenade Aktionsfonds {amount} €"], ["Ohne Geld."]]))
        result = CliRunner().invoke(cli, cli_args(paths, "ingest", "-q", *options))
        assert result.exit_code == 0, result.output
    with sqlite3.connect(paths.database) as conn:
        rows = conn.execute(
            "SELECT page_id, document_id, page_number, text, amount_eur, typeof(amount_eur), fund, method FROM massnahmen"
        ).fetchall()
    assert rows == [
        ("m/1", "m", 1, "Kiezfest an der Promenade Aktionsfonds 3.000 €", 3000.0, "real", "Aktionsfonds", "textzeile")
    ]


def test_sample_archive_measures_and_precision_on_hand_checked_pages(samples: Paths) -> None:
    with sqlite3.connect(samples.database) as conn:
        methods = dict(conn.execute("SELECT method, count(*) FROM massnahmen GROUP BY method").fetchall())
        assert methods == {"tabelle": 150, "textzeile": 14}
        assert conn.execute("SELECT count(*) FROM massnahmen WHERE typeof(amount_eur) != 'real'").fetchone() == (0,)
        scores = measures_eval.evaluate(conn, ROOT / "tests" / "data" / "massnahmen_checked.csv")
    assert scores == {
        "all": {"checked": 39, "missed": 0},
        "tabelle": {"extracted": 25, "correct": 25, "name_complete": 25, "field_equal": 25},
        "textzeile": {"extracted": 14, "correct": 14, "name_complete": 7, "field_equal": 14},
    }


async def test_each_measure_links_to_its_page(samples: Paths) -> None:
    ds = build_datasette(samples.database)
    response = await ds.client.get(
        "/qmarchive/massnahmen", params={"page_id": "muster-ihek-2013-2014/22", "_sort": "id"}
    )
    assert response.status_code == 200
    assert '<a href="/qmarchive/pages/muster-ihek-2013-2014~2F22">muster-ihek-2013-2014/22</a>' in response.text
    assert "Spielplatzsanierung Kastanienallee | Öffentlicher Raum | Baufonds | 2013–2014 | 155.000" in response.text
