"""``/-/handlungsfelder`` (and ``.json``, ``.csv``, ``.xlsx``): the share of each document's pages that treat each Handlungsfeld.

Historical field names are folded into today's fields by the topic tagging at ingest; this page only
counts the stored ``page_topics``. Each count links to the pages it counts.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import NotFound, Response

from qmarchive import series
from qmarchive.datasette_plugin import charts, downloads
from qmarchive.datasette_plugin.common import DATABASE, NO_ARCHIVE, database_path, in_thread, read_only

PATH = "/-/handlungsfelder"
ROUTE = r"^/-/handlungsfelder(\.(?P<format>json|csv|xlsx))?$"
VIEW_NAME = "qmarchive-handlungsfelder"
TEMPLATE = "handlungsfelder.html"
COLUMNS = ("document_id", "title", "period", "topic_id", "topic", "pages", "document_pages", "share")


def load(db_path) -> series.FieldShares:
    with read_only(db_path) as db:
        return series.field_shares(db)


def pages_url(datasette, document_id: str, topic_id: str) -> str:
    """The document's pages tagged with the field, as Datasette lists them (each linking to its page)."""
    query = urlencode({"topic_id": topic_id, "page_id__startswith": f"{document_id}/"})
    return f"{datasette.urls.table(DATABASE, 'page_topics')}?{query}"


def percent(share: float) -> str:
    return f"{charts.number(share * 100, 0)} %"


async def handlungsfelder(request, datasette) -> Response:
    fmt = request.url_vars.get("format") or "html"
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    db_path = database_path(datasette)
    if db_path is None:
        raise NotFound(NO_ARCHIVE)
    shares = await in_thread(load, db_path)
    if fmt != "html":
        return await downloads.records_response(
            datasette,
            fmt,
            COLUMNS,
            shares.records(),
            filename="qmarchive-handlungsfelder",
            title="Handlungsfelder",
            info=[
                (
                    "Anteil",
                    "Seiten des Dokuments zum Handlungsfeld / alle Seiten des Dokuments; eine Seite kann mehrere Felder behandeln",
                )
            ],
        )
    labels = [f"{doc.period or '?'} {doc.type_label}" for doc in shares.documents]
    chart = charts.line_chart(
        "felder",
        "Anteil der Seiten je Handlungsfeld und Dokument",
        "Anteil der Seiten je Dokument, in zeitlicher Reihenfolge. "
        + "; ".join(
            f"{name}: "
            + ", ".join(
                f"{label} {percent(shares.share(doc.id, topic_id))}" for label, doc in zip(labels, shares.documents)
            )
            for topic_id, name in shares.topics
        ),
        labels,
        [
            charts.Series(name, [shares.share(doc.id, topic_id) for doc in shares.documents])
            for topic_id, name in shares.topics
        ],
        unit="Anteil der Seiten",
        percent=True,
    )
    rows = [
        {
            "document": doc,
            "cells": [
                {
                    "topic": name,
                    "pages": shares.pages[doc.id].get(topic_id, 0),
                    "share": percent(shares.share(doc.id, topic_id)),
                    "url": pages_url(datasette, doc.id, topic_id),
                }
                for topic_id, name in shares.topics
            ],
        }
        for doc in shares.documents
    ]
    context: dict[str, Any] = {
        "archive_title": datasette.metadata("title") or "qmarchive",
        "topics": shares.topics,
        "rows": rows,
        "chart": chart,
        "json_url": datasette.urls.path(PATH + ".json"),
        "csv_url": datasette.urls.path(PATH + ".csv"),
        "xlsx_url": datasette.urls.path(PATH + ".xlsx"),
    }
    return Response.html(await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME))
