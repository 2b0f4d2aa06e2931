"""``/-/seite/<document>/<page>``: a page for reading (its image beside its text, neighbours, contents, citation),
and ``/-/seitenbild/<document>/<page>/<version>/<size>.webp``: the page's image.

With ``?q=`` (from a search hit) the words the search found are marked in the text, and the PDF link asks
the viewer to look for them. An image URL names the first 16 hex digits of the file's SHA-256, so it always
means the same picture and is cached as immutable; a URL of a replaced file redirects to the current one.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from pathlib import Path
from urllib.parse import urlencode

from datasette.utils import tilde_encode
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from qmarchive import cite, meta_tags, page_images, page_view, search
from qmarchive.datasette_plugin import gone
from qmarchive.datasette_plugin.common import (
    DATABASE,
    NO_ARCHIVE,
    base_url,
    database_path,
    image_url,
    in_thread,
    page_url,
    read_only,
    seite_url,
    zitat_url,
)
from qmarchive.datasette_plugin.common import pdf_url as document_pdf_url
from qmarchive.datasette_plugin.pdf import archive_dirs, open_archived
from qmarchive.datasette_plugin.suche import PATH as SUCHE_PATH
from qmarchive.datasette_plugin.suche import Params, safe_snippet
from qmarchive.errors import CitationError, SearchIndexError
from qmarchive.pagelabels import locator
from qmarchive.versions import kept_file

_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ROUTE = rf"^/-/seite/(?P<document_id>{_SLUG})/(?P<page>[1-9][0-9]{{0,5}})$"
IMAGE_ROUTE = (
    rf"^/-/seitenbild/(?P<document_id>{_SLUG})/(?P<page>[1-9][0-9]{{0,5}})/(?P<version>[0-9a-f]{{16}})/"
    rf"(?P<size>{'|'.join(page_images.SIZES)})\.webp$"
)
ROUTE_PREFIX = "/-/seite"
VIEW_NAME = "qmarchive-seite"
TEMPLATE = "seite.html"
IMMUTABLE = "public, max-age=31536000, immutable"
# A placeholder may give way to the image (a file restored, a failure retried): browsers ask again in an hour.
PLACEHOLDER_CACHE = "public, max-age=3600"
_slots_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()
NO_MARKS = "Die Suchwörter können hier nicht markiert werden: Für dieses Archiv gibt es noch keinen Suchindex."


class ServedLinks:
    """The page view's links on this server; page links keep the search words, topic links the search."""

    def __init__(self, datasette, q: str):
        self.datasette = datasette
        self.q = q

    def page(self, document_id: str, page_number: int) -> str:
        return seite_url(self.datasette, document_id, page_number, self.q)

    def image(self, document_id: str, page_number: int, sha256: str, size: str) -> str:
        return image_url(self.datasette, document_id, page_number, sha256, size)

    def pdf(self, document_id: str, page_number: int) -> str:
        return document_pdf_url(self.datasette, document_id, page_number)

    def topic(self, topic_id: str) -> str:
        """The search narrowed to the Handlungsfeld; without search words, every page of it."""
        query = {"q": self.q, "feld": topic_id} if self.q else {"q": f"feld:{topic_id}"}
        return f"{self.datasette.urls.path(SUCHE_PATH)}?{urlencode(query)}"

    def zitat(self, document_id: str, page_number: int) -> str:
        return zitat_url(self.datasette, document_id, page_number)

    def row(self, page_id: str) -> str:
        return page_url(self.datasette, page_id)

    def row_json(self, page_id: str) -> str:
        return self.datasette.urls.row(DATABASE, "pages", tilde_encode(page_id), format="json")


