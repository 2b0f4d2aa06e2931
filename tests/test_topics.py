"""Handlungsfeld tagging: the lexicon, the rules, and the tags stored by ingest and served by Datasette."""

import re
import sqlite3

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import ihek_spec
from pdfmaker import make_pdf, running_pages
from qmarchive import topics
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

TODAY = ["integration-nachbarschaft", "bildung", "oeffentlicher-raum", "gesundheit-bewegung", "beteiligung-vernetzung"]


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, ["--archive", str(paths.archive), "--index", str(paths.index), *args])


def page_topics(paths: Paths) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in Database(paths.database).execute("select page_id, topic_id from page_topics order by 1, 2")
    ]


# -- the lexicon -----------------------------------------------------------------------------------------


def test_lexicon_has_todays_fields_the_discontinued_one_and_klimaanpassung() -> None:
    lexicon = topics.lexicon()
    assert [t.id for t in lexicon.topics] == [
        *TODAY[:4],
        "beteiligung-vernetzung",
        "arbeit-wirtschaft",
        "klimaanpassung",
    ]
    assert topics.LEXICON_VERSION == lexicon.version >= 1
    for topic in lexicon.topics:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", topic.id)
        assert topic.name and topic.historical_names and topic.weak, topic.id
        assert topic.name in topic.names
        # One ordinary word never makes a topic: weak cues only count two or more together.
        assert topic.min_weak >= 2, topic.id
    arbeit = next(t for t in lexicon.topics if t.id == "arbeit-wirtschaft")
    assert (arbeit.since, arbeit.until) == (2013, 2020)


def test_every_historical_name_from_the_domain_notes_is_in_the_lexicon() -> None:
    names = {name: topic.id for topic in topics.lexicon().topics for name in topic.historical_names}
    for name in [
        "Bildung, Ausbildung, Jugend",
        "Nachbarschaft und Beteiligung",
        "Wohnumfeld/Öffentlicher Raum",
        "Arbeit und Wirtschaft",
        "Nachbarschaft (Gemeinwesen, Integration)",
        "Öffentlicher Raum",
        "Beteiligung, Vernetzung und Einbindung der Partner",
        "Integration und Nachbarschaft",
        "Bildung",
        "Gesundheit und Bewegung",
        "Beteiligung, Vernetzung und Kooperation von Partnern",
        "Klimaanpassung",
    ]:
        assert name in names


def test_topic_rows_join_the_historical_names() -> None:
    rows = {row["id"]: row for row in topics.topic_rows()}
    assert rows["oeffentlicher-raum"] == {
        "id": "oeffentlicher-raum",
        "name": "Öffentlicher Raum",
        "since": 2010,
        "until": None,
        "historical_names": "Wohnumfeld/Öffentlicher Raum · Öffentlicher Raum",
        "lexicon_version": topics.LEXICON_VERSION,
    }


# -- names -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.3 Wohnumfeld/Öffentlicher Raum\nDie Wege sind dunkel.", ["oeffentlicher-raum"]),
        (
            "Spielplatzsanierung Kastanienallee\nWohnumfeld/Öffentlicher\nRaum\nBaufonds 2010 195.000",
            ["oeffentlicher-raum"],
        ),
        ("5.2 Nachbarschaft und Beteiligung\nAusgangslage", ["integration-nachbarschaft", "beteiligung-vernetzung"]),
        ("5.1 Bildung, Ausbildung, Jugend", ["bildung"]),
        (
            "Für das Handlungsfeld „Nachbarschaft (Gemeinwesen, Integration)“ gelten diese Ziele:",
            ["integration-nachbarschaft"],
        ),
        (
            "Stadtteilkonferenz Beteiligung, Vernetzung\nund Einbindung der Partner\nNetzwerkfonds",
            ["beteiligung-vernetzung"],
        ),
        ("5.2 Arbeit und Wirtschaft\nDie Lage ist schwierig.", ["arbeit-wirtschaft"]),
        ("Querschnittsthema Klimaanpassung", ["klimaanpassung"]),
        ("Integration & Nachbarschaft", ["integration-nachbarschaft"]),
        ("BILDUNG – AUSBILDUNG – JUGEND", ["bildung"]),
        ("ÖFFENTLICHER RAUM", ["oeffentlicher-raum"]),
    ],
)
def test_historical_names_map_to_todays_fields(text: str, expected: list[str]) -> None:
    assert topics.tag_page(text) == expected


