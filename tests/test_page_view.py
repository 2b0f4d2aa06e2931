"""The page view /-/seite and page images /-/seitenbild through Datasette's client: content, links, marks,
caching headers, ETag and 304, the image cache across a restart, placeholders."""

from __future__ import annotations

import hashlib
import re
import shutil

import pytest
from markupsafe import Markup

from qmarchive import page_images, page_view
from qmarchive.cite import citation
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette
from qmarchive.store import open_existing


@pytest.fixture
def ds(built: Paths):
    return build_datasette(built.database, base_url="https://archiv.example.org")


def article(html: str) -> str:
    return html.split('<article class="qm-seite"')[1].split("</article>")[0]


async def test_page_view_shows_the_page_with_its_neighbours_contents_and_citation(ds, built: Paths) -> None:
    response = await ds.client.get("/-/seite/ihek-2019-2021/2")
    assert response.status_code == 200
    html = response.text
    assert "<title>IHEK 2019–2021, S. 2</title>" in html
    page = article(html)
    assert '<h1 id="qm-seite-titel">IHEK 2019–2021, S. 2</h1>' in page
    assert (
        "<span>Gedruckte Seitenzahl 2, PDF-Seite 2 von 4</span>" in page
        and "<span>Abschnitt: Handlungsfelder</span>" in page
    )
    assert '<li><a href="/-/suche?q=feld%3Aoeffentlicher-raum">Öffentlicher Raum</a></li>' in page
    assert (
        page.count(
            '<a href="/-/seite/ihek-2019-2021/1" rel="prev">← Vorige Seite<span class="qm-sr-only">: S. 1</span></a>'
        )
        == 2
    )
    assert (
        page.count(
            '<a href="/-/seite/ihek-2019-2021/3" rel="next">Nächste Seite<span class="qm-sr-only">: S. 3</span> →</a>'
        )
        == 2
    )
    sha = hashlib.sha256((built.archive / "pdf" / "ihek-2019-2021.pdf").read_bytes()).hexdigest()
    assert (
        f'<img src="/-/seitenbild/ihek-2019-2021/2/{sha[:16]}/gross.webp" alt="S. 2 als Bild: Handlungsfelder" '
        'width="1200" height="1697">'
    ) in page
    assert (
        '<div class="qm-lesetext"><p>Öffentlicher Raum</p><p>Die Spielplatzsanierung an der Straße wird finanziert. '
        "Bewohner:innen und Bewohner*innen beteiligen sich.</p></div>"
    ) in page  # two full lines joined
    assert "<mark>" not in page and "qm-hinweis" not in page
    assert (
        '<p id="qm-zitat-text">Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin, S. 2. '
        "Online: https://archiv.example.org/-/zitat/ihek-2019-2021/2"
    ) in page
    assert '<button type="button" class="qm-copy" data-copy="qm-zitat-text" hidden>Zitat kopieren</button>' in page
    assert "/-/static-plugins/qmarchive/qmarchive.js" in html and "<script" not in page
    assert page.count('<a href="/-/pdf/ihek-2019-2021#page=2">Original-PDF, S. 2</a>') == 3
    assert '<a href="/-/zitat/ihek-2019-2021/2">Alle Zitierformate (BibTeX, RIS, CSL-JSON)</a>' in page
    assert '<a href="/qmarchive/pages/ihek-2019-2021~2F2">Datenbankzeile der Seite</a>' in page
    assert '<a href="/qmarchive/pages/ihek-2019-2021~2F2.json">als JSON</a>' in page
    contents = re.findall(
        r'<li class="qm-toc-ebene-(\d)"><a href="([^"]+)"( aria-current="location")?>([^<]+)</a>', page
    )
    assert contents == [
        ("0", "/-/seite/ihek-2019-2021/1", "", "Einleitung"),
        ("0", "/-/seite/ihek-2019-2021/2", ' aria-current="location"', "Handlungsfelder"),
        ("1", "/-/seite/ihek-2019-2021/3", "", "Bildung"),
        ("1", "/-/seite/ihek-2019-2021/4", "", "Beteiligung"),
    ]
    json_row = await ds.client.get("/qmarchive/pages/ihek-2019-2021~2F2.json")
    assert json_row.status_code == 200 and json_row.json()["rows"][0][0] == "ihek-2019-2021/2"


async def test_first_and_last_page_have_no_link_beyond(ds) -> None:
    first = article((await ds.client.get("/-/seite/ihek-2019-2021/1")).text)
    assert 'rel="prev"' not in first and first.count('<span class="qm-blaettern-ende">Erste Seite</span>') == 2
    last = article((await ds.client.get("/-/seite/ihek-2019-2021/4")).text)
    assert 'rel="next"' not in last and last.count('<span class="qm-blaettern-ende">Letzte Seite</span>') == 2


