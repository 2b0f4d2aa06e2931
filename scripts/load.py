"""Load test of ``qmarchive serve``: N concurrent clients send a fixed number of requests to 127.0.0.1.

The requests mix German searches on /-/suche (with filters and further result pages), page rows,
citations (/-/zitat, also as BibTeX) and PDF downloads (/-/pdf), drawn with a fixed seed. The report
gives the throughput, p50/p95/p99 and the errors for each kind. With --runaway, one client sends a SQL
query that never ends, again and again, for the whole run: Datasette's sql_time_limit_ms stops each
one, and the other requests are answered meanwhile.

    .venv/bin/python scripts/load.py                                   # the sample archive, 16 clients, 2,000 requests
    .venv/bin/python scripts/load.py --workers 2 --runaway             # two server processes, beside a runaway query
    .venv/bin/python scripts/load.py --url http://127.0.0.1:8001         # a server already running here
    .venv/bin/python scripts/load.py --url … --clients 8 --kinds suche   # only the search page

Without --url the sample archive is built into a temporary directory and served by a child process.
Only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from harness import child_server

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
QUERIES = [
    "Spielplatz", "Bewohner:innen", "Quartiersrat", "Öffentlicher Raum", "Kita*", "Klimaanpassung",
    '"Soziale Stadt"', "Stadtteilzentrum jahr:2019", "Nachbarschaft ODER Integration", "Grünflächen",
    "Beteiligung NICHT Jugend", "Straße", "Bildung typ:ihek", "Aktionsfonds", "Spielplatzsanierung",
    "Gesundheit und Bewegung", "Verstetigung", "Hellersdorfer Promenade", "Wohnumfeld", "Jugendarbeit",
]  # fmt: skip
SEARCH_EXTRAS = ["", "", "&feld=bildung", "&typ=ihek", "&seite=2", "&jahr=2021"]
MIX = {"suche": 40, "seite": 25, "zitat": 20, "pdf": 15}  # percent of the requests
RUNAWAY_SQL = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"


@dataclass
class Outcome:
    kind: str
    seconds: float
    error: str | None  # None: answered as expected


@dataclass
class Report:
    clients: int
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)
    runaway: list[Outcome] = field(default_factory=list)

    def errors(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = defaultdict(list)
        for outcome in self.outcomes + self.runaway:
            if outcome.error:
                found[outcome.kind].append(outcome.error)
        return dict(found)

    def lines(self) -> list[str]:
        rate = len(self.outcomes) / self.seconds if self.seconds else 0.0
        lines = [f"{len(self.outcomes)} requests from {self.clients} clients in {self.seconds:.1f} s: {rate:.1f} requests/s",
                 f"{'kind':<8} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"]  # fmt: skip
        by_kind: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            by_kind[outcome.kind].append(outcome)
        for kind, outcomes in [*sorted(by_kind.items()), ("all", self.outcomes), ("runaway", self.runaway)]:
            if not outcomes:
                continue
            times = sorted(o.seconds * 1000 for o in outcomes)
            errors = sum(1 for o in outcomes if o.error)
            p50, p95, p99 = (percentile(times, p) for p in (50, 95, 99))
            lines.append(f"{kind:<8} {len(outcomes):>6} {errors:>6} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}")
        for kind, messages in self.errors().items():
            lines.append(f"errors ({kind}): {sorted(set(messages))[:5]}")
        return lines


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ordered list."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def plan(
    client: httpx.AsyncClient, total: int, seed: int = 2027, kinds: list[str] | None = None
) -> list[tuple[str, str]]:
    """``total`` requests (kind, path) in the mix above (only ``kinds`` of it, if given), over the pages and
    documents the server holds."""
    mix = {kind: share for kind, share in MIX.items() if kinds is None or kind in kinds}
    response = await client.get(
        "/qmarchive.json", params={"sql": "select document_id, page_number from pages", "_shape": "array"}
    )
    response.raise_for_status()
    pages = [(row["document_id"], row["page_number"]) for row in response.json()]
    draw = random.Random(seed)
    requests = []
    for kind in draw.choices(list(mix), weights=list(mix.values()), k=total):
        document, number = draw.choice(pages)
        if kind == "suche":
            path = f"/-/suche?q={quote(draw.choice(QUERIES))}{draw.choice(SEARCH_EXTRAS)}"
        elif kind == "seite":
            path = f"/qmarchive/pages/{document}~2F{number}"
        elif kind == "zitat":
            path = f"/-/zitat/{document}/{number}" + draw.choice(["", "", ".bib"])
        else:
            path = f"/-/pdf/{document}"
        requests.append((kind, path))
    return requests


async def fetch(client: httpx.AsyncClient, kind: str, path: str) -> Outcome:
    started = time.perf_counter()
    try:
        response = await client.get(path)
        if response.status_code != 200:
            error = f"HTTP {response.status_code} {path}"
        elif kind == "pdf" and not response.content.startswith(b"%PDF-"):
            error = f"not a PDF: {path}"
        else:
            error = None
    except httpx.HTTPError as e:
        error = f"{type(e).__name__} {path}"
    return Outcome(kind, time.perf_counter() - started, error)


async def runaway_queries(client: httpx.AsyncClient, done: asyncio.Event) -> list[Outcome]:
    """The never-ending query, sent again each time the time limit stops it, until the run is over."""
    outcomes = []
    while not done.is_set():
        started = time.perf_counter()
        try:
            response = await client.get("/qmarchive.json", params={"sql": RUNAWAY_SQL})
            stopped = response.status_code == 400 and "took too long" in response.json().get("error", "")
            error = None if stopped else f"not stopped: HTTP {response.status_code}"
        except httpx.HTTPError as e:
            error = type(e).__name__
        outcomes.append(Outcome("runaway", time.perf_counter() - started, error))
    return outcomes


async def run(base: str, requests: list[tuple[str, str]], clients: int = 16, runaway: bool = False) -> Report:
    """Send the requests from ``clients`` concurrent clients, each taking the next one until none are left."""
    if urlsplit(base).hostname != HOST:
        raise ValueError(f"{base}: the load test only targets {HOST}")
    queue = iter(requests)
    outcomes: list[Outcome] = []
    limits = httpx.Limits(max_connections=clients + 1)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def worker() -> None:
            for kind, path in queue:
                outcomes.append(await fetch(client, kind, path))

        done = asyncio.Event()
        background = asyncio.create_task(runaway_queries(client, done)) if runaway else None
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        seconds = time.perf_counter() - started
        done.set()
        stopped = await background if background else []
    return Report(clients, seconds, outcomes, stopped)


async def measure(base: str, total: int, clients: int, runaway: bool, kinds: list[str] | None = None) -> Report:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        requests = await plan(client, total, kinds=kinds)
    return await run(base, requests, clients, runaway)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help=f"a running qmarchive serve on {HOST} (default: serve the sample archive)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    parser.add_argument("--requests", type=int, default=2000, help="requests in all (default: 2000)")
    parser.add_argument("--runaway", action="store_true", help="run a never-ending SQL query all the while")
    parser.add_argument("--workers", type=int, default=1, help="server processes when serving the samples (default: 1)")
    parser.add_argument(
        "--kinds",
        help=f"only these kinds of request, comma-separated (default: all of {','.join(MIX)}); a synthetic "
        "archive without PDF files, as bench_search.py builds, is measured without pdf",
    )
    args = parser.parse_args()
    kinds = args.kinds.split(",") if args.kinds else None
    if kinds and not set(kinds) <= set(MIX):
        parser.error(f"--kinds: unknown {sorted(set(kinds) - set(MIX))}; the kinds are {', '.join(MIX)}")
    if args.url:
        report = asyncio.run(measure(args.url.rstrip("/"), args.requests, args.clients, args.runaway, kinds))
    else:
        with tempfile.TemporaryDirectory() as index:
            command = [
                sys.executable,
                "-m",
                "qmarchive",
                "--archive",
                str(ROOT / "archive"),
                "--index",
                index,
                "demo",
                "--no-serve",
            ]
            subprocess.run(command, check=True, capture_output=True)
            with child_server(ROOT / "archive" / "samples", Path(index) / "samples", workers=args.workers) as base:
                report = asyncio.run(measure(base, args.requests, args.clients, args.runaway, kinds))
    print("\n".join(report.lines()))
    sys.exit(1 if report.errors() else 0)


if __name__ == "__main__":
    main()
