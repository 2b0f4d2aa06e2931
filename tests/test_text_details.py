"""Text details of real PDFs, reproduced in generated ones: chapter heads, words hyphenated across a page
break, junk metadata titles (loose accents: test_accents.py, hidden layers: test_layers.py)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args, write_catalog
from pdfmaker import Spec, make_pdf
from qmarchive import ingest
from qmarchive.cli import cli
from qmarchive.extract import extract
from qmarchive.paths import Paths


def chapter_pages() -> list[list[str]]:
    """A book's pages 1–8: left pages carry "N Kapitel …" at the top, right pages "Section … N"; the head
    changes with the chapter (pages 1–4 chapter 1, 5–8 chapter 2) and the text of each head shows on a
    few pages only, far fewer than the document-wide rule for repeated lines needs."""
    topics = [
        "Spielplätze",
        "Kitas",
        "Grünflächen",
        "Radwege",
        "Sprechstunden",
        "Nachbarschaftsfeste",
        "Mieterbeiräte",
        "Hofgärten",
    ]
    pages = []
    for n, topic in enumerate(topics, start=1):
        chapter, section = (
            ("Kapitel 1: Die Hauptklassen", "1.2 Wohnen im Quartier")
            if n <= 4
            else ("Kapitel 2: Beteiligung", "2.1 Der Quartiersrat")
        )
        head = f"{n} {chapter}" if n % 2 == 0 else f"{section} {n}"
        pages.append([head, f"{topic} im Quartier.", f"Mehr zu {topic} folgt."])
    pages[4].insert(1, "5 Beteiligung und Mitwirkung")  # a chapter heading that starts with the page number
    return pages


def test_chapter_heads_alternating_left_and_right_are_running_text(tmp_path: Path) -> None:
    spec = Spec(pages=chapter_pages())
    doc = extract(make_pdf(tmp_path / "buch.pdf", spec))
    assert [p.running_text for p in doc.pages] == [
        "1.2 Wohnen im Quartier 1",
        "2 Kapitel 1: Die Hauptklassen",
        "1.2 Wohnen im Quartier 3",
        "4 Kapitel 1: Die Hauptklassen",
        "2.1 Der Quartiersrat 5",
        "6 Kapitel 2: Beteiligung",
        "2.1 Der Quartiersrat 7",
        "8 Kapitel 2: Beteiligung",
    ]
    assert doc.pages[1].text == "Kitas im Quartier.\nMehr zu Kitas folgt."
    assert doc.pages[4].text == "5 Beteiligung und Mitwirkung\nSprechstunden im Quartier.\nMehr zu Sprechstunden folgt."
    assert [p.label for p in doc.pages] == [str(n) for n in range(1, 9)]
    assert {p.label_source for p in doc.pages} == {"printed"}


def test_a_word_hyphenated_across_a_page_break_is_found_and_each_page_stays_as_printed(paths: Paths) -> None:
    pdf_dir = paths.archive / "pdf"
    pdf_dir.mkdir(parents=True)
    make_pdf(pdf_dir / "bruch.pdf", Spec(pages=[["Erstens gilt die Defi-"], ["nition des Fördergebiets."]]))
    write_catalog(paths.archive, [{"id": "bruch", "title": "Bruch", "doc_type": "sonstiges", "file": "pdf/bruch.pdf"}])
    runner = CliRunner()
    assert runner.invoke(cli, cli_args(paths, "ingest")).exit_code == 0
    rows = list(Database(paths.database).query("select text, continuation from pages order by page_number"))
    assert rows == [
        {"text": "Erstens gilt die Defi-", "continuation": "Definition"},
        {"text": "nition des Fördergebiets.", "continuation": ""},
    ]
    hits = json.loads(runner.invoke(cli, cli_args(paths, "search", "Definition", "--json")).stdout)
    assert [hit["page_id"] for hit in hits] == ["bruch/1"]


def test_a_junk_metadata_title_is_ignored_and_said_so(paths: Paths, tmp_path: Path) -> None:
    pdf = make_pdf(
        tmp_path / "Broschüre Nachbarschaft.pdf",
        Spec(pages=[["Text"]], title="file:///C:/Users/qm/AppData/Local/Temp/tmp0001.ht"),
    )
    result = CliRunner().invoke(cli, cli_args(paths, "ingest", "--no-index", str(pdf)))
    assert result.exit_code == 0, result.output
    db = Database(paths.database)
    assert db["documents"].get("broschuere-nachbarschaft")["title"] == "Broschüre Nachbarschaft"
    message = db.execute("select message from ingest_log").fetchone()[0]
    assert message == (
        "PDF metadata title 'file:///C:/Users/qm/AppData/Local/Temp/tmp0001.ht' ignored (a placeholder, application "
        "default, path, URL or file name); title taken from the file name 'Broschüre Nachbarschaft'"
    )


@pytest.mark.parametrize(
    ("title", "usable"),
    [
        ("tmp0001.ht", None),
        ("Microsoft Word - IHEK_Entwurf.doc", None),
        ("Microsoft Word - Abschlussbericht", None),
        ("Untitled-1", None),
        ("Präsentation1", None),
        ("C:\\Daten\\ihek.pdf", None),
        ("/home/qm/ihek.pdf", None),
        ("https://example.org/ihek", None),
        ("gerdoc.dvi", None),
        ("IHEK 2019/2020 Hellersdorfer Promenade", "IHEK 2019/2020 Hellersdorfer Promenade"),
        ("ISEK 2.0", "ISEK 2.0"),
    ],
)
def test_which_pdf_titles_are_usable(title: str, usable: str | None) -> None:
    assert ingest._usable_title(title) == usable
