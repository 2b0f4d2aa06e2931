"""The served sample archive in a real browser, as a person uses it: home page, search, a facet, a hit's
page and citation, the PDF and the exports; no console errors (CSP violations included) on the way."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from browser import ARTIFACTS, chromium, record_errors
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def context(live_samples: str) -> Iterator:
    with chromium() as browser:
        context = browser.new_context(base_url=live_samples, locale="de-DE", accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        yield context
        context.close()


@pytest.fixture
def errors() -> list[str]:
    return []


@pytest.fixture
def page(context, errors: list[str]) -> Iterator:
    """A fresh tab; the test fails if the page reported an error or a script opened a dialog."""
    page = context.new_page()
    record_errors(page, errors)
    yield page
    page.close()
    assert errors == []


def search(page, query: str) -> None:
    page.goto("/-/suche")
    page.get_by_label("Suchbegriffe").fill(query)
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_url(re.compile(r"/-/suche\?q="))


def test_home_page_leads_to_the_search(page) -> None:
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text() == "Archiv Quartiersmanagement Hellersdorfer Promenade"
    page.get_by_role("link", name="Suche über alle Seiten").click()
    page.wait_for_url("**/-/suche")
    assert page.get_by_role("heading", level=1).inner_text() == "Suche im Archiv"
    expect(page.get_by_label("Suchbegriffe")).to_be_focused()


def test_search_and_a_facet(page) -> None:
    search(page, "Spielplatz")
    expect(page.get_by_role("heading", name="Treffer")).to_be_visible()
    count = page.locator(".qm-anzahl strong").inner_text()
    assert re.fullmatch(r"\d+ Seiten gefunden", count), count
    assert page.locator("ol.qm-treffer > li").count() == 20
    assert page.locator(".qm-textauszug mark").first.inner_text().lower().startswith("spielpl")

    page.locator("#facette-jahr").get_by_role("link", name="2019").click()
    page.wait_for_url(re.compile(r"jahr=2019"))
    assert page.locator(".qm-aktive-filter").get_by_role("link").inner_text().startswith("Jahr: 2019")
    periods = page.locator(".qm-treffer-angaben span:nth-child(2)").all_inner_texts()
    assert periods and all("2019" in period for period in periods)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "suche.png", full_page=True)


def test_a_hit_leads_to_its_page_and_citation(page) -> None:
    search(page, "Quartiersrat")
    first = page.locator("ol.qm-treffer > li").first
    title = first.get_by_role("heading").inner_text()
    first.get_by_role("link", name=re.compile("^Datenbankzeile")).click()
    page.wait_for_url(re.compile(r"/qmarchive/pages/muster-[a-z0-9-]+~2F\d+$"))
    citation = page.locator("section.qm-row-zitat")
    assert title in citation.inner_text()
    pdf_href = citation.get_by_role("link", name=re.compile("^Original-PDF")).get_attribute("href")
    assert re.fullmatch(r"/-/pdf/muster-[a-z0-9-]+#page=\d+", pdf_href)
    pdf = page.request.get(pdf_href.split("#")[0])
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

    citation.get_by_role("link", name=re.compile("^Alle Zitierformate")).click()
    page.wait_for_url(re.compile(r"/-/zitat/muster-[a-z0-9-]+/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Zitieren: {title}")
    bibtex = page.locator("#zitat-bibtex").inner_text()
    assert bibtex.startswith("@")
    copy = page.get_by_role("button", name="BibTeX kopieren")  # shown by qmarchive.js, so the script ran under the CSP
    copy.click()
    expect(page.locator("button.qm-copy", has_text="Kopiert")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == bibtex
    download = page.request.get(page.get_by_role("link", name="RIS").get_attribute("href"))
    assert download.ok and download.text().startswith("TY  - ")


def loaded_image(locator) -> tuple[int, str]:
    """The image's natural width once loaded, and its type as the server sent it."""
    locator.scroll_into_view_if_needed()
    expect(locator).to_have_js_property("complete", True)
    return locator.evaluate("img => img.naturalWidth"), locator.page.request.get(locator.get_attribute("src")).headers[
        "content-type"
    ]


