"""Printed page labels: read from running header and footer numbers, stored with their source, cited."""

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args, write_catalog
from pdfmaker import Spec, make_pdf
from qmarchive import pagelabels
from qmarchive.cli import cli
from qmarchive.extract import extract
from qmarchive.pagelabels import PageLabel, printed_labels, resolve
from qmarchive.paths import Paths

# Cover and contents unnumbered, a preface numbered ii–iii, then body pages 1–6 with a plate (no
# number) after page 3 that is counted, and a map page without number at the end.
BOOK = [
    ["Integriertes Handlungskonzept", "Hellersdorfer Promenade"],  # cover
    ["Vorwort", "Der Quartiersrat hat beraten.", "ii"],
    ["Inhalt", "1 Einleitung 1", "2 Handlungsfelder 3", "iii"],
    ["Einleitung", "Das Quartier liegt im Osten.", "1"],
    ["Die Bewohnerschaft ist jung.", "2"],
    ["Handlungsfelder", "Bildung steht vorn.", "3"],
    ["Abbildung 1: Luftbild"],  # plate, unnumbered but counted
    ["Beteiligung ist wichtig.", "5"],
    ["Grünflächen werden saniert.", "6"],
    ["Karte 2: Fördergebiet"],  # map, unnumbered
]


def test_footer_numbers_with_offset_roman_front_matter_and_unnumbered_plates() -> None:
    texts = ["\n".join(lines) for lines in BOOK]
    assert printed_labels(texts) == [None, "ii", "iii", "1", "2", "3", None, "5", "6", None]


def test_numbers_at_either_end_of_alternating_heads_and_of_n_of_m() -> None:
    texts = [
        "12 Kapitel 3: Die Hauptklassen\nText",  # left page: number at the left end
        "3.1 Grundlagen 13\nText",  # right page: number at the right end
        "14 Kapitel 3: Die Hauptklassen\nText",
        "Text\nSeite 15 von 40",  # "Seite N von M"
        "Handbuch 12 Bookworm 16 / 40\nText",  # "N / M" after other numbers
    ]
    assert printed_labels(texts) == ["12", "13", "14", "15", "16"]


def test_numbers_that_form_no_run_are_not_labels() -> None:
    """A heading number or a year at a page's edge agrees with no other page: never taken."""
    texts = ["2 Einleitung\nText", "Text\nStand 2019", "Kapitel 7\nText", "Text\n4 Ziele"]
    assert printed_labels(texts) == [None, None, None, None]


def test_two_runs_of_equal_weight_that_disagree_leave_the_page_unread() -> None:
    texts = [f"{n}\nText\n{n + 10}" for n in range(1, 4)]
    assert printed_labels(texts) == [None, None, None]


def test_a_single_roman_page_is_no_run_but_a_facing_pair_is() -> None:
    assert printed_labels(["i\nInhalt", "Text\n1", "Text\n2", "Text\n3"]) == [None, "1", "2", "3"]
    assert printed_labels(["i\nInhalt", "ii\nInhalt", "Text\n1", "Text\n2", "Text\n3"]) == ["i", "ii", "1", "2", "3"]
    assert printed_labels(["I\nAnlage", "II\nAnlage", "Text"]) == [None, None, None]


def test_roman_numbers_are_read_only_in_canonical_form() -> None:
    assert [pagelabels.number_value(t) for t in ("xiv", "XIV", "iiii", "vx", "0", "12345")] == [
        ("roman", 14),
        ("ROMAN", 14),
        None,
        None,
        None,
        None,
    ]


def test_page_labels_of_the_pdf_win_unless_they_only_repeat_the_physical_numbers() -> None:
    assert resolve(["i", "1"], ["x", "y"]) == [PageLabel("i", "pagelabels"), PageLabel("1", "pagelabels")]
    assert resolve(["1", "2"], ["7", None]) == [PageLabel("7", "printed"), PageLabel("2", "physical")]
    assert resolve(None, [None]) == [PageLabel("1", "physical")]
    assert not PageLabel("1", "physical").known and PageLabel("1", "printed").known


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_pdf(tmp_path / "buch.pdf", Spec(pages=BOOK, title="IHEK 2019–2021"))


def test_extraction_reads_printed_labels_and_keeps_numbers_out_of_the_text(book: Path) -> None:
    doc = extract(book)
    assert [(p.label, p.label_source) for p in doc.pages] == [
        ("1", "physical"),
        ("ii", "printed"),
        ("iii", "printed"),
        ("1", "printed"),
        ("2", "printed"),
        ("3", "printed"),
        ("7", "physical"),
        ("5", "printed"),
        ("6", "printed"),
        ("10", "physical"),
    ]
    assert (doc.pages[3].text, doc.pages[3].running_text) == ("Einleitung\nDas Quartier liegt im Osten.", "1")