def test_a_one_word_name_counts_as_heading_or_quoted_but_not_in_prose() -> None:
    assert topics.tag_page("5.2 Bildung\nAusgangslage") == ["bildung"]
    assert topics.tag_page("Ziele für das Handlungsfeld „Bildung“:") == ["bildung"]
    assert (
        topics.tag_page("Kultur, Bildung und eine gut erreichbare Infrastruktur machen das Quartier attraktiv.") == []
    )


def test_the_section_title_counts() -> None:
    assert topics.tag_page("Lernangebote gewinnen an Bedeutung.", "6 Bildung") == ["bildung"]
    assert topics.tag_page("Flächen sollen begrünt werden.", "5.6 Querschnittsthema Klimaanpassung") == [
        "klimaanpassung"
    ]
    assert topics.tag_page("Ein Text ohne Thema.", "1.1 Anlass und Auftrag") == []


def test_an_enumeration_of_all_fields_names_none_of_them() -> None:
    text = (
        "Die Arbeit im Quartier gliedert sich in die folgenden Handlungsfelder: „Integration und\n"
        "Nachbarschaft“; „Bildung“; „Öffentlicher Raum“; „Gesundheit und Bewegung“; „Beteiligung,\n"
        "Vernetzung und Kooperation von Partnern“.\n5.1 Integration und Nachbarschaft\nAusgangslage"
    )
    assert topics.tag_page(text) == ["integration-nachbarschaft"]


def test_a_table_of_contents_treats_nothing() -> None:
    chapters = [
        "Einleitung",
        "Bildung, Ausbildung, Jugend",
        "Öffentlicher Raum",
        "Arbeit und Wirtschaft",
        "Klimaanpassung",
    ]
    toc = "\n".join(f"{n} {title} . . . . . . . . . . . . {n * 2}" for n, title in enumerate(chapters, 1))
    assert topics.tag_page("Inhaltsverzeichnis\n" + toc) == []
    assert topics.tag_page("5.1 Bildung", "Inhaltsverzeichnis") == []


# -- cues ------------------------------------------------------------------------------------------------


def test_grounds_for_a_decision_are_not_greening() -> None:
    """ "Begründung"/"begründet" share letters with "Begrünung", not its stem: no Klimaanpassung."""
    text = (
        "Begründung: Der Beschluss ist begründet, weil die Begründungen der Antragsteller nachvollziehbar sind. "
        "Die Verwaltung begründet ihre Entscheidung ausführlich; zur Begründung wird auf die Anlage verwiesen."
    )
    assert topics.tag_page(text) == []
    assert topics.cue_evidence("klimaanpassung", text) == ([], 0)


def test_greening_as_a_real_compound_part_is_a_strong_cue() -> None:
    assert topics.tag_page("Geplant ist die Dachbegrünung der Kita.") == ["klimaanpassung"]
    assert topics.cue_evidence("klimaanpassung", "Fassadenbegrünungen am Stadtteilzentrum") == (
        ["Fassadenbegrünung"],
        0,
    )
    # "Begrünung" alone is a weak cue: one is not enough, two different ones are.
    assert topics.tag_page("Die Begrünung des Hofes ist abgeschlossen.") == []
    assert topics.tag_page("Die Begrünung des Hofes spendet im Sommer Schatten.") == ["klimaanpassung"]


def test_the_city_of_giessen_and_a_foundry_are_not_watering() -> None:
    text = "Die Gießerei in Gießen liefert Gussteile; Gießen liegt an der Lahn. Kühlmittel wird geliefert."
    assert topics.cue_evidence("klimaanpassung", text)[1] <= 1
    assert topics.tag_page(text) == []
    # The verb, and the noun after "beim", are watering.
    assert topics.cue_evidence("klimaanpassung", "Wir gießen die Bäume.") == ([], 1)
    assert topics.tag_page("Die Nachbarschaft hilft beim Gießen von Bäumen, die Schatten spenden.") == [
        "klimaanpassung"
    ]


