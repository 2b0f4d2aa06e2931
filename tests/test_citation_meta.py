"""Citation metadata for Zotero on the served pages, and the catalog's persistent identifier (urn column)."""

from __future__ import annotations

import csv
import json
from html.parser import HTMLParser

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner
from conftest import cli_args

from qmarchive import cite
from qmarchive.catalog import read_catalog
from qmarchive.cli import cli
from qmarchive.errors import CatalogErrors
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette
from qmarchive.store import open_existing

BASE = "https://archiv.example.org"
URN = "urn:nbn:de:kobv:109-1-12345678"


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str, str]] = []
        self.canonical: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name", "").startswith(("citation_", "DC.")):
            self.meta.append((values["name"], values["content"]))
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical.append(values["href"])


def head(html: str) -> Head:
    parsed = Head()
    parsed.feed(html)
    return parsed


def set_urn(paths: Paths, document_id: str, urn: str) -> None:
    with paths.catalog.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
        header = list(rows[0].keys())
    for row in rows:
        if row["id"] == document_id:
            row["urn"] = urn
    with paths.catalog.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


async def test_served_seite_and_zitat_carry_highwire_and_dublin_core(built: Paths) -> None:
    ds = build_datasette(built.database, base_url=BASE)
    seite = head((await ds.client.get("/-/seite/ihek-2019-2021/2")).text)
    assert seite.canonical == [f"{BASE}/-/seite/ihek-2019-2021/2"]
    assert seite.meta == [
        ("citation_title", "IHEK 2019–2021"),
        ("citation_author", "Bezirksamt Marzahn-Hellersdorf"),
        ("citation_publisher", "Bezirksamt Marzahn-Hellersdorf"),
        ("citation_publication_date", "2019"),
        ("citation_pdf_url", f"{BASE}/-/pdf/ihek-2019-2021"),
        ("citation_firstpage", "2"),
        ("citation_public_url", f"{BASE}/-/seite/ihek-2019-2021/2"),
        ("citation_language", "de"),
        ("DC.title", "IHEK 2019–2021"),
        ("DC.creator", "Bezirksamt Marzahn-Hellersdorf"),
        ("DC.publisher", "Bezirksamt Marzahn-Hellersdorf"),
        ("DC.date", "2019"),
        ("DC.type", "Text"),
        ("DC.format", "application/pdf"),
        ("DC.language", "de"),
        ("DC.identifier", f"{BASE}/-/seite/ihek-2019-2021/2"),
        ("DC.coverage", "Hellersdorfer Promenade"),
    ]
    zitat = head((await ds.client.get("/-/zitat/ihek-2012")).text)
    assert zitat.canonical == [f"{BASE}/-/zitat/ihek-2012"]
    meta = dict(zitat.meta)
    assert meta["citation_title"] == "IHEK 2012" and "citation_firstpage" not in meta
    assert meta["citation_pdf_url"] == f"{BASE}/-/pdf/ihek-2012" and meta["citation_publication_date"] == "2012"
    missing = head((await ds.client.get("/-/zitat/unbekannt")).text)
    assert missing.meta == [] and missing.canonical == []


async def test_without_a_base_url_the_server_names_its_own_address(built: Paths) -> None:
    ds = build_datasette(built.database)
    seite = head((await ds.client.get("/-/seite/ihek-2019-2021/2")).text)
    assert seite.canonical == ["http://localhost/-/seite/ihek-2019-2021/2"]
    assert dict(seite.meta)["citation_pdf_url"] == "http://localhost/-/pdf/ihek-2019-2021"


async def test_a_urn_in_the_catalog_is_shown_and_cited_first(copy: Paths) -> None:
    set_urn(copy, "ihek-2019-2021", URN)
    result = CliRunner().invoke(cli, cli_args(copy, "ingest", "-q"))
    assert result.exit_code == 0, result.output
    db = open_existing(copy.database)
    found = cite.citation(db, "ihek-2019-2021/2", base_url=BASE)
    assert found.text().startswith(
        f"Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin, S. 2. {URN}. Online: {BASE}/-/zitat/ihek-2019-2021/2"
    )
    [entry] = bibtexparser.parse_string(found.bibtex()).entries
    assert entry.fields_dict["eprint"].value == URN and entry.fields_dict["eprinttype"].value == "urn"
    ris = rispy.loads(found.ris())[0]
    assert ris["urls"] == [URN, f"{BASE}/-/zitat/ihek-2019-2021/2"]
    assert found.csl_json()["note"].startswith(f"{URN}; ")
    ds = build_datasette(copy.database, base_url=BASE)
    meta = head((await ds.client.get("/-/zitat/ihek-2019-2021/2")).text).meta
    assert ("DC.identifier", URN) in meta and meta.index(("DC.identifier", URN)) < meta.index(
        ("DC.identifier", f"{BASE}/-/zitat/ihek-2019-2021/2")
    )


def test_a_doi_is_cited_as_doi(copy: Paths) -> None:
    set_urn(copy, "ihek-2019-2021", "10.12345/qm.2019")
    assert CliRunner().invoke(cli, cli_args(copy, "ingest", "-q")).exit_code == 0
    found = cite.citation(open_existing(copy.database), "ihek-2019-2021", base_url=BASE)
    assert " https://doi.org/10.12345/qm.2019. Online: " in found.text()
    assert bibtexparser.parse_string(found.bibtex()).entries[0].fields_dict["doi"].value == "10.12345/qm.2019"
    assert rispy.loads(found.ris())[0]["doi"] == "10.12345/qm.2019"
    assert json.loads(found.render("csl-json"))[0]["DOI"] == "10.12345/qm.2019"


def test_a_urn_that_is_neither_urn_nor_doi_is_named_with_row_and_column(copy: Paths) -> None:
    set_urn(copy, "ihek-2012", "nbn:de:123")
    with pytest.raises(CatalogErrors) as raised:
        read_catalog(copy.catalog)
    assert [str(error) for error in raised.value.errors] == [
        f"{copy.catalog}, row 3, column 'urn': 'nbn:de:123' is not a URN (urn:nbn:de:…) or a DOI (10.1234/…)"
    ]