async def test_from_a_hit_the_words_are_marked_and_kept(ds) -> None:
    page = article((await ds.client.get("/-/seite/ihek-2019-2021/2", params={"q": "Spielplätze Bewohner"})).text)
    assert re.findall(r"<mark>(.*?)</mark>", page) == ["Spielplatzsanierung", "Bewohner:innen", "Bewohner*innen"]
    assert "Markiert: was die Suche nach „Spielplätze Bewohner“ auf dieser Seite gefunden hat." in page
    assert '<a href="/-/suche?q=Spielpl%C3%A4tze+Bewohner">Zurück zu den Treffern</a>' in page
    assert (
        '<a href="/-/pdf/ihek-2019-2021#page=2&amp;search=Spielpl%C3%A4tze%20Bewohner">Original-PDF, S. 2</a>' in page
    )
    assert '<a href="/-/seite/ihek-2019-2021/3?q=Spielpl%C3%A4tze+Bewohner" rel="next">' in page
    assert '<a href="/-/suche?q=Spielpl%C3%A4tze+Bewohner&amp;feld=oeffentlicher-raum">Öffentlicher Raum</a>' in page


async def test_words_found_only_outside_the_text_are_said(ds) -> None:
    page = article((await ds.client.get("/-/seite/ihek-2019-2021/1", params={"q": "Kita feld:bildung"})).text)
    assert "<mark>" not in page
    assert "Die Suche nach „Kita feld:bildung“ hat im Text dieser Seite kein Wort gefunden" in page
    assert '#page=1&amp;search=Kita"' in page  # the filter is no word for the PDF viewer


async def test_page_text_is_escaped_with_and_without_marks(ds) -> None:
    for params in ({}, {"q": "Quartiersrat"}):
        page = article((await ds.client.get("/-/seite/ihek-2019-2021/4", params=params)).text)
        assert "&lt;script&gt;alert(" in page and "&lt;/script&gt; steht im Text." in page
        assert "<script" not in page
    assert "Der <mark>Quartiersrat</mark> tagt" in page


async def test_unknown_page_or_document_is_404_in_german(ds) -> None:
    for path, message in [
        ("/-/seite/ihek-2019-2021/9", "Seite 9 von „ihek-2019-2021“ gibt es im Archiv nicht."),
        ("/-/seite/unbekannt/1", "Seite 1 von „unbekannt“ gibt es im Archiv nicht."),
    ]:
        response = await ds.client.get(path)
        assert response.status_code == 404 and message in response.text
    assert (await ds.client.get("/-/seite/IHEK/1")).status_code == 404  # not a document id: no route


async def test_row_and_citation_pages_link_to_the_page_view(ds) -> None:
    assert (
        '<a href="/-/seite/ihek-2019-2021/2">Seite lesen (Bild und Text)</a>'
        in (await ds.client.get("/qmarchive/pages/ihek-2019-2021~2F2")).text
    )
    assert (
        '<a href="/-/seite/ihek-2019-2021/2">Seite lesen (Bild und Text)</a>'
        in (await ds.client.get("/-/zitat/ihek-2019-2021/2")).text
    )


def test_the_same_context_serves_a_static_edition(built: Paths) -> None:
    """The page view's context takes every link from its Links: relative links for a static copy."""

    class Relative:
        def page(self, document_id, page_number):
            return f"../{document_id}/{page_number}.html"

        def image(self, document_id, page_number, sha256, size):
            return f"../bilder/{document_id}-{page_number}-{size}.webp"

        def pdf(self, document_id, page_number):
            return f"../pdf/{document_id}.pdf#page={page_number}"

        def topic(self, topic_id):
            return f"../suche.html?feld={topic_id}"

        def zitat(self, document_id, page_number):
            return None

        def row(self, page_id):
            return None

        def row_json(self, page_id):
            return None

    db = open_existing(built.database)
    context = page_view.context(
        db,
        "ihek-2019-2021",
        3,
        Relative(),
        citation=citation(db, "ihek-2019-2021/3"),
        mark=lambda text: Markup(text.replace("Kita", "<mark>Kita</mark>")),
        pdf_words=["Kita"],
    )
    assert context["previous"] == {"url": "../ihek-2019-2021/2.html", "label": "S. 2", "number": 2}
    assert context["image"] == {"url": "../bilder/ihek-2019-2021-3-gross.webp", "alt": "S. 3 als Bild: Bildung"}
    assert context["pdf_url"] == "../pdf/ihek-2019-2021.pdf#page=3&search=Kita"
    assert context["topics"] == [{"id": "bildung", "name": "Bildung", "url": "../suche.html?feld=bildung"}]
    assert context["marked"] and "<mark>Kita</mark>" in context["text"]
    assert context["zitat_url"] is None and context["row_url"] is None
    assert page_view.context(db, "ihek-2019-2021", 5, Relative(), citation=citation(db, "ihek-2019-2021/4")) is None