def test_a_word_counts_once_for_the_most_specific_cue() -> None:
    """ "Aktionsfondsjury" is one cue, not also "Jury"; "Hitzeschutz" is strong, not also the weak "Hitze"."""
    assert topics.cue_evidence("beteiligung-vernetzung", "Die Aktionsfondsjury tagt.") == ([], 1)
    assert topics.cue_evidence("klimaanpassung", "Hitzeschutzpatenschaften") == (["Hitzeschutz"], 0)


def test_enough_different_keywords_make_a_field() -> None:
    text = (
        "An den Grundschulen ist der Anteil der Kinder mit Sprachförderbedarf hoch. Für die U3-Betreuung in den "
        "Kitas gibt es Wartelisten. Die Hausaufgabenhilfe im Stadtteilzentrum ist gut besucht."
    )
    assert topics.tag_page(text) == ["bildung"]
    assert topics.cue_evidence("bildung", text) == (
        [],
        5,
    )  # Grundschule, Sprachförderbedarf, U3, Kita, Hausaufgabenhilfe
    # Passing mentions and repetitions of one word are not enough.
    assert topics.tag_page("Die Kita „Sonnenblume“ beteiligt sich. Kitas und Kitas und noch mehr Kitas.") == []


def test_keywords_match_inside_compounds_case_and_umlauts_aside() -> None:
    text = "KINDERSPIELPLÄTZE, Grünflächenpflege, Sperrmüll und Sitzgelegenheiten: das Wohnumfeld braucht Pflege."
    assert topics.tag_page(text) == ["oeffentlicher-raum"]


def test_keywords_far_apart_on_a_long_page_do_not_add_up() -> None:
    filler = " ".join(["Der Text handelt von anderen Dingen."] * 40)
    scattered = f"Die Grundschule. {filler} Die Kita. {filler} Die Jugendlichen. {filler} Die Sprachförderung."
    assert topics.cue_evidence("bildung", scattered) == ([], 1)
    assert topics.tag_page(scattered) == []


@pytest.mark.parametrize(
    "text",
    [
        "Starkregenereignisse haben zu überfluteten Kellern geführt; Flächen sollen entsiegelt werden.",
        "Bei allen Vorhaben wird geprüft, ob sie einen Beitrag zur Klimaanpassung leisten können.",
        "Klimaanpassungsmaßnahmen sind bei allen Bauvorhaben mitzudenken.",
        "Ältere Menschen sind von Hitzeperioden besonders betroffen.",
    ],
)
def test_klimaanpassung_is_tagged_on_every_statement_about_it(text: str) -> None:
    assert topics.tag_page(text) == ["klimaanpassung"]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Impressum\nHerausgeber: Bezirksamt Marzahn-Hellersdorf von Berlin\nStand: 15.03.2010",
        "Der Zug nach Hamburg fährt um 9 Uhr ab. Bitte Fahrkarten am Automaten lösen. Das Wetter bleibt wechselhaft.",
        "Sozialer Zusammenhalt – Zusammenleben im Quartier gemeinsam gestalten",
    ],
)
def test_unrelated_text_gets_no_tags(text: str) -> None:
    assert topics.tag_page(text) == []


# -- looking up a field by any of its names --------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("bildung", ["bildung"]),
        ("Bildung, Ausbildung, Jugend", ["bildung"]),
        ("wohnumfeld", ["oeffentlicher-raum"]),
        ("Wohnumfeld/Öffentlicher Raum", ["oeffentlicher-raum"]),
        ("oeffentlicher-raum", ["oeffentlicher-raum"]),
        ("offentlicher raum", ["oeffentlicher-raum"]),
        ("Nachbarschaft (Gemeinwesen, Integration)", ["integration-nachbarschaft"]),
        ("Nachbarschaft und Beteiligung", ["integration-nachbarschaft", "beteiligung-vernetzung"]),
        ("klima", ["klimaanpassung"]),
        ("gibt es nicht", []),
        ("", []),
    ],
)
def test_lookup_finds_a_field_under_all_its_names(query: str, ids: list[str]) -> None:
    assert topics.lookup(query) == ids


