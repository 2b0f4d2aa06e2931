"""Measure search latency (FTS5, Whoosh, HTTP) on a synthetic German corpus of 20,000 (or more) pages.

    .venv/bin/python scripts/bench_search.py [--sizes 20000,100000] [--repeat 5] [--requests 160]

For each size, builds a database straight from generated page text (no PDFs): words drawn with their
frequencies in the sample archive's pages (a Zipf-like distribution) plus compounds made from its nouns,
in documents of 100 pages with years, types and topics; then the German terms in SQLite and, when Whoosh
is measured, the Whoosh index. Prints p50/p95 latency of rare, frequent, phrase, two-word, prefix and
field-filtered queries for the German FTS5 engine and Whoosh (top 10 with snippets and facets) and the
exact-word FTS5 search (top 20 with snippets), in wall and CPU time (CPU time is what a machine busy
with other work does not inflate), then starts ``qmarchive serve --workers N`` on 127.0.0.1 and sends a
fixed number of requests from 8 concurrent clients to ``/-/suche?q=…`` and ``/qmarchive/suche.json?q=…``:
p50/p95, the error count, the server's CPU time a request and the load average. The server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qmarchive import search, store, topics
from harness import child_server, cpu_seconds, process_tree
from qmarchive.search import best_pages, german_fts, german_terms

SAMPLES = ROOT / "archive" / "samples" / "pdf"
PAGES_PER_DOCUMENT = 100
WORDS_PER_PAGE = (150, 400)
CLIENTS = 8
_WORD = re.compile(r"[^\W\d_]{2,}")


def vocabulary() -> tuple[list[str], list[int]]:
    """Words of the sample PDFs with their counts, plus compounds of their nouns (rare, as in real text)."""
    import pypdfium2 as pdfium

    counts: Counter[str] = Counter()
    for path in sorted(SAMPLES.glob("*.pdf")):
        pdf = pdfium.PdfDocument(str(path))
        for page in pdf:
            counts.update(_WORD.findall(page.get_textpage().get_text_range()))
        pdf.close()
    nouns = [w for w, c in counts.most_common(600) if w[0].isupper() and len(w) > 4]
    rng = random.Random(7)
    for _ in range(3000):
        first, second = rng.sample(nouns, 2)
        counts[first + second.lower()] += 1
    words = list(counts)
    return words, [counts[w] for w in words]


def build_database(path: Path, size: int, words: list[str], weights: list[int]) -> None:
    rng = random.Random(size)
    db = store.open_database(path)
    topic_ids = [row["id"] for row in topics.topic_rows()]
    cumulative = list(_accumulate(weights))
    doc_types = ["ihek", "abschlussplan", "broschuere", "sonstiges"]
    with db.atomic():
        db["topics"].upsert_all(topics.topic_rows(), pk="id")
    for number in range(size // PAGES_PER_DOCUMENT):
        start = 2005 + number % 20
        document_id = f"dok-{number:05d}-{start}"
        pages, page_topics = [], []
        for page_number in range(1, PAGES_PER_DOCUMENT + 1):
            count = rng.randint(*WORDS_PER_PAGE)
            drawn = rng.choices(words, cum_weights=cumulative, k=count)
            lines = [" ".join(drawn[i : i + 12]) for i in range(0, count, 12)]
            text = "\n".join(lines)
            page_id = f"{document_id}/{page_number}"
            pages.append({
                "id": page_id, "document_id": document_id, "page_number": page_number,
                "page_label": str(page_number), "section": f"{1 + page_number // 10} {drawn[0]}",
                "text": text, "running_text": "", "chars": len(text),
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(), "has_text_layer": 1,
            })  # fmt: skip
            page_topics.extend({"page_id": page_id, "topic_id": t} for t in rng.sample(topic_ids, 2))
        document = {
            "id": document_id, "area": "Hellersdorfer Promenade", "title": f"Dokument {number} {rng.choice(words)}",
            "doc_type": doc_types[number % len(doc_types)], "period_start": start, "period_end": start + 2,
            "catalogued": 0, "file": f"pdf/{document_id}.pdf", "sha256": hashlib.sha256(document_id.encode()).hexdigest(),
            "bytes": 0, "page_count": PAGES_PER_DOCUMENT, "pages_without_text": 0, "pdf_encrypted": 0,
            "extractor": "synthetic", "extractor_version": "0", "extraction_version": "synthetic",
            "ingested_at": store.now(),
        }  # fmt: skip
        with db.atomic():
            db["documents"].insert(document)
            db["pages"].insert_all(pages)
            db["page_topics"].insert_all(page_topics)
    db.execute("ANALYZE")
    db.conn.close()


def _accumulate(values: list[int]):
    total = 0
    for value in values:
        total += value
        yield total


def queries(words: list[str], weights: list[int]) -> dict[str, list[str]]:
    """Query texts per kind, from the vocabulary: frequent words, rare ones, phrases, prefixes, filters."""
    ranked = [w for w, _ in sorted(zip(words, weights), key=lambda item: -item[1]) if len(w) > 4]
    frequent = ranked[5:15]
    rare = ranked[len(ranked) // 2 :: max(1, len(ranked) // 20)][:10]
    return {
        "rare": rare,
        "frequent": frequent,
        "phrase": [f'"{a} {b}"' for a, b in zip(frequent[:5], frequent[5:10])],
        "two words": [f"{a} {b}" for a, b in zip(frequent[:5], frequent[5:10])],
        "prefix": [w[:5] + "*" for w in ranked[20:30]],
        "filtered": [f"{w} typ:ihek" for w in frequent[:5]] + [f"{w} jahr:2019" for w in frequent[5:10]],
    }


def load_average() -> str:
    """The machine's 1/5/15-minute load: wall times on a shared machine are only as good as this."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def bench_engines(
    database: Path, index_dir: Path, kinds: dict[str, list[str]], repeat: int, engines: list[str]
) -> None:
    db = store.open_existing(database)
    pagelens = {"fts": 20, "whoosh": 10, "german": 10}
    for engine, pagelen in ((e, pagelens[e]) for e in engines):
        for kind, texts in kinds.items():
            text_for_engine = (
                [t.replace(" typ:ihek", "").replace(" jahr:2019", "") for t in texts] if engine == "fts" else texts
            )
            search.run(db, index_dir, text_for_engine[0], engine=engine, pagelen=pagelen)  # warm up
            samples, cpu, totals = [], [], []
            for _ in range(repeat):
                for text in text_for_engine:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    result = search.run(db, index_dir, text, engine=engine, pagelen=pagelen)
                    samples.append(time.perf_counter() - started)
                    cpu.append(time.process_time() - cpu_started)
                    totals.append(result.total)
            p50, p95 = percentiles(samples)
            cpu50, cpu95 = percentiles(cpu)
            note = " (FTS5: without the field filter)" if engine == "fts" and kind == "filtered" else ""
            print(f"  {engine:<6} top {pagelen:<2} {kind:<10} p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
                  f"(CPU {cpu50 * 1000:.1f} / {cpu95 * 1000:.1f} ms)  median hits {statistics.median_low(totals)}{note}")  # fmt: skip


