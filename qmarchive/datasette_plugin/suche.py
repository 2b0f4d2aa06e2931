"""The German search page ``/-/suche`` (and ``.json``, ``.csv``, ``.xlsx``): the Whoosh search in Datasette's look.

Every request parameter is validated and bounded here. The query text reaches only the Whoosh parser
(a query over the limit is refused with a message, not cut); filter values are resolved to the index's
own terms (qmarchive.search.filters; an unknown one gets a hint listing the valid ones) before they
reach Whoosh and one parameterised SQL query. The only file opened is the database Datasette serves
(read-only) and the index beside it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.utils import add_cors_headers
from datasette.utils.asgi import Response
from markupsafe import Markup, escape
from sqlite_utils import Database

from qmarchive import export, page_view, search, topics
from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive.datasette_plugin.common import (
    DATABASE, base_url, database_path, image_url, in_thread, page_url, pdf_url, read_only, seite_url, zitat_url,
)
from qmarchive.errors import FilterValueError, QueryTooLongError, SearchIndexDamagedError, SearchIndexError

PATH = "/-/suche"
ROUTE = r"^/-/suche(\.(?P<format>json|csv|xlsx))?$"
VIEW_NAME = "qmarchive-suche"
TEMPLATE = "suche.html"

DEFAULT_PAGELEN = 20
MAX_PAGELEN = 100
MAX_PAGE = 1000
MAX_VALUES_PER_FILTER = 20
MAX_VALUE_CHARS = 100
FACET_LIMIT = 30

_NUMBER = re.compile(r"^[0-9]{1,7}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_MARK_TAGS = re.compile(r"</?mark>")
_FILENAME_UNSAFE = re.compile(r"[^a-z0-9]+")

CSV_COLUMNS = (
    "rank", "page_id", "document_id", "title", "period", "page_label", "section", "score", "snippet_text", "url", "pdf_url",
)
EXAMPLES = ("Spielplatz", '"Kinder- und Jugendarbeit"', "Beteiligung jahr:2019", "feld:bildung Kita", "Klima*")
DAMAGED = (
    "Der Suchindex dieses Archivs ist beschädigt und kann nicht gelesen werden. Er wird aus der Datenbank "
    "neu gebaut mit dem Befehl „qmarchive index --rebuild“; alle anderen Seiten des Archivs sind davon nicht betroffen."
)
NO_INDEX = (
    "Für dieses Archiv gibt es noch keinen Suchindex. Er wird aus der Datenbank gebaut mit dem Befehl "
    "„qmarchive index“; danach funktioniert die Suche ohne Neustart."
)


@dataclass
class Params:
    """The validated request: unknown parameters are dropped, bad values fall back to defaults."""

    q: str = ""
    page: int = 1
    pagelen: int = DEFAULT_PAGELEN
    filters: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Params:
        q = _CONTROL.sub(" ", args.get("q") or "").strip()
        filters = {}
        for name in search.FACETS:
            values = []
            for value in args.getlist(name):
                value = _CONTROL.sub(" ", value).strip()
                if value and len(value) <= MAX_VALUE_CHARS and value not in values:
                    values.append(value)
            if values:
                filters[name] = values[:MAX_VALUES_PER_FILTER]
        return cls(
            q=q,
            page=_bounded(args.get("seite"), 1, MAX_PAGE, 1),
            pagelen=_bounded(args.get("n"), 1, MAX_PAGELEN, DEFAULT_PAGELEN),
            filters=filters,
        )

    def query_string(self, *, q: str | None = None, page: int = 1, filters: dict[str, list[str]] | None = None) -> str:
        """This request's parameters with some changed; a new query or filter starts at page 1."""
        pairs: list[tuple[str, str | int]] = [("q", self.q if q is None else q)]
        for name, values in (self.filters if filters is None else filters).items():
            pairs.extend((name, value) for value in values)
        if self.pagelen != DEFAULT_PAGELEN:
            pairs.append(("n", self.pagelen))
        if page > 1:
            pairs.append(("seite", page))
        return urlencode(pairs)

    def toggled(self, name: str, value: str) -> dict[str, list[str]]:
        """The filters with one value switched on or off."""
        filters = {k: list(v) for k, v in self.filters.items()}
        values = filters.setdefault(name, [])
        if value in values:
            values.remove(value)
        else:
            values.append(value)
        return {k: v for k, v in filters.items() if v}


def _bounded(value: str | None, low: int, high: int, default: int) -> int:
    if value is None or not _NUMBER.match(value.strip()):
        return default
    return min(max(int(value), low), high)


