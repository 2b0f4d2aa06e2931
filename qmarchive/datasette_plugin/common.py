"""What the plugin's pages share: the served database, read-only access to it, and links."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlencode

from datasette.utils import tilde_decode, tilde_encode
from sqlite_utils import Database

from qmarchive import cite, store
from qmarchive.errors import CitationError, ConfigError

DATABASE = "qmarchive"
NO_ARCHIVE = "Diese Datasette stellt kein qmarchive-Archiv bereit."
T = TypeVar("T")


def database_path(datasette) -> Path | None:
    """The file of the served qmarchive database, or None when this Datasette does not serve one."""
    try:
        path = datasette.get_database(DATABASE).path
    except KeyError:
        return None
    return Path(path) if path else None


@contextmanager
def read_only(db_path: Path) -> Iterator[Database]:
    """The database opened read-only, for library code that runs in a worker thread: in one read
    transaction, so that everything a request reads (a search's matches, their pages, the documents'
    titles) is one committed state, whatever is written meanwhile."""
    db = store.open_read_only(db_path, check_schema=False)
    try:
        yield db
    finally:
        db.close()


async def in_thread(function: Callable[..., T], *args) -> T:
    """Blocking library work (Whoosh, SQLite) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def base_url(datasette, request) -> str:
    """The published address citations point to if one is set, else this server's own."""
    configured = (datasette.plugin_config("qmarchive") or {}).get("base_url") or os.environ.get(cite.BASE_URL_ENV)
    if configured:
        try:
            cite.permalink("check", base_url=configured)
        except ConfigError:
            configured = None
    return (configured or datasette.absolute_url(request, datasette.urls.path("/"))).rstrip("/")


def page_url(datasette, page_id: str) -> str:
    return datasette.urls.row(DATABASE, "pages", tilde_encode(page_id))


def pdf_url(datasette, document_id: str, page_number: int | None = None, sha256: str | None = None) -> str:
    """The document's PDF (the current version, or the version with ``sha256``), opened at a page."""
    url = datasette.urls.path(f"/-/pdf/{quote(document_id, safe='')}" + (f"/{sha256}" if sha256 else ""))
    return f"{url}#page={page_number}" if page_number else url


def zitat_url(datasette, document_id: str, page_number: int | None = None) -> str:
    path = f"/-/zitat/{quote(document_id, safe='')}" + (f"/{page_number}" if page_number else "")
    return datasette.urls.path(path)


def seite_url(datasette, document_id: str, page_number: int, q: str = "") -> str:
    """The page view for reading; with the search words ``q`` it marks them."""
    url = datasette.urls.path(f"/-/seite/{quote(document_id, safe='')}/{page_number}")
    return f"{url}?{urlencode({'q': q})}" if q else url


def image_url(datasette, document_id: str, page_number: int, sha256: str, size: str) -> str:
    """A page's image; the URL names the file's version, so its content never changes."""
    return datasette.urls.path(f"/-/seitenbild/{quote(document_id, safe='')}/{page_number}/{sha256[:16]}/{size}.webp")


async def page_citation(datasette, request) -> dict:
    """Template variables for a page row: its German citation and the links to cite and open it."""
    db_path = database_path(datasette)
    page_id = tilde_decode(request.url_vars.get("pks", ""))
    if db_path is None or "/" not in page_id:
        return {}

    def load():
        with read_only(db_path) as db:
            return cite.citation(db, page_id, base_url=base_url(datasette, request))

    try:
        citation = await in_thread(load)
    except CitationError:
        return {}
    return {
        "qm_citation": citation,
        "qm_zitat_url": zitat_url(datasette, citation.document_id, citation.page_number),
        "qm_pdf_url": pdf_url(datasette, citation.document_id, citation.page_number),
        "qm_seite_url": seite_url(datasette, citation.document_id, citation.page_number),
    }
