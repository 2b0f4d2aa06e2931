"""The bundled sample archive: what the README's first command ingests and serves."""

import subprocess
import sys
from pathlib import Path

import pytest

from qmarchive.catalog import read_catalog
from qmarchive.extract import extract
from qmarchive.paths import Paths
from qmarchive.serve import build_datasette

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "archive" / "samples"


def test_sample_archive_has_what_real_iheks_have() -> None:
    entries = read_catalog(SAMPLES / "catalog.csv")
    assert len(entries) >= 6
    assert {e.doc_type for e in entries} >= {"ihek", "abschlussplan", "broschuere"}
    assert min(e.period_start for e in entries) == 2010 and max(e.published[:4] for e in entries) == "2024"
    assert all(e.sha256 for e in entries)


async def test_demo_ingests_and_serves_german_search(samples: Paths) -> None:
    ds = build_datasette(samples.database)
    for query in [
        "Öffentlicher Raum",
        "Bewohner:innen",
        "Straße",
        "Klimaanpassungsmaßnahmen",
        "Mieterbeiratssprechstunde",
        "Einfluss",
    ]:
        found = (await ds.client.get("/qmarchive/pages.json", params={"_search": query})).json()[
            "filtered_table_rows_count"
        ]
        assert found, query
        hits = (await ds.client.get("/qmarchive/suche.json", params={"q": query, "_shape": "array"})).json()
        assert len(hits) == found, query
        assert all("<mark>" in hit["textauszug"] for hit in hits)


async def test_sample_pages_carry_labels_sections_and_text_flags(samples: Paths) -> None:
    ds = build_datasette(samples.database)

    async def page(page_id: str) -> dict:
        return (
            await ds.client.get(f"/qmarchive/pages/{page_id.replace('/', '~2F')}.json", params={"_shape": "objects"})
        ).json()["rows"][0]

    contents = await page("muster-ihek-2010/4")
    assert (contents["page_label"], contents["section"]) == ("iv", "Inhaltsverzeichnis")
    scan = await page("muster-ihek-2010/22")
    assert (scan["has_text_layer"], scan["ocr"], scan["page_label"]) == (0, 1, "18")
    assert "Maßnahmenliste 2010" in scan["text"]  # read by OCR
    body = await page("muster-ihek-2019-2021/17")
    assert "MUSTERDOKUMENT" in body["running_text"] and "MUSTERDOKUMENT" not in body["text"]
    assert "Balkonkonzerte" in body["text"]
    without_text = (
        await ds.client.get("/qmarchive/pages.json", params={"has_text_layer": 0, "_shape": "array", "_col": "id"})
    ).json()
    assert len(without_text) == 3


def test_samples_are_what_the_script_makes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_samples.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    made = {e.id: e for e in read_catalog(tmp_path / "catalog.csv")}
    shipped = {e.id: e for e in read_catalog(SAMPLES / "catalog.csv")}
    assert made.keys() == shipped.keys()
    for entry_id, entry in shipped.items():
        fresh = extract(made[entry_id].path(tmp_path))
        stored = extract(entry.path(SAMPLES))
        assert [p.text for p in fresh.pages] == [p.text for p in stored.pages], entry_id
        assert fresh.sections == stored.sections
