"""OCR of pages without a text layer: German text drawn as a scan is found by search after ``ingest``,
its result is cached, and a missing Tesseract leaves the batch intact with one clear warning.

Tesseract (German) is installed here and in CI (``.ci/run``); nothing of it is replaced in these tests.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

import hostile
from conftest import write_catalog
from pdfmaker import Spec, make_pdf
from qmarchive.cli import cli
from qmarchive.ocr import TESSERACT_ENV
from ocr_accuracy import accuracy
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette
from qmarchive.textnorm import usable_text

pytestmark = pytest.mark.slow

SCANNED = [
    [
        "Beschluss des Quartiersrats über die Spielplatzsanierung",
        "Die Bewohnerschaft der Hellersdorfer Promenade wünscht sich",
        "schattige Grünflächen, größere Sandkästen und eine Wasserpumpe.",
        "Für die Klimaanpassungsmaßnahmen stehen Mittel aus dem",
        "Baufonds zur Verfügung; der Schulhof wird entsiegelt.",
    ],
    [
        "Stellungnahme zum Aktionsfonds",
        "Jährlich etwa 10.000 Euro fördern kleine Vorhaben der Nachbarschaft:",
        "Nachbarschaftsfeste, Kiezspaziergänge und Ferienwerkstätten.",
        "Über die Vergabe entscheidet die Jury nach öffentlicher Beratung.",
    ],
]
TEXT_PAGE = ["Einleitung", "Diese Seite hat eine Textebene und wird nicht erkannt."]
MISSING = {TESSERACT_ENV: "/nonexistent/tesseract"}


def run(paths: Paths, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["--archive", str(paths.archive), "--index", str(paths.index), *args], env=env)


def make_scans(paths: Paths, scanned: list[list[str]] = SCANNED) -> Paths:
    """A catalogued document with a text page followed by the given pages as scans without a text layer."""
    pdf = paths.archive / "pdf" / "ihek-2010.pdf"
    pdf.parent.mkdir(parents=True)
    make_pdf(pdf, Spec(pages=[TEXT_PAGE, *scanned], scanned_pages=set(range(1, len(scanned) + 1)), title="IHEK 2010"))
    write_catalog(
        paths.archive,
        [
            {
                "id": "ihek-2010",
                "title": "IHEK 2010",
                "doc_type": "ihek",
                "period_start": "2010",
                "file": "pdf/ihek-2010.pdf",
            }
        ],
    )
    return paths


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Paths:
    """The scanned document ingested (with OCR) and indexed once, for tests that only read."""
    root = tmp_path_factory.mktemp("scans")
    paths = make_scans(Paths(root / "archive", root / "index"))
    result = run(paths, "ingest")
    assert result.exit_code == 0, result.output
    assert "OCR: 2 pages read" in result.stdout
    return paths


def test_scanned_pages_are_read_in_german_and_stored_as_ocr(scans: Paths) -> None:
    db = Database(scans.database)
    for number, lines in enumerate(SCANNED, start=2):
        page = db["pages"].get(f"ihek-2010/{number}")
        assert (page["has_text_layer"], page["needs_ocr"], page["ocr"]) == (0, 1, 1)
        assert page["ocr_engine"].startswith("Tesseract ") and page["ocr_engine"].endswith(" (deu)")
        assert 50 <= page["ocr_confidence"] <= 100
        chars, words = accuracy(" ".join(lines), page["text"])
        print(
            f"page {number}: character accuracy {chars:.4f}, word accuracy {words:.4f}, confidence {page['ocr_confidence']}"
        )
        assert chars >= 0.9  # a sane floor; the measured accuracy is reported above and in the README
    text_page = db["pages"].get("ihek-2010/1")
    assert (text_page["ocr"], text_page["ocr_engine"], text_page["needs_ocr"]) == (0, None, 0)
    assert db["documents"].get("ihek-2010")["pages_ocr"] == 2


@pytest.mark.parametrize(
    ("query", "engine", "page"),
    [("Spielplatzsanierung", "whoosh", "ihek-2010/2"), ("Klimaanpassung", "whoosh", "ihek-2010/2"),
     ("Grünflächen", "fts", "ihek-2010/2"), ("Nachbarschaftsfeste", "fts", "ihek-2010/3"),
     ("Kiezspaziergang", "whoosh", "ihek-2010/3")],
)  # fmt: skip
def test_words_of_scanned_pages_are_found_by_search(scans: Paths, query: str, engine: str, page: str) -> None:
    result = run(scans, "search", query, "--engine", engine, "--json")
    assert result.exit_code == 0, result.output
    assert [hit["page_id"] for hit in json.loads(result.stdout)] == [page]


def test_terminal_hits_mark_ocr_text(scans: Paths) -> None:
    output = run(scans, "search", "Spielplatzsanierung ODER Einleitung").stdout
    assert "[ihek-2010/2]  (OCR)\n" in output and "[ihek-2010/1]\n" in output


def test_status_counts_ocr_pages(scans: Paths) -> None:
    report = json.loads(run(scans, "status", "--json").stdout)
    assert (
        report["pages"],
        report["pages_without_text"],
        report["pages_ocr"],
        report["pages_without_searchable_text"],
    ) == (3, 2, 2, 0)
    assert "Pages:          3 (2 without text layer, 2 OCRed, 0 without searchable text)" in run(scans, "status").stdout


async def test_datasette_shows_that_text_comes_from_ocr(scans: Paths) -> None:
    ds = build_datasette(scans.database)
    scanned = (await ds.client.get("/qmarchive/pages/ihek-2010~2F2")).text
    assert "Der Text dieser Seite stammt aus einer Texterkennung (OCR, Tesseract " in scanned
    assert "mittlere Erkennungssicherheit" in scanned
    typed = (await ds.client.get("/qmarchive/pages/ihek-2010~2F1")).text
    assert "Der Text dieser Seite stammt" not in typed
    search_page = (await ds.client.get("/-/suche", params={"q": "Spielplatzsanierung"})).text
    assert "Text aus Texterkennung (OCR)" in search_page
    hits = (await ds.client.get("/-/suche.json", params={"q": "Einleitung ODER Aktionsfonds"})).json()["hits"]
    assert {hit["page_id"]: hit["ocr"] for hit in hits} == {"ihek-2010/1": False, "ihek-2010/3": True}


def test_reingest_takes_ocr_from_the_cache(paths: Paths) -> None:
    make_scans(paths, SCANNED[:1])
    first = run(paths, "ingest", "--no-index")
    assert "OCR: 1 pages read" in first.stdout
    assert run(paths, "ingest", "--no-index").stdout.startswith("0 ingested (0 pages), 1 unchanged")
    # Another extractor reads the document again; its scanned page comes from the cache.
    again = run(paths, "ingest", "--no-index", "--extractor", "pypdf")
    assert again.stdout.startswith("1 ingested (2 pages)")
    assert "OCR: 0 pages read, 1 from the cache, 0 failed" in again.stdout
    assert "Spielplatzsanierung" in Database(paths.database)["pages"].get("ihek-2010/2")["text"]


def test_without_tesseract_auto_warns_once_and_a_later_run_catches_up(paths: Paths) -> None:
    make_scans(paths)
    result = run(paths, "ingest", "--no-index", env=MISSING)
    assert result.exit_code == 0, result.output
    warning = (
        "Warning: 2 page(s) without a usable text layer were left unsearchable: Tesseract is not installed "
        "('/nonexistent/tesseract' not found); install Tesseract with German (Debian/Ubuntu: apt-get install "
        "tesseract-ocr tesseract-ocr-deu); then run 'qmarchive ingest' again to OCR them.\n"
    )
    assert result.stderr.count("Warning:") == 1 and result.stderr.endswith(warning)
    assert json.loads(run(paths, "status", "--json").stdout)["pages_without_searchable_text"] == 2
    assert run(paths, "ingest", "--no-index", "--ocr", "never").stdout.startswith("0 ingested (0 pages), 1 unchanged")
    caught_up = run(paths, "ingest", "--no-index")
    assert caught_up.stdout.startswith("1 ingested (3 pages), 0 unchanged")
    assert "OCR: 2 pages read" in caught_up.stdout
    assert json.loads(run(paths, "status", "--json").stdout)["pages_ocr"] == 2


def test_ocr_always_without_tesseract_is_an_error(paths: Paths) -> None:
    make_scans(paths, SCANNED[:1])
    result = run(paths, "ingest", "--no-index", "--ocr", "always", env=MISSING)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Tesseract is not installed ('/nonexistent/tesseract' not found); install")
    assert not Database(paths.database)["documents"].exists() or Database(paths.database)["documents"].count == 0


def test_ocr_always_reads_every_page(paths: Paths) -> None:
    make_scans(paths, SCANNED[:1])
    run(paths, "ingest", "--no-index")
    result = run(paths, "ingest", "--no-index", "--ocr", "always")
    assert result.stdout.startswith("1 ingested (2 pages)")
    assert "OCR: 1 pages read" in result.stdout and "1 from the cache" in result.stdout
    page = Database(paths.database)["pages"].get("ihek-2010/1")
    assert (page["has_text_layer"], page["needs_ocr"], page["ocr"]) == (1, 0, 1)
    assert "Diese Seite hat eine Textebene" in page["text"]
    assert run(paths, "ingest", "--no-index", "--ocr", "always").stdout.startswith("0 ingested (0 pages), 1 unchanged")


def test_a_page_whose_ocr_crashes_stays_without_text_and_the_batch_goes_on(paths: Paths) -> None:
    make_scans(paths, SCANNED[:1])
    (paths.archive / "pdf" / "bombe.pdf").write_bytes(hostile.decompression_bomb())
    # PDFium aborts on the bomb under this memory limit, when reading its text and again when rendering it.
    result = run(paths, "ingest", "--no-index", "--memory-mb", "400", str(paths.archive / "pdf" / "bombe.pdf"),
                 str(paths.archive / "pdf" / "ihek-2010.pdf"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("2 ingested (3 pages)")
    assert re.search(r"^OCR: 1 pages read, [0-9.]+ s/page, 0 from the cache, 1 failed$", result.stdout, re.M)
    assert "Warning: pdf/bombe.pdf: page 1: OCR failed (" in result.stderr
    assert "the page stays without text" in result.stderr
    db = Database(paths.database)
    assert (db["pages"].get("bombe/1")["ocr"], db["pages"].get("bombe/1")["needs_ocr"]) == (0, 1)
    assert db["pages"].get("ihek-2010/2")["ocr"] == 1


def test_never_leaves_scans_without_text(paths: Paths) -> None:
    make_scans(paths, SCANNED[:1])
    result = run(paths, "ingest", "--no-index", "--ocr", "never")
    assert result.exit_code == 0 and "OCR" not in result.output and "Warning" not in result.output
    page = Database(paths.database)["pages"].get("ihek-2010/2")
    assert (page["text"], page["needs_ocr"], page["ocr"]) == ("", 1, 0)


@pytest.mark.parametrize(
    ("text", "usable"),
    [("Öffentlicher Raum \uf0b7 Spielplatz", True), ("", False), ("  \n ", False),
     ("\ufffd\ufffd\ufffd ab", False), ("\ue000\ue001\ue002 x", False),
     ("\u6669\u6e61\u6e7a\u6965\u7274", False)],  # "finanziert" read as UTF-16: the byte-swapped CJK damage
)  # fmt: skip
def test_garbage_text_layers_count_as_no_text(text: str, usable: bool) -> None:
    assert usable_text(text) is usable