# -- stored by ingest ------------------------------------------------------------------------------------


def test_ingest_fills_topics_and_page_topics(archive: Paths) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    db = Database(archive.database)
    assert [r["id"] for r in db.query("select id from topics order by rowid")] == [
        t.id for t in topics.lexicon().topics
    ]
    assert {r["lexicon_version"] for r in db.query("select lexicon_version from topics")} == {topics.LEXICON_VERSION}
    assert page_topics(archive) == [
        ("ihek-2012/2", "oeffentlicher-raum"),
        ("ihek-2019-2021/2", "oeffentlicher-raum"),
        ("ihek-2019-2021/3", "bildung"),
    ]


def test_reingesting_a_changed_file_replaces_its_page_topics(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    body = ["Querschnittsthema Klimaanpassung", "Flächen sollen entsiegelt und begrünt werden."]
    make_pdf(archive.archive / "pdf/ihek-2012.pdf", ihek_spec(pages=running_pages([body]), title="IHEK 2012"))
    result = run(archive, "ingest", "--no-index", "--replace", "ihek-2012")
    assert result.stdout.startswith("1 ingested (1 pages), 1 unchanged"), result.output
    assert page_topics(archive) == [
        ("ihek-2012/1", "klimaanpassung"),
        ("ihek-2019-2021/2", "oeffentlicher-raum"),
        ("ihek-2019-2021/3", "bildung"),
    ]


def test_a_new_lexicon_version_tags_stored_pages_again_without_extraction(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    expected = page_topics(archive)
    # As if the pages had been tagged with an older lexicon (or before topics existed) and wrongly.
    with sqlite3.connect(archive.database) as conn:
        conn.execute("delete from page_topics")
        conn.execute("insert into page_topics values ('ihek-2012/1', 'arbeit-wirtschaft')")
        conn.execute("update topics set lexicon_version = 0")
    result = run(archive, "ingest", "--no-index")
    assert result.stdout.startswith("0 ingested (0 pages), 2 unchanged"), result.output
    assert page_topics(archive) == expected
    assert {r[0] for r in Database(archive.database).execute("select lexicon_version from topics")} == {
        topics.LEXICON_VERSION
    }


# -- served by Datasette ---------------------------------------------------------------------------------


async def test_datasette_filters_and_facets_page_topics(archive: Paths) -> None:
    assert run(archive, "ingest", "--no-index").exit_code == 0
    ds = build_datasette(archive.database)
    params = {"topic_id": "bildung", "_labels": "on", "_shape": "objects"}
    response = await ds.client.get("/qmarchive/page_topics.json", params=params)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["rows"] == [
        {
            "page_id": {"value": "ihek-2019-2021/3", "label": "ihek-2019-2021/3"},
            "topic_id": {"value": "bildung", "label": "Bildung"},
        }
    ]
    facet = data["facet_results"]["topic_id"]["results"]
    assert [(f["value"], f["label"], f["count"]) for f in facet] == [("bildung", "Bildung", 1)]
    everything = (await ds.client.get("/qmarchive/page_topics.json")).json()
    assert {(f["value"], f["count"]) for f in everything["facet_results"]["topic_id"]["results"]} == {
        ("oeffentlicher-raum", 2),
        ("bildung", 1),
    }
    html = (await ds.client.get("/qmarchive/page_topics")).text
    assert '<a href="/qmarchive/topics/bildung">Bildung</a>' in html
    assert '<a href="/qmarchive/pages/ihek-2019-2021~2F3">ihek-2019-2021/3</a>' in html
    # Pages of one field straight from the pages table, through page_topics.
    through = '{"table":"page_topics","column":"topic_id","value":"oeffentlicher-raum"}'
    response = await ds.client.get(
        "/qmarchive/pages.json", params={"_through": through, "_col": "id", "_shape": "array"}
    )
    assert sorted(row["id"] for row in response.json()) == ["ihek-2012/2", "ihek-2019-2021/2"]
