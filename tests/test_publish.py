"""The static edition (`qmarchive publish`): written from the sample archive, served by a plain static file
server from a subfolder, read and searched in Chromium, crawled, checked by axe and parsed as Zotero does."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import urlopen

import bagit
import pytest
from browser import axe_violations, chromium, record_errors
from click.testing import CliRunner
from conftest import cli_args

from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.publish import MARKER

BASE_URL = "https://archiv.example.org/ausgabe"
SUBFOLDER = "ausgabe"
PAGE = "seite/muster-ihek-2019-2021/5.html"


def publish(paths: Paths, outdir: Path, *options: str) -> str:
    result = CliRunner().invoke(cli, [*cli_args(paths, *options), "publish", "-q", str(outdir)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def edition(samples: Paths, tmp_path_factory) -> Path:
    """The samples published with a base URL, in a subfolder of what the file server serves."""
    root = tmp_path_factory.mktemp("host")
    output = publish(samples, root / SUBFOLDER, "--base-url", BASE_URL)
    assert output.startswith(f"Edition written to {root / SUBFOLDER}: 7 documents, 174 pages, ")
    return root / SUBFOLDER


@pytest.fixture(scope="module")
def host(edition: Path) -> Iterator[str]:
    """`python -m http.server` over the folder above the edition: the edition's URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(edition.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = server.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        port = re.search(r"port (\d+)", line)[1]
        url = f"http://127.0.0.1:{port}/{SUBFOLDER}/"
        for _ in range(50):
            try:
                urlopen(url, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(host: str) -> Iterator:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, host: str) -> Iterator:
    """A page whose requests may only go to the file server: any other is blocked and recorded."""
    context = browser.new_context(locale="de-DE")
    outside: list[str] = []
    origin = host.split(f"/{SUBFOLDER}/")[0]

    def gate(route) -> None:
        if route.request.url.startswith(origin + "/") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", gate)
    page = context.new_page()
    errors: list[str] = []
    record_errors(page, errors)
    yield page
    context.close()
    assert outside == [], f"requests left the host: {outside}"
    assert errors == []


@pytest.mark.browser
def test_search_spielplaetze_reaches_a_page_that_says_spielplatz_and_its_pdf(page, host: str) -> None:
    page.goto(host + "suche.html")
    page.get_by_label("Suchbegriffe").fill("Spielplätze")
    page.get_by_role("button", name="Suchen").click()
    status = page.locator("#qm-status")
    status.filter(has_text="gefunden").wait_for()
    assert re.fullmatch(r"\d+ Seiten gefunden, die ersten 20\.", status.inner_text())
    assert "<mark>" in page.locator("#qm-treffer li p").first.inner_html()
    hrefs = [a.get_attribute("href") for a in page.locator("#qm-treffer a").all()]
    assert all(re.fullmatch(rf"/{SUBFOLDER}/seite/muster-[a-z0-9-]+/\d+\.html\?q=Spielpl%C3%A4tze", h) for h in hrefs)
    # The singular too: the first hit whose snippet says "Spielplatz" (as in Spielplatzsanierung; pages with
    # "Spielplätze" as written rank first).
    hit = page.locator("#qm-treffer li").filter(has_text="Spielplatz").first.locator("a")
    href = hit.get_attribute("href")
    hit.click()
    page.wait_for_load_state()
    assert "Spielplatz" in page.locator(".qm-lesetext").inner_text()
    pdf = page.get_by_role("link", name=re.compile("^Original-PDF")).first
    number = re.search(r"/(\d+)\.html", href)[1]
    assert pdf.get_attribute("href").endswith(f".pdf#page={number}&search=Spielpl%C3%A4tze")
    response = page.request.get(urljoin(page.url, pdf.get_attribute("href")))
    assert response.status == 200 and response.body().startswith(b"%PDF-")


