import unicodedata

import pytest

from qmarchive.german import fold
from qmarchive.textnorm import PageText, clean_characters, dehyphenate, normalise_pages, split_running_lines


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("F¨ur die Gr¨unfl¨ache", "Für die Grünfläche"),  # pypdf: loose accents before their letter
        ("F ¨ur", "F ür"),
        ("Caf´e", "Café"),
        ("Be/f_inanzierung und /uniFB02ach", "Befinanzierung und ﬂach".replace("ﬂ", "fl")),  # pypdf glyph names
        ("ﬁnanziert, Einﬂuss, ﬀ", "finanziert, Einfluss, ff"),  # ligatures
        ("Zeile\r\nZeile\rZeile", "Zeile\nZeile\nZeile"),  # PDFium line ends
        ("a\x00b\x07c\ufeffd\u200be", "abcde"),  # control and invisible characters
        ("Stadt\u00adteil", "Stadtteil"),  # soft hyphen inside a line
        ("100\u00a0m² und 5\u202f%", "100 m² und 5 %"),  # odd spaces folded, superscript kept
        ("\uf0b7 Punkt", "• Punkt"),  # private-use bullet
        ("u\u0308ber", "über"),  # NFC
    ],
)
def test_clean_characters(raw: str, clean: str) -> None:
    assert clean_characters(raw) == clean


def test_page_number_swallowed_by_a_hyphenated_last_line_is_split_off() -> None:
    assert clean_characters("Kinder- und Jugendar\ufffe6") == "Kinder- und Jugendar\ufffe\n6"
    assert clean_characters("U\ufffeBahnhof") == "U\ufffeBahnhof"
    pages = normalise_pages([f"Kopf\nText {w} und Jugendar\ufffe{n}" for n, w in enumerate(WORDS, 1)])
    assert pages[0] == PageText(body="Text Spielplatz und Jugendar-", running="Kopf\n1")


def test_soft_hyphen_at_line_end_becomes_the_line_end_hyphen_marker() -> None:
    assert clean_characters("Stadt\u00ad\nteil") == "Stadt\ufffeteil"


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("Die Bewoh-\nnerschaft zieht", "Die Bewohnerschaft zieht"),
        ("mit KOMA-\nScript gesetzt", "mit KOMA-Script gesetzt"),
        ("die Kinder-\nund Jugendarbeit", "die Kinder- und Jugendarbeit"),
        ("Bildungs-\noder Kulturarbeit", "Bildungs- oder Kulturarbeit"),
        ("die U3-\nBetreuung", "die U3-Betreuung"),
        ("von 2019-\n2021", "von 2019-2021"),
        ("Klimaanpassungs-\n  maßnahmen", "Klimaanpassungsmaßnahmen"),
        ("kein Bindestrich -\nhier", "kein Bindestrich -\nhier"),
        (
            "PDFium: Bewoh\ufffenerschaft, KOMA\ufffeScript, Kinder\ufffeund",
            "PDFium: Bewohnerschaft, KOMA-Script, Kinder- und",
        ),
        ("Rest\ufffe", "Rest-"),
    ],
)
def test_dehyphenate(text: str, joined: str) -> None:
    assert dehyphenate(text) == joined


def test_dehyphenate_keeps_compounds_the_document_writes_with_hyphen() -> None:
    assert dehyphenate("das Kita-\nausbau-Programm", keep_hyphen={"kita-ausbau"}) == "das Kita-ausbau-Programm"
    assert dehyphenate("das Kita-\nausbau-Programm") == "das Kitaausbau-Programm"


WORDS = ["Spielplatz", "Nachbarschaft", "Grünfläche", "Quartiersrat", "Stadtteilbüro", "Kita"]


