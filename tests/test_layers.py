"""Content of optional-content layers hidden in the default view: left out of the text, and noted."""

from pathlib import Path

import pytest

from pdfmaker import Spec, add_hidden_layer, make_pdf
from qmarchive.extract import extract


@pytest.mark.parametrize("extractor", ["pdfium", "pypdf"])
def test_text_in_a_hidden_layer_is_left_out_and_noted(tmp_path: Path, extractor: str) -> None:
    pdf = make_pdf(tmp_path / "ebenen.pdf", Spec(pages=[["Sichtbarer Text"], ["Zweite Seite"]]))
    add_hidden_layer(pdf, 0, "Verborgener Entwurf", name="Entwurf 2019")
    doc = extract(pdf, extractor=extractor)
    assert [p.text for p in doc.pages] == ["Sichtbarer Text", "Zweite Seite"]
    assert doc.warnings == [
        "text in the optional-content layer 'Entwurf 2019' (hidden in the default view) left out on page(s) 1"
    ]


def test_a_damaged_layer_configuration_costs_the_layers_not_the_document(tmp_path: Path) -> None:
    import pypdf
    from pypdf.generic import NameObject, NumberObject

    pdf = make_pdf(tmp_path / "kaputt.pdf", Spec(pages=[["Sichtbarer Text"]]))
    add_hidden_layer(pdf, 0, "Verborgener Entwurf")
    writer = pypdf.PdfWriter(clone_from=pdf)
    writer.root_object[NameObject("/OCProperties")] = NumberObject(7)  # a number where a dictionary belongs
    writer.write(pdf)
    doc = extract(pdf)
    assert doc.pages[0].text == "Sichtbarer Text\nVerborgener Entwurf"
    assert doc.warnings == [
        "optional-content layers not read (ValueError: /OCProperties is not a dictionary but NumberObject); "
        "text of hidden layers, if any, is included"
    ]
