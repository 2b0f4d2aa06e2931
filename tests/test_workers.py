"""The extraction pool: results in completion order, a stuck worker replaced, a PDFium crash recovered by pypdf."""

from __future__ import annotations

from pathlib import Path

import hostile
import pytest

from qmarchive.workers import Pool, Task

pytestmark = pytest.mark.slow


def test_results_and_failures_come_back_and_the_pool_survives_a_timeout(tmp_path: Path) -> None:
    good = hostile.good(tmp_path / "gut.pdf")
    slow = tmp_path / "langsam.pdf"
    slow.write_bytes(hostile.slow_page())
    empty = tmp_path / "leer.pdf"
    empty.write_bytes(b"")
    tasks = [Task(name, path, "pdfium", None) for name, path in [("langsam", slow), ("leer", empty), ("gut", good)]]
    with Pool(1, timeout=10.0) as pool:
        outcomes = {o.task.key: o for o in pool.map(tasks)}
        assert outcomes["langsam"].error.error_class == "time-limit"
        assert outcomes["leer"].error.error_class == "not-a-pdf"
        assert outcomes["gut"].document.page_count == 2
        assert outcomes["gut"].page_topics is not None
        again = list(pool.map([Task("nochmal", good, "pdfium", None)]))  # a fresh worker took over
    assert again[0].document.pages[0].text.endswith("Quartiersrat tagt im Stadtteilbüro")


def test_pdfium_crash_gives_pypdf_its_chance(tmp_path: Path) -> None:
    bomb = tmp_path / "bombe.pdf"
    bomb.write_bytes(hostile.decompression_bomb())
    # PDFium aborts (SIGABRT) when it cannot allocate the inflated stream under the memory limit.
    with Pool(1, timeout=20, memory_mb=400) as pool:
        [outcome] = pool.map([Task("bombe", bomb, "pdfium", None)])
    assert outcome.error is None
    assert outcome.document.extractor == "pypdf"
    assert "PDFium crashed on this file (SIGABRT); text extracted with pypdf instead" in outcome.document.warnings
    assert any(w.startswith("suspicious empty output: page 1") for w in outcome.document.warnings)