@pytest.mark.browser
def test_compound_part_gendered_form_and_filters(page, host: str) -> None:
    """The project's German analysis in the index: a part finds the compound, a gendered form its base noun;
    a year filter keeps to the documents of that year."""
    page.goto(host + "suche.html?q=Sanierung")
    page.locator("#qm-status").filter(has_text="gefunden").wait_for()
    pages = [
        page.goto(urljoin(host, a)) and page.locator(".qm-lesetext").inner_text()
        for a in [a.get_attribute("href") for a in page.locator("#qm-treffer a").all()][:3]
    ]
    assert any(re.search(r"\w+sanierung", text, re.IGNORECASE) for text in pages)
    page.goto(host + "suche.html?q=Spielplatz&jahr=2010")
    page.locator("#qm-status").filter(has_text="gefunden").wait_for()
    hrefs = [a.get_attribute("href") for a in page.locator("#qm-treffer a").all()]
    assert hrefs and all("/seite/muster-ihek-2010/" in href for href in hrefs)
    assert page.locator("select[name=jahr]").input_value() == "2010"


def search(page, host: str, q: str) -> tuple[str, list[str]]:
    """The status line and the hits (page ids) of a search typed into the edition's search page."""
    page.goto(host + "suche.html?q=" + quote(q))
    status = page.locator("#qm-status")
    status.filter(has_text="gefunden").wait_for()
    hrefs = [a.get_attribute("href") for a in page.locator("#qm-treffer a").all()]
    return status.inner_text(), [re.search(r"/seite/(.+)\.html", href)[1] for href in hrefs]


@pytest.mark.browser
def test_a_phrase_keeps_the_pages_with_its_words_in_order(page, host: str) -> None:
    """Pagefind's own exact search drops the stemming; the page's script checks Pagefind's word positions
    instead, with the dash of "Schule–Beruf" (which Pagefind indexes as one word) and inflection allowed."""
    assert search(page, host, '"Übergang Schule–Beruf"') == (
        "3 Seiten gefunden.",
        ["muster-ihek-2019-2021/12", "muster-abschlussplan-2024/14", "muster-ihek-2022-2024/10"],
    )
    status, apart = search(page, host, "Übergang Schule Beruf")
    assert len(apart) > 3  # the words anywhere on the page
    status, found = search(page, host, '"kühle Orte"')
    assert status == "6 Seiten gefunden."
    assert set(found) == {
        "muster-abschlussplan-2024/22",
        "muster-abschlussplan-2024/26",
        "muster-broschuere-sozialer-zusammenhalt/14",
        "muster-ihek-2022-2024/22",
        "muster-ihek-2022-2024/23",
        "muster-ihek-2022-2024/25",
    }
    page.goto(urljoin(host, page.locator("#qm-treffer a").first.get_attribute("href")))
    assert re.search(r"kühlen? Orte", page.locator(".qm-lesetext").inner_text())


@pytest.mark.browser
def test_a_handlungsfeld_name_typed_as_words_finds_the_pages_that_name_it_first(page, host: str) -> None:
    status, found = search(page, host, "Integration und Nachbarschaft")
    assert status == "29 Seiten gefunden, die ersten 20."
    naming = {
        "muster-abschlussplan-2024/4",
        "muster-abschlussplan-2024/11",
        "muster-abschlussplan-2024/25",
        "muster-broschuere-sozialer-zusammenhalt/5",
        "muster-broschuere-sozialer-zusammenhalt/6",
        "muster-ihek-2022-2024/4",
        "muster-ihek-2022-2024/9",
        "muster-ihek-2022-2024/12",
        "muster-ihek-2022-2024/24",
    }
    assert naming <= set(found[:10])


@pytest.mark.browser
def test_filters_typed_in_the_box(page, host: str) -> None:
    status, typed = search(page, host, "jahr:2019 Spielplatz")
    assert status == "7 Seiten gefunden." and all(hit.startswith("muster-ihek-2019-2021/") for hit in typed)
    assert page.locator("#qm-treffer a").first.get_attribute("href").endswith("?q=Spielplatz")
    page.goto(host + "suche.html?q=Spielplatz&jahr=2019")
    page.locator("#qm-status").filter(has_text="gefunden").wait_for()
    assert [
        re.search(r"/seite/(.+)\.html", a.get_attribute("href"))[1] for a in page.locator("#qm-treffer a").all()
    ] == typed
    status, found = search(page, host, 'feld:"Öffentlicher Raum" typ:ihek jahr:2010 Spielplatz')
    assert status == "5 Seiten gefunden." and all(hit.startswith("muster-ihek-2010/") for hit in found)
    status, found = search(page, host, "jahr:zwanzig Spielplatz")
    assert status.endswith(" Hinweis: jahr:zwanzig ist unbekannt und wurde nicht als Filter verwendet.")
    assert len(found) == 20