@pytest.mark.parametrize("width", [1280, 400])
def test_a_hit_opens_the_page_view_to_read_it(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    search(page, "Spielplätze")
    first = page.locator("ol.qm-treffer > li").first
    thumbnail = first.locator(".qm-treffer-bild img")
    assert thumbnail.get_attribute("loading") == "lazy" and re.match(
        r"(S\. \S+( \(PDF-Seite \d+\))?|PDF-Seite \d+) als Bild", thumbnail.get_attribute("alt")
    )
    natural, kind = loaded_image(thumbnail)
    assert natural in (200, 201) and kind == "image/webp"  # PDFium rounds the width up
    title = first.get_by_role("heading").inner_text()
    first.get_by_role("heading").get_by_role("link").click()
    page.wait_for_url(re.compile(r"/-/seite/muster-[a-z0-9-]+/\d+\?q=Spielpl%C3%A4tze$"))
    number = int(re.search(r"/(\d+)\?", page.url).group(1))
    assert page.get_by_role("heading", level=1).inner_text().startswith(title)

    marks = page.locator(".qm-lesetext mark").all_inner_texts()
    assert marks and all("pl" in word.lower() for word in marks), marks
    image = page.locator(".qm-seite-bild img")
    natural, kind = loaded_image(image)
    assert natural in (1200, 1201) and kind == "image/webp"
    picture, text = image.bounding_box(), page.locator(".qm-lesetext").bounding_box()
    if width == 1280:
        assert picture["x"] + picture["width"] <= text["x"]  # side by side
        assert abs(picture["y"] - page.locator(".qm-seite-text").bounding_box()["y"]) < 5
    else:
        assert picture["y"] + picture["height"] <= text["y"]  # the image above the text
        assert picture["width"] <= 400 and text["width"] <= 400  # nothing wider than the screen
    seventy = page.locator(".qm-lesetext").evaluate(
        "el => { const s = document.createElement('span'); s.textContent = '0'.repeat(70); el.append(s);"
        " const w = s.getBoundingClientRect().width; s.remove(); return w; }"
    )
    assert text["width"] <= seventy * 1.03  # reading width: about 70 characters a line (ch is the width of "0")

    pdf_href = (
        page.locator(".qm-blaettern").first.get_by_role("link", name=re.compile("^Original-PDF")).get_attribute("href")
    )
    assert re.fullmatch(rf"/-/pdf/muster-[a-z0-9-]+#page={number}&search=Spielpl%C3%A4tze", pdf_href)
    assert page.request.get(pdf_href.split("#")[0]).body().startswith(b"%PDF-")

    page.get_by_role("button", name="Zitat kopieren").click()
    expect(page.locator("button.qm-copy", has_text="Kopiert")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#qm-zitat-text").inner_text()

    page.locator(".qm-blaettern").first.get_by_role("link", name=re.compile("^Nächste Seite")).click()
    page.wait_for_url(re.compile(rf"/-/seite/muster-[a-z0-9-]+/{number + 1}\?q=Spielpl%C3%A4tze$"))
    page.locator(".qm-blaettern").first.get_by_role("link", name=re.compile("^← Vorige Seite")).click()
    page.wait_for_url(re.compile(rf"/-/seite/muster-[a-z0-9-]+/{number}\?q=Spielpl%C3%A4tze$"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"seite-{width}.png", full_page=True)


@pytest.mark.parametrize(
    ("label", "filename"),
    [
        ("CSV", "qmarchive-suche-strasse.csv"),
        ("CSV für Excel", "qmarchive-suche-strasse.excel.csv"),
        ("Excel (xlsx)", "qmarchive-suche-strasse.xlsx"),
    ],
)
def test_exports_download(page, label: str, filename: str) -> None:
    search(page, "Straße")
    with page.expect_download() as info:
        page.get_by_role("link", name=label, exact=True).click()
    download = info.value
    assert download.suggested_filename == filename
    data = open(download.path(), "rb").read()
    if filename.endswith(".xlsx"):
        rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].values)
        assert any("muster-" in str(cell) for row in rows for cell in row)
    else:
        excel = filename.endswith(".excel.csv")
        assert data.startswith(b"\xef\xbb\xbf") == excel
        header, first = data.decode("utf-8-sig").splitlines()[:2]
        separator = ";" if excel else ","
        assert header.startswith(separator.join(["rank", "page_id", "document_id", "title"]))
        assert f"{separator}muster-" in first


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/qmarchive", ".CodeMirror"),  # the SQL editor: Datasette's inline script, allowed by its hash
        ("/qmarchive/pages?_facet=document_id", ".facet-info"),
        ("/qmarchive/suche?q=Kita", "table.rows-and-columns"),
    ],
)
def test_datasette_pages_work_under_the_csp(page, path: str, ready: str) -> None:
    page.goto(path)
    expect(page.locator(ready).first).to_be_visible()


def test_csp_blocks_an_injected_inline_script(page, errors: list[str]) -> None:
    page.goto("/-/suche")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                             document.body.append(s); }""")
    assert page.evaluate("window.injected") is None
    assert len(errors) == 1 and "Content Security Policy" in errors[0], errors
    errors.clear()
