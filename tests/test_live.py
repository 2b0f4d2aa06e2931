"""A served archive that changes: `qmarchive serve --workers 2` answers real HTTP while `ingest` and
`index` run beside it, as archivists work while researchers read."""

from __future__ import annotations

import csv
import json
import sqlite3
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from conftest import BODIES
from pdfmaker import Spec, make_pdf, running_pages
from qmarchive.paths import Paths
from harness import child_server

pytestmark = pytest.mark.slow

QUERIES = ("Spielplatz", "Beteiligung", "Quartiersrat", "Zaunkönigweg")
PAGELEN = 20
NEW_ID = "zaunkoenigweg-2024"
RETITLED = "muster-ihek-2013-2014"


@pytest.fixture
def live(samples: Paths, tmp_path: Path) -> Paths:
    """A private copy of the built sample archive, free to change."""
    paths = Paths(tmp_path / "archive", tmp_path / "index")
    shutil.copytree(samples.archive, paths.archive)
    shutil.copytree(samples.index, paths.index)
    return paths


def qmarchive(paths: Paths, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "qmarchive", "--archive", str(paths.archive), "--index", str(paths.index), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def cli_hits(paths: Paths, query: str) -> list[str]:
    result = qmarchive(paths, "search", "--json", "-n", "1000", query)
    assert result.returncode == 0, result.stderr
    return [hit["page_id"] for hit in json.loads(result.stdout)]


def add_document(paths: Paths, document_id: str, street: str) -> None:
    """A new PDF in the archive and its catalog row."""
    bodies = [*BODIES, ["Zaunkönigweg", f"Am {street} entsteht ein Nachbarschaftsgarten mit Spielplatz."]]
    make_pdf(paths.archive / "pdf" / f"{document_id}.pdf", Spec(pages=running_pages(bodies), title="Zaunkönigweg"))
    header = next(csv.reader(paths.catalog.open(encoding="utf-8", newline="")))
    row = {
        "id": document_id,
        "title": "Zaunkönigweg: Nachbarschaftsgarten",
        "doc_type": "broschuere",
        "area": "Hellersdorfer Promenade",
        "place": "Berlin",
        "period_start": "2024",
        "period_end": "2024",
        "published": "2024-05-01",
        "publisher": "Quartiersmanagement",
        "file": f"pdf/{document_id}.pdf",
    }
    with paths.catalog.open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=header, restval="").writerow(row)


def retitle(paths: Paths, document_id: str, title: str) -> None:
    rows = list(csv.DictReader(paths.catalog.open(encoding="utf-8", newline="")))
    for row in rows:
        if row["id"] == document_id:
            row["title"] = title
    with paths.catalog.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


class Poller(threading.Thread):
    """A reader that never stops: every query paged 20 at a time, table rows, a row page and a PDF."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=base, timeout=30)
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.duplicates: list[str] = []
        self.requests = 0

    def get(self, url: str, **params) -> httpx.Response | None:
        self.requests += 1
        try:
            response = self.client.get(url, params=params)
        except httpx.HTTPError as exc:
            self.errors.append(f"{url} {params}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code >= 400:
            self.errors.append(f"{url} {params}: {response.status_code} {response.text[:200]}")
            return None
        return response

    def run(self) -> None:
        while not self.stop.is_set():
            for query in QUERIES:
                page = pages = 1
                while page <= pages and not self.stop.is_set():
                    response = self.get("/-/suche.json", q=query, n=PAGELEN, seite=page)
                    if response is None:
                        break
                    data = response.json()
                    ids = Counter(hit["page_id"] for hit in data["hits"])
                    self.duplicates.extend(f"{query} p{page}: {i}" for i, n in ids.items() if n > 1)
                    pages = data["pages"]
                    page += 1
            self.get("/qmarchive/pages.json", _size=PAGELEN)
            self.get("/qmarchive/pages/muster-ihek-2010~2F1.json")
            self.get("/qmarchive/documents.json")
            self.get(f"/-/pdf/{RETITLED}")

    def __enter__(self) -> Poller:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.join(60)
        self.client.close()


def served_hits(base: str, query: str) -> tuple[int, list[str]]:
    """A query's total and all its hits, paged 20 at a time as a reader would."""
    ids: list[str] = []
    page, pages, total = 1, 1, 0
    while page <= pages:
        data = httpx.get(f"{base}/-/suche.json", params={"q": query, "n": PAGELEN, "seite": page}, timeout=30).json()
        total, pages = data["total"], data["pages"]
        ids.extend(hit["page_id"] for hit in data["hits"])
        page += 1
    return total, ids


