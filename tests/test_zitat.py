"""/-/zitat: the citation page of a page or document, its download formats, and citations on page rows."""

import json

import bibtexparser
import pytest
import rispy

from qmarchive.paths import Paths
from qmarchive.serve import build_datasette


@pytest.fixture
def ds(built: Paths):
    return build_datasette(built.database, base_url="https://archiv.example.org")


async def test_page_citation_page(ds) -> None:
    response = await ds.client.get("/-/zitat/ihek-2019-2021/2")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Zitieren: IHEK 2019–2021, S. 2</h1>" in html
    assert "Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin, S. 2." in html
    assert "https://archiv.example.org/-/zitat/ihek-2019-2021/2" in html
    assert '<a href="/qmarchive/pages/ihek-2019-2021~2F2">Seitentext und Angaben</a>' in html
    assert '<a href="/-/pdf/ihek-2019-2021#page=2">Original-PDF, S. 2</a>' in html
    for name in ("text", "bibtex", "ris", "csl-json"):
        assert f'data-copy="zitat-{name}" hidden>' in html
    assert "/-/static-plugins/qmarchive/qmarchive.js" in html
    content = html.split('<div class="qm-zitat" lang="de">')[1].split("</div>")[0]
    assert "<script" not in content  # the copy buttons come from the plugin's static qmarchive.js


async def test_document_citation_page(ds) -> None:
    html = (await ds.client.get("/-/zitat/ihek-2012")).text
    assert "<h1>Zitieren: IHEK 2012</h1>" in html
    assert "S. " not in html.split("<h1>")[1].split("</h1>")[0]


async def test_downloads_parse_with_real_parsers(ds) -> None:
    bib = await ds.client.get("/-/zitat/ihek-2019-2021/2.bib")
    assert bib.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    [entry] = bibtexparser.parse_string(bib.text).entries
    assert entry.key == "ihek-2019-2021-s2"
    assert entry.fields_dict["url"].value == "https://archiv.example.org/-/zitat/ihek-2019-2021/2"
    ris = await ds.client.get("/-/zitat/ihek-2019-2021/2.ris")
    assert ris.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    [record] = rispy.loads(ris.text)
    assert record["title"] == "IHEK 2019–2021" and record["start_page"] == "2"
    csl = await ds.client.get("/-/zitat/ihek-2019-2021/2.json")
    assert csl.headers["content-type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    [item] = json.loads(csl.text)
    assert (item["id"], item["page"], item["URL"]) == (
        "ihek-2019-2021-s2",
        "2",
        "https://archiv.example.org/-/zitat/ihek-2019-2021/2",
    )


async def test_without_base_url_permalinks_point_to_this_server(built: Paths) -> None:
    ds = build_datasette(built.database)
    [item] = json.loads((await ds.client.get("/-/zitat/ihek-2019-2021/2.json")).text)
    assert item["URL"] == "http://localhost/-/zitat/ihek-2019-2021/2"


@pytest.mark.parametrize(
    "path",
    [
        "/-/zitat/ihek-2019-2021/99",
        "/-/zitat/unbekannt",
        "/-/zitat/unbekannt/1.bib",
        "/-/zitat/ihek-2019-2021/0",
        "/-/zitat/ihek-2019-2021/2.exe",
        "/-/zitat/..%2F..%2Fetc%2Fpasswd",
        "/-/zitat/IHEK-2012",
    ],
)
async def test_unknown_targets_are_not_found(ds, path: str) -> None:
    response = await ds.client.get(path, follow_redirects=True)
    assert response.status_code == 404


async def test_page_rows_show_their_citation(ds) -> None:
    html = (await ds.client.get("/qmarchive/pages/ihek-2019-2021~2F4")).text
    assert '<h2 id="qm-row-zitat-title">Diese Seite zitieren</h2>' in html
    assert "IHEK 2019–2021. Berlin, S. 4. Online: https://archiv.example.org/-/zitat/ihek-2019-2021/4" in html
    assert '<a href="/-/zitat/ihek-2019-2021/4">Alle Zitierformate (BibTeX, RIS, CSL-JSON)</a>' in html
    assert "&lt;script&gt;alert" in html and "<script>alert" not in html


async def test_search_hits_link_to_citation_pdf_page_and_row(ds) -> None:
    search = (await ds.client.get("/-/suche", params={"q": "Quartiersrat"})).text
    assert 'href="/-/zitat/ihek-2019-2021/4">Zitieren' in search
    assert 'href="/-/pdf/ihek-2019-2021#page=4">Original-PDF, S. 4' in search
    assert 'href="/qmarchive/pages/ihek-2019-2021~2F4"' in search
    row = (await ds.client.get("/qmarchive/pages/ihek-2019-2021~2F4")).text
    assert 'href="/-/zitat/ihek-2019-2021/4"' in row
