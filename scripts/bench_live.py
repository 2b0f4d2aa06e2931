"""What serving a changing archive costs: Datasette's pages with the database mutable (read-only, WAL)
against immutable, and Whoosh searches read without memory maps against mapped.

    .venv/bin/python scripts/bench_live.py [--pages 20000] [--repeat 15] [--keep DIR]

Builds the synthetic corpus of scripts/bench_search.py (words drawn as in the sample archive, 100 pages
per document) and its Whoosh index, then prints the median and 90th percentile in milliseconds of:
Datasette's index page, database page, the pages table (HTML and JSON) and a row page, requested
in-process through ``datasette.client`` from a Datasette opened immutable and one opened as
``qmarchive serve`` opens it now; and the search of each query kind of bench_search.py, run on a
searcher opened with memory maps and one without.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_search  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.index import FileIndex  # noqa: E402

from qmarchive import search, serve, store  # noqa: E402
from qmarchive.search import lifecycle, query  # noqa: E402

PAGES = ("/", "/qmarchive", "/qmarchive/pages", "/qmarchive/pages.json?_size=50", "/qmarchive/pages/{row}")


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms, p90 {p90 * 1000:7.1f} ms"


async def time_pages(datasette, row: str, repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    await datasette.invoke_startup()
    for page in PAGES:
        url = page.format(row=row)
        response = await datasette.client.get(url)  # warm-up
        assert response.status_code == 200, (url, response.status_code)
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = await datasette.client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        times[page] = samples
    return times


def bench_datasette(database: Path, repeat: int) -> None:
    from datasette.app import Datasette

    row = "dok-00000-2005~2F1"
    immutable = Datasette(immutables=[str(database)], metadata=serve.metadata(), settings=serve.SETTINGS)
    mutable = serve.build_datasette(database)
    results = {}
    for name, datasette in (("immutable", immutable), ("mutable (now)", mutable)):
        results[name] = asyncio.run(time_pages(datasette, row, repeat))
    print("  Datasette pages (in-process):")
    for page in PAGES:
        for name, times in results.items():
            print(f"    {page:32} {name:14} {summary(times[page])}")


def bench_whoosh(index_dir: Path, repeat: int, kinds: dict[str, list[str]]) -> None:
    generation = str(lifecycle.current_generation(index_dir))
    opened = {
        "mmap": whoosh_index.open_dir(generation),
        "no mmap (now)": FileIndex(FileStorage(generation, supports_mmap=False, readonly=True)),
    }
    print("  Whoosh searches (top 10, facets; hits not fetched from the database):")
    for kind, texts in kinds.items():
        for name, ix in opened.items():
            with ix.searcher() as searcher:
                samples = []
                for _ in range(repeat):
                    for text in texts:
                        started = time.perf_counter()
                        query._run(searcher, text, query.parse(searcher.schema, text), {}, 1, 10)
                        samples.append(time.perf_counter() - started)
            print(f"    {kind:10} {name:14} {summary(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000, help="corpus size in pages (default: 20000)")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each request or query (default: 15)")
    parser.add_argument("--keep", type=Path, help="build in this directory and keep it (default: a temporary one)")
    args = parser.parse_args()
    words, weights = bench_search.vocabulary()
    kinds = bench_search.queries(words, weights)
    with tempfile.TemporaryDirectory(prefix="qmarchive-bench-live-") as tmp:
        index_dir = (args.keep or Path(tmp)) / f"pages-{args.pages}" / "index"
        database = index_dir / "qmarchive.db"
        if not database.exists():
            bench_search.build_database(database, args.pages, words, weights)
        if search.rebuild_reason(index_dir):
            search.rebuild(store.open_existing(database), index_dir)
        print(f"{args.pages} pages, database {database.stat().st_size / 1e6:.0f} MB")
        bench_datasette(database, args.repeat)
        bench_whoosh(index_dir, args.repeat, kinds)


if __name__ == "__main__":
    main()
