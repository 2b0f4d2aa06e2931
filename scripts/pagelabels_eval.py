"""Measure printed page labels, running heads and loose accents on real PDFs nobody here wrote.

The PDFs are German documentation from Debian packages; they are not in the repository (licences, size).
``scripts/pagelabels_expected.csv`` names each file by package, version and path inside the package and
gives the printed number of a sample of its pages, read by eye from the rendered page (empty: no number
printed, e.g. a title page). Get the files and run::

    cd /tmp && apt-get download debian-edu-doc-de lilypond-doc-pdf-de texlive-lang-german
    for f in *.deb; do dpkg-deb -x "$f" debs; done
    python scripts/pagelabels_eval.py /tmp/debs

Labels: the printed numbers are read from the text alone (``/PageLabels``, which some of these PDFs have,
are ignored here, so each PDF tests the reading); precision is the share of labels given that are right,
coverage the share of pages with a printed number that got it. With ``--heads`` the whole extraction runs
too, and for each PDF with ``/PageLabels`` it counts the pages whose body text still holds a running head
(an edge line of text with the page's label at one end) and the stray spacing accents left in body texts;
this part needs only ``qmarchive.extract``, so it runs against older versions of the package as well.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

import pypdf

from qmarchive import extract

EXPECTED = Path(__file__).with_name("pagelabels_expected.csv")
_ACCENTS = re.compile("[\u00a8\u00b4\u02c6\u02dc\u02c7\u00b8]")


def read_expected(path: Path) -> dict[str, dict[int, str]]:
    """File (path inside its package) → physical page → expected label ("" for none printed)."""
    expected: dict[str, dict[int, str]] = defaultdict(dict)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            expected[row["file"]][int(row["page"])] = row["expected"].strip()
    return expected


def printed(path: Path) -> list[str | None]:
    """The labels read from the printed numbers, as ``extract`` reads them, without ``/PageLabels``."""
    import pypdfium2 as pdfium

    from qmarchive import accents, pagelabels, textnorm

    document = pdfium.PdfDocument(path)
    texts = []
    for index in range(len(document)):
        textpage = document[index].get_textpage()
        texts.append(textnorm.clean_characters(accents.page_text(textpage)))
        textpage.close()
    document.close()
    return pagelabels.printed_labels(texts)


def score_labels(root: Path, expected: dict[str, dict[int, str]]) -> None:
    totals = defaultdict(int)
    print(f"{'file':<45} {'pages':>5} {'numbered':>8} {'labelled':>8} {'right':>5} {'wrong':>5}  vs /PageLabels")
    for file, pages in expected.items():
        path = root / file
        labels = printed(path)
        counts = defaultdict(int)
        for page, want in pages.items():
            got = labels[page - 1]
            counts["pages"] += 1
            counts["numbered"] += bool(want)
            counts["labelled"] += got is not None
            counts["right"] += got is not None and got == want
            counts["wrong"] += got is not None and got != want
        for key, value in counts.items():
            totals[key] += value
        declared = _declared(path)
        agreement = ""
        if declared:
            given = [(got, want) for got, want in zip(labels, declared) if got is not None]
            agreement = f"{sum(g == w for g, w in given)}/{len(given)} labelled of {len(labels)} pages agree"
        print(
            f"{Path(file).name:<45} {counts['pages']:>5} {counts['numbered']:>8} {counts['labelled']:>8} "
            f"{counts['right']:>5} {counts['wrong']:>5}  {agreement}"
        )
    precision = totals["right"] / totals["labelled"] if totals["labelled"] else 1.0
    coverage = totals["right"] / totals["numbered"] if totals["numbered"] else 1.0
    print(
        f"sample: {totals['pages']} pages, precision {precision:.3f}, coverage {coverage:.3f}, wrong {totals['wrong']}"
    )


def count_heads(root: Path, files: list[str]) -> None:
    print(f"{'file':<45} {'pages':>5} {'head in body':>12} {'stray accents':>13}")
    for file in files:
        path = root / file
        declared = _declared(path)
        if not declared:
            continue
        document = extract.extract(path)
        heads = sum(_has_head(page.text, label) for page, label in zip(document.pages, declared))
        accents = sum(len(_ACCENTS.findall(page.text)) for page in document.pages)
        print(f"{Path(file).name:<45} {document.page_count:>5} {heads:>12} {accents:>13}")


def _has_head(body: str, label: str) -> bool:
    """An edge line of the body with words and the page's label at one end ("Kapitel 3: Notensatz 25")."""
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    for line in lines[:2] + lines[-2:]:
        words = re.sub(r"\s*/\s*\d+$", "", line).split()  # "Handbuch … 3 / 98"
        if len(words) > 1 and label in (words[0], words[-1]) and re.search(r"[^\W\d_]{3,}", line):
            return True
    return False


def _declared(path: Path) -> list[str] | None:
    reader = pypdf.PdfReader(path)
    if "/PageLabels" not in reader.trailer["/Root"]:
        return None
    return list(reader.page_labels)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="directory the Debian packages were extracted into (dpkg-deb -x)")
    parser.add_argument("--expected", type=Path, default=EXPECTED, help="CSV of expected labels")
    parser.add_argument("--heads", action="store_true", help="also count running heads and stray accents in body text")
    parser.add_argument("--heads-only", action="store_true", help="only count running heads and stray accents")
    parser.add_argument("--also", nargs="*", default=[], help="more files (paths under ROOT) for --heads")
    args = parser.parse_args()
    expected = read_expected(args.expected)
    missing = [file for file in [*expected, *args.also] if not (args.root / file).is_file()]
    if missing:
        print(
            f"error: not found under {args.root}: {', '.join(missing)} (extract the packages named in {args.expected})",
            file=sys.stderr,
        )
        return 2
    if not args.heads_only:
        score_labels(args.root, expected)
    if args.heads or args.heads_only:
        count_heads(args.root, [*expected, *args.also])
    return 0


if __name__ == "__main__":
    sys.exit(main())
