"""The German search page ``/-/suche`` (and ``.json``, ``.csv``, ``.excel.csv``, ``.xlsx``): the Whoosh search in
Datasette's look.

``.json`` is one page of hits with the facets (the page's API); the downloads ``.csv`` (RFC 4180),
``.excel.csv`` (CSV für Excel: BOM, ``;``) and ``.xlsx`` hold every hit of the query up to
:data:`MAX_EXPORT_HITS`, streamed chunk by chunk (xlsx: built in a worker thread), and say in the file when
they were cut there. All of them write the records of :mod:`qmarchive.hits`, as the command line does.

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
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette.utils import add_cors_headers
from datasette.utils.asgi import AsgiStream, Response
from markupsafe import Markup, escape
from sqlite_utils import Database

from qmarchive import export, hits, page_view, search, topics
from qmarchive.hits import topic_names
from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive.datasette_plugin.common import (
    DATABASE,
    NO_ARCHIVE,
    base_url,
    database_path,
    image_url,
    in_thread,
    page_url,
    pdf_url,
    read_only,
    seite_url,
    zitat_url,
)
from qmarchive.errors import FilterValueError, QueryTooLongError, SearchIndexDamagedError, SearchIndexError

PATH = "/-/suche"
ROUTE = r"^/-/suche(\.(?P<format>json|csv|excel\.csv|xlsx))?$"
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

# A download holds at most this many hits (the first, best ones), and says so if there are more.
MAX_EXPORT_HITS = 10_000
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
    return (
        f"Die Suchanfrage ist zu lang: {number(exc.length)} Zeichen, erlaubt sind höchstens "
        f"{number(exc.limit)}. Bitte kürzen Sie sie; sie wird nicht abgeschnitten."
    )


def _search(db: Database, db_path: Path, params: Params, page: int) -> search.SearchResult:
    """The page of hits ``params`` asks for, with the engine the page and its downloads share."""
    return search.run(
        db,
        db_path.parent,
        params.q,
        engine=search.DEFAULT_ENGINE,
        filters=params.filters,
        page=page,
        pagelen=params.pagelen,
    )


def run_search(
    db_path: Path, params: Params
) -> tuple[search.SearchResult, dict[str, str], dict[str, tuple[str, str | None]]]:
    """Search and fetch the titles of the documents in the facets, and for each hit's thumbnail its file's
    SHA-256 and the page's first heading; blocking, so run it in a thread."""
    with read_only(db_path) as db:
        result = _search(db, db_path, params, params.page)
        if result.page > result.pages:
            # Whoosh answers a page past the end with the last one.
            result = replace(result, page=result.pages)
        ids = {value for value, _ in facet_counts(result, "dokument")} | set(params.filters.get("dokument", []))
        return result, document_titles(db, ids), thumbnail_facts(db, result.hits)


def thumbnail_facts(db: Database, hits: list[search.Hit]) -> dict[str, tuple[str, str | None]]:
    """Page id → (its file's SHA-256, which names the image, and its first heading, for the alt text)."""
    headings = page_view.first_headings(db, [hit.page_id for hit in hits])
    shas = dict(
        db.execute(
            "select id, sha256 from documents where id in (select value from json_each(?))",
            [json.dumps(sorted({hit.document_id for hit in hits}))],
        ).fetchall()
    )
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
    return (
        f"Unbekannter Wert „{exc.value}“ für {facet} ({exc.field}). Gültige Werte: "
        f"{', '.join(exc.valid) or 'keine (das Archiv ist leer)'}."
    )


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
    return (
        f"{len(missing)} Treffer dieser Seite ({', '.join(missing)}) {'ist' if one else 'sind'} nicht mehr in der "
        f"Datenbank und {'wird' if one else 'werden'} nicht angezeigt: das Archiv wird gerade aktualisiert, "
        "der Suchindex folgt in Kürze."
    )


def found_text(total: int) -> str:
    if total == 0:
        return "Keine Seite gefunden"
    return f"{number(total)} Seite{'n' if total != 1 else ''} gefunden"


def export_filename(q: str, extension: str) -> str:
    slug = _FILENAME_UNSAFE.sub("-", topics.fold_accents(q))[:40].strip("-")
    return f"qmarchive-suche-{slug or 'alle'}.{extension}"


async def suche(request, datasette) -> Response:
    """``/-/suche``, ``/-/suche.json``, ``/-/suche.csv`` and ``/-/suche.xlsx``."""
    fmt = request.url_vars.get("format") or "html"
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    params = Params.from_args(request.args)
    db_path = database_path(datasette)
    if db_path is None:
        return await unavailable(datasette, request, params, fmt, NO_ARCHIVE, 404)
    if fmt in ("csv", "excel.csv", "xlsx"):
        params = replace(params, page=1, pagelen=hits.CHUNK)
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
    base = base_url(datasette, request)
    if fmt == "json":
        return await json_response(datasette, result, titles, db_path, base)
    if fmt in ("csv", "excel.csv"):
        return csv_response(datasette, params, result, db_path, base, excel=fmt == "excel.csv")
    if fmt == "xlsx":
        return await xlsx_response(datasette, request, params, result, db_path, base)
    return Response.html(await render(datasette, request, params, result=result, titles=titles, thumbnails=thumbnails))


