from pathlib import Path

import pytest

from conftest import write_catalog
from qmarchive.catalog import read_catalog, slugify
from qmarchive.errors import CatalogError, CatalogErrors


def test_reads_typed_entries(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        [
            {
                "id": "ihek-2019-2021",
                "title": "IHEK 2019–2021",
                "doc_type": "ihek",
                "period_start": "2019",
                "period_end": "2021",
                "published": "2019-03",
                "file": "pdf/x.pdf",
                "sha256": "A" * 64,
            }
        ],
    )
    [entry] = read_catalog(tmp_path / "catalog.csv")
    assert (entry.id, entry.period_start, entry.period_end, entry.published, entry.file) == (
        "ihek-2019-2021",
        2019,
        2021,
        "2019-03",
        "pdf/x.pdf",
    )
    assert entry.sha256 == "a" * 64
    assert entry.row == 2


def test_defaults_file_path_and_single_year_period(tmp_path: Path) -> None:
    write_catalog(tmp_path, [{"id": "ihek-2012", "title": "IHEK 2012", "doc_type": "ihek", "period_start": "2012"}])
    [entry] = read_catalog(tmp_path / "catalog.csv")
    assert entry.file == "pdf/ihek-2012.pdf"
    assert entry.period_end == 2012


def test_missing_catalog_is_empty(tmp_path: Path) -> None:
    assert read_catalog(tmp_path / "catalog.csv") == []


def test_excel_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_bytes("\ufeffid;title;doc_type\nihek-2011;IHEK 2011, Fortschreibung;ihek\n".encode())
    [entry] = read_catalog(path)
    assert entry.title == "IHEK 2011, Fortschreibung"


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"id": "IHEK 2019"}, "id", "is not a valid id"),
        ({"doc_type": "plan"}, "doc_type", "unknown document type 'plan'"),
        ({"period_start": "19"}, "period_start", "'19' is not a year"),
        ({"period_start": "2021", "period_end": "2019"}, "period_end", "period ends (2019) before it starts (2021)"),
        ({"published": "2019-13-01"}, "published", "is not a date"),
        ({"file": "../secret.pdf"}, "file", "leaves the archive directory"),
        ({"file": "/etc/passwd.pdf"}, "file", "is an absolute path"),
        ({"file": "pdf/x.docx"}, "file", "does not name a .pdf file"),
        ({"source_url": "ftp://example.org/x.pdf"}, "source_url", "is not an http(s) URL"),
        ({"sha256": "abc"}, "sha256", "not a SHA-256 checksum"),
        ({"title": ""}, "title", "empty title"),
    ],
)
def test_invalid_cells_name_row_and_column(tmp_path: Path, cells: dict, column: str, reason: str) -> None:
    row = {"id": "ihek-2012", "title": "IHEK 2012", "doc_type": "ihek", **cells}
    write_catalog(tmp_path, [{"id": "ihek-2011", "title": "IHEK 2011", "doc_type": "ihek"}, row])
    with pytest.raises(CatalogErrors) as info:
        read_catalog(tmp_path / "catalog.csv")
    [error] = info.value.errors
    assert (error.row, error.column) == (3, column)
    assert reason in str(error)
    assert str(error).startswith(f"{tmp_path / 'catalog.csv'}, row 3, column '{column}': ")


def test_reports_all_errors_and_duplicates_at_once(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        [
            {"id": "ihek-2012", "title": "A", "doc_type": "ihek", "file": "pdf/a.pdf"},
            {"id": "ihek-2012", "title": "B", "doc_type": "ihek", "file": "pdf/A.pdf"},
            {"id": "x", "title": "C", "doc_type": "nope"},
        ],
    )
    with pytest.raises(CatalogErrors) as info:
        read_catalog(tmp_path / "catalog.csv")
    messages = [str(e).split(": ", 1)[1] for e in info.value.errors]
    assert messages == [
        "unknown document type 'nope' (one of: ihek, abschlussplan, broschuere, sonstiges)",
        "duplicate id 'ihek-2012' (first in row 2)",
        "duplicate file 'pdf/A.pdf' (first in row 2)",
    ]