def too_long(exc: QueryTooLongError) -> str:
    """The German refusal of an over-long query (it is never cut)."""
    return (f"Die Suchanfrage ist zu lang: {number(exc.length)} Zeichen, erlaubt sind höchstens "
            f"{number(exc.limit)}. Bitte kürzen Sie sie; sie wird nicht abgeschnitten.")


def run_search(db_path: Path, params: Params) -> tuple[search.SearchResult, dict[str, str], dict[str, tuple[str, str | None]]]:
    """Search and fetch the titles of the documents in the facets, and for each hit's thumbnail its file's
    SHA-256 and the page's first heading; blocking, so run it in a thread."""
    with read_only(db_path) as db:
        result = search.run(
            db, db_path.parent, params.q, engine="whoosh",
            filters=params.filters, page=params.page, pagelen=params.pagelen,
        )
        if result.page > result.pages:
            # Whoosh answers a page past the end with the last one.
            result = replace(result, page=result.pages)
        ids = {value for value, _ in facet_counts(result, "dokument")} | set(params.filters.get("dokument", []))
        return result, document_titles(db, ids), thumbnail_facts(db, result.hits)


def thumbnail_facts(db: Database, hits: list[search.Hit]) -> dict[str, tuple[str, str | None]]:
    """Page id → (its file's SHA-256, which names the image, and its first heading, for the alt text)."""
    headings = page_view.first_headings(db, [hit.page_id for hit in hits])
    shas = dict(db.execute(
        "select id, sha256 from documents where id in (select value from json_each(?))",
        [json.dumps(sorted({hit.document_id for hit in hits}))],
    ).fetchall())
    return {hit.page_id: (shas[hit.document_id], headings.get(hit.page_id)) for hit in hits if hit.document_id in shas}


def facet_counts(result: search.SearchResult, name: str) -> list[tuple[str, int]]:
    """A facet's values with their counts, without the empty group (pages without any topic)."""
    return [(str(value), count) for value, count in result.facets.get(name, []) if value not in (None, "")]