async def seite(request, datasette) -> Response:
    document_id = request.url_vars["document_id"]
    number = int(request.url_vars["page"])
    q = Params.from_args(request.args).q
    db_path = database_path(datasette)
    if db_path is None:
        raise NotFound(NO_ARCHIVE)
    notes: list[str] = []
    base = base_url(datasette, request)

    def load():
        with read_only(db_path) as db:

            def mark(text: str) -> Markup | None:
                """The words /-/suche found, as its engine matched them."""
                try:
                    marked = search.mark(db, db_path.parent, text, q, engine=search.DEFAULT_ENGINE)
                except SearchIndexError:
                    notes.append(NO_MARKS)
                    return None
                return safe_snippet(marked) if marked else None

            citation = cite.citation(db, f"{document_id}/{number}", base_url=base)
            return page_view.context(
                db,
                document_id,
                number,
                ServedLinks(datasette, q),
                citation=citation,
                mark=mark if q else None,
                pdf_words=search.plain_words(q) if q else None,
            )

    try:
        context = await in_thread(load)
    except CitationError:
        context = None
    if context is None:
        record = await gone.withdrawn(datasette, document_id)
        if record is not None and gone.covers(record, number):
            return await gone.response(datasette, request, record, page=number)
        raise NotFound(f"Seite {number} von „{document_id}“ gibt es im Archiv nicht.")
    canonical = f"{base}{ROUTE_PREFIX}/{document_id}/{number}"
    citation = context["citation"]
    context.update(
        meta=meta_tags.tags(citation, pdf_url=citation.pdf_url.split("#")[0], url=canonical), canonical=canonical
    )
    context.update(
        q=q, notes=notes, suche_url=datasette.urls.path(SUCHE_PATH) + (f"?{urlencode({'q': q})}" if q else "")
    )
    return Response.html(await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME))


async def seitenbild(request, datasette) -> Response:
    document_id = request.url_vars["document_id"]
    number = int(request.url_vars["page"])
    size = request.url_vars["size"]
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    db_path = database_path(datasette)
    if db_path is None:
        raise NotFound(NO_ARCHIVE)
    row = (
        await datasette.get_database(DATABASE).execute(
            "SELECT d.file, d.sha256, d.bytes, p.page_label, p.page_label_source FROM pages p JOIN documents d ON d.id = p.document_id "
            "WHERE p.document_id = ? AND p.page_number = ?",
            [document_id, number],
        )
    ).first()
    if row is None:
        record = await gone.withdrawn(datasette, document_id)
        if record is not None and gone.covers(record, number):
            return await gone.response(datasette, request, record, page=number, fmt="webp")
        raise NotFound(f"Seite {number} von „{document_id}“ gibt es im Archiv nicht.")
    sha256 = row["sha256"]
    label = locator(row["page_label"] if row["page_label_source"] != "physical" else None, number) or ""
    if request.url_vars["version"] != sha256[:16]:
        return Response.redirect(
            image_url(datasette, document_id, number, sha256, size), status=302, headers={"Cache-Control": "no-cache"}
        )
    index_dir = db_path.parent
    found = page_images.cached(index_dir, sha256, number, size)
    if found is None:
        # As /-/pdf does: the working copy inside the archive, else the version's kept copy; checked, then opened.
        files = ([] if Path(row["file"]).is_absolute() else [row["file"]]) + [kept_file(document_id, sha256)]
        opened = await in_thread(open_archived, await archive_dirs(datasette), files, sha256, row["bytes"])
        if isinstance(opened, str):
            return _placeholder(request, label, f'"{sha256[:16]}-{number}-{size}-datei-fehlt"')
        fd, _ = opened
        try:
            async with _render_slots():  # renders wait here, not in the thread pool other requests need
                found = await in_thread(page_images.ensure, index_dir, fd, sha256, number, size)
        finally:
            os.close(fd)
    if found.path is None:
        return _placeholder(request, label, found.etag)
    headers = {"ETag": found.etag, "Cache-Control": IMMUTABLE}
    if _not_modified(request, found.etag):
        return Response("", status=304, headers=headers)
    body = await in_thread(found.path.read_bytes)
    return Response(body, content_type=page_images.MEDIA_TYPE, headers=headers)


def _render_slots() -> asyncio.Semaphore:
    """The running event loop's limit of images rendered at once."""
    loop = asyncio.get_running_loop()
    if loop not in _slots_by_loop:
        _slots_by_loop[loop] = asyncio.Semaphore(page_images.WORKERS)
    return _slots_by_loop[loop]


def _not_modified(request, etag: str) -> bool:
    wanted = request.headers.get("if-none-match", "")
    return wanted.strip() == "*" or etag in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]


def _placeholder(request, label: str, etag: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": PLACEHOLDER_CACHE}
    if _not_modified(request, etag):
        return Response("", status=304, headers=headers)
    return Response(
        page_images.placeholder_svg(label), content_type=page_images.PLACEHOLDER_MEDIA_TYPE, headers=headers
    )