@pytest.mark.browser
def test_ae_oe_ss_spellings_and_gendered_forms(page, host: str) -> None:
    status, found = search(page, host, "Foerdermoeglichkeiten")
    assert status == "6 Seiten gefunden."
    page.goto(urljoin(host, page.locator("#qm-treffer a").first.get_attribute("href")))
    assert "Fördermöglichkeiten" in page.locator(".qm-lesetext").inner_text()
    status, found = search(page, host, "Abschlußplan")
    assert {f"muster-abschlussplan-2024/{n}" for n in (1, 3, 4, 5, 6)} <= set(found[:10])
    pupils = {
        "muster-abschlussplan-2024/13",
        "muster-broschuere-sozialer-zusammenhalt/7",
        "muster-ihek-2010/10",
        "muster-ihek-2017-2018/10",
        "muster-ihek-2019-2021/11",
    }
    for form in ("Schülerinnen", "Schüler:innen"):
        status, found = search(page, host, form)
        assert pupils <= set(found[:10]), form


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.meta: list[tuple[str, str]] = []
        self.canonical: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") and values.get("content") is not None:
            self.meta.append((values["name"], values["content"]))
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values["href"])
        elif tag in ("a", "link") and values.get("href"):
            self.links.append(values["href"])
        elif tag in ("img", "script") and values.get("src"):
            self.links.append(values["src"])


def parsed(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text(encoding="utf-8"))
    return links


def test_every_internal_link_resolves_and_every_page_is_reached(edition: Path) -> None:
    start = edition / "index.html"
    seen: set[Path] = set()
    queue = [start, edition / "suche.html"]
    while queue:
        html = queue.pop()
        if html in seen:
            continue
        seen.add(html)
        for link in parsed(html).links:
            parts = urlsplit(link)
            if parts.scheme == "data":  # the empty favicon, so that the browser asks the host for none
                continue
            assert not parts.scheme, f"{html}: link leaves the edition: {link}"
            target = (html.parent / unquote(parts.path)).resolve() if parts.path else html
            assert target.is_file(), f"{html.relative_to(edition)}: broken link {link}"
            assert edition in target.parents, f"{html}: link outside the edition: {link}"
            if target.suffix == ".html":
                queue.append(target)
    written = set(edition.rglob("*.html")) - set((edition / "pagefind").rglob("*.html"))
    assert written - seen == set()
    assert len(list((edition / "seite").rglob("*.html"))) == 174


