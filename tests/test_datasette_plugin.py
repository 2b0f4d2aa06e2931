"""The served archive through Datasette's own client: search box, canned query, escaping, metadata."""

import sqlite3

import pytest
from datasette.app import Datasette
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette


@pytest.fixture
def ds(built: Paths):
    return build_datasette(built.database)


async def search_ids(ds, query: str) -> list[str]:
    response = await ds.client.get("/qmarchive/pages.json", params={"_search": query, "_shape": "array", "_col": "id"})
    assert response.status_code == 200, response.text
    return sorted(row["id"] for row in response.json())


async def suche(ds, query: str) -> list[dict]:
    response = await ds.client.get("/qmarchive/suche.json", params={"q": query, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("Öffentlicher Raum", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("oeffentlicher", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Sanierung", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Bewohner", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("offentlicher raum", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Bewohner:innen", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Straße", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Bewohnerschaft", ["ihek-2012/1", "ihek-2019-2021/1"]),
        ("finanziert", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("Quartiersrat Stadtteilbüro", ["ihek-2019-2021/4"]),
        ("Stadtteil*", ["ihek-2019-2021/3", "ihek-2019-2021/4"]),
        ('"Kinder- und Jugendarbeit"', ["ihek-2019-2021/3"]),
        ('"', []),
        ("AND", []),
        ("NOT OR (", []),
    ],
)
async def test_table_search_box_finds_german_words(ds, query: str, ids: list[str]) -> None:
    assert await search_ids(ds, query) == ids


async def test_running_headers_are_not_searched(ds) -> None:
    # "Hellersdorfer Promenade" is in every running header, but in the body of page 1 only. The 2-page
    # document is too short to tell a running header from text.
    assert await search_ids(ds, "Hellersdorfer") == ["ihek-2012/1", "ihek-2012/2", "ihek-2019-2021/1"]


@pytest.mark.parametrize(
    "query", ["Bewohner:innen", '"', "AND", '"Straße', "a OR", "*", "", "x" * 5000, "NEAR(a b)", "col:wert"]
)
async def test_canned_query_never_errors(ds, query: str) -> None:
    await suche(ds, query)


async def test_canned_query_returns_title_label_snippet_and_link(ds) -> None:
    [hit] = await suche(ds, "Quartiersrat")
    assert hit == {
        "seiten_id": "ihek-2019-2021/4",
        "titel": "IHEK 2019–2021",
        "zeitraum": "2019–2021",
        "seite": "4",
        "textauszug": "Beteiligung\nDer <mark>Quartiersrat</mark> tagt im Stadtteilbüro.\n<script>alert('x')</script> steht im Text.",
        "treffer_gesamt": 1,
    }
    html = (await ds.client.get("/qmarchive/suche", params={"q": "Quartiersrat"})).text
    assert '<a href="/qmarchive/pages/ihek-2019-2021~2F4">ihek-2019-2021/4</a>' in html
    assert "Der <mark>Quartiersrat</mark> tagt" in html


async def test_page_text_is_escaped_in_every_view(ds) -> None:
    for path in [
        "/qmarchive/pages?_search=alert",
        "/qmarchive/pages/ihek-2019-2021~2F4",
        "/qmarchive/suche?q=alert",
        "/qmarchive?sql=select+text+as+textauszug+from+pages",
    ]:
        html = (await ds.client.get(path)).text
        assert "<script>alert" not in html, path
        assert "&lt;script&gt;" in html, path


async def test_metadata_facets_and_hidden_tables(ds) -> None:
    home = (await ds.client.get("/")).text
    assert "Archiv Quartiersmanagement Hellersdorfer Promenade" in home
    tables = {t["name"]: t for t in (await ds.client.get("/qmarchive.json")).json()["tables"]}
    assert tables["pages_fts"]["hidden"] and tables["pages_trigram"]["hidden"]
    internal = ("german_terms_state", "best_pages", "best_pages_state", "best_pages_matches", "archive_state")
    assert all(tables[name]["hidden"] for name in internal)
    assert not tables["pages"]["hidden"]
    documents = (await ds.client.get("/qmarchive/documents.json")).json()
    assert set(documents["facet_results"]) >= {"doc_type", "period_start"}
    assert documents["facet_results"]["doc_type"]["results"][0]["value"] == "ihek"
    pages = (await ds.client.get("/qmarchive/pages.json")).json()
    assert "document_id" in pages["facet_results"]


async def test_every_table_a_reader_sees_is_described(ds) -> None:
    tables = (await ds.client.get("/qmarchive.json")).json()["tables"]
    visible = [t["name"] for t in tables if not t["hidden"]]
    assert {"document_versions", "ocr_cache"} <= set(visible)
    for name in visible:
        described = ds.metadata("description", database="qmarchive", table=name, fallback=False)
        assert described and " / " in described, name  # German, then English
        html = (await ds.client.get(f"/qmarchive/{name}")).text
        assert described.split(" / ")[0].split(":")[0] in html, name


async def test_database_is_served_read_only(ds) -> None:
    response = await ds.client.get("/qmarchive.json", params={"sql": "delete from pages"})
    assert response.status_code == 400
    assert (await ds.client.get("/qmarchive/pages.json?_size=0")).json()["filtered_table_rows_count"] == 6


async def test_stylesheet_keeps_line_breaks_of_page_texts(ds) -> None:
    html = (await ds.client.get("/qmarchive/pages/ihek-2019-2021~2F4")).text
    assert "/-/static-plugins/qmarchive/qmarchive.css" in html
    css = await ds.client.get("/-/static-plugins/qmarchive/qmarchive.css")
    assert css.status_code == 200
    assert "white-space: pre-line" in css.text


@pytest.mark.parametrize(
    "path",
    [
        "/-/suche?q=Spielplatz",
        "/-/zitat/ihek-2012",
        "/-/seite/ihek-2012/1",
        "/-/verlauf?q=Kita",
        "/-/handlungsfelder",
        "/-/vergleich",
    ],
)
async def test_a_datasette_without_the_archive_answers_every_route_with_its_german_404_page(tmp_path, path) -> None:
    other = tmp_path / "andere.db"
    sqlite3.connect(other).close()
    response = await Datasette([str(other)]).client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Diese Datasette stellt kein qmarchive-Archiv bereit." in response.text
    assert '<html lang="de">' in response.text  # the page template, not a bare message
