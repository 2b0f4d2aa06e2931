"""Citations: exact German text, and every machine format read back by a real parser.

BibTeX is read with bibtexparser 2 (it reports blocks it cannot parse instead of dropping them, and
decodes LaTeX with pylatexenc), RIS with rispy, CSL-JSON is validated against the official CSL 1.0 input
schema (tests/data/csl-data.json).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args, ihek_spec, write_catalog
from pdfmaker import make_pdf, running_pages
from qmarchive import cite
from qmarchive.cli import cli
from qmarchive.errors import CitationError, ConfigError
from qmarchive.paths import Paths

ACCESSED = date(2026, 11, 25)
BASE = "https://archiv.example.org"
CSL_SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text(encoding="utf-8"))

SPECIAL_TITLE = 'Öffentlicher Raum & Grün: {Klammern} 100 % "Zitat" a_b #1 $2 ~ \\ Ende – Straße'
SPECIAL_PUBLISHER = 'Büro für Stadt & Raum "Süd" {GmbH}'


@pytest.fixture(autouse=True)
def no_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cite.BASE_URL_ENV, raising=False)


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> Paths:
    """Documents the test archive lacks: special characters, a date, roman page labels, no metadata."""
    root = tmp_path_factory.mktemp("varied")
    paths = Paths(archive=root / "archive", index=root / "index")
    pdf_dir = paths.archive / "pdf"
    pdf_dir.mkdir(parents=True)
    make_pdf(
        pdf_dir / "sonderzeichen.pdf",
        ihek_spec(
            pages=running_pages([["Vorwort"], ["Inhalt"], ["Einleitung"]]),
            labels=[(0, "ROMAN_LOWER", 1), (2, "ARABIC", 1)],
        ),
    )
    make_pdf(pdf_dir / "ohne-angaben.pdf", ihek_spec(pages=running_pages([["Nur eine Seite"]])))
    write_catalog(
        paths.archive,
        [
            {
                "id": "sonderzeichen",
                "title": SPECIAL_TITLE,
                "doc_type": "ihek",
                "period_start": "2022",
                "period_end": "2024",
                "published": "2022-04-28",
                "publisher": SPECIAL_PUBLISHER,
                "place": "Koblenz",
                "file": "pdf/sonderzeichen.pdf",
            },
            {"id": "ohne-angaben", "title": "Ohne Angaben", "doc_type": "sonstiges", "file": "pdf/ohne-angaben.pdf"},
        ],
    )
    result = CliRunner().invoke(cli, cli_args(paths, "ingest", "--no-index"))
    assert result.exit_code == 0, result.output
    return paths


def read_only(paths: Paths) -> Database:
    """The built database as the Datasette plugin opens it: citations must only read."""
    return Database(sqlite3.connect(f"{paths.database.resolve().as_uri()}?mode=ro", uri=True))


def cite_page(paths: Paths, target: str, **options) -> cite.Citation:
    return cite.citation(read_only(paths), target, accessed=ACCESSED, **options)


def file_sha256(paths: Paths, name: str) -> str:
    return hashlib.sha256((paths.archive / "pdf" / name).read_bytes()).hexdigest()


def parse_bibtex(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """(LaTeX-decoded fields, raw fields) of the only entry; the raw url is what biblatex reads verbatim."""
    raw = bibtexparser.parse_string(text)
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert raw.failed_blocks == [] and decoded.failed_blocks == []
    [entry] = decoded.entries
    [raw_entry] = raw.entries
    decoded_fields = {"ENTRYTYPE": entry.entry_type, "ID": entry.key, **{f.key: f.value for f in entry.fields}}
    return decoded_fields, {f.key: f.value for f in raw_entry.fields}


def parse_ris(text: str) -> dict:
    assert text.endswith("ER  - \r\n")
    assert "\n" not in text.replace("\r\n", "")
    [record] = rispy.loads(text, newline="\r\n")
    return record


def parse_csl(text: str) -> dict:
    data = json.loads(text)
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(data)
    [item] = data
    return item


# Permalinks


def test_permalink_relative_and_with_a_base_url() -> None:
    assert cite.permalink("ihek-2019-2021", 12) == "/-/zitat/ihek-2019-2021/12"
    assert cite.permalink("ihek-2019-2021") == "/-/zitat/ihek-2019-2021"
    assert cite.permalink("ihek-2019-2021", 12, BASE + "/") == BASE + "/-/zitat/ihek-2019-2021/12"
    assert (
        cite.permalink("ihek-2019-2021", None, "https://example.org/qm/")
        == "https://example.org/qm/-/zitat/ihek-2019-2021"
    )


def test_public_names() -> None:
    assert cite.FORMATS == ("text", "bibtex", "ris", "csl-json")
    assert cite.BASE_URL_ENV == "QMARCHIVE_BASE_URL"


# A page of the test archive (period, no publication date)


def test_page_citation_fields(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021/2")
    assert (c.document_id, c.page_number, c.page_label, c.title, c.publisher) == (
        "ihek-2019-2021",
        2,
        "2",
        "IHEK 2019–2021",
        "Bezirksamt Marzahn-Hellersdorf",
    )
    assert (c.year, c.period, c.doc_type, c.area) == ("2019–2021", "2019–2021", "ihek", "Hellersdorfer Promenade")
    assert c.sha256 == file_sha256(built, "ihek-2019-2021.pdf")
    assert (c.url, c.pdf_url, c.accessed) == ("/-/zitat/ihek-2019-2021/2", "/-/pdf/ihek-2019-2021#page=2", ACCESSED)
    with_base = cite_page(built, "ihek-2019-2021/2", base_url=BASE + "/")
    assert (with_base.url, with_base.pdf_url) == (
        BASE + "/-/zitat/ihek-2019-2021/2",
        BASE + "/-/pdf/ihek-2019-2021#page=2",
    )


def test_page_citation_text(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021/2", base_url=BASE)
    assert (
        c.text()
        == c.render("text")
        == (
            "Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin, S. 2. "
            f"Online: {BASE}/-/zitat/ihek-2019-2021/2 (abgerufen am 25.11.2026). "
            f"SHA-256 der Datei: {file_sha256(built, 'ihek-2019-2021.pdf')[:12]}."
        )
    )


def test_access_date_defaults_to_today(built: Paths) -> None:
    assert cite.citation(read_only(built), "ihek-2019-2021/1").accessed == date.today()


def test_page_bibtex(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021/2", base_url=BASE)
    fields, raw = parse_bibtex(c.render("bibtex"))
    assert fields == {
        "ENTRYTYPE": "report",
        "ID": "ihek-2019-2021-s2",
        "author": "Bezirksamt Marzahn-Hellersdorf",
        "title": "IHEK 2019–2021",
        "type": "IHEK",
        "institution": "Bezirksamt Marzahn-Hellersdorf",
        "address": "Berlin",
        "date": "2019/2021",
        "pages": "2",
        "url": f"{BASE}/-/zitat/ihek-2019-2021/2",
        "urldate": "2026-11-25",
        "langid": "ngerman",
        "note": f"SHA-256 der Datei: {c.sha256[:12]}",
    }
    # The corporate author is one name, not split at "and" or read as family name "Marzahn-Hellersdorf".
    assert raw["author"] == "{Bezirksamt Marzahn-Hellersdorf}"


def test_page_ris(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021/2", base_url=BASE)
    record = parse_ris(c.render("ris"))
    assert record == {
        "type_of_reference": "RPRT",
        "id": "ihek-2019-2021-s2",
        "authors": ["Bezirksamt Marzahn-Hellersdorf"],
        "title": "IHEK 2019–2021",
        "year": "2019",
        "start_page": "2",
        "type_of_work": "IHEK",
        "publisher": "Bezirksamt Marzahn-Hellersdorf",
        "place_published": "Berlin",
        "urls": [f"{BASE}/-/zitat/ihek-2019-2021/2"],
        "access_date": "2026/11/25",
        "language": "de-DE",
        "notes": [f"SHA-256 der Datei: {c.sha256[:12]}"],
    }


def test_page_csl_json(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021/2")
    item = parse_csl(c.render("csl-json"))
    assert (
        item
        == c.csl_json()
        == {
            "id": "ihek-2019-2021-s2",
            "type": "report",
            "title": "IHEK 2019–2021",
            "author": [{"literal": "Bezirksamt Marzahn-Hellersdorf"}],
            "publisher": "Bezirksamt Marzahn-Hellersdorf",
            "publisher-place": "Berlin",
            "genre": "IHEK",
            "issued": {"date-parts": [[2019], [2021]]},
            "page": "2",
            "URL": "/-/zitat/ihek-2019-2021/2",
            "accessed": {"date-parts": [[2026, 11, 25]]},
            "language": "de-DE",
            "note": f"SHA-256 der Datei: {c.sha256[:12]}",
        }
    )


def test_the_schema_is_a_valid_draft_7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(CSL_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(CSL_SCHEMA).validate([{"id": "x", "type": "report", "pages": "2"}])


def test_single_year_period(built: Paths) -> None:
    c = cite_page(built, "ihek-2012/1")
    assert c.year == "2012" and c.text().startswith("IHEK 2012 (2012). PDF-Seite 1. Online: /-/zitat/ihek-2012/1 ")
    fields, _ = parse_bibtex(c.bibtex())
    assert fields["year"] == "2012" and "date" not in fields
    assert parse_csl(c.render("csl-json"))["issued"] == {"date-parts": [[2012]]}


# A whole document


def test_document_citation(built: Paths) -> None:
    c = cite_page(built, "ihek-2019-2021", base_url=BASE)
    assert (c.page_number, c.page_label) == (None, None)
    assert (c.url, c.pdf_url) == (BASE + "/-/zitat/ihek-2019-2021", BASE + "/-/pdf/ihek-2019-2021")
    assert c.text() == (
        "Bezirksamt Marzahn-Hellersdorf (2019–2021): IHEK 2019–2021. Berlin. "
        f"Online: {BASE}/-/zitat/ihek-2019-2021 (abgerufen am 25.11.2026). SHA-256 der Datei: {c.sha256[:12]}."
    )
    fields, _ = parse_bibtex(c.bibtex())
    assert fields["ID"] == "ihek-2019-2021" and "pages" not in fields
    assert fields["url"] == BASE + "/-/zitat/ihek-2019-2021"
    record = parse_ris(c.ris())
    assert record["id"] == "ihek-2019-2021" and "start_page" not in record
    item = parse_csl(c.render("csl-json"))
    assert item["id"] == "ihek-2019-2021" and "page" not in item


# Special characters, a publication date, printed page labels


def test_special_characters_round_trip(varied: Paths) -> None:
    c = cite_page(varied, "sonderzeichen/2")
    assert (c.title, c.publisher) == (SPECIAL_TITLE, SPECIAL_PUBLISHER)
    # The place is the catalog's, whatever the document: never a constant.
    assert c.text().startswith(f"{SPECIAL_PUBLISHER} (2022): {SPECIAL_TITLE}. Koblenz, S. ii (PDF-Seite 2). ")

    bib = c.bibtex()
    assert (
        r": \{Klammern\} 100 \% " in bib
        and r"\& Grün" in bib
        and r"a\_b \#1 \$2 \textasciitilde{} \textbackslash{} Ende" in bib
    )
    # Followed by a second entry: an unbalanced brace would swallow it.
    fields, _ = parse_bibtex(bib)
    two = bibtexparser.parse_string(bib + "\n\n" + cite_page(varied, "ohne-angaben").bibtex())
    assert [entry.key for entry in two.entries] == ["sonderzeichen-s2", "ohne-angaben"] and not two.failed_blocks
    assert (fields["title"], fields["author"], fields["institution"]) == (
        SPECIAL_TITLE,
        SPECIAL_PUBLISHER,
        SPECIAL_PUBLISHER,
    )
    assert (fields["year"], fields["pages"], fields["address"]) == ("2022", "ii", "Koblenz")
    assert "date" not in fields

    record = parse_ris(c.ris())
    assert (record["title"], record["authors"], record["publisher"]) == (
        SPECIAL_TITLE,
        [SPECIAL_PUBLISHER],
        SPECIAL_PUBLISHER,
    )
    assert (record["year"], record["date"], record["start_page"], record["place_published"]) == (
        "2022",
        "2022/04/28/",
        "ii",
        "Koblenz",
    )

    item = parse_csl(c.render("csl-json"))
    assert (item["title"], item["author"], item["page"]) == (SPECIAL_TITLE, [{"literal": SPECIAL_PUBLISHER}], "ii")
    assert item["publisher-place"] == "Koblenz"
    assert item["issued"] == {"date-parts": [[2022, 4, 28]]}
    assert '"Öffentlicher Raum & Grün: {Klammern}' in c.render("csl-json")  # UTF-8, not \u escapes


def test_key_and_permalink_use_the_physical_page_the_text_the_printed_label(varied: Paths) -> None:
    c = cite_page(varied, "sonderzeichen/3")
    assert (c.page_label, c.key, c.url) == ("1", "sonderzeichen-s3", "/-/zitat/sonderzeichen/3")
    assert ", S. 1 (PDF-Seite 3). Online: /-/zitat/sonderzeichen/3 " in c.text()
    assert parse_bibtex(c.bibtex())[0]["note"] == f"PDF-Seite 3; SHA-256 der Datei: {c.sha256[:12]}"


def test_missing_metadata_leaves_no_stray_punctuation(varied: Paths) -> None:
    """A one-page PDF prints no run of page numbers: its page is named by its place in the PDF only."""
    c = cite_page(varied, "ohne-angaben/1")
    assert (c.publisher, c.year, c.period, c.page_label) == (None, "", "", None)
    assert c.text() == (
        "Ohne Angaben. PDF-Seite 1. Online: /-/zitat/ohne-angaben/1 (abgerufen am 25.11.2026). "
        f"SHA-256 der Datei: {c.sha256[:12]}."
    )
    fields, _ = parse_bibtex(c.bibtex())
    # No place in the catalog: none is invented; no printed page number: the note names the PDF page.
    assert set(fields) == {"ENTRYTYPE", "ID", "title", "url", "urldate", "langid", "note"}
    assert fields["note"] == f"PDF-Seite 1; SHA-256 der Datei: {c.sha256[:12]}"
    record = parse_ris(c.ris())
    assert not {"authors", "publisher", "year", "date", "type_of_work", "place_published"} & set(record)
    item = parse_csl(c.render("csl-json"))
    assert not {"author", "publisher", "issued", "genre", "publisher-place"} & set(item)


def test_publisher_without_year() -> None:
    c = cite.Citation(
        document_id="x",
        page_number=None,
        page_label=None,
        title="Bericht?",
        publisher="Bezirksamt",
        year="",
        period="",
        doc_type="sonstiges",
        area=None,
        place="Berlin",
        sha256="ab" * 32,
        url="/-/zitat/x",
        pdf_url="/-/pdf/x",
        accessed=ACCESSED,
        published=None,
    )
    assert c.text().startswith("Bezirksamt: Bericht? Berlin. Online: /-/zitat/x ")


def test_month_precision_date() -> None:
    c = cite.Citation(
        document_id="x",
        page_number=None,
        page_label=None,
        title="T",
        publisher=None,
        year="2024",
        period="2025–2027",
        doc_type="abschlussplan",
        area=None,
        place=None,
        sha256="ab" * 32,
        url="/-/zitat/x",
        pdf_url="/-/pdf/x",
        accessed=ACCESSED,
        published="2024-11",
    )
    assert parse_ris(c.ris())["date"] == "2024/11//"
    assert parse_csl(c.render("csl-json"))["issued"] == {"date-parts": [[2024, 11]]}
    assert parse_bibtex(c.bibtex())[0]["year"] == "2024"


# Errors


@pytest.mark.parametrize(
    "target, message",
    [
        ("ihek-2019-2021/999", "no page 'ihek-2019-2021/999' in the archive ('ihek-2019-2021' has pages 1–4)"),
        ("ihek-2010", "no document 'ihek-2010' in the archive"),
        ("ihek-2010/3", "no document 'ihek-2010' in the archive"),
        ("IHEK-2019/1", "'IHEK-2019/1' is not a page id or document id (e.g. ihek-2019-2021/12 or ihek-2019-2021)"),
        (
            "ihek-2019-2021/0",
            "'ihek-2019-2021/0' is not a page id or document id (e.g. ihek-2019-2021/12 or ihek-2019-2021)",
        ),
        (
            "ihek-2019-2021/2/3",
            "'ihek-2019-2021/2/3' is not a page id or document id (e.g. ihek-2019-2021/12 or ihek-2019-2021)",
        ),
        ("x' OR '1'='1", "'x' OR '1'='1' is not a page id or document id (e.g. ihek-2019-2021/12 or ihek-2019-2021)"),
    ],
)
def test_unknown_or_malformed_ids(built: Paths, target: str, message: str) -> None:
    with pytest.raises(CitationError) as info:
        cite_page(built, target)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "base_url",
    ["archiv.example.org", "ftp://archiv.example.org", "https://", "https://a.example/?x=1", "https://a.example/{x}"],
)
def test_unusable_base_url(built: Paths, base_url: str) -> None:
    with pytest.raises(ConfigError, match="set --base-url or QMARCHIVE_BASE_URL"):
        cite_page(built, "ihek-2019-2021/1", base_url=base_url)


def test_unknown_format(built: Paths) -> None:
    with pytest.raises(ValueError, match="unknown citation format 'apa'"):
        cite_page(built, "ihek-2019-2021/1").render("apa")


# The command line


def run(paths: Paths, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, cli_args(paths, *args), env=env)


def test_cli_cite_text(built: Paths) -> None:
    result = run(built, "cite", "ihek-2019-2021/2", "--accessed", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert result.stdout == cite_page(built, "ihek-2019-2021/2").text() + "\n"
    assert "Online: /-/zitat/ihek-2019-2021/2 (abgerufen am 25.11.2026)." in result.stdout


def test_cli_base_url_by_option_and_environment(built: Paths) -> None:
    by_option = CliRunner().invoke(cli, ["--base-url", BASE + "/", *cli_args(built, "cite", "ihek-2019-2021/2")])
    by_env = run(built, "cite", "ihek-2019-2021/2", env={cite.BASE_URL_ENV: BASE})
    for result in (by_option, by_env):
        assert result.exit_code == 0, result.output
        assert f"Online: {BASE}/-/zitat/ihek-2019-2021/2 (abgerufen am {date.today():%d.%m.%Y})." in result.stdout


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json"])
def test_cli_formats_parse(built: Paths, fmt: str) -> None:
    result = run(built, "cite", "ihek-2019-2021/3", "--format", fmt, "--accessed", "2026-11-25")
    assert result.exit_code == 0, result.output
    output = result.stdout_bytes.decode("utf-8")  # result.stdout would turn CR LF into LF
    if fmt == "bibtex":
        assert parse_bibtex(output)[0]["urldate"] == "2026-11-25"
    elif fmt == "ris":
        assert parse_ris(output)["access_date"] == "2026/11/25"
    else:
        assert parse_csl(output)["accessed"] == {"date-parts": [[2026, 11, 25]]}
    assert output.endswith("\n") and not output.endswith("\n\n") and not output.endswith("\r\n\n")


def test_cli_unknown_id_is_a_clean_error(built: Paths) -> None:
    result = run(built, "cite", "ihek-2019-2021/999")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no page 'ihek-2019-2021/999' in the archive ('ihek-2019-2021' has pages 1–4)\n"


def test_cli_bad_base_url_and_date(built: Paths) -> None:
    result = run(built, "cite", "ihek-2019-2021/1", env={cite.BASE_URL_ENV: "archiv.example.org"})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: base URL 'archiv.example.org' is not an absolute http(s) address")
    result = run(built, "cite", "ihek-2019-2021/1", "--accessed", "25.11.2026")
    assert result.exit_code == 2
    assert "'25.11.2026' does not match the format '%Y-%m-%d'" in result.stderr


def test_cli_without_database(paths: Paths) -> None:
    result = run(paths, "cite", "ihek-2019-2021/1")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {paths.database}: no database yet; run 'qmarchive ingest' first\n"
