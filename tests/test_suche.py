"""The search page /-/suche (HTML, JSON, CSV) through Datasette's own client."""

import csv
import io
import itertools
import re
import shutil
import sqlite3

import pytest

from conftest import HIT_COLUMNS

from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

PAGE_2 = ["ihek-2012/2", "ihek-2019-2021/2"]


@pytest.fixture(scope="module")
def ds(built: Paths):
    return build_datasette(built.database)


async def suche_json(ds, **params) -> dict:
    response = await ds.client.get("/-/suche.json", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def page_ids(ds, **params) -> list[str]:
    return sorted(hit["page_id"] for hit in (await suche_json(ds, **params))["hits"])


async def html(ds, **params) -> str:
    response = await ds.client.get("/-/suche", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("Spielplatzsanierung", PAGE_2),
        ("Bewohner:innen", PAGE_2),
        ("Straße", PAGE_2),
        ("Quartiersrat", ["ihek-2019-2021/4"]),
        ('"Kinder- und Jugendarbeit"', ["ihek-2019-2021/3"]),
        ("Sanierung", PAGE_2),  # the last part of the compound Spielplatzsanierung
        ("Quartiersrat ODER Stadtteilzentrum", ["ihek-2019-2021/3", "ihek-2019-2021/4"]),
        ("Straße NICHT jahr:2012", ["ihek-2019-2021/2"]),
    ],
)
async def test_finds_german_words_stems_and_compounds(ds, query: str, ids: list[str]) -> None:
    assert await page_ids(ds, q=query) == ids


async def test_hit_shows_title_year_page_section_snippet_and_links(ds) -> None:
    text = await html(ds, q="Quartiersrat")
    assert "<html" in text and 'lang="de"' in text
    assert "<strong>1 Seite gefunden</strong>" in text
    assert re.search(r"in (weniger als )?0,\d\d s", text)
    assert '<a href="/-/seite/ihek-2019-2021/4?q=Quartiersrat">IHEK 2019–2021</a>' in text
    assert (
        '<a href="/qmarchive/pages/ihek-2019-2021~2F4">Datenbankzeile<span class="qm-sr-only">: IHEK 2019–2021, S. 4</span></a>'
        in text
    )
    assert re.search(
        r'<img src="/-/seitenbild/ihek-2019-2021/4/[0-9a-f]{16}/klein\.webp" alt="S. 4 als Bild: Beteiligung" '
        r'width="100" height="141" loading="lazy">',
        text,
    )
    assert "<span>2019–2021</span>" in text
    assert "<span>S. 4</span>" in text
    assert "<span>Abschnitt: Beteiligung</span>" in text
    assert "Der <mark>Quartiersrat</mark> tagt im Stadtteilbüro" in text
    assert '<a href="/-/pdf/ihek-2019-2021#page=4">Original-PDF, S. 4' in text
    assert (
        '<p class="qm-downloads">Herunterladen (alle 1 Treffer): <a href="/-/suche.csv?q=Quartiersrat">CSV</a> · '
        '<a href="/-/suche.excel.csv?q=Quartiersrat">CSV für Excel</a> · '
        '<a href="/-/suche.xlsx?q=Quartiersrat">Excel (xlsx)</a> · '
        '<a href="/-/suche.json?q=Quartiersrat">JSON (diese Seite)</a></p>'
    ) in text


async def test_search_box_is_labelled_and_keeps_the_query(ds) -> None:
    text = await html(ds, q='"Kinder- und Jugendarbeit"')
    assert '<label for="qm-q">Suchbegriffe</label>' in text
    assert 'id="qm-q" name="q" value="&#34;Kinder- und Jugendarbeit&#34;"' in text
    assert 'aria-describedby="qm-hilfe"' in text and 'id="qm-hilfe"' in text
    headings = [int(level) for level in re.findall(r"<h([1-6])[ >]", text.split('<section class="content"')[1])]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(headings))


async def test_empty_query_shows_the_form_and_examples(ds) -> None:
    text = await html(ds)
    assert 'name="q" value=""' in text
    assert "Beispiele" in text and "gefunden" not in text
    assert (await suche_json(ds))["total"] == 0


