"""Ranking and filters of the German engine: the typed word before other words of its stem and before its
thesaurus synonyms (both ways: abbreviation and long form), every filter the Whoosh index has (through the
CLI), and the page view marking what the engine matched."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args, ingested
from pdfmaker import Spec
from qmarchive import search, store
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.search import german_fts
from qmarchive.serve import build_datasette

pytestmark = pytest.mark.slow  # the archive is ingested once, a few seconds

PAGES = [
    ["Kita", "Die Kita am Anger hat neue Plätze."],
    ["Kindertagesstätte", "Die Kindertagesstätte im Park wird erweitert."],
    ["Gremien", "Der QR tagt im Stadtteilzentrum."],
    ["Rat", "Der Quartiersrat berät über Projekte."],
    ["Lernen", "Die Schule am Park und die Schule am Anger kooperieren mit der Schule im Hof."],
    ["Oberstufe", "Schüler:innen der Oberstufe helfen beim Fest."],
]
OTHER_AREA = [
    ["Spiel", "Der Spielplatz am Hof wird saniert."],
    ["Feste", "Die Kita feiert ihr Sommerfest."],
    [
        "Sport",
        "Der Bolzplatz bekommt Bänke, Mülleimer, Hecken, Wege, Schilder, Blumen und Bäume; zuletzt das Flutlicht.",
    ],
    [
        "Licht",
        "Das Flutlicht am Bolzplatz wird erneuert, sagt das Amt, und danach kommen Bänke, Mülleimer, Hecken, Wege,",
        "Schilder, Blumen, Bäume, Sträucher, Zäune, Tore, Beete, Brunnen, Pavillons und ein neuer Rasen.",
    ],
    ["Programm", "Das Programm Soziale Stadt endete 2019."],
    ["Neues Programm", "Seit 2020 heißt es Sozialer Zusammenhalt."],
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Paths:
    return ingested(tmp_path_factory.mktemp("ranking"), [
        ({"id": "ihek-2019", "title": "IHEK 2019", "doc_type": "ihek", "period_start": "2019",
          "area": "Hellersdorfer Promenade"}, Spec(pages=PAGES, title="IHEK 2019")),
        ({"id": "ihek-2020", "title": "IHEK 2020", "doc_type": "ihek", "period_start": "2020",
          "area": "Boulevard Kastanienallee"}, Spec(pages=OTHER_AREA, title="IHEK 2020")),
    ])  # fmt: skip


@pytest.fixture
def db(archive: Paths) -> Database:
    return store.open_existing(archive.database)


def ranked(db: Database, query: str, engine: str = "german") -> list[str]:
    return [hit.page_id for hit in search.run(db, Path("unused"), query, engine=engine).hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kita", ["ihek-2019/1", "ihek-2020/2", "ihek-2019/2"]),  # abbreviation → the long form, after the typed word
        ("Kindertagesstätte", ["ihek-2019/2", "ihek-2019/1", "ihek-2020/2"]),  # long form → the abbreviation
        ("QR", ["ihek-2019/3", "ihek-2019/4"]),
        ("Soziale Stadt", ["ihek-2020/5", "ihek-2020/6"]),  # an entry of several words finds its synonym
        ("Sozialer Zusammenhalt", ["ihek-2020/6", "ihek-2020/5"]),
        ("Quartiersrat", ["ihek-2019/4", "ihek-2019/3"]),
        # Schüler and Schule share a stem: the page with the typed word comes first, though Schule stands 3 times.
        ("Schüler", ["ihek-2019/6", "ihek-2019/5"]),
        ("Schülerinnen", ["ihek-2019/6", "ihek-2019/5"]),
        ("Schule", ["ihek-2019/5", "ihek-2019/6"]),
    ],
)
def test_typed_word_ranks_before_its_stem_and_its_synonyms(db: Database, query: str, expected: list[str]) -> None:
    assert ranked(db, query) == expected


def test_words_near_each_other_rank_first(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # In any order: page 4 says "Flutlicht am Bolzplatz", page 3 has 13 words between them and is shorter.
    assert ranked(db, "Bolzplatz Flutlicht") == ["ihek-2020/4", "ihek-2020/3"]
    monkeypatch.setattr(german_fts, "NEAR_BONUS", 0.0)
    assert ranked(db, "Bolzplatz Flutlicht") == ["ihek-2020/3", "ihek-2020/4"]


def test_thesaurus_groups_are_the_archives_abbreviations() -> None:
    data = json.loads(Path(german_fts.__file__).with_name("thesaurus.json").read_text(encoding="utf-8"))
    assert data["version"] == 2
    thesaurus = german_fts.thesaurus()
    for short, long in [("qr", "quartiersrat"), ("afj", "aktionsfondsjury"), ("ba", "bezirksamt"), ("jfe", "jugendfreizeiteinricht")]:  # fmt: skip
        assert (long,) in thesaurus.alternatives(short), short
        assert (short,) in thesaurus.alternatives(long), long
    assert ("kindertageseinricht",) in thesaurus.alternatives("kita")


def cli_ids(archive: Paths, query: str, *options: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, cli_args(archive, "search", query, "--format", "json", *options))
    found = [row["page_id"] for row in json.loads(result.stdout)] if result.exit_code == 0 else []
    return result.exit_code, found, result.output


@pytest.mark.parametrize("engine", ["german", "whoosh"])
def test_every_whoosh_filter_works_with_the_german_engine_too(archive: Paths, engine: str) -> None:
    engine_option = ("--engine", engine)
    assert cli_ids(archive, 'Hof gebiet:"Hellersdorfer Promenade"', *engine_option)[1] == ["ihek-2019/5"]
    assert cli_ids(archive, 'Hof gebiet:"boulevard kastanienallee"', *engine_option)[1] == ["ihek-2020/1"]
    assert cli_ids(archive, 'Hof NICHT gebiet:"Boulevard Kastanienallee"', *engine_option)[1] == ["ihek-2019/5"]
    assert cli_ids(archive, "Hof seite:1", *engine_option)[1] == ["ihek-2020/1"]
    assert cli_ids(archive, "Hof page_id:ihek-2019/5", *engine_option)[1] == ["ihek-2019/5"]


def test_an_unknown_area_or_page_is_refused_by_the_german_engine(archive: Paths) -> None:
    code, _, output = cli_ids(archive, "Kita gebiet:Marzahn")
    assert code == 1
    assert "unknown gebiet 'Marzahn'; valid values: Boulevard Kastanienallee, Hellersdorfer Promenade" in output
    code, _, output = cli_ids(archive, "Kita seite:zwei")
    assert code == 1 and "unknown seite 'zwei'; valid values: 1, 2, 3, 4, 5, 6" in output
    assert "Traceback" not in output


def test_an_area_alone_lists_its_pages(archive: Paths) -> None:
    assert cli_ids(archive, 'gebiet:"Boulevard Kastanienallee"')[1] == [f"ihek-2020/{n}" for n in range(1, 7)]


@pytest.fixture
def ds(archive: Paths):
    return build_datasette(archive.database)


@pytest.mark.parametrize(
    ("query", "marked"),
    [
        ("Schülerin", ["Schüler:innen"]),  # a gendered form
        ("Zentrum", ["Stadtteilzentrum"]),  # a compound's part
        ("Quartiersrat", ["QR"]),  # its synonym, found by the search too
    ],
)
async def test_page_view_marks_what_the_german_engine_matched(ds, db: Database, query: str, marked: list[str]) -> None:
    page_id = next(hit for hit in ranked(db, query) if hit in ("ihek-2019/6", "ihek-2019/3"))
    document, number = page_id.split("/")
    html = (await ds.client.get(f"/-/seite/{document}/{number}", params={"q": query})).text
    assert re.findall(r"<mark>(.*?)</mark>", html) == marked


async def test_suche_takes_the_area_filter_and_refuses_an_unknown_one_in_german(ds) -> None:
    found = await ds.client.get("/-/suche", params={"q": 'Hof gebiet:"Boulevard Kastanienallee"'})
    assert (
        found.status_code == 200 and "/-/seite/ihek-2020/1" in found.text and "/-/seite/ihek-2019/5" not in found.text
    )
    refused = await ds.client.get("/-/suche", params={"q": "Hof gebiet:Marzahn"})
    assert refused.status_code == 400
    assert (
        "Unbekannter Wert „Marzahn“ für gebiet (gebiet). Gültige Werte: Boulevard Kastanienallee, "
        "Hellersdorfer Promenade." in refused.text
    )
