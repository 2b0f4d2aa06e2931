"""Serving the database with Datasette: read-only, seeing each committed write, with the package's metadata and plugin."""

from __future__ import annotations

import asyncio
import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING


from qmarchive import cite, store
from qmarchive.errors import StoreError

if TYPE_CHECKING:
    from datasette.app import Datasette

# Datasette, uvicorn and httpx are imported where they are used: importing them takes half a second,
# which every other command of the CLI would pay.

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# Long page texts are cut in table views (full text on the row page); a runaway query is stopped.
SETTINGS = {
    "truncate_cells_html": 300,
    "sql_time_limit_ms": 3000,
    "default_page_size": 50,
}


def metadata() -> dict:
    """Title, descriptions, facets, full-text search settings and canned queries, shipped with the package."""
    return json.loads((resources.files("qmarchive") / "metadata.json").read_text(encoding="utf-8"))


def build_datasette(database: Path, *, archive: Path | None = None, base_url: str | None = None) -> Datasette:
    """The Datasette instance that serves the database read-only (``mode=ro``), with our metadata.

    Not immutable: the database is in WAL mode, and ingest may write it while it is served; every query
    reads one committed state, and the next request sees the next one.

    ``archive`` is where /-/pdf finds the files (default: the last ingest run's archive); ``base_url``
    the published address permalinks in citations use (default: this server's own address).
    """
    from datasette.app import Datasette

    if not database.is_file():
        raise StoreError(f"{database}: no database yet; run 'qmarchive ingest' first")
    _check_schema(database)
    if base_url:
        cite.permalink("check", base_url=base_url)  # a malformed address fails here, not on every request
    config = {"archive": str(archive.resolve()) if archive else None, "base_url": base_url}
    settings = {**metadata(), "plugins": {"qmarchive": {k: v for k, v in config.items() if v}}}
    return Datasette(files=[str(database)], metadata=settings, settings=SETTINGS)


def _check_schema(database: Path) -> None:
    """The served database is read-only, so a database made by an older version must be brought up to date first."""
    store.open_read_only(database).close()


def serve(
    database: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    archive: Path | None = None,
    base_url: str | None = None,
    workers: int = 1,
) -> None:
    """Run Datasette until interrupted: in this process, or in ``workers`` processes sharing the port."""
    import uvicorn

    datasette = build_datasette(database, archive=archive, base_url=base_url)  # fails here on bad settings
    if workers == 1:
        asyncio.run(datasette.invoke_startup())
        warm_up(datasette, database)
        uvicorn.run(datasette.app(), host=host, port=port, log_level="info", lifespan="on")
        return
    os.environ[_WORKER_CONFIG] = json.dumps(
        {"database": str(database), "archive": str(archive) if archive else None, "base_url": base_url}
    )
    uvicorn.run(f"{__name__}:{worker_app.__name__}", factory=True, workers=workers, host=host, port=port,
                log_level="info", lifespan="on")  # fmt: skip


# uvicorn starts each worker process afresh; the settings reach them in the environment.
_WORKER_CONFIG = "QMARCHIVE_SERVE_CONFIG"


def worker_app():
    """The ASGI application of one worker process (Datasette runs its start-up on the first request)."""
    config = json.loads(os.environ[_WORKER_CONFIG])
    archive = Path(config["archive"]) if config["archive"] else None
    database = Path(config["database"])
    datasette = build_datasette(database, archive=archive, base_url=config["base_url"])
    warm_up(datasette, database)
    return closing_connections(datasette.app())


def warm_up(datasette: Datasette, database: Path) -> None:
    """Before a process takes requests: what its first search would wait for (the pages' facets, the
    common German words; 0.2 s at 20,000 pages) and the compiled templates of the pages most asked for.
    Otherwise the first wave of searches after a start waited over a second for each process."""
    from qmarchive.datasette_plugin import seite, suche, zitat
    from qmarchive.search import german_fts

    db = store.open_read_only(database)
    try:
        german_fts.prepare(db)
    finally:
        db.close()
    # The templates are the installed package's: checking their files' times at every page (Jinja's
    # auto_reload) cost about 2 % of a search's CPU time under load.
    datasette.jinja_env.auto_reload = False
    for template in (suche.TEMPLATE, seite.TEMPLATE, zitat.TEMPLATE):
        datasette.jinja_env.get_template(template)


_CLOSE = (b"connection", b"close")


def closing_connections(app):
    """The ASGI app answering every request with ``Connection: close``.

    The worker processes share one listening socket, and a connection kept alive stays with the process
    that accepted it, however busy that one is: eight clients on two processes are split four to four
    only about one time in four, and the busier process sets everyone's wait. A new connection goes to
    whichever process is free to accept it (as with gunicorn's sync workers, which keep no connection
    alive). ``scripts/load.py``, 8 clients, 20,000 pages: p95 of /-/suche 432–465 ms kept alive,
    313–331 ms closed. A connection costs a fraction of a millisecond; a search tens of them.
    """

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_closing(message):
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if bytes(h[0]).lower() != b"connection"]
                message = {**message, "headers": [*headers, _CLOSE]}
            await send(message)

        await app(scope, receive, send_closing)

    return wrapped