async def test_facets_with_german_labels(ds) -> None:
    data = await suche_json(ds, q="Straße")
    assert list(data["facets"]) == ["jahr", "typ", "feld", "dokument"]
    assert data["facets"]["dokument"] == [
        {"value": "ihek-2012", "label": "IHEK 2012", "count": 1},
        {"value": "ihek-2019-2021", "label": "IHEK 2019–2021", "count": 1},
    ]
    assert data["facets"]["typ"] == [{"value": "ihek", "label": "IHEK", "count": 2}]
    assert {"value": "2012", "label": "2012", "count": 1} in data["facets"]["jahr"]
    assert data["facets"]["feld"] == [{"value": "oeffentlicher-raum", "label": "Öffentlicher Raum", "count": 2}]
    # Pages without any topic are not a facet value.
    assert all(v["value"] not in ("None", "") for v in (await suche_json(ds, q="Quartiersrat"))["facets"]["feld"])
    text = await html(ds, q="Straße")
    assert "<h3>Handlungsfeld</h3>" in text
    assert '<a href="/-/suche?q=Stra%C3%9Fe&amp;feld=oeffentlicher-raum">Öffentlicher Raum</a>' in text
    assert '<a href="/-/suche?q=Stra%C3%9Fe&amp;dokument=ihek-2012">IHEK 2012</a>' in text


async def test_facet_filter_narrows_and_can_be_removed(ds) -> None:
    assert await page_ids(ds, q="Straße", dokument="ihek-2012") == ["ihek-2012/2"]
    assert await page_ids(ds, q="Straße", jahr="2020") == ["ihek-2019-2021/2"]
    assert await page_ids(ds, q="Straße", jahr=["2012", "2020"]) == PAGE_2
    assert await page_ids(ds, q="Straße", typ="broschuere") == []
    data = await suche_json(ds, q="Straße", dokument="ihek-2012")
    assert data["filters"] == {"dokument": ["ihek-2012"]}
    assert data["facets"]["dokument"] == [{"value": "ihek-2012", "label": "IHEK 2012", "count": 1}]
    text = await html(ds, q="Straße", dokument="ihek-2012", n="5")
    assert "<strong>1 Seite gefunden</strong>" in text
    # Shown as an active filter with a link that removes it and keeps the other parameters.
    assert '<a href="/-/suche?q=Stra%C3%9Fe&amp;n=5" class="qm-filter-chip">Dokument: IHEK 2012' in text
    assert "Filter entfernen" in text
    assert '<input type="hidden" name="dokument" value="ihek-2012">' in text
    assert '<span aria-hidden="true">✔ </span>IHEK 2012<span class="qm-sr-only"> (ausgewählt' in text


async def test_pagination(ds) -> None:
    first = await suche_json(ds, q="Straße", n="1")
    second = await suche_json(ds, q="Straße", n="1", seite="2")
    assert (first["page"], first["pages"], first["pagelen"], first["total"]) == (1, 2, 1, 2)
    assert (second["page"], second["pages"]) == (2, 2)
    assert [h["rank"] for h in second["hits"]] == [2]
    assert {first["hits"][0]["page_id"], second["hits"][0]["page_id"]} == set(PAGE_2)
    text = await html(ds, q="Straße", n="1", seite="2")
    assert "Seite 2 von 2 (Treffer 2–2)" in text
    assert '<a href="/-/suche?q=Stra%C3%9Fe&amp;n=1" rel="prev">← Zurück</a>' in text
    assert "Weiter →" not in text
    assert '<ol class="qm-treffer" start="2"' in text
    text = await html(ds, q="Straße", n="1")
    assert '<a href="/-/suche?q=Stra%C3%9Fe&amp;n=1&amp;seite=2" rel="next">Weiter →</a>' in text
    # A page past the end shows the last one.
    assert (await suche_json(ds, q="Straße", n="1", seite="99"))["page"] == 2


async def test_suggestion_for_a_misspelled_word(ds) -> None:
    data = await suche_json(ds, q="Quartiersrta")
    assert (data["total"], data["suggestion"]) == (0, "Quartiersrat")
    text = await html(ds, q="Quartiersrta", jahr="2019")
    assert "Keine Seite gefunden" in text
    assert 'Meinten Sie: <a href="/-/suche?q=Quartiersrat&amp;jahr=2019">Quartiersrat</a>?' in text


async def test_json_has_exactly_the_documented_keys(ds) -> None:
    data = await suche_json(ds, q="Straße", n="1")
    assert list(data) == [
        "query",
        "total",
        "page",
        "pages",
        "pagelen",
        "seconds",
        "suggestion",
        "stopwords_only",
        "filters",
        "facets",
        "hits",
        "missing",
    ]
    assert data["query"] == "Straße"
    assert data["missing"] == []
    [hit] = data["hits"]
    assert list(hit) == HIT_COLUMNS
    assert hit["url"] == f"http://localhost/qmarchive/pages/{hit['page_id'].replace('/', '~2F')}"
    assert hit["pdf_url"] == f"http://localhost/-/pdf/{hit['document_id']}#page=2"
    assert "Straße" in hit["snippet"] and "<mark>" not in hit["snippet"]
    assert f"Online: http://localhost/-/zitat/{hit['page_id']} (abgerufen am " in hit["zitat"]