def _headers(datasette, extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = dict(extra or {})
    if datasette.cors:
        add_cors_headers(headers)
    return headers


def hit_records(db_path: Path, params: Params, page: int, base: str) -> list[dict[str, Any]]:
    """One chunk of the query's hits as :mod:`qmarchive.hits` records; blocking, so run it in a thread."""
    with read_only(db_path) as db:
        result = _search(db, db_path, params, page)
        if result.page > result.pages:
            return []
        return [record.as_dict() for record in hits.records(db, result.hits, base_url=base)]


async def json_response(
    datasette, result: search.SearchResult, titles: dict[str, str], db_path: Path, base: str
) -> Response:
    """One page of hits (``seite``, ``n``) with the facets."""

    def records() -> list[dict[str, Any]]:
        with read_only(db_path) as db:
            return [record.as_dict() for record in hits.records(db, result.hits, base_url=base)]

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
        "hits": await in_thread(records),
        "missing": result.missing,
    }
    return Response.json(data, headers=_headers(datasette))


def cut_note(result: search.SearchResult) -> str | None:
    """What a download leaves out, in German, or None when it holds every hit."""
    if result.total <= MAX_EXPORT_HITS:
        return None
    return (
        f"gekürzt: die ersten {number(MAX_EXPORT_HITS)} von {number(result.total)} Treffern "
        f"(alle mit {export_command(result)})"
    )


def csv_response(
    datasette, params: Params, result: search.SearchResult, db_path: Path, base: str, *, excel: bool
) -> AsgiStream:
    """Every hit (up to MAX_EXPORT_HITS) as CSV, streamed a chunk at a time; a cut ends with a row that says so."""
    chunks = -(-min(result.total, MAX_EXPORT_HITS) // params.pagelen)
    cell = export.excel_text if excel else export.plain

    def lines(rows: list[list[Any]]) -> str:
        out = io.StringIO()
        csv.writer(out, delimiter=export.EXCEL_DELIMITER if excel else ",").writerows(
            [[cell(value) for value in row] for row in rows]
        )
        return out.getvalue()

    async def stream(response) -> None:
        await response.write((export.EXCEL_BOM if excel else "") + lines([list(hits.COLUMNS)]))
        left = min(result.total, MAX_EXPORT_HITS)
        for page in range(1, chunks + 1):
            records = (await in_thread(hit_records, db_path, params, page, base))[:left]
            left -= len(records)
            await response.write(lines([list(record.values()) for record in records]))
        note = cut_note(result)
        if note:
            await response.write(lines([[f"[{note}]"] + [None] * (len(hits.COLUMNS) - 1)]))

    extension = "excel.csv" if excel else "csv"
    headers = _headers(
        datasette, {"Content-Disposition": f'attachment; filename="{export_filename(params.q, extension)}"'}
    )
    return AsgiStream(stream, headers=headers, content_type=export.MEDIA_TYPES["csv"])


def export_command(result: search.SearchResult) -> str:
    """The command that exports every hit of this search."""
    filters = "".join(
        f" --filter {shlex.quote(f'{name}={value}')}" for name, values in result.filters.items() for value in values
    )
    return f"qmarchive export --search {shlex.quote(result.query)}{filters} --output treffer.xlsx"


async def xlsx_response(
    datasette, request, params: Params, result: search.SearchResult, db_path: Path, base: str
) -> Response:
    """Every hit (up to MAX_EXPORT_HITS) as an Excel workbook, every text a text cell; sheet "Info" says
    what it holds and whether it is complete."""
    info = [
        ("Suche", result.query),
        ("Filter", "; ".join(f"{name}={value}" for name, values in result.filters.items() for value in values)),
        ("Treffer", number(result.total) if result.total else "keine"),
        ("Vollständig", f"nein: {cut_note(result)}" if cut_note(result) else "ja"),
        (
            "Quelle",
            datasette.absolute_url(request, request.path)
            + (f"?{request.query_string}" if request.query_string else ""),
        ),
    ]

    def workbook() -> bytes:
        with read_only(db_path) as db:
            found = hits.all_hits(db, db_path.parent, params.q, filters=params.filters, limit=MAX_EXPORT_HITS)
            rows = (record.as_dict() for record in hits.records(db, found.hits, base_url=base))
            out = io.BytesIO()
            export.write_xlsx(list(hits.COLUMNS), rows, out, title="Suche", info=info)
        return out.getvalue()

    headers = _headers(
        datasette, {"Content-Disposition": f'attachment; filename="{export_filename(params.q, "xlsx")}"'}
    )
    return Response(await in_thread(workbook), headers=headers, content_type=export.MEDIA_TYPES["xlsx"])


async def unavailable(datasette, request, params: Params, fmt: str, message: str, status: int) -> Response:
    if fmt == "json":
        return Response.json(
            {"ok": False, "error": message, "status": status}, status=status, headers=_headers(datasette)
        )
    if fmt in ("csv", "excel.csv", "xlsx"):
        return Response.text(message, status=status, headers=_headers(datasette))
    return Response.html(await render(datasette, request, params, error=message), status=status)


async def render(
    datasette,
    request,
    params: Params,
    *,
    result: search.SearchResult | None = None,
    titles: dict[str, str] | None = None,
    error: str | None = None,
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
        "canned_url": (
            datasette.urls.query(DATABASE, "suche") + (f"?{urlencode({'q': params.q})}" if params.q else "")
            if DATABASE in datasette.databases
            else None  # no archive: no canned query to point to
        ),
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
        csv_url=f"{datasette.urls.path(PATH + '.csv')}?{params.query_string()}",
        excel_csv_url=f"{datasette.urls.path(PATH + '.excel.csv')}?{params.query_string()}",
        xlsx_url=f"{datasette.urls.path(PATH + '.xlsx')}?{params.query_string()}",
        download_scope=(
            f"alle {number(result.total)} Treffer"
            if result.total <= MAX_EXPORT_HITS
            else f"die ersten {number(MAX_EXPORT_HITS)} von {number(result.total)} Treffern"
        ),
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
                }
                if (picture := (thumbnails or {}).get(hit.page_id))
                else None,
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