def document_titles(db: Database, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = db.execute(
        "select id, title from documents where id in (select value from json_each(?))", [json.dumps(sorted(ids))]
    ).fetchall()
    return {id_: title for id_, title in rows if title}


@cache
def topic_names() -> dict[str, str]:
    return {topic.id: topic.name for topic in topics.lexicon().topics}


def value_label(name: str, value: str, titles: dict[str, str]) -> str:
    """How a facet value reads in German: a topic's or document's name instead of its id."""
    if name == "feld":
        return topic_names().get(value, value)
    if name == "typ":
        return DOC_TYPE_LABELS.get(value, value)
    if name == "dokument":
        return titles.get(value, value)
    return value


def filter_hint(exc: FilterValueError) -> str:
    """The German hint for an unknown filter value, with the values that exist."""
    facet = search.FACETS.get(exc.field, exc.field)
    return (f"Unbekannter Wert „{exc.value}“ für {facet} ({exc.field}). Gültige Werte: "
            f"{', '.join(exc.valid) or 'keine (das Archiv ist leer)'}.")


def safe_snippet(snippet_html: str) -> Markup:
    """The library's snippet is escaped text with ``<mark>``; anything else in it is escaped again."""
    if "<" in _MARK_TAGS.sub("", snippet_html):
        return escape(search.snippet_text(snippet_html))
    return Markup(snippet_html)


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def seconds_text(seconds: float) -> str:
    if seconds < 0.01:
        return "in weniger als 0,01 s"
    return f"in {seconds:.2f} s".replace(".", ",")


def missing_text(missing: list[str]) -> str:
    """Why this page of hits is shorter: pages removed from the database that the index still lists."""
    one = len(missing) == 1
    return (f"{len(missing)} Treffer dieser Seite ({', '.join(missing)}) {'ist' if one else 'sind'} nicht mehr in der "
            f"Datenbank und {'wird' if one else 'werden'} nicht angezeigt: das Archiv wird gerade aktualisiert, "
            "der Suchindex folgt in Kürze.")


def found_text(total: int) -> str:
    if total == 0:
        return "Keine Seite gefunden"
    return f"{number(total)} Seite{'n' if total != 1 else ''} gefunden"


def csv_filename(q: str) -> str:
    slug = _FILENAME_UNSAFE.sub("-", topics.fold(q))[:40].strip("-")
    return f"qmarchive-suche-{slug or 'alle'}.csv"


async def suche(request, datasette) -> Response:
    """``/-/suche``, ``/-/suche.json``, ``/-/suche.csv`` and ``/-/suche.xlsx``."""
    fmt = request.url_vars.get("format") or "html"
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    params = Params.from_args(request.args)
    db_path = database_path(datasette)
    if db_path is None:
        return await unavailable(datasette, request, params, fmt, "Diese Datasette stellt kein qmarchive-Archiv bereit.", 404)
    try:
        result, titles, thumbnails = await in_thread(run_search, db_path, params)
    except SearchIndexDamagedError:
        return await unavailable(datasette, request, params, fmt, DAMAGED, 503)
    except SearchIndexError:
        return await unavailable(datasette, request, params, fmt, NO_INDEX, 503)
    except QueryTooLongError as exc:
        return await unavailable(datasette, request, params, fmt, too_long(exc), 400)
    except FilterValueError as exc:
        return await unavailable(datasette, request, params, fmt, filter_hint(exc), 400)
    # The filters as the index names them ("IHEK" → ihek): facets and links toggle the same values.
    params = replace(params, filters=result.filters)
    if fmt == "json":
        return json_response(datasette, request, result, titles)
    if fmt == "csv":
        return csv_response(datasette, request, params, result)
    if fmt == "xlsx":
        return await xlsx_response(datasette, request, params, result, db_path)
    return Response.html(await render(datasette, request, params, result=result, titles=titles, thumbnails=thumbnails))


def _headers(datasette, extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = dict(extra or {})
    if datasette.cors:
        add_cors_headers(headers)
    return headers


def hit_dict(datasette, request, hit: search.Hit) -> dict[str, Any]:
    return {
        **hit.as_dict(),
        "url": datasette.absolute_url(request, page_url(datasette, hit.page_id)),
        "pdf_url": datasette.absolute_url(request, pdf_url(datasette, hit.document_id, hit.page_number)),
    }


def json_response(datasette, request, result: search.SearchResult, titles: dict[str, str]) -> Response:
    data = {
        "query": result.query,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "pagelen": result.pagelen,
        "seconds": round(result.seconds, 4),
        "suggestion": result.suggestion,
        "filters": result.filters,
        "facets": {
            name: [
                {"value": value, "label": value_label(name, value, titles), "count": count}
                for value, count in facet_counts(result, name)
            ]
            for name in search.FACETS
        },
        "hits": [hit_dict(datasette, request, hit) for hit in result.hits],
        "missing": result.missing,
    }
    return Response.json(data, headers=_headers(datasette))


def csv_response(datasette, request, params: Params, result: search.SearchResult) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for hit in result.hits:
        row = hit_dict(datasette, request, hit)
        row["snippet_text"] = " ".join(search.snippet_text(hit.snippet).split())
        writer.writerow([row[column] for column in CSV_COLUMNS])
    headers = _headers(datasette, {"Content-Disposition": f'attachment; filename="{csv_filename(params.q)}"'})
    return Response(out.getvalue(), headers=headers, content_type="text/csv; charset=utf-8")


def export_command(result: search.SearchResult) -> str:
    """The command that exports every hit of this search, not only one page."""
    filters = "".join(f" --filter {shlex.quote(f'{name}={value}')}" for name, values in result.filters.items() for value in values)
    return f"qmarchive export --search {shlex.quote(result.query)}{filters} --output treffer.xlsx"


async def xlsx_response(datasette, request, params: Params, result: search.SearchResult, db_path: Path) -> Response:
    """The hits of this page as an Excel workbook, every text a text cell, with each page's citation."""
    base = base_url(datasette, request)
    first = (result.page - 1) * result.pagelen + 1
    info = [
        ("Suche", result.query),
        ("Filter", "; ".join(f"{name}={value}" for name, values in result.filters.items() for value in values)),
        ("Treffer", f"{first}–{first + len(result.hits) - 1} von {number(result.total)} (Seite {result.page} von {result.pages})"
         if result.hits else "keine"),
        ("Alle Treffer", export_command(result)),
        ("Quelle", datasette.absolute_url(request, request.path) + (f"?{request.query_string}" if request.query_string else "")),
    ]

    def workbook() -> bytes:
        with read_only(db_path) as db:
            rows = [
                {**hit_dict(datasette, request, hit), **export.search_record(hit, export.citation_text(db, hit.page_id, base))}
                for hit in result.hits
            ]
        out = io.BytesIO()
        export.write_xlsx([*CSV_COLUMNS, export.CITATION_COLUMN], rows, out, title="Suche", info=info)
        return out.getvalue()

    filename = csv_filename(params.q).removesuffix(".csv") + ".xlsx"
    headers = _headers(datasette, {"Content-Disposition": f'attachment; filename="{filename}"'})
    return Response(await in_thread(workbook), headers=headers, content_type=export.MEDIA_TYPES["xlsx"])


async def unavailable(datasette, request, params: Params, fmt: str, message: str, status: int) -> Response:
    if fmt == "json":
        return Response.json({"ok": False, "error": message, "status": status}, status=status, headers=_headers(datasette))
    if fmt in ("csv", "xlsx"):
        return Response.text(message, status=status, headers=_headers(datasette))
    return Response.html(await render(datasette, request, params, error=message), status=status)


async def render(
    datasette, request, params: Params, *, result: search.SearchResult | None = None,
    titles: dict[str, str] | None = None, error: str | None = None,
    thumbnails: dict[str, tuple[str, str | None]] | None = None,
) -> str:
    base = datasette.urls.path(PATH)

    def url(**changes) -> str:
        return f"{base}?{params.query_string(**changes)}"

    context: dict[str, Any] = {
        "params": params,
        "q": params.q,
        "suche_url": base,
        "archive_title": datasette.metadata("title") or "qmarchive",
        "hidden_fields": [(name, value) for name, values in params.filters.items() for value in values]
        + ([("n", params.pagelen)] if params.pagelen != DEFAULT_PAGELEN else []),
        "examples": [{"text": text, "url": f"{base}?{urlencode({'q': text})}"} for text in EXAMPLES],
        "canned_url": datasette.urls.query(DATABASE, "suche") + (f"?{urlencode({'q': params.q})}" if params.q else ""),
        "error": error,
        "result": None,
    }
    titles = titles or {}
    context["active"] = [
        {
            "facet": search.FACETS[name],
            "label": value_label(name, value, titles),
            "remove_url": url(filters=params.toggled(name, value)),
        }
        for name, values in params.filters.items()
        for value in values
    ]
    context["clear_url"] = url(filters={})
    if result is None:
        return await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME)
    context.update(
        result=result,
        found=found_text(result.total),
        missing_text=missing_text(result.missing),
        documents=len(facet_counts(result, "dokument")),
        seconds=seconds_text(result.seconds),
        suggestion_url=url(q=result.suggestion) if result.suggestion else None,
        first_rank=(result.page - 1) * result.pagelen + 1,
        last_rank=min(result.page * result.pagelen, result.total),
        prev_url=url(page=result.page - 1) if result.page > 1 else None,
        next_url=url(page=result.page + 1) if result.page < result.pages else None,
        json_url=f"{datasette.urls.path(PATH + '.json')}?{params.query_string(page=result.page)}",
        csv_url=f"{datasette.urls.path(PATH + '.csv')}?{params.query_string(page=result.page)}",
        xlsx_url=f"{datasette.urls.path(PATH + '.xlsx')}?{params.query_string(page=result.page)}",
        verlauf_url=f"{datasette.urls.path('/-/verlauf')}?{urlencode({'q': params.q})}",
        hits=[
            {
                "hit": hit,
                "snippet": safe_snippet(hit.snippet),
                "url": seite_url(datasette, hit.document_id, hit.page_number, params.q),
                "row_url": page_url(datasette, hit.page_id),
                "pdf_url": pdf_url(datasette, hit.document_id, hit.page_number),
                "zitat_url": zitat_url(datasette, hit.document_id, hit.page_number),
                "type_label": DOC_TYPE_LABELS.get(hit.doc_type, hit.doc_type),
                "thumbnail": {
                    "url": image_url(datasette, hit.document_id, hit.page_number, picture[0], "klein"),
                    "alt": page_view.alt_text(hit.page_locator, picture[1]),
                } if (picture := (thumbnails or {}).get(hit.page_id)) else None,
            }
            for hit in result.hits
        ],
        facets=facet_lists(params, result, titles, url),
    )
    return await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME)


def facet_lists(params: Params, result: search.SearchResult, titles: dict[str, str], url) -> list[dict[str, Any]]:
    """Each facet with its values (years in order, the rest by count); every value toggles its filter."""
    facets = []
    for name, label in search.FACETS.items():
        counts = dict(facet_counts(result, name))
        active = params.filters.get(name, [])
        for value in active:
            counts.setdefault(value, 0)
        order = sorted(counts) if name == "jahr" else list(counts)
        keep = set(active) | set([v for v in order if v not in active][:FACET_LIMIT])
        shown = [v for v in order if v in keep]
        if not shown:
            continue
        facets.append(
            {
                "name": name,
                "label": label,
                "truncated": len(counts) > len(shown),
                "options": [
                    {
                        "value": value,
                        "label": value_label(name, value, titles),
                        "count": number(counts[value]),
                        "active": value in active,
                        "url": url(filters=params.toggled(name, value)),
                    }
                    for value in shown
                ],
            }
        )
    return facets