async def test_csv_one_row_per_hit(ds) -> None:
    response = await ds.client.get("/-/suche.csv", params={"q": "Straße"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="qmarchive-suche-strasse.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == HIT_COLUMNS
    records = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert sorted(r["page_id"] for r in records) == PAGE_2
    record = next(r for r in records if r["page_id"] == "ihek-2019-2021/2")
    assert record["rank"] in ("1", "2") and record["title"] == "IHEK 2019–2021" and record["period"] == "2019–2021"
    assert record["page_number"] == "2" and record["page"] == "S. 2" and record["section"] == "Handlungsfelder"
    assert "Straße" in record["snippet"] and "<mark>" not in record["snippet"]
    assert record["url"] == "http://localhost/qmarchive/pages/ihek-2019-2021~2F2"
    assert record["pdf_url"] == "http://localhost/-/pdf/ihek-2019-2021#page=2"


async def test_page_text_and_query_are_escaped(ds) -> None:
    text = await html(ds, q="alert")
    assert "<script>alert" not in text
    assert "&lt;script&gt;<mark>alert</mark>('x')&lt;/script&gt;" in text
    text = await html(ds, q='<script>alert(1)</script> "><img src=x>')
    assert "<script>alert(1)" not in text and "<img src=x>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Straße", "seite": "-1"},
        {"q": "Straße", "seite": "abc"},
        {"q": "Straße", "seite": "99999999999999999999"},
        {"q": "Straße", "n": "100000"},
        {"q": "Straße", "n": "0"},
        {"q": '"; DROP TABLE pages; --'},
        {"q": '" AND ( NOT * ? ~ ^ [ { :'},
        {"q": "\x00\x1b\u202e"},
        {"q": "Straße", "_shape": "array", "sql": "delete from pages", "unbekannt": "1"},
    ],
)
async def test_hostile_parameters_answer_normally(ds, built: Paths, params: dict) -> None:
    for path in ["/-/suche", "/-/suche.json", "/-/suche.csv"]:
        response = await ds.client.get(path, params=params)
        assert response.status_code == 200, (path, response.text[:500])
        assert "Traceback" not in response.text and "Error" not in response.text
    data = await suche_json(ds, **params)
    assert 1 <= data["page"] <= data["pages"] and 1 <= data["pagelen"] <= 100 and len(data["query"]) <= 500
    assert set(data["filters"]) <= {"jahr", "typ", "feld", "dokument"}
    assert "../../etc/passwd" not in str(data["filters"])
    with sqlite3.connect(built.database) as conn:
        assert conn.execute("select count(*) from pages").fetchone() == (6,)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 10_000}, "Die Suchanfrage ist zu lang: 10.000 Zeichen, erlaubt sind höchstens 500."),
        (
            {"q": "Straße", "dokument": "../../etc/passwd"},
            "Unbekannter Wert „../../etc/passwd“ für Dokument (dokument).",
        ),
        ({"q": "Straße", "jahr": "2019 OR 1=1", "typ": "' or 1=1 --", "feld": "<b>"}, "Unbekannter Wert „"),
        ({"q": "dokument:../../etc/passwd"}, "Unbekannter Wert „../../etc/passwd“ für Dokument (dokument)."),
    ],
)
async def test_hostile_filters_and_overlong_queries_are_refused_in_german(
    ds, built: Paths, params: dict, message: str
) -> None:
    for path in ["/-/suche", "/-/suche.json", "/-/suche.csv"]:
        response = await ds.client.get(path, params=params)
        assert response.status_code == 400, (path, response.text[:500])
        assert "Traceback" not in response.text and "<b>" not in response.text
    assert message in (await ds.client.get("/-/suche", params=params)).text.replace("&#34;", '"')
    data = (await ds.client.get("/-/suche.json", params=params)).json()
    assert data["ok"] is False and message in data["error"]
    with sqlite3.connect(built.database) as conn:
        assert conn.execute("select count(*) from pages").fetchone() == (6,)


async def test_a_query_over_the_limit_is_refused_not_cut(ds) -> None:
    words = "Straße " * 80  # 560 characters: cut at 500, it would search a stray "Str"
    response = await ds.client.get("/-/suche", params={"q": words})
    assert response.status_code == 400
    assert "Die Suchanfrage ist zu lang: 559 Zeichen, erlaubt sind höchstens 500. Bitte kürzen Sie sie" in response.text
    assert (await ds.client.get("/-/suche.json", params={"q": "Straße " * 71})).status_code == 200  # 496 characters


