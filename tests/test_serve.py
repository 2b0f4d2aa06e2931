"""`qmarchive serve` as users start it: a real process answering real HTTP."""

from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner

from qmarchive.cli import cli
from qmarchive.paths import Paths
from harness import child_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(built: Paths) -> Iterator[str]:
    with child_server(built.archive, built.index) as base:
        yield base


def test_serve_answers_searches_over_http(server: str) -> None:
    home = httpx.get(server + "/")
    assert home.status_code == 200
    assert "Archiv Quartiersmanagement Hellersdorfer Promenade" in home.text
    assert home.headers.get("connection") != "close"  # one process: connections are kept alive
    hits = httpx.get(server + "/qmarchive/suche.json", params={"q": "Bewohner:innen", "_shape": "array"}).json()
    assert sorted(hit["seiten_id"] for hit in hits) == ["ihek-2012/2", "ihek-2019-2021/2"]
    plugins = httpx.get(server + "/-/plugins.json").json()
    assert "qmarchive" in [plugin["name"] for plugin in plugins]


def test_pdf_pages_and_ranges_over_http(server: str, built: Paths) -> None:
    original = (built.archive / "pdf" / "ihek-2019-2021.pdf").read_bytes()
    whole = httpx.get(server + "/-/pdf/ihek-2019-2021")
    assert whole.status_code == 200 and whole.content == original
    part = httpx.get(server + "/-/pdf/ihek-2019-2021", headers={"Range": "bytes=5-14"})
    assert part.status_code == 206 and part.content == original[5:15]
    assert httpx.get(server + "/-/pdf/..%2F..%2Fcatalog.csv", follow_redirects=True).status_code == 404


def test_worker_processes_share_the_port_and_answer_alike(built: Paths) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with child_server(built.archive, built.index, workers=2) as base:
        with httpx.Client(base_url=base, timeout=30) as client:

            def search(_: int) -> tuple[int, str | None, list[str]]:
                answer = client.get("/-/suche.json", params={"q": "Straße"})
                return (
                    answer.status_code,
                    answer.headers.get("connection"),
                    [hit["page_id"] for hit in answer.json()["hits"]],
                )

            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(search, range(12)))
            citation = client.get("/-/zitat/ihek-2012/2")
    # Every answer closes its connection, so that the client's next request goes to a free process.
    assert {(status, connection) for status, connection, _ in answers} == {(200, "close")}
    assert len({tuple(ids) for _, _, ids in answers}) == 1 and answers[0][2]
    assert citation.status_code == 200 and "IHEK 2012" in citation.text


def test_serve_without_database_is_a_clean_error(paths: Paths) -> None:
    result = CliRunner().invoke(cli, ["--index", str(paths.index), "serve"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {paths.database}: no database yet; run 'qmarchive ingest' first\n"


def test_a_database_of_an_older_version_is_refused_with_what_to_do(copy: Paths) -> None:
    import sqlite3

    with sqlite3.connect(copy.database) as conn:
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm004_ocr'")
    result = CliRunner().invoke(cli, ["--archive", str(copy.archive), "--index", str(copy.index), "serve"])
    assert result.exit_code == 1
    assert "made by an older version of qmarchive (missing m004_ocr)" in result.output
    assert "run 'qmarchive ingest' once" in result.output


def test_a_process_is_warmed_up_before_it_takes_requests(built: Paths) -> None:
    """What a first search would wait for is made before serving: the search then reads no facets."""
    import asyncio

    from qmarchive import store
    from qmarchive.search import german_fts
    from qmarchive.serve import build_datasette, warm_up

    datasette = build_datasette(built.database)
    warm_up(datasette, built.database)
    assert datasette.jinja_env.auto_reload is False
    db = store.open_read_only(built.database)
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        assert german_fts.search(db, "Straße").total > 0
    finally:
        db.close()
    assert statements and not [sql for sql in statements if "page_topics" in sql]
    asyncio.run(datasette.invoke_startup())
    answer = asyncio.run(datasette.client.get("/-/suche?q=Stra%C3%9Fe"))
    assert answer.status_code == 200 and "ihek-2019-2021" in answer.text