def assert_converges(base: str, paths: Paths, seconds: float = 5.0) -> None:
    """Within ``seconds`` of a command's end, the server answers every query as `qmarchive search` does."""
    expected = {query: cli_hits(paths, query) for query in QUERIES}
    deadline = time.monotonic() + seconds
    while True:
        served = {query: served_hits(base, query) for query in QUERIES}
        if all(served[q] == (len(expected[q]), expected[q]) for q in QUERIES):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"after {seconds} s the server still answers {served}, the CLI {expected}")
        time.sleep(0.2)


def test_a_served_archive_changes_under_readers_without_errors_duplicates_or_restart(live: Paths) -> None:
    with child_server(live.archive, live.index, workers=2) as base:
        assert_converges(base, live)
        assert httpx.get(f"{base}/-/pdf/{NEW_ID}").status_code == 404
        before = cli_hits(live, "Spielplatz")

        # A new document and a changed catalog title (its pages are indexed again: deletions in Whoosh).
        add_document(live, NEW_ID, "Zaunkönigweg 3")
        retitle(live, RETITLED, "IHEK 2013–2014 (überarbeitet)")
        with Poller(base) as poller:
            result = qmarchive(live, "ingest", "--quiet")
            assert result.returncode == 0, result.stderr
            assert_converges(base, live)
        assert httpx.get(f"{base}/-/pdf/{NEW_ID}").status_code == 200
        assert len(cli_hits(live, "Spielplatz")) == len(before) + 2
        assert (
            len(cli_hits(live, "Zaunkönigweg")) == 1
        )  # the page whose text has it (title and running head match no page alone)
        row = httpx.get(f"{base}/qmarchive/documents/{RETITLED}.json", params={"_shape": "array"}).json()
        assert row[0]["title"] == "IHEK 2013–2014 (überarbeitet)"
        assert_no_trouble(poller)

        # A complete rebuild switches generations under the readers.
        with Poller(base) as poller:
            result = qmarchive(live, "index", "--rebuild", "--quiet")
            assert result.returncode == 0, result.stderr
            assert_converges(base, live)
        assert_no_trouble(poller)

        # The same content generated again, under a new id.
        second = f"{NEW_ID}-neu"
        add_document(live, second, "Zaunkönigweg 5")
        with Poller(base) as poller:
            result = qmarchive(live, "ingest", "--quiet")
            assert result.returncode == 0, result.stderr
            assert_converges(base, live)
        assert httpx.get(f"{base}/-/pdf/{second}").status_code == 200
        assert len(cli_hits(live, "Zaunkönigweg")) == 2
        assert_no_trouble(poller)
    # The database file is complete on its own: the write-ahead log was copied into it.
    assert (live.index / "qmarchive.db-wal").stat().st_size == 0


def assert_no_trouble(poller: Poller) -> None:
    assert poller.requests > 20
    assert poller.errors == []
    assert poller.duplicates == []