async def test_filter_values_match_case_accents_and_labels(ds) -> None:
    """typ:IHEK as the facet shows it equals typ:ihek, in the query and as a parameter; so do names of fields."""
    assert await page_ids(ds, q="Straße typ:IHEK") == await page_ids(ds, q="Straße typ:ihek") == PAGE_2
    assert await page_ids(ds, q="Straße", typ="IHEK") == PAGE_2
    data = await suche_json(ds, q="Straße", typ="IHEK", feld="Öffentlicher Raum")
    assert data["filters"] == {"typ": ["ihek"], "feld": ["oeffentlicher-raum"]}  # as the facets name them
    assert await page_ids(ds, q="Straße", feld="OEFFENTLICHER RAUM") == PAGE_2
    assert await page_ids(ds, q="Straße", typ="Broschüre") == await page_ids(ds, q="Straße", typ="broschuere") == []
    assert await page_ids(ds, q="Straße", dokument="IHEK-2012") == ["ihek-2012/2"]


async def test_an_unknown_filter_value_gets_a_german_hint_with_the_valid_ones(ds) -> None:
    response = await ds.client.get("/-/suche", params={"q": "Straße", "typ": "Flyer"})
    assert response.status_code == 400
    assert (
        "Unbekannter Wert „Flyer“ für Dokumenttyp (typ). Gültige Werte: IHEK (ihek), Abschlussplan (abschlussplan), "
        "Broschüre (broschuere), Sonstiges (sonstiges)."
    ) in response.text
    data = (await ds.client.get("/-/suche.json", params={"q": "Straße jahr:1999"})).json()
    assert data["error"] == "Unbekannter Wert „1999“ für Jahr (jahr). Gültige Werte: 2012, 2019, 2020, 2021."


async def test_bounds(ds) -> None:
    assert (await suche_json(ds, q="Straße", n="100000"))["pagelen"] == 100
    assert (await suche_json(ds, q="Straße", seite="-1"))["page"] == 1
    assert (await ds.client.get("/-/suche.json", params={"q": "ä" * 10_000})).status_code == 400  # refused, not cut


async def test_menu_home_page_and_stylesheet_link_to_the_search(ds) -> None:
    home = (await ds.client.get("/")).text
    assert '<li><a href="/-/suche">Suche</a></li>' in home
    assert '<a href="/-/suche">Suche über alle Seiten</a>' in home
    assert '<a href="/qmarchive/suche">Volltextsuche in SQL</a>' in home
    text = await html(ds, q="Straße")
    assert '<li><a href="/-/suche">Suche</a></li>' in text
    assert '<link rel="stylesheet" href="/-/static-plugins/qmarchive/qmarchive.css">' in text
    css = (await ds.client.get("/-/static-plugins/qmarchive/qmarchive.css")).text
    assert ".qm-treffer" in css


async def test_without_a_search_index_the_page_says_how_to_build_it(built: Paths, tmp_path) -> None:
    database = tmp_path / "qmarchive.db"
    shutil.copy(built.database, database)
    with sqlite3.connect(database) as conn:  # pages stored without their German terms
        conn.execute("DELETE FROM pages_german")
    ds = build_datasette(database)
    response = await ds.client.get("/-/suche", params={"q": "Straße"})
    assert response.status_code == 503
    assert "noch keinen Suchindex" in response.text and "qmarchive index" in response.text
    assert "Traceback" not in response.text and str(tmp_path) not in response.text
    assert '<a href="/qmarchive/suche?q=Stra%C3%9Fe">Volltextsuche (exakte Wörter)</a>' in response.text
    response = await ds.client.get("/-/suche.json", params={"q": "Straße"})
    assert response.status_code == 503
    assert response.json()["ok"] is False and "qmarchive index" in response.json()["error"]
    assert (await ds.client.get("/-/suche.csv", params={"q": "Straße"})).status_code == 503


async def test_a_query_of_stopwords_only_is_explained_on_the_page_and_in_json(ds) -> None:
    page = await html(ds, q="und die")
    assert (
        "„und die“ besteht nur aus sehr häufigen Wörtern (Stoppwörtern), die allein nicht gesucht werden. "
        "Suchen Sie sie in einer Phrase mit weiteren Wörtern" in page
    )
    assert '<a href="/qmarchive/suche?q=und+die">Volltextsuche (exakte Wörter)</a>' in page
    data = await suche_json(ds, q="und die")
    assert (data["total"], data["stopwords_only"]) == (0, ["und", "die"])
    assert (await suche_json(ds, q="Straße und die"))["stopwords_only"] == []