def test_missing_required_column(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text("id,title\nx,y\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"row 1: missing column\(s\): doc_type"):
        read_catalog(tmp_path / "catalog.csv")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_bytes("id,title,doc_type\nx,Stra\xdfe,ihek\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        read_catalog(tmp_path / "catalog.csv")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("IHEK 2019-2021 final", "ihek-2019-2021-final"),
        ("Abschlussplan_Hellersdorfer Promenade (barrierefrei)", "abschlussplan-hellersdorfer-promenade-barrierefrei"),
        ("Broschüre Größe", "broschuere-groesse"),
        ("___", "dokument"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_the_real_catalog_lists_the_documents_of_the_archive() -> None:
    entries = read_catalog(Path(__file__).resolve().parents[1] / "archive" / "catalog.csv")
    ids = {entry.id for entry in entries}
    assert {
        "abschlussplan-2024",
        "abschlussplan-2024-barrierefrei",
        "ihek-2022-2024",
        "ihek-2019-2021",
        "ihek-2017-2018",
        "ihek-2015-2016",
        "ihek-2013-2014",
        "ihek-2012",
        "ihek-2011",
        "ihek-2010",
        "ihk-2006",
        "broschuere-sozialer-zusammenhalt",
    } <= ids
    assert all(entry.file.startswith("pdf/") for entry in entries)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id,title,doc_type,SHA256", "column 'SHA256': unknown column; did you mean 'sha256'? (known columns: id, "),
        ("id,title,doc_type,Titel", "column 'Titel': unknown column; did you mean 'title'?"),
        ("id,title,doc_type,publisehr", "column 'publisehr': unknown column; did you mean 'publisher'?"),
        ("id,title,doc_type,Bemerkung", "column 'Bemerkung': unknown column; known columns: id, title, doc_type, "),
        ("id,title,doc_type,title", "row 1, column 'title': column 4 repeats column 2; keep one"),
        ("id,title,doc_type,,notes", "row 1: column 4 has no name; name it or remove it"),
    ],
)
def test_unknown_misspelt_duplicate_and_nameless_columns_are_refused(tmp_path: Path, header: str, message: str) -> None:
    cells = ",".join("" for _ in header.split(","))
    (tmp_path / "catalog.csv").write_text(f"{header}\nihek-2012,IHEK 2012,ihek{cells[2:]}\n", encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        read_catalog(tmp_path / "catalog.csv")
    assert str(info.value).startswith(f"{tmp_path / 'catalog.csv'}, row 1")
    assert message in str(info.value)


def test_all_header_problems_at_once(tmp_path: Path) -> None:
    (tmp_path / "catalog.csv").write_text("id,Title,SHA256\nx,y,z\n", encoding="utf-8")
    with pytest.raises(CatalogErrors) as info:
        read_catalog(tmp_path / "catalog.csv")
    assert [(e.column, e.reason.split(";")[0]) for e in info.value.errors] == [
        ("Title", "unknown column"),
        ("SHA256", "unknown column"),
        (None, "missing column(s): title, doc_type"),
    ]


def test_a_file_linked_from_outside_the_archive_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / "pdf").mkdir(parents=True)
    (tmp_path / "elsewhere.pdf").write_bytes(b"%PDF-1.4")
    (archive / "pdf" / "ihek-2012.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    (archive / "pdf" / "inside.pdf").symlink_to(archive / "pdf" / "ihek-2012.pdf")
    write_catalog(
        archive,
        [
            {"id": "ihek-2012", "title": "IHEK 2012", "doc_type": "ihek"},
            {"id": "inside", "title": "Link", "doc_type": "ihek", "file": "pdf/inside.pdf"},
        ],
    )
    with pytest.raises(CatalogErrors) as info:
        read_catalog(archive / "catalog.csv")
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "file"), (3, "file")]
    assert f"'pdf/ihek-2012.pdf' is a link to {tmp_path / 'elsewhere.pdf'}, outside the archive directory" in str(
        info.value
    )
