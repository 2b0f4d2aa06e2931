"""410 Gone for withdrawn documents: their citation page, PDF and row pages answer with a German notice
(withdrawn on, reason, the SHA-256 the file had) instead of 404, in HTML and in JSON.

The plugin's own routes ask :func:`withdrawn` when a document is not found; Datasette's row pages of
``documents`` and ``pages`` come here through the ``handle_exception`` hook on their 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from datasette.utils import tilde_decode
from datasette.utils.asgi import NotFound, Response

from qmarchive.datasette_plugin.common import DATABASE

TEMPLATE = "zurueckgezogen.html"
VIEW_NAME = "qmarchive-zurueckgezogen"
ROW_TABLES = ("documents", "pages")


async def withdrawn(datasette, document_id: str) -> dict[str, Any] | None:
    """The withdrawal record of a document in the served database, or None."""
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return None
    rows = await db.execute("select * from withdrawals where document_id = ?", [document_id])
    row = rows.first()
    return dict(row) if row else None


def covers(record: dict[str, Any], page: int | None) -> bool:
    """Whether the withdrawn document had this page (any page, for the document itself)."""
    return page is None or not record.get("page_count") or 1 <= page <= record["page_count"]


def notice(record: dict[str, Any], page: int | None = None) -> str:
    """The notice in one German sentence or three."""
    what = f"Seite {page} des Dokuments" if page else "Das Dokument"
    title = f"„{record['title']}“ ({record['document_id']})" if record.get("title") else f"„{record['document_id']}“"
    return (
        f"{what} {title} wurde am {_date(record['withdrawn_at'])} aus dem Archiv zurückgezogen. "
        f"Grund: {record['reason']}. SHA-256 der Datei: {record['sha256'] or 'nicht erfasst'}."
    )


def _date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


async def response(
    datasette, request, record: dict[str, Any], *, page: int | None = None, fmt: str | None = None
) -> Response:
    """410 Gone with the notice: JSON for ``.json``, plain text for other downloads, else a German page."""
    text = notice(record, page)
    if fmt == "json":
        return Response.json(
            {
                "ok": False,
                "status": 410,
                "error": text,
                "title": "Zurückgezogen",
                "zurueckgezogen": {
                    "dokument": record["document_id"],
                    "seite": page,
                    "titel": record.get("title"),
                    "zurueckgezogen_am": record["withdrawn_at"],
                    "grund": record["reason"],
                    "sha256": record["sha256"],
                },
            },
            status=410,
        )
    if fmt:
        return Response.text(text, status=410)
    context = {"record": record, "notice": text, "page": page, "date": _date(record["withdrawn_at"])}
    html = await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME)
    return Response.html(html, status=410)


async def row_gone(datasette, request, exception: Exception) -> Response | None:
    """For a 404 on a row page of a withdrawn document or one of its pages: the 410 notice; else None."""
    if not isinstance(exception, NotFound):
        return None
    url_vars = request.scope.get("url_route", {}).get("kwargs", {})
    if tilde_decode(url_vars.get("database", "")) != DATABASE or url_vars.get("table") not in ROW_TABLES:
        return None
    key = tilde_decode(url_vars.get("pks", ""))
    page = None
    if url_vars["table"] == "pages":
        key, _, number = key.rpartition("/")
        if not number.isdigit():
            return None
        page = int(number)
    record = await withdrawn(datasette, key)
    if record is None or not covers(record, page):
        return None
    return await response(datasette, request, record, page=page, fmt=url_vars.get("format"))