async def image_path(ds, document_id: str, number: int) -> str:
    page = article((await ds.client.get(f"/-/seite/{document_id}/{number}")).text)
    return re.search(r'<img src="([^"]+)"', page).group(1)


async def test_page_image_is_cached_immutable_with_etag_and_survives_a_restart(copy: Paths) -> None:
    with open_existing(copy.database) as db:  # the copy's own archive is the only one files are looked for in
        db.execute("UPDATE ingest_runs SET archive = ?", [str(copy.archive)])
        db.conn.commit()
    ds = build_datasette(copy.database, archive=copy.archive)
    url = await image_path(ds, "ihek-2019-2021", 2)
    response = await ds.client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    etag = response.headers["etag"]
    sha = url.split("/")[-2]
    assert etag == f'"{sha}-2-gross-v1"' and response.content.startswith(b"RIFF")
    not_modified = await ds.client.get(url, headers={"if-none-match": etag})
    assert not_modified.status_code == 304 and not_modified.headers["etag"] == etag and not_modified.content == b""
    [cached] = (copy.index / "pages").rglob("*-2-gross.webp")
    made = cached.stat().st_mtime_ns

    shutil.rmtree(copy.archive)  # the file and its kept copy: from now on nothing could be rendered
    restarted = build_datasette(copy.database, archive=copy.archive)
    again = await restarted.client.get(url)
    assert again.status_code == 200 and again.content == response.content and again.headers["etag"] == etag
    assert cached.stat().st_mtime_ns == made

    # A page not rendered before the file went missing gets the placeholder, which is not cached for long.
    missing = await restarted.client.get(url.replace("/2/", "/3/"))
    assert missing.status_code == 200 and missing.headers["content-type"] == "image/svg+xml"
    assert missing.headers["cache-control"] == "public, max-age=3600"
    assert b"Seitenbild nicht verf\xc3\xbcgbar" in missing.content
    assert not list((copy.index / "pages").rglob("*-3-*"))  # a missing file is no render failure to remember


async def test_thumbnail_and_a_failed_render(copy: Paths) -> None:
    ds = build_datasette(copy.database, archive=copy.archive)
    url = (await image_path(ds, "ihek-2012", 1)).replace("gross.webp", "klein.webp")
    response = await ds.client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/webp"
    sha = hashlib.sha256((copy.archive / "pdf" / "ihek-2012.pdf").read_bytes()).hexdigest()
    marker = page_images.cache_file(copy.index, sha, 2, "klein").with_suffix(".failed")
    marker.write_text("rendering page 2 took longer than the time limit of 10 s", encoding="utf-8")
    failed = await ds.client.get(url.replace("/1/", "/2/"))
    assert (
        failed.headers["content-type"] == "image/svg+xml" and failed.headers["etag"] == f'"{sha[:16]}-2-klein-fehlt-v1"'
    )
    assert (
        await ds.client.get(url.replace("/1/", "/2/"), headers={"if-none-match": failed.headers["etag"]})
    ).status_code == 304


async def test_image_of_a_replaced_version_redirects_and_unknown_is_404(ds) -> None:
    url = await image_path(ds, "ihek-2019-2021", 1)
    old = re.sub(r"/[0-9a-f]{16}/", "/0000000000000000/", url)
    response = await ds.client.get(old)
    assert response.status_code == 302 and response.headers["location"] == url
    assert response.headers["cache-control"] == "no-cache"
    for path in (url.replace("/1/", "/9/"), url.replace("ihek-2019-2021", "unbekannt"), url.replace("gross", "riesig")):
        assert (await ds.client.get(path)).status_code == 404
    assert (await ds.client.post(url)).status_code == 405


def test_reflow_joins_lines_the_layout_broke_and_keeps_the_rest() -> None:
    measure = "x" * 60
    text = "\n".join(
        [
            f"{measure} eine Zeile läuft",
            f"{measure} weiter und endet.",
            "Überschrift",
            f"{measure} Aufzählung folgt:",
            "• erster Punkt",
            "• zweiter Punkt",
            f"{measure} ein Satz, der",
            "kurz endet.",
            "",
            "Nach der Leerzeile.",
        ]
    )
    reflowed = page_view.reflow(text)
    assert len(reflowed) == len(text)  # marks found on it stand where they stood
    assert reflowed.split("\n") == [
        f"{measure} eine Zeile läuft {measure} weiter und endet.",
        "Überschrift",
        f"{measure} Aufzählung folgt:",
        "• erster Punkt",
        "• zweiter Punkt",
        f"{measure} ein Satz, der kurz endet.",
        "",
        "Nach der Leerzeile.",
    ]
    assert page_view.reflow("Kurz\nText") == "Kurz\nText"