def test_running_headers_and_page_numbers_are_kept_apart() -> None:
    pages = [
        f"IHEK 2019–2021 · Hellersdorfer Promenade\nÜber {w}\nmehr zu {w}\n{n}" for n, w in enumerate(WORDS[:5], 1)
    ]
    pages.append("")
    split = split_running_lines(pages)
    assert split[0] == PageText(
        body="Über Spielplatz\nmehr zu Spielplatz", running="IHEK 2019–2021 · Hellersdorfer Promenade\n1"
    )
    assert split[-1] == PageText(body="", running="")


def test_only_lines_at_the_page_edges_are_running_text() -> None:
    pages = [f"Kopf\n{w} oben\nWiederholt\nWiederholt\n{w} unten\nSeite {n} von 6" for n, w in enumerate(WORDS, 1)]
    split = split_running_lines(pages)
    assert split[0].body == "Spielplatz oben\nWiederholt\nWiederholt\nSpielplatz unten"
    assert split[0].running == "Kopf\nSeite 1 von 6"


def test_short_documents_only_lose_bare_page_numbers() -> None:
    split = split_running_lines(["Titel\nText\n- 1 -", "Titel\nText\nii"])
    assert [p.body for p in split] == ["Titel\nText", "Titel\nText"]


def test_normalise_pages_is_the_whole_pipeline() -> None:
    raw = [
        f"Kopfzeile\r\nDie Bewoh\ufffenerschaft  am {w}\r\n\r\n\r\n\r\nEnde {w}\r\n{n}"
        for n, w in enumerate(WORDS[:3], 1)
    ]
    assert normalise_pages(raw)[0] == PageText(
        body="Die Bewohnerschaft am Spielplatz\n\nEnde Spielplatz", running="Kopfzeile\n1"
    )


def test_fold_folds_compatibility_characters() -> None:
    assert fold("Fläche 100 m² CO₂ STRASSE") == "fläche 100 m2 co2 strasse"


def test_every_space_separator_ligature_and_full_width_form_is_folded() -> None:
    typography = [
        chr(code)
        for code in range(0x110000)
        if (unicodedata.category(chr(code)) == "Zs" and code != 0x20)
        or 0xFB00 <= code <= 0xFB06
        or 0xFF01 <= code <= 0xFF5E
    ]
    for ch in typography:
        assert clean_characters(f"a{ch}b") == unicodedata.normalize("NFKC", f"a{ch}b"), hex(ord(ch))


def test_heads_that_change_with_the_chapter_are_running_text_by_position_and_repetition() -> None:
    """Four chapters of three pages: each head is on too few pages for the document-wide rule."""
    chapters = ["Wohnen", "Bildung", "Beteiligung", "Grün"]
    heads = [f"Kapitel {n // 3 + 1}: {chapters[n // 3]} {n + 1}" for n in range(12)]
    pages = [f"{head}\n{w} im Text {n}\nmehr zu {w}" for n, (head, w) in enumerate(zip(heads, WORDS * 2))]
    split = split_running_lines(pages)
    assert [p.running for p in split] == heads
    assert split[5].body == "Kita im Text 5\nmehr zu Kita"


def test_a_line_with_the_page_number_needs_one_neighbour_and_a_lone_heading_stays() -> None:
    pages = ["Kapitel Wohnen 7\nText eins", "Kapitel Wohnen 8\nText zwei", "9 Fazit und Ausblick\nText drei"]
    assert [p.running for p in split_running_lines(pages)] == ["", "", ""]
    split = split_running_lines(pages, ["7", "8", "9"])
    assert [p.running for p in split] == ["Kapitel Wohnen 7", "Kapitel Wohnen 8", ""]


def test_a_word_broken_across_pages_is_joined_for_search_only() -> None:
    pages = normalise_pages(["Erstens gilt die Defi-", "nition des Gebiets.", "Zweitens die KOMA-", "Script-Klasse"])
    assert [(p.body, p.continuation) for p in pages] == [
        ("Erstens gilt die Defi-", "Definition"),
        ("nition des Gebiets.", ""),
        ("Zweitens die KOMA-", ""),
        ("Script-Klasse", ""),
    ]
