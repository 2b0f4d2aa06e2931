"""Compare qmarchive's text extractors with poppler's pdftotext on an archive.

For every catalogued PDF, each extractor's page text and pdftotext's (both through the same German
normalisation) are compared as bags of words; the script prints word precision, recall and F1 per
extractor (micro-averaged over all pages) and its speed. Needs `pdftotext` (Debian: poppler-utils).

    python scripts/extractor_f1.py [ARCHIVE_DIR]      # default: archive/samples
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qmarchive import german, textnorm
from qmarchive.catalog import read_catalog
from qmarchive.extract import EXTRACTORS, extract

_WORD = re.compile(r"\w+")


@dataclass
class Score:
    common: int = 0
    predicted: int = 0
    reference: int = 0
    pages: int = 0
    seconds: float = 0.0

    def add(self, predicted: Counter[str], reference: Counter[str]) -> None:
        self.common += sum((predicted & reference).values())
        self.predicted += sum(predicted.values())
        self.reference += sum(reference.values())
        self.pages += 1

    @property
    def precision(self) -> float:
        return self.common / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.common / self.reference if self.reference else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(german.fold(text)))


def pdftotext_pages(path: Path) -> list[str]:
    output = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    pages = output.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def full_text(body: str, running: str) -> str:
    return f"{running}\n{body}"


def main(archive: Path) -> None:
    if not shutil.which("pdftotext"):
        sys.exit("pdftotext not found: apt-get install poppler-utils")
    scores = {name: Score() for name in EXTRACTORS}
    for entry in read_catalog(archive / "catalog.csv"):
        path = entry.path(archive)
        if not path.is_file():
            continue
        reference = [full_text(p.body, p.running) for p in textnorm.normalise_pages(pdftotext_pages(path))]
        for name in EXTRACTORS:
            started = time.perf_counter()
            document = extract(path, extractor=name)
            scores[name].seconds += time.perf_counter() - started
            for page, ref in zip(document.pages, reference):
                scores[name].add(words(full_text(page.text, page.running_text)), words(ref))
    print(f"Archive: {archive} — reference: pdftotext (poppler), both sides normalised alike")
    print(f"{'extractor':<10} {'pages':>6} {'precision':>10} {'recall':>8} {'word-F1':>8} {'pages/s':>8}")
    for name, s in scores.items():
        rate = s.pages / s.seconds if s.seconds else 0.0
        print(f"{name:<10} {s.pages:>6} {s.precision:>10.4f} {s.recall:>8.4f} {s.f1:>8.4f} {rate:>8.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("archive/samples"))
