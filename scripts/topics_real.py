"""Handlungsfeld tagging on real German text nobody here wrote: how often pages that are not about a field get it.

The pages come from German documentation PDFs in Debian packages (manuals, guides). They are extracted
with the archive's own pipeline (qmarchive.extract), so the tagger sees what an ingest would store.
tests/topic_labels_real.csv names each hand-labelled page by package, version, file and physical page,
with the topic ids the page treats (almost always none: these are the negatives that matter) and a note.

Fetch and unpack the packages first (the versions in the labels file; another version may paginate
differently and is refused):

    cd /tmp && mkdir -p real && cd real && apt-get download PACKAGE... && for f in *.deb; do dpkg-deb -x $f x; done
    python scripts/topics_real.py /tmp/real/x [--labels CSV] [--errors] [--scan]

--scan tags every page of the labelled files (not only the labelled pages) and prints the pages tagged
per topic, for finding pages to label.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

from qmarchive import topics
from qmarchive.extract import extract

LABELS = Path(__file__).parent.parent / "tests" / "topic_labels_real.csv"


def read_labels(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def page_texts(root: Path, file: str) -> list[tuple[str, str | None]]:
    """Every page's (text, section) of one PDF, as an ingest would store them."""
    path = root / file
    if not path.is_file():
        sys.exit(f"{path}: missing; unpack the package named in {LABELS.name} under {root}")
    return [(page.text, page.section) for page in extract(path).pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="directory the packages were unpacked into (dpkg-deb -x PKG.deb ROOT)")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--errors", action="store_true", help="list every labelled page where tags and labels differ")
    parser.add_argument(
        "--scan", action="store_true", help="tag every page of the labelled files and list the tagged ones"
    )
    args = parser.parse_args()

    labels = read_labels(args.labels)
    files = sorted({row["file"] for row in labels})
    texts = {file: page_texts(args.root, file) for file in files}
    for row in labels:
        if int(row["page"]) > len(texts[row["file"]]):
            sys.exit(f"{args.labels}: {row['file']} has no page {row['page']}; is it version {row['version']}?")

    ids = [t.id for t in topics.lexicon().topics]
    if args.scan:
        tagged: dict[str, list[str]] = defaultdict(list)
        pages = 0
        for file, pages_of_file in texts.items():
            for number, (text, section) in enumerate(pages_of_file, start=1):
                pages += 1
                for topic_id in topics.tag_page(text, section):
                    tagged[topic_id].append(f"{file}:{number}")
        print(f"Lexicon v{topics.LEXICON_VERSION}: {pages} pages of {len(files)} files")
        for topic_id in ids:
            print(f"{topic_id:<28} {len(tagged[topic_id]):>5} pages  {' '.join(tagged[topic_id])}")
        return

    tp, fp, fn, negatives, clean = Counter(), Counter(), Counter(), Counter(), Counter()
    untouched_pages = negative_pages = 0
    errors = []
    for row in labels:
        text, section = texts[row["file"]][int(row["page"]) - 1]
        gold, predicted = set(row["topics"].split()), set(topics.tag_page(text, section))
        unknown = gold - set(ids)
        if unknown:
            sys.exit(f"{args.labels}: {row['file']} page {row['page']}: unknown topic {sorted(unknown)[0]}")
        if not gold:
            negative_pages += 1
            untouched_pages += not predicted
        for topic_id in ids:
            if topic_id not in gold:
                negatives[topic_id] += 1
                clean[topic_id] += topic_id not in predicted
            if topic_id in gold and topic_id in predicted:
                tp[topic_id] += 1
            elif topic_id in predicted:
                fp[topic_id] += 1
                errors.append((row, "tagged, not labelled", topic_id))
            elif topic_id in gold:
                fn[topic_id] += 1
                errors.append((row, "labelled, not tagged", topic_id))

    print(
        f"Lexicon v{topics.LEXICON_VERSION}; {len(labels)} hand-labelled real pages from {len(files)} files "
        f"({args.labels.name}); {negative_pages} treat no field"
    )
    print(f"{'topic':<28} {'labelled':>8} {'tagged':>7} {'precision':>10} {'untagged when not about it':>28}")
    for topic_id in ids:
        tags = tp[topic_id] + fp[topic_id]
        precision = f"{tp[topic_id] / tags:.3f}" if tags else "–"
        print(
            f"{topic_id:<28} {tp[topic_id] + fn[topic_id]:>8} {tags:>7} {precision:>10} "
            f"{clean[topic_id] / negatives[topic_id]:>28.3f}"
        )
    tags = sum(tp.values()) + sum(fp.values())
    precision = f"{sum(tp.values()) / tags:.3f}" if tags else "–"
    print(
        f"{'all topics':<28} {sum(tp.values()) + sum(fn.values()):>8} {tags:>7} {precision:>10} "
        f"{sum(clean.values()) / sum(negatives.values()):>28.3f}"
    )
    print(
        f"Pages about no field that get no tag at all: {untouched_pages}/{negative_pages} = "
        f"{untouched_pages / negative_pages:.3f}"
    )
    if args.errors:
        for row, kind, topic_id in errors:
            text, _ = texts[row["file"]][int(row["page"]) - 1]
            evidence = topics.cue_evidence(topic_id, text)
            print(f"{row['file']}:{row['page']:<5} {kind:<22} {topic_id:<26} cues (strong, weak): {evidence}")


if __name__ == "__main__":
    main()
