"""The ``.xlsx`` output renderer: tables, rows, canned and arbitrary queries as Excel workbooks.

Datasette hands a renderer the rows of one page: a table's ``_size`` rows (``_size=max``: at most
``max_returned_rows``, 1,000 by default) from ``_next`` on; a query's rows up to ``max_returned_rows``.
On tables ``?_stream=on`` follows the table's own ``_next`` links through Datasette's JSON, as the CSV
stream does, so the workbook holds every row of the filtered, sorted table. What a workbook holds and
whether it is complete is written on its sheet "Info"; complete exports of any query come from
``qmarchive export``.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from datasette.utils.asgi import Response

from qmarchive import export
from qmarchive.datasette_plugin import TOTAL_COLUMN, suche
from qmarchive.datasette_plugin.common import in_thread

EXTENSION = "xlsx"
MEDIA_TYPE = export.MEDIA_TYPES["xlsx"]
VIEWS = ("table", "row", "database")
# Paging arguments the stream sets itself; everything else (filters, sort, _labels …) is kept.
_STREAM_ARGS = ("_next", "_size", "_stream", "_format", "_nofacet", "_nocount", "_shape")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def renderer() -> dict[str, Any]:
    """The ``register_output_renderer`` entry."""
    return {"extension": EXTENSION, "render": render_xlsx, "can_render": can_render_xlsx}


def can_render_xlsx(view_name: str, columns: list[str]) -> bool:
    return view_name in VIEWS and bool(columns)


async def render_xlsx(datasette, request, database, table, query_name, sql, columns, rows, data, view_name):
    if not columns:
        return None  # the database page without ?sql=: Datasette answers 404
    headings, expanded = _headings(columns, data.get("expanded_columns") or [])
    rows = [_expand(row, columns, expanded) for row in rows]
    complete = _completeness(datasette, request, view_name, data, rows, headings)
    if view_name == "table" and data.get("next") and request.args.get("_stream"):
        rows, complete = await _stream(datasette, request, data, columns, expanded, rows)
    name = query_name or table or database
    info = [
        (
            "Quelle",
            datasette.absolute_url(request, request.path)
            + (f"?{request.query_string}" if request.query_string else ""),
        ),
        ("Datenbank", database),
    ]
    if query_name or table:
        info.append(("Abfrage" if query_name else "Tabelle", query_name or table))
    if sql and not table:
        info.append(("SQL", sql))
    info += [("Vollständig", complete), ("Erstellt", datetime.now().astimezone().isoformat(timespec="seconds"))]
    body = await in_thread(_workbook, headings, rows, name, info)
    filename = _FILENAME_UNSAFE.sub("-", name).strip("-.") or "export"
    return Response(
        body,
        content_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}.{EXTENSION}"'},
    )


def _workbook(headings: list[str], rows: list[list[Any]], name: str, info: list[tuple[str, Any]]) -> bytes:
    out = io.BytesIO()
    export.write_xlsx(headings, rows, out, title=name, info=info)
    return out.getvalue()


def _headings(columns: list[str], expanded_columns: list[str]) -> tuple[list[str], set[str]]:
    """Columns with a ``…_label`` column after each foreign key Datasette expanded (``_labels=on``)."""
    expanded = set(expanded_columns)
    headings = []
    for column in columns:
        headings.append(column)
        if column in expanded:
            headings.append(f"{column}_label")
    return headings, expanded


def _expand(row: Any, columns: list[str], expanded: set[str]) -> list[Any]:
    """A row's values in column order, an expanded foreign key as its value and its label."""
    cells = [
        cell["encoded"] if isinstance(cell, dict) and cell.get("$base64") else cell
        for cell in export.values(row, columns)
    ]
    if not expanded:
        return cells
    result = []
    for column, cell in zip(columns, cells):
        if column not in expanded:
            result.append(cell)
        elif isinstance(cell, dict):
            result.extend((cell.get("value"), cell.get("label")))
        else:
            result.extend((cell, None))
    return result


