from pathlib import Path

import pytest

from conftest import ihek_spec
from pdfmaker import Spec, make_pdf, running_pages
from qmarchive.errors import DamagedPdfError, EncryptedPdfError, NotAPdfError
from qmarchive.extract import Section, extract


@pytest.fixture
def ihek(tmp_path: Path) -> Path:
    spec = ihek_spec(labels=[(0, "ROMAN_LOWER", 1), (2, "ARABIC", 1)], image_pages={3})
    spec.pages = [["Titelblatt", "Muster"], *spec.pages[:2], [], *spec.pages[2:]]
    spec.outline = [("Einleitung", 0, 1), ("Handlungsfelder", 0, 2), ("Bildung", 1, 3), ("Beteiligung", 1, 5)]
    return make_pdf(tmp_path / "ihek.pdf", spec)


@pytest.mark.parametrize("extractor", ["pdfium", "pypdf"])
def test_text_is_normalised_and_running_lines_kept_apart(ihek: Path, extractor: str) -> None:
    doc = extract(ihek, extractor=extractor)
    assert doc.extractor == extractor
    page = doc.pages[1]
    assert page.text == "Einleitung\nDie Bewohnerschaft der Hellersdorfer Promenade hat viele Ideen."
    assert page.running_text == "IHEK 2019–2021 · Hellersdorfer Promenade\n1"
    assert "Die Spielplatzsanierung an der Straße wird finanziert." in doc.pages[2].text
    assert "Kinder- und Jugendarbeit im Stadtteilzentrum." in doc.pages[4].text


def test_structure_from_pypdf(ihek: Path) -> None:
    doc = extract(ihek)
    assert doc.page_count == 6
    assert [p.label for p in doc.pages] == ["i", "ii", "1", "2", "3", "4"]
    assert doc.sections == [
        Section("Einleitung", 0, 2, 2),
        Section("Handlungsfelder", 0, 3, 6),
        Section("Bildung", 1, 4, 5),
        Section("Beteiligung", 1, 6, 6),
    ]
    assert [p.section for p in doc.pages] == [
        None,
        "Einleitung",
        "Handlungsfelder",
        "Bildung",
        "Bildung",
        "Beteiligung",
    ]
    assert doc.metadata["title"] == "IHEK 2019–2021"
    assert doc.metadata["author"] == "qmarchive tests"
    assert doc.metadata["created"].startswith("2000-01-01")
    assert not doc.encrypted


def test_pages_without_text_are_flagged_not_dropped(ihek: Path) -> None:
    doc = extract(ihek)
    assert [p.has_text_layer for p in doc.pages] == [True, True, True, False, True, True]
    assert doc.pages[3].text == ""


def test_encrypted_pdf_needs_its_password(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "geheim.pdf", Spec(pages=[["Grünfläche geschützt"]], user_password="Grünfläche-2026"))
    with pytest.raises(EncryptedPdfError, match=r"geheim\.pdf: encrypted PDF: it needs a password"):
        extract(path)
    with pytest.raises(EncryptedPdfError, match="the given password is wrong"):
        extract(path, password="falsch")
    doc = extract(path, password="Grünfläche-2026")
    assert doc.encrypted
    assert doc.pages[0].text == "Grünfläche geschützt"


@pytest.mark.parametrize(
    ("content", "error", "reason"),
    [
        (b"", NotAPdfError, "empty file"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, NotAPdfError, "not a PDF"),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", DamagedPdfError, "damaged PDF"),
    ],
)
def test_unreadable_files_raise_errors_naming_the_file(
    tmp_path: Path, content: bytes, error: type, reason: str
) -> None:
    path = tmp_path / "kaputt.pdf"
    path.write_bytes(content)
    with pytest.raises(error, match=reason) as info:
        extract(path)
    assert str(info.value).startswith(str(path))


def test_truncated_pdf_is_damaged_or_repaired(tmp_path: Path) -> None:
    good = make_pdf(tmp_path / "gut.pdf", Spec(pages=running_pages([["eins"], ["zwei"]])))
    data = good.read_bytes()
    cut = tmp_path / "abgeschnitten.pdf"
    cut.write_bytes(data[: len(data) // 2])
    try:
        doc = extract(cut)
    except DamagedPdfError as exc:
        assert str(exc).startswith(str(cut))
    else:
        assert doc.page_count >= 1