async def test_hits_the_database_no_longer_has_are_named_not_shown_until_the_index_catches_up(copy: Paths) -> None:
    """The database is written first: a page it lost (a shorter replacement, a removal) is still listed by
    the index until `qmarchive index` runs. It is left out of the hits and named; the total stays the
    index's, the same for the CLI and the server."""
    from click.testing import CliRunner

    from conftest import cli_args
    from qmarchive.cli import cli
    from qmarchive.serve import build_datasette

    conn = sqlite3.connect(copy.database)
    with conn:
        conn.execute("DELETE FROM page_topics WHERE page_id = 'ihek-2012/2'")
        conn.execute("DELETE FROM pages WHERE id = 'ihek-2012/2'")
    conn.close()
    searched = CliRunner().invoke(cli, cli_args(copy, "search", "--json", "Straße", "--engine", "whoosh"))
    assert searched.exit_code == 0
    assert [hit["page_id"] for hit in json.loads(searched.stdout)] == ["ihek-2019-2021/2"]
    assert searched.stderr == (
        "Warning: 1 hit(s) of this page are no longer in the database and are left out "
        "(ihek-2012/2): the search index is behind it; 'qmarchive index' updates it\n"
    )
    ds = build_datasette(copy.database)
    # /-/suche (the german engine) reads its terms from the database itself: never behind it.
    data = (await ds.client.get("/-/suche.json", params={"q": "Straße"})).json()
    assert (data["total"], data["missing"], [hit["page_id"] for hit in data["hits"]]) == (1, [], ["ihek-2019-2021/2"])

    assert CliRunner().invoke(cli, cli_args(copy, "index", "-q")).exit_code == 0
    data = (await ds.client.get("/-/suche.json", params={"q": "Straße"})).json()
    assert (data["total"], data["missing"], [hit["page_id"] for hit in data["hits"]]) == (1, [], ["ihek-2019-2021/2"])


def test_a_request_reads_one_committed_state_while_a_withdrawal_commits(live: Paths) -> None:
    """What one request of the served pages reads (a search, then its pages and titles) is the state of
    when it began, though a withdrawal commits in the middle; the next request reads the new state."""
    from qmarchive import search
    from qmarchive.datasette_plugin.common import read_only

    gone = "muster-ihek-2019-2021"

    def state(db) -> tuple:
        result = search.run(db, live.index, "Quartiersrat", engine="german", pagelen=PAGELEN)
        pages = db.execute("SELECT count(*) FROM pages WHERE document_id = ?", [gone]).fetchone()[0]
        return result.total, [hit.page_id for hit in result.hits], pages

    with read_only(live.database) as db:
        before = state(db)
        assert before[2] and any(page_id.startswith(gone + "/") for page_id in before[1])
        withdrawn = qmarchive(live, "withdraw", gone, "--reason", "Test", "--quiet")
        assert withdrawn.returncode == 0, withdrawn.stderr
        assert state(db) == before
    with read_only(live.database) as db:
        after = state(db)
    assert after[2] == 0 and after[0] < before[0]
    assert not any(page_id.startswith(gone + "/") for page_id in after[1])


def test_a_reader_that_began_before_an_ingest_leaves_its_state_to_itself(live: Paths) -> None:
    """A request that began reading before an ingest committed keeps its state to the end, and what it
    builds from that state (the search facets, kept in memory per state) is not served to the requests
    after it: they find the new document's page at once."""
    from qmarchive import search
    from qmarchive.datasette_plugin.common import read_only

    def found(db) -> tuple[int, list[str]]:
        result = search.run(db, live.index, "Zaunkönigweg", engine="german", pagelen=PAGELEN)
        return result.total, [hit.page_id for hit in result.hits]

    with read_only(live.database) as db:
        assert found(db) == (0, [])
        add_document(live, NEW_ID, "Zaunkönigweg")
        ingested = qmarchive(live, "ingest", "--quiet")
        assert ingested.returncode == 0, ingested.stderr
        assert found(db) == (0, [])  # its own state: read after the ingest committed
    with read_only(live.database) as db:
        assert found(db) == (1, [f"{NEW_ID}/5"])