def _completeness(
    datasette, request, view_name: str, data: dict[str, Any], rows: list[list[Any]], headings: list[str]
) -> str:
    if view_name == "table" and data.get("next"):
        count = data.get("filtered_table_rows_count")
        of = f" von {_number(count)}" if isinstance(count, int) else ""
        return f"nein: eine Seite{of} Zeilen; alle Zeilen mit ?_stream=on (oder qmarchive export --table)"
    if data.get("truncated"):
        return f"nein: Datasette gibt höchstens {_number(datasette.max_returned_rows)} Zeilen einer Abfrage aus; alle Zeilen mit qmarchive export --sql"
    total = _total_hits(rows, headings)
    if total is not None and total > len(rows):
        everything = datasette.absolute_url(
            request, datasette.urls.path(f"{suche.PATH}.xlsx") + "?" + urlencode({"q": request.args.get("q") or ""})
        )
        return (
            f"nein: die {_number(len(rows))} besten von {_number(total)} Treffern (die Abfrage endet mit "
            f"limit); alle Treffer: {everything} (oder qmarchive export --search)"
        )
    return "ja"


def _total_hits(rows: list[list[Any]], headings: list[str]) -> int | None:
    """How many hits a search query found in all, from its TOTAL_COLUMN (the canned query ``suche``)."""
    if TOTAL_COLUMN not in headings or not rows:
        return None
    total = rows[0][headings.index(TOTAL_COLUMN)]
    return total if isinstance(total, int) else None


async def _stream(
    datasette, request, data: dict[str, Any], columns: list[str], expanded: set[str], first: list[list[Any]]
) -> tuple[list[list[Any]], str]:
    """Every row of the filtered table, read page by page through Datasette's own JSON.

    Datasette 0.65 orders the first page of a sorted table by the sort column alone and only the
    following pages by the primary key as well, so paging through a column with repeated values (the
    pages table's default sort, page_number) skips rows: its own CSV stream loses them. A sorted table
    is therefore read again from the start in primary key order.
    """
    pks = data.get("primary_keys") or ["rowid"]
    sorted_table = not data.get("is_view") and len(data["next"].split(",")) > len(pks)
    by_key = request.args.get("_sort") in pks or request.args.get("_sort_desc") in pks
    if sorted_table and not by_key:
        if len(pks) > 1:
            return first, (
                "nein: eine Seite; eine sortierte Tabelle mit zusammengesetztem Schlüssel liest Datasette nicht "
                "vollständig seitenweise (alle Zeilen mit qmarchive export --table)"
            )
        rows, complete = await _pages(datasette, request, columns, expanded, None, sort=pks[0])
        note = f"; Reihenfolge nach {pks[0]} (die gewählte Sortierung verlöre in Datasette 0.65 Zeilen)"
    else:
        rows, complete = await _pages(datasette, request, columns, expanded, data["next"], have=len(first))
        rows, note = first + rows, ""
    expected = data.get("filtered_table_rows_count")
    if complete == "ja" and isinstance(expected, int) and expected != len(rows):
        complete = f"nein: {_number(len(rows))} von {_number(expected)} Zeilen"
    return rows, complete + note


async def _pages(
    datasette,
    request,
    columns: list[str],
    expanded: set[str],
    token: str | None,
    *,
    sort: str | None = None,
    have: int = 0,
) -> tuple[list[list[Any]], str]:
    path = request.scope.get("route_path") or request.path
    path = path[: -len(EXTENSION) - 1] + ".json" if path.endswith(f".{EXTENSION}") else path
    dropped = _STREAM_ARGS + (("_sort", "_sort_desc") if sort else ())
    kept = [(key, value) for key in request.args.keys() if key not in dropped for value in request.args.getlist(key)]
    if not path.endswith(".json"):
        kept.append(("_format", "json"))
    if sort:
        kept.append(("_sort", sort))
    headers = {"cookie": request.headers["cookie"]} if "cookie" in request.headers else {}
    rows: list[list[Any]] = []
    limit = export.XLSX_MAX_ROWS - 1
    while True:
        paging = [("_next", token)] if token else []
        query = urlencode(
            [*kept, *paging, ("_size", "max"), ("_nocount", "1"), ("_nofacet", "1"), ("_shape", "objects")]
        )
        response = await datasette.client.get(f"{path}?{query}", headers=headers)
        if response.status_code != 200:
            return rows, f"nein: Abbruch nach {_number(have + len(rows))} Zeilen (HTTP {response.status_code})"
        data = response.json()
        rows.extend(_expand(record, columns, expanded) for record in data.get("rows", []))
        if have + len(rows) > limit:
            del rows[limit - have :]
            return rows, f"nein: ein Excel-Blatt fasst höchstens {_number(limit)} Zeilen"
        token = data.get("next")
        if not token:
            return rows, "ja"


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")
