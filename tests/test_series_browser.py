"""The series pages in a real Chromium over a live `qmarchive serve`: axe-core finds nothing, no script
errors (the security headers' CSP included), and they can be used with the keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser import axe_violations, chromium, record_errors

pytestmark = pytest.mark.browser


SERIES_PAGES = [
    "/-/verlauf",
    "/-/verlauf?q=Spielplatz",
    "/-/verlauf?q=Kita&q=Schule&typ=ihek&feld=bildung",
    "/-/handlungsfelder",
    "/-/vergleich",
    "/-/vergleich?a=muster-ihek-2017-2018&b=muster-ihek-2019-2021",
    "/-/vergleich?a=unbekannt&b=muster-ihek-2010",
]
NOT_FOUND = "/-/vergleich?a=unbekannt&b=muster-ihek-2010"  # answered with status 404, which Chromium logs


@pytest.fixture(scope="module")
def page(live_samples: str) -> Iterator:
    with chromium() as browser:
        page = browser.new_page(base_url=live_samples)
        yield page
        page.close()


@pytest.mark.parametrize("width", [1280, 400])
@pytest.mark.parametrize("path", SERIES_PAGES)
def test_series_pages_have_no_violations_and_no_errors(page, path: str, width: int) -> None:
    errors: list[str] = []
    record_errors(page, errors)
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(path)
    assert response.status == (404 if path == NOT_FOUND else 200)
    if path == NOT_FOUND:
        errors.remove(f"{page.url}: Failed to load resource: the server responded with a status of 404 (Not Found)")
    assert page.evaluate("document.documentElement.lang") == "de"
    found = [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in axe_violations(page)
    ]
    assert found == []
    assert errors == []


def test_svg_chart_is_drawn_with_its_description(page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/-/verlauf?q=Spielplatz")
    chart = page.locator("svg.qm-diagramm")
    assert chart.get_attribute("role") == "img"
    assert chart.bounding_box()["height"] > 200
    assert page.locator("#verlauf-beschreibung").text_content().startswith("Vorkommen je 10.000 Wörter je Dokument")
    assert page.locator("table.qm-reihe-tabelle tbody tr").count() == 7


def _tab_to(page, locator, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    pytest.fail("not reachable with the Tab key")


def test_trend_by_keyboard_alone_leads_to_the_search(page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/-/verlauf")
    field = page.get_by_label("Begriff 1")
    _tab_to(page, field)
    page.keyboard.type("Spielplatz")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/-/verlauf\?q=Spielplatz"))
    first_count = page.locator("table.qm-reihe-tabelle tbody a").first
    _tab_to(page, first_count)
    assert first_count.evaluate("link => getComputedStyle(link).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/-/suche\?q=Spielplatz&dokument=muster-ihek-2010"))
    assert page.locator(".qm-anzahl strong").text_content() == "7 Seiten gefunden"


def test_comparison_by_keyboard_alone(page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/-/vergleich")
    choose_a = page.get_by_label("Dokument A (älter)")
    _tab_to(page, choose_a)
    choose_a.select_option("muster-ihek-2010")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the button "Vergleichen"
    page.wait_for_url(re.compile(r"a=muster-ihek-2010&b=muster-abschlussplan-2024"))
    assert page.locator("h2#qm-gliederung").text_content() == "Gliederung"