def test_downloads_with_checksums_robots_and_sitemap(edition: Path) -> None:
    sums = (edition / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == 8 and sums[-1].endswith("  pdf/muster-ihek-2022-2024.pdf")
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((edition / name).read_bytes()).hexdigest() == digest
    assert "  daten/qmarchive.db" in "\n".join(sums)
    assert (edition / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {BASE_URL}/sitemap.xml\n"
    sitemap = (edition / "sitemap.xml").read_text()
    assert sitemap.count("<loc>") == 2 + 7 + 174 and f"<loc>{BASE_URL}/{PAGE}</loc>" in sitemap
    assert (edition / MARKER).is_file()


def test_meta_tags_as_zotero_reads_them(edition: Path) -> None:
    """Zotero's Embedded Metadata translator: citation_* (Highwire) first, DC.* beside; the page URL from
    the canonical link."""
    links = parsed(edition / PAGE)
    meta = dict(links.meta)
    assert links.canonical == [f"{BASE_URL}/{PAGE}"]
    assert (
        meta["citation_title"]
        == "Integriertes Handlungs- und Entwicklungskonzept 2019–2021 – Hellersdorfer Promenade (Musterdokument)"
    )
    assert (
        meta["citation_author"]
        == meta["citation_publisher"]
        == "Bezirksamt Marzahn-Hellersdorf von Berlin / S.T.E.R.N. GmbH (Musterdokument)"
    )
    assert meta["citation_publication_date"] == "2019/03/28"
    assert meta["citation_pdf_url"] == f"{BASE_URL}/pdf/muster-ihek-2019-2021.pdf"
    assert meta["citation_firstpage"] == "1"  # the printed label of PDF page 5
    assert meta["citation_language"] == "de" and meta["DC.language"] == "de"
    assert meta["DC.title"] == meta["citation_title"] and meta["DC.date"] == "2019-03-28"
    assert ("DC.identifier", f"{BASE_URL}/{PAGE}") in links.meta
    text = (edition / PAGE).read_text()
    assert f"Online: {BASE_URL}/{PAGE} (abgerufen am" in text
    assert 'href="../../pdf/muster-ihek-2019-2021.pdf#page=5"' in text
    assert '<a href="#zitierformate">Alle Zitierformate (BibTeX, RIS, CSL-JSON)</a>' in text
    assert "@report{muster-ihek-2019-2021-s5," in text and "TY  - RPRT" in text


@pytest.mark.browser
@pytest.mark.parametrize("path", ["index.html", "dokument/muster-ihek-2019-2021.html", PAGE, "suche.html?q=Spielplatz"])
def test_no_serious_accessibility_violations(page, host: str, path: str) -> None:
    page.goto(host + path)
    if "?q=" in path:
        page.locator("#qm-status").filter(has_text="gefunden").wait_for()
    assert page.evaluate("document.documentElement.lang") == "de"
    found = [
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in axe_violations(page)
        if v["impact"] in ("serious", "critical")
    ]
    assert found == []


def test_withdrawn_left_out_no_base_url_said_foreign_folder_refused_and_republished(
    copy: Paths, tmp_path: Path
) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(cli, cli_args(copy, "withdraw", "ihek-2012", "--reason", "Rechte ungeklärt", "-q")).exit_code == 0
    )
    foreign = tmp_path / "belegt"
    foreign.mkdir()
    (foreign / "notiz.txt").write_text("meins")
    refused = runner.invoke(cli, [*cli_args(copy), "publish", str(foreign)])
    assert refused.exit_code == 1 and (foreign / "notiz.txt").exists()
    assert f"{foreign}: not empty and not an earlier edition (no {MARKER})" in refused.output

    out = tmp_path / "ausgabe"
    output = publish(copy, out)
    assert "Warning: no --base-url: pages have no canonical link" in output
    assert "Warning: not published (withdrawn): ihek-2012" in output
    assert not (out / "dokument" / "ihek-2012.html").exists() and not (out / "pdf" / "ihek-2012.pdf").exists()
    assert not (out / "sitemap.xml").exists() and (out / "robots.txt").read_text() == "User-agent: *\nAllow: /\n"
    links = parsed(out / "seite" / "ihek-2019-2021" / "2.html")
    assert links.canonical == [] and dict(links.meta)["citation_pdf_url"] == "../../pdf/ihek-2019-2021.pdf"
    assert (
        "Online: seite/ihek-2019-2021/2.html (abgerufen am" in (out / "seite" / "ihek-2019-2021" / "2.html").read_text()
    )

    (out / "alt.txt").write_text("aus der vorigen Ausgabe")
    publish(copy, out)
    assert not (out / "alt.txt").exists() and (out / "seite" / "ihek-2019-2021" / "2.html").is_file()
    forced = runner.invoke(cli, [*cli_args(copy), "publish", "-q", "--force", str(foreign)])
    assert forced.exit_code == 0, forced.output
    assert not (foreign / "notiz.txt").exists() and (foreign / MARKER).is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_bag_carries_the_edition(copy: Paths, tmp_path: Path) -> None:
    out = tmp_path / "bag"
    result = CliRunner().invoke(
        cli,
        cli_args(
            copy, "package", str(out), "--edition", "--contact-name", "E. M.", "--contact-email", "em@example.org", "-q"
        ),
    )
    assert result.exit_code == 0, result.output
    bag = bagit.Bag(str(out))
    bag.validate()
    payload = set(bag.payload_entries())
    for name in (
        "data/edition/index.html",
        "data/edition/seite/ihek-2019-2021/2.html",
        "data/edition/pdf/ihek-2019-2021.pdf",
        "data/edition/daten/qmarchive.db",
        "data/edition/SHA256SUMS",
        "data/edition/pagefind/pagefind.js",
        f"data/edition/{MARKER}",
    ):
        assert name in payload
    assert (
        "die statische, durchsuchbare Web-Ausgabe des Archivs (data/edition/index.html)"
        in bag.info["External-Description"]
    )
    assert "Warning: no --base-url: pages have no canonical link" in result.output
