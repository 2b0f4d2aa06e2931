"""Accessibility (BITV 2.0 / WCAG 2.1 AA) of the served sample archive, checked by axe-core in Chromium.

The plugin's own pages must show no violation at all; Datasette's pages the archive links to from its
home page must show none of serious or critical impact. axe-core's script comes inside the
axe-playwright-python wheel, so nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser import axe_violations, chromium
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ROW = "/qmarchive/pages/muster-abschlussplan-2024~2F10"
PLUGIN_PAGES = [
    "/-/suche",
    "/-/suche?q=Spielplatz",
    "/-/suche?q=Spielplatz&jahr=2019&typ=ihek",
    "/-/suche?q=Spielplats",  # no hits, a suggestion
    "/-/zitat/muster-abschlussplan-2024/10",
    "/-/zitat/muster-abschlussplan-2024",
    "/-/zitat/unbekannt",
    ROW,
    "/-/seite/muster-abschlussplan-2024/10",
    "/-/seite/muster-abschlussplan-2024/10?q=Bewohner",
    "/-/seite/muster-abschlussplan-2024/1",  # the first page: no previous one
]
DATASETTE_PAGES = ["/", "/qmarchive/suche?q=Kita"]
PHONE_PAGES = [
    "/-/suche?q=Spielplatz",
    "/-/zitat/muster-abschlussplan-2024/10",
    ROW,
    "/-/seite/muster-abschlussplan-2024/10?q=Bewohner",
]  # also 400 px wide
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser(live_samples: str) -> Iterator:
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def page(browser, live_samples: str) -> Iterator:
    page = browser.new_page(base_url=live_samples)
    yield page
    page.close()


def violations(page, path: str, impacts: set[str] | None = None) -> list[str]:
    page.goto(path)
    assert page.evaluate("document.documentElement.lang") == "de"
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {[node['target'] for node in v['nodes'][:3]]}"
        for v in axe_violations(page)
        if impacts is None or v["impact"] in impacts
    ]


@pytest.mark.parametrize(
    ("path", "width"), [(path, 1280) for path in PLUGIN_PAGES] + [(path, 400) for path in PHONE_PAGES]
)
def test_plugin_pages_have_no_violations(page, path: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    assert violations(page, path) == []


@pytest.mark.parametrize("path", DATASETTE_PAGES)
def test_linked_datasette_pages_have_no_serious_violations(page, path: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    assert violations(page, path, BLOCKING) == []


def test_search_by_keyboard_alone(page) -> None:
    page.goto("/-/suche")
    expect(page.get_by_label("Suchbegriffe")).to_be_focused()
    page.keyboard.type("Quartiersrat")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Quartiersrat"))
    first_hit = page.locator("ol.qm-treffer h3 a").first
    for _ in range(30):
        page.keyboard.press("Tab")
        if first_hit.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("the first hit cannot be reached with the Tab key")
    outline = first_hit.evaluate("link => getComputedStyle(link).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/-/seite/muster-[a-z0-9-]+/\d+\?q=Quartiersrat$"))
    neighbour = page.locator(".qm-blaettern").first.locator("a[rel]").first  # the previous page, or the next one
    target = neighbour.get_attribute("href")
    for _ in range(30):
        page.keyboard.press("Tab")
        if neighbour.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("the link to the neighbouring page cannot be reached with the Tab key")
    assert neighbour.evaluate("link => getComputedStyle(link).outlineStyle") != "none"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(target) + "$"))
