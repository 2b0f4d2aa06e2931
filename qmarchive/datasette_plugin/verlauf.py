"""``/-/verlauf?q=…`` (and ``.json``, ``.csv``, ``.xlsx``): how often terms occur in each edition of the series.

Several terms side by side (``q=Kita&q=Schule``), optionally only some document types (``typ``) or the
pages of a Handlungsfeld (``feld``). Each count links to the search for that term in that document, which
finds exactly the pages counted. Terms and filters are validated as on ``/-/suche``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from qmarchive import series
from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive.datasette_plugin import charts, downloads, suche
from qmarchive.datasette_plugin.common import NO_ARCHIVE, database_path, in_thread, read_only
from qmarchive.errors import FilterValueError, QueryTooLongError, SearchIndexError

PATH = "/-/verlauf"
ROUTE = r"^/-/verlauf(\.(?P<format>json|csv|xlsx))?$"
VIEW_NAME = "qmarchive-verlauf"
TEMPLATE = "verlauf.html"
FILTERS = ("typ", "feld")
EXAMPLES = (("Spielplatz",), ("Kita", "Schule"), ("Klima*",), ("Beteiligung", "Nachbarschaft"))


def parse_terms(args) -> list[str]:
    """The terms asked for: control characters removed, duplicates and empties dropped (never cut: too
    many or too long terms are refused where they are used)."""
    terms: list[str] = []
    for value in args.getlist("q"):
        term = suche._CONTROL.sub(" ", value).strip()
        if term and term not in terms:
            terms.append(term)
    return terms


def parse_filters(args) -> dict[str, list[str]]:
    params = suche.Params.from_args(args)
    return {name: values for name, values in params.filters.items() if name in FILTERS}


def run_trend(db_path, terms: list[str], filters: dict[str, list[str]]) -> series.Trend:
    with read_only(db_path) as db:
        return series.trend(db, db_path.parent, terms, filters)


def search_url(datasette, term: str, document_id: str, filters: dict[str, list[str]]) -> str:
    """The search that finds exactly the pages counted for the term in the document."""
    pairs = [("q", term), ("dokument", document_id)] + [
        (n, v) for n, values in filters.items() for v in values if n == "feld"
    ]
    return f"{datasette.urls.path(suche.PATH)}?{urlencode(pairs)}"


def query_string(terms: list[str], filters: dict[str, list[str]]) -> str:
    return urlencode([("q", t) for t in terms] + [(n, v) for n, values in filters.items() for v in values])


async def verlauf(request, datasette) -> Response:
    fmt = request.url_vars.get("format") or "html"
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    terms, filters = parse_terms(request.args), parse_filters(request.args)
    db_path = database_path(datasette)
    if db_path is None:
        return await _error(datasette, request, fmt, terms, filters, NO_ARCHIVE, 404)
    if not terms:
        if fmt != "html":
            return await _error(
                datasette, request, fmt, terms, filters, "Bitte mindestens einen Begriff angeben: ?q=…", 400
            )
        return Response.html(await render(datasette, request, terms, filters))
    if len(terms) > series.MAX_TERMS:
        message = (
            f"Zu viele Begriffe: {len(terms)}, nebeneinander gezeigt werden höchstens {series.MAX_TERMS}. "
            "Bitte lassen Sie einige weg; es wird nichts stillschweigend weggelassen."
        )
        return await _error(datasette, request, fmt, terms, filters, message, 400)
    try:
        trend = await in_thread(run_trend, db_path, terms, filters)
    except QueryTooLongError as exc:
        return await _error(datasette, request, fmt, terms, filters, suche.too_long(exc), 400)
    except FilterValueError as exc:
        return await _error(datasette, request, fmt, terms, filters, suche.filter_hint(exc), 400)
    except SearchIndexError:
        return await _error(datasette, request, fmt, terms, filters, suche.NO_INDEX, 503)
    if fmt != "html":
        title = "Verlauf " + ", ".join(terms)
        return await downloads.records_response(
            datasette,
            fmt,
            series.RECORD_COLUMNS,
            trend.records(),
            filename="qmarchive-verlauf",
            title="Verlauf",
            info=[
                ("Begriffe", "; ".join(terms)),
                ("Filter", query_string([], filters)),
                ("Je 10.000 Wörter", "Vorkommen je 10.000 Wörter der gezählten Seiten"),
            ],
            extra={"title": title, "terms": terms, "filters": filters, "per_words": series.PER_WORDS},
        )
    return Response.html(await render(datasette, request, terms, filters, trend=trend))


async def _error(datasette, request, fmt, terms, filters, message: str, status: int) -> Response:
    if fmt == "json":
        return Response.json(
            {"ok": False, "error": message, "status": status}, status=status, headers=downloads.headers(datasette)
        )
    if fmt in ("csv", "xlsx"):
        return Response.text(message, status=status, headers=downloads.headers(datasette))
    return Response.html(await render(datasette, request, terms, filters, error=message), status=status)


def chart_for(trend: series.Trend) -> Any:
    labels = [f"{doc.period or '?'} {doc.type_label}" for doc in trend.documents]
    description = "; ".join(
        f"{term}: " + ", ".join(f"{label} {charts.number(c.per_10000)}" for label, c in zip(labels, trend.counts[term]))
        for term in trend.terms
    )
    return charts.line_chart(
        "verlauf",
        "Vorkommen je 10.000 Wörter: " + ", ".join(trend.terms),
        "Vorkommen je 10.000 Wörter je Dokument in zeitlicher Reihenfolge. " + description,
        labels,
        [charts.Series(term, [c.per_10000 for c in trend.counts[term]]) for term in trend.terms],
        unit="je 10.000 Wörter",
    )


async def render(
    datasette,
    request,
    terms: list[str],
    filters: dict[str, list[str]],
    *,
    trend: series.Trend | None = None,
    error: str | None = None,
) -> str:
    base = datasette.urls.path(PATH)
    context: dict[str, Any] = {
        "terms": terms,
        "fields": [("q", t) for t in terms] or [("q", "")],
        "filters": filters,
        "verlauf_url": base,
        "archive_title": datasette.metadata("title") or "qmarchive",
        "error": error,
        "trend": trend,
        "examples": [{"text": " und ".join(ex), "url": f"{base}?{query_string(list(ex), {})}"} for ex in EXAMPLES],
        "type_options": sorted(DOC_TYPE_LABELS.items()),
        "topic_options": sorted(suche.topic_names().items(), key=lambda item: item[1]),
        "number": charts.number,
    }
    if trend is not None:
        qs = query_string(terms, filters)
        context.update(
            chart=chart_for(trend),
            rows=[
                {
                    "document": doc,
                    "cells": [
                        {
                            "term": term,
                            "count": trend.counts[term][i],
                            "url": search_url(datasette, term, doc.id, filters),
                        }
                        for term in terms
                    ],
                }
                for i, doc in enumerate(trend.documents)
            ],
            totals=[sum(c.pages for c in trend.counts[term]) for term in terms],
            json_url=f"{datasette.urls.path(PATH + '.json')}?{qs}",
            csv_url=f"{datasette.urls.path(PATH + '.csv')}?{qs}",
            xlsx_url=f"{datasette.urls.path(PATH + '.xlsx')}?{qs}",
        )
    return await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME)