def test_pdf_page_labels_are_used_when_present(tmp_path: Path) -> None:
    spec = Spec(pages=BOOK[3:6], labels=[(0, "ARABIC", 41)])
    doc = extract(make_pdf(tmp_path / "labels.pdf", spec))
    assert [(p.label, p.label_source) for p in doc.pages] == [
        ("41", "pagelabels"),
        ("42", "pagelabels"),
        ("43", "pagelabels"),
    ]


def test_cite_gives_the_printed_number_and_the_pdf_page(book: Path, paths: Paths) -> None:
    pdf_dir = paths.archive / "pdf"
    pdf_dir.mkdir(parents=True)
    book.rename(pdf_dir / "ihek.pdf")
    write_catalog(
        paths.archive,
        [{"id": "ihek", "title": "IHEK 2019–2021", "doc_type": "ihek", "period_start": "2019", "file": "pdf/ihek.pdf"}],
    )
    runner = CliRunner()
    assert runner.invoke(cli, cli_args(paths, "ingest")).exit_code == 0
    rows = Database(paths.database).query(
        "select page_number, page_label, page_label_source from pages where document_id = 'ihek' order by page_number"
    )
    assert [tuple(r.values()) for r in rows][3:7] == [
        (4, "1", "printed"),
        (5, "2", "printed"),
        (6, "3", "printed"),
        (7, "7", "physical"),
    ]

    def cite(target: str) -> str:
        result = runner.invoke(cli, cli_args(paths, "cite", target))
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "IHEK 2019–2021 (2019). S. 3 (PDF-Seite 6). Online: /-/zitat/ihek/6 " in cite("ihek/6")
    assert "IHEK 2019–2021 (2019). PDF-Seite 7. Online: /-/zitat/ihek/7 " in cite("ihek/7")
    bibtex = runner.invoke(cli, cli_args(paths, "cite", "--format", "bibtex", "ihek/7")).stdout
    assert "pages" not in bibtex and "note    = {PDF-Seite 7; SHA-256 der Datei:" in bibtex
    # Search hits name pages the same way.
    assert (
        "1. IHEK 2019–2021 (2019), PDF-Seite 7  [ihek/7]"
        in runner.invoke(cli, cli_args(paths, "search", "Luftbild")).stdout
    )
    assert (
        "1. IHEK 2019–2021 (2019), S. 3 (PDF-Seite 6)  [ihek/6]"
        in runner.invoke(cli, cli_args(paths, "search", "Bildung")).stdout
    )


def test_migration_marks_stored_labels_until_the_next_extraction(tmp_path: Path) -> None:
    from qmarchive import store
    from qmarchive.migrations import migrations

    db = Database(tmp_path / "alt.db")
    migrations.apply(db, stop_before="m007_page_labels")
    db["documents"].insert(
        {
            "id": "d",
            "title": "D",
            "doc_type": "ihek",
            "catalogued": 1,
            "file": "d.pdf",
            "sha256": "0",
            "bytes": 1,
            "page_count": 2,
            "pages_without_text": 0,
            "pdf_encrypted": 0,
            "extractor": "pdfium",
            "extractor_version": "x",
            "extraction_version": "pdfium/1",
            "ingested_at": "2026-01-01",
        }
    )
    for number, label in ((1, "iv"), (2, "2")):
        db["pages"].insert(
            {
                "id": f"d/{number}",
                "document_id": "d",
                "page_number": number,
                "page_label": label,
                "text": "",
                "running_text": "",
                "chars": 0,
                "text_sha256": "0",
                "has_text_layer": 1,
            }
        )
    db.conn.close()
    db = store.open_database(tmp_path / "alt.db")
    rows = db.query("select page_label, page_label_source, continuation from pages order by page_number")
    assert [tuple(r.values()) for r in rows] == [("iv", "pagelabels", ""), ("2", "physical", "")]


async def test_citation_page_and_page_row_show_where_the_label_comes_from(built: Paths) -> None:
    """ihek-2012 has two pages: its footer numbers form no run of three, so its pages are 'PDF-Seite N'."""
    from qmarchive.serve import build_datasette

    ds = build_datasette(built.database)
    zitat = (await ds.client.get("/-/zitat/ihek-2012/2")).text
    assert "<h1>Zitieren: IHEK 2012, PDF-Seite 2</h1>" in zitat
    assert "IHEK 2012 (2012). PDF-Seite 2. Online:" in zitat
    row = (await ds.client.get("/qmarchive/pages/ihek-2012~2F2.json", params={"_shape": "array"})).json()
    assert (row[0]["page_label"], row[0]["page_label_source"]) == ("2", "physical")
    html = (await ds.client.get("/qmarchive/pages/ihek-2012~2F2")).text
    assert "Original-PDF, PDF-Seite 2</a>" in html
    printed = (await ds.client.get("/-/zitat/ihek-2019-2021/2")).text
    assert "<h1>Zitieren: IHEK 2019–2021, S. 2</h1>" in printed
