"""Loose accents put on their letters by glyph position, as TeX's Type3 and Type1 fonts need it."""

from pathlib import Path

from pdfmaker import make_loose_accent_pdf, make_type3_accent_pdf
from qmarchive.extract import extract


def test_loose_diaeresis_glyphs_are_rejoined_by_their_position(tmp_path: Path) -> None:
    pdf = make_loose_accent_pdf(
        tmp_path / "type3.pdf", [("Schlusselwörter", 4, 10), ("Ubliche Notation 25", 0, 19), ("Tonhohen", 4, 4)]
    )
    assert extract(pdf).pages[0].text == "Schlüsselwörter\nÜbliche Notation 25\nTonhöhen"


def test_pdfium_alone_leaves_the_accents_loose(tmp_path: Path) -> None:
    """What the test PDF reproduces: the accent glyph in the text flow, away from its letter."""
    import pypdfium2 as pdfium

    pdf = make_loose_accent_pdf(tmp_path / "type3.pdf", [("Schlusselwörter", 4, 10), ("Ubliche Notation 25", 0, 19)])
    document = pdfium.PdfDocument(pdf)
    assert document[0].get_textpage().get_text_range() == "Schlusselw ¨ örter\r\nUbliche Notation 25 ¨"
    document.close()


def test_type3_font_accents_are_rejoined(tmp_path: Path) -> None:
    """A real Type3 font, as TeX's bitmap fonts are: PDFium gives "Schlusselw ¨ örter" and "Ubliche Notation ¨"."""
    pdf = make_type3_accent_pdf(tmp_path / "type3.pdf", [("Schlusselwörter", 4, 10), ("Ubliche Notation", 0, 16)])
    assert extract(pdf).pages[0].text == "Schlüsselwörter\nÜbliche Notation"


def test_an_accent_over_no_letter_stays_as_drawn(tmp_path: Path) -> None:
    """Not dropped, not guessed onto a neighbour: an accent over the gap between two words stays visible."""
    pdf = make_type3_accent_pdf(tmp_path / "luecke.pdf", [("Preis  Wert", 6, 11)])
    assert extract(pdf).pages[0].text == "Preis Wert ¨"


def test_a_page_of_thousands_of_accents_keeps_pdfiums_text(tmp_path: Path) -> None:
    """Past MAX_ACCENTS the glyph lookups are skipped (a hostile file), the text stays as PDFium gives it."""
    from pdfmaker import Spec, make_pdf
    from qmarchive import accents

    lines = ["¨" * 100] * (accents.MAX_ACCENTS // 100 + 1)
    pdf = make_pdf(tmp_path / "viele.pdf", Spec(pages=[["Anfang", *lines]]))
    text = extract(pdf).pages[0].text
    assert text.startswith("Anfang\n" + "¨" * 100) and text.count("¨") == accents.MAX_ACCENTS + 100
