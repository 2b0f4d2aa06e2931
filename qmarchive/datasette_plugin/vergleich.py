"""``/-/vergleich?a=ID&b=ID``: two documents side by side: outlines, distinctive terms, text carried over from a to b."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import NotFound, Response

from qmarchive import compare, series
from qmarchive.datasette_plugin import suche
from qmarchive.datasette_plugin.common import NO_ARCHIVE, database_path, in_thread, page_url, read_only
from qmarchive.errors import UnknownDocumentError

PATH = "/-/vergleich"
ROUTE = r"^/-/vergleich$"
VIEW_NAME = "qmarchive-vergleich"
TEMPLATE = "vergleich.html"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXCERPT_CHARS = 400


def _document_id(args, name: str) -> str | None:
    value = (args.get(name) or "").strip().lower()
    return value if _ID.match(value) and len(value) <= suche.MAX_VALUE_CHARS else None


def load(db_path, a: str | None, b: str | None) -> tuple[list[series.Document], compare.Comparison | None]:
    with read_only(db_path) as db:
        documents = series.documents(db)
        return documents, compare.compare(db, a, b) if a and b else None


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"


async def vergleich(request, datasette) -> Response:
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    db_path = database_path(datasette)
    if db_path is None:
        raise NotFound(NO_ARCHIVE)
    a, b = _document_id(request.args, "a"), _document_id(request.args, "b")
    context: dict[str, Any] = {
        "archive_title": datasette.metadata("title") or "qmarchive",
        "a": a,
        "b": b,
        "vergleich_url": datasette.urls.path(PATH),
        "comparison": None,
        "error": None,
    }
    status = 200
    if (request.args.get("a") or request.args.get("b")) and not (a and b):
        context["error"], status = "Bitte zwei Dokumente auswählen.", 400
        a = b = None
    try:
        documents, comparison = await in_thread(load, db_path, a, b)
    except UnknownDocumentError:
        documents, comparison = await in_thread(load, db_path, None, None)
        context["error"] = (
            "Mindestens eines der gewählten Dokumente gibt es im Archiv nicht. Bitte unten zwei Dokumente auswählen."
        )
        status = 404
    context["documents"] = documents
    if comparison is not None:

        def search(word: str, document_id: str) -> str:
            return f"{datasette.urls.path(suche.PATH)}?{urlencode({'q': word, 'dokument': document_id})}"

        context.update(
            comparison=comparison,
            sections=[
                {
                    side: (
                        {
                            "title": s.title,
                            "level": s.level,
                            "url": page_url(datasette, s.page_id),
                            "page": s.first_page,
                        }
                        if s
                        else None
                    )
                    for side, s in (("a", sa), ("b", sb))
                }
                for sa, sb in comparison.sections
            ],
            terms_a=[{"term": t, "url": search(t.word, comparison.a["id"])} for t in comparison.distinctive_a],
            terms_b=[{"term": t, "url": search(t.word, comparison.b["id"])} for t in comparison.distinctive_b],
            pairs=[
                {
                    "similarity": f"{round(p.similarity * 100)} %",
                    "a": p.a,
                    "b": p.b,
                    "a_text": _excerpt(p.a.text),
                    "b_text": _excerpt(p.b.text),
                    "a_url": page_url(datasette, p.a.page_id),
                    "b_url": page_url(datasette, p.b.page_id),
                }
                for p in comparison.carried_over
            ],
        )
    return Response.html(
        await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME), status=status
    )