def bench_http(archive: Path, index_dir: Path, kinds: dict[str, list[str]], requests: int, workers: int) -> None:
    texts = [t for texts in kinds.values() for t in texts]
    with child_server(archive, index_dir, workers=workers) as base:
        for path in ("/-/suche", "/qmarchive/suche.json"):
            with httpx.Client(base_url=base, timeout=30) as client:
                for text in texts[: workers * 2]:
                    client.get(path, params={"q": text})  # every worker has opened the index

                def one(i: int, path: str = path) -> tuple[float, bool]:
                    started = time.perf_counter()
                    try:
                        ok = client.get(path, params={"q": texts[i % len(texts)]}).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    return time.perf_counter() - started, ok

                server = [pid for pid in process_tree(os.getpid()) if pid != os.getpid()]
                cpu_before, started = cpu_seconds(server), time.perf_counter()
                with ThreadPoolExecutor(CLIENTS) as pool:
                    outcomes = list(pool.map(one, range(requests)))
                seconds = time.perf_counter() - started
                cpu = (cpu_seconds(server) - cpu_before) / requests
            p50, p95 = percentiles([s for s, _ in outcomes])
            errors = sum(1 for _, ok in outcomes if not ok)
            print(f"  HTTP {path:<22} {CLIENTS} clients, {workers} server processes, {requests} requests: "
                  f"p50 {p50 * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  errors {errors}  ({requests / seconds:.1f} req/s, "
                  f"server CPU {cpu * 1000:.0f} ms a request, load {load_average()})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="20000",
        help="corpus sizes in pages, comma-separated (default: 20000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="times each query is run per engine (default: 5)",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=160,
        help="HTTP requests per endpoint (default: 160)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes for the HTTP measurement (default: CPU count)",
    )
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurement")
    parser.add_argument(
        "--engines",
        default="german,whoosh,fts",
        help="engines to measure in-process, comma-separated (default: german,whoosh,fts)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="build in this directory and keep it (default: a temporary one)",
    )
    args = parser.parse_args()
    words, weights = vocabulary()
    kinds = queries(words, weights)
    print(f"vocabulary: {len(words)} words; queries: {kinds}")
    with tempfile.TemporaryDirectory(prefix="qmarchive-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            work = (args.keep or Path(tmp)) / f"pages-{size}"
            index_dir = work / "index"
            database = index_dir / "qmarchive.db"
            print(f"\n{size} pages")
            if not database.exists():
                started = time.perf_counter()
                build_database(database, size, words, weights)
                print(
                    f"  database built in {time.perf_counter() - started:.1f} s ({database.stat().st_size / 1e6:.0f} MB)"
                )
            db = store.open_existing(database)
            if german_terms.rebuild_reason(db):
                started = time.perf_counter()
                pages = german_terms.rebuild(db)
                seconds = time.perf_counter() - started
                size = db.execute(
                    "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'pages_german%' OR name LIKE 'lexicon%' OR name = 'idx_lexicon_stem'"
                ).fetchone()[0]
                print(
                    f"  German terms built in {seconds:.1f} s ({pages / seconds:.0f} pages/s, {size / 1e6:.0f} MB with the lexicon)"
                )
            if best_pages.is_stale(db):
                listed = best_pages.refresh(db, german_fts.word_expressions(db))
                listed_bytes = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'best_pages%'").fetchone()[0]
                print(
                    f"  best pages listed for {listed.lists} frequent words in {listed.seconds:.1f} s ({listed_bytes / 1e6:.1f} MB)"
                )
            db.conn.close()
            if "whoosh" in args.engines.split(",") and search.rebuild_reason(index_dir):
                started = time.perf_counter()
                report = search.rebuild(store.open_existing(database), index_dir)
                seconds = time.perf_counter() - started
                print(f"  Whoosh index built in {seconds:.1f} s ({report.pages / seconds:.0f} pages/s)")
            print(f"  load average before measuring: {load_average()}")
            bench_engines(database, index_dir, kinds, args.repeat, args.engines.split(","))
            if not args.no_http:
                bench_http(work / "archive", index_dir, kinds, args.requests, args.workers)


if __name__ == "__main__":
    main()
