"""Exports: a table, a read-only SQL query or all hits of a search, streamed to CSV, JSON or Excel (xlsx).

A row source yields one row at a time (fetched a few hundred at a time) and every writer writes it at
once, so the size of an export does not matter (xlsx: openpyxl's write-only mode goes through a temporary
sheet file; its strings are inline, not collected in memory). Nothing here changes the database: it is
opened read-only, and only SELECT/WITH statements are accepted.

CSV is plain RFC 4180 in UTF-8 for programs, every value as it is. "CSV für Excel" (``csv-excel``) is
what German Excel opens by double click: UTF-8 with a byte order mark, ``;`` between fields, and a text
that Excel would evaluate (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) behind an apostrophe, so
it is shown, never run, as in the xlsx export. The best format for people with a spreadsheet is xlsx:
every string is a text cell, so a value such as ``=SUMME(A1:A2)``, ``+49 30 123``, ``-5``, ``@x`` or
``#NV`` is shown as written and never evaluated, and nothing is reinterpreted as a date or number on
opening, which no CSV dialect can promise for every spreadsheet program and locale.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from qmarchive import hits, search
from qmarchive.serve import SETTINGS
from qmarchive.errors import ExportError
from qmarchive.progress import Advance

FORMATS = ("csv", "csv-excel", "xlsx", "json")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv-excel": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CITATION_COLUMN = "zitat"
# What German Excel expects of a CSV file it opens: a byte order mark to read UTF-8, ";" between fields.
EXCEL_BOM = "\ufeff"
EXCEL_DELIMITER = ";"
# Text Excel evaluates as a formula (or DDE) if it starts with one of these; an apostrophe keeps it text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# An SQL export has the time limit of the served SQL (seconds in SQLite); the handler looks every N steps.
SQL_TIME_LIMIT = SETTINGS["sql_time_limit_ms"] / 1000
PROGRESS_HANDLER_STEPS = 1000
# Tables whose natural order is not their primary key's.
TABLE_ORDER = {"pages": "document_id, page_number"}

# Excel's limits: rows per sheet (with the header) and characters per cell.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_CELL_CHARS = 32_767
XLSX_SHORTENED = " … [gekürzt: Excel fasst höchstens 32.767 Zeichen je Zelle]"
# Integers beyond 15 digits lose precision as Excel numbers; they are written as text.
XLSX_MAX_EXACT_INT = 10**15 - 1
XLSX_WIDTH_SAMPLE = 50
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 60
PROGRESS_EVERY = 100

_SQL_COMMENT = re.compile(r"\s*(--[^\n]*(\n|$)|/\*.*?\*/)", re.DOTALL)
_FIRST_WORD = re.compile(r"[\s(]*([A-Za-z]+)")
# What XML cannot hold verbatim (control characters; CR, which XML turns into LF; non-characters;
# lone surrogates) and a literal "_xHHHH_", which Excel would decode: written in OOXML's _xHHHH_ escape.
_OOXML_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x0d\x0e-\x1f\ufffe\uffff\ud800-\udfff]|_(?=x[0-9A-Fa-f]{4}_)")
_SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\]")

Row = Mapping[str, Any] | Sequence[Any]


@dataclass
class Rows:
    """A row source: its column names, its rows (one pass only) and, where it is cheap, their number."""

    name: str
    columns: list[str]
    rows: Iterable[Row]
    total: int | None = None
    description: str = ""
    count: Callable[[], int] | None = field(default=None, repr=False)
    # Search hits left out because their pages are no longer in the database (filled as rows are read).
    missing: list[str] = field(default_factory=list)

    def size(self) -> int | None:
        """The number of rows, counting them (a second query) if that was not known beforehand."""
        if self.total is None and self.count is not None:
            self.total = self.count()
        return self.total


@dataclass
class Report:
    rows: int
    path: Path | None
    bytes: int | None


# -- the database, read-only ---------------------------------------------------------------------------


def table_names(db: Database) -> list[str]:
    """Tables and views a user may export, without the internal tables of the full-text indexes."""
    try:
        rows = db.execute("SELECT name, type FROM pragma_table_list WHERE schema = 'main'").fetchall()
        names = [name for name, kind in rows if kind in ("table", "view", "virtual") and not name.startswith("sqlite_")]
    except sqlite3.OperationalError:
        names = db.table_names() + db.view_names()
    return sorted(names)


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# -- row sources ---------------------------------------------------------------------------------------


def table_rows(db: Database, table: str, *, base_url: str | None = None) -> Rows:
    """Every row of a table or view; the pages table gets the citation of each page as ``zitat``."""
    known = set(db.table_names()) | set(db.view_names())
    if table not in known:
        raise ExportError(f"unknown table '{table}'; tables: {', '.join(table_names(db))}")
    name = quote_identifier(table)
    order = TABLE_ORDER.get(table)
    if order is None and table in db.table_names():
        pks = db.table(table).pks
        order = ", ".join(quote_identifier(pk) if pk != "rowid" else "rowid" for pk in pks)
    sql = f"SELECT * FROM {name}" + (f" ORDER BY {order}" if order else "")
    cursor = _execute(db, sql)
    columns = [d[0] for d in cursor.description]
    total = db.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    rows: Iterable[Row] = _fetch(cursor)
    if table == "pages" and "id" in columns:
        rows = _with_citations(db, columns, rows, base_url)
        columns = [*columns, CITATION_COLUMN]
    return Rows(name=table, columns=columns, rows=rows, total=total, description=f"Tabelle {table}")


def sql_rows(
    db: Database, sql: str, params: Mapping[str, Any] | None = None, *, time_limit: float | None = SQL_TIME_LIMIT
) -> Rows:
    """The rows of one SELECT (or WITH … SELECT) statement; anything else is refused.

    ``time_limit``: seconds the query may spend in SQLite (counting its rows too, not writing them), as
    the served SQL has; None or 0: no limit. A query that runs longer raises :class:`ExportError`.
    """
    statement = sql.strip().rstrip(";").strip()
    if not statement:
        raise ExportError("the SQL query is empty")
    keyword = first_keyword(statement)
    if keyword not in ("select", "with"):
        raise ExportError(f"only SELECT queries can be exported, not {keyword.upper() or 'this statement'}")
    clock = QueryClock(db.conn, time_limit or None)
    cursor = _execute(db, statement, params or {}, clock)
    if cursor.description is None:
        raise ExportError("the SQL statement returns no rows")
    columns = unique_names([d[0] for d in cursor.description])

    def count() -> int:
        counted = _execute(db, f"SELECT count(*) FROM (\n{statement}\n)", params or {}, clock)
        return next(_fetch(counted, clock))[0]

    return Rows(name="abfrage", columns=columns, rows=_fetch(cursor, clock), description=statement, count=count)


class QueryClock:
    """The time a query spends in SQLite, held against a limit by SQLite's progress handler, which also
    lets Ctrl-C stop a query that returns no rows for a long time.

    SQLite reports an aborted query only as "interrupted", and the sqlite3 module swallows a
    KeyboardInterrupt raised while the handler runs (aborting the query): an interruption that was not
    the time limit was Ctrl-C (or SIGTERM), since nothing else interrupts this connection.
    """

    def __init__(self, conn: sqlite3.Connection, limit: float | None) -> None:
        self.limit = limit
        self.used = 0.0
        self.started: float | None = None
        self.exceeded = False
        conn.set_progress_handler(self._check, PROGRESS_HANDLER_STEPS)

    def _check(self) -> int:
        if self.limit is not None and self.started is not None:
            self.exceeded = self.used + time.monotonic() - self.started > self.limit
        return int(self.exceeded)

    @contextmanager
    def running(self) -> Iterator[None]:
        self.started = time.monotonic()
        try:
            yield
        finally:
            self.used += time.monotonic() - self.started
            self.started = None

    def error(self, exc: sqlite3.Error) -> BaseException:
        """What an aborted query means: the time limit, Ctrl-C, or an SQL error."""
        if self.exceeded:
            return ExportError(
                f"the query ran longer than the time limit of {self.limit:g} s (time spent in SQLite); "
                "narrow it, or raise the limit with --time-limit SECONDS (0: none)"
            )
        if str(exc) == "interrupted":
            return KeyboardInterrupt()
        return ExportError(f"SQL error: {exc}")


def first_keyword(sql: str) -> str:
    """The statement's first word, after comments and opening parentheses, in lower case."""
    rest = sql
    while True:
        match = _SQL_COMMENT.match(rest)
        if not match:
            break
        rest = rest[match.end() :]
    word = _FIRST_WORD.match(rest)
    return word.group(1).lower() if word else ""


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique (``id``, ``id_2``), so rows can be objects without losing a column."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        candidate = name
        while candidate in seen:
            seen[name] += 1
            candidate = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        seen.setdefault(candidate, 1)
        result.append(candidate)
    return result


def search_rows(
    db: Database,
    index_dir: Path,
    query: str,
    *,
    engine: str = search.DEFAULT_ENGINE,
    filters: dict[str, list[str]] | None = None,
    base_url: str | None = None,
    chunk: int = hits.CHUNK,
) -> Rows:
    """Every hit of a search, best first, as :mod:`qmarchive.hits` records (with the page's citation)."""
    found = hits.all_hits(db, index_dir, query, engine=engine, filters=filters, chunk=chunk)
    slug = re.sub(r"[^a-z0-9]+", "-", query.lower())[:40].strip("-")
    return Rows(
        name=f"suche-{slug}" if slug else "suche",
        columns=list(hits.COLUMNS),
        rows=(record.as_dict() for record in hits.records(db, found.hits, base_url=base_url)),
        total=found.total,
        description=f"Suche ({engine}): {query}",
        missing=found.missing,
    )


def _with_citations(db: Database, columns: list[str], rows: Iterable[Row], base_url: str | None) -> Iterator[Row]:
    at = columns.index("id")
    for row in rows:
        values = list(row)
        yield [*values, hits.citation_text(db, values[at], base_url)]


def _execute(db: Database, sql: str, params: Any = (), clock: QueryClock | None = None) -> sqlite3.Cursor:
    try:
        with clock.running() if clock else nullcontext():
            return db.conn.execute(sql, params)
    except sqlite3.Error as exc:
        raise (clock.error(exc) if clock else ExportError(f"SQL error: {exc}")) from exc


def _fetch(cursor: sqlite3.Cursor, clock: QueryClock | None = None, size: int = 500) -> Iterator[tuple]:
    try:
        while True:
            with clock.running() if clock else nullcontext():
                batch = cursor.fetchmany(size)
            if not batch:
                return
            yield from batch
    except sqlite3.Error as exc:
        raise (clock.error(exc) if clock else ExportError(f"SQL error: {exc}")) from exc


# -- writers -------------------------------------------------------------------------------------------


def values(row: Row, columns: Sequence[str]) -> list[Any]:
    """A row's values in column order, whether it is a mapping or a sequence (``sqlite3.Row`` is both)."""
    if isinstance(row, Mapping):
        return [row.get(column) for column in columns]
    return list(row)


def plain(value: Any) -> Any:
    """A value for CSV and xlsx: bytes as Base64 text, everything else as it is."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _counted(rows: Iterable[Row], progress: Advance | None) -> Iterator[Row]:
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if progress and pending == PROGRESS_EVERY:
            progress(pending)
            pending = 0
    if progress and pending:
        progress(pending)


def write_csv(
    columns: Sequence[str],
    rows: Iterable[Row],
    out: IO[str],
    *,
    progress: Advance | None = None,
    excel: bool = False,
) -> int:
    """RFC 4180 CSV, UTF-8 (the caller opens ``out`` with ``newline=""``): for programs. With ``excel``, CSV
    für Excel: a byte order mark, ``;`` between fields and formulas kept as text (:func:`excel_text`)."""
    import csv

    if excel:
        out.write(EXCEL_BOM)
    writer = csv.writer(out, delimiter=EXCEL_DELIMITER if excel else ",")
    cell = excel_text if excel else plain
    writer.writerow([cell(name) for name in columns])
    n = 0
    for row in _counted(rows, progress):
        writer.writerow([cell(value) for value in values(row, columns)])
        n += 1
    return n


def excel_text(value: Any) -> Any:
    """A value for CSV für Excel: a text Excel would evaluate gets a leading apostrophe (numbers stay)."""
    value = plain(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_writer(fmt: str) -> Callable[..., int]:
    """The writer of a text format: csv, csv-excel or json."""
    if fmt == "json":
        return write_json
    return partial(write_csv, excel=fmt == "csv-excel")


def write_json(columns: Sequence[str], rows: Iterable[Row], out: IO[str], *, progress: Advance | None = None) -> int:
    """A JSON array of objects, written one object at a time; bytes as Datasette writes them."""
    n = 0
    out.write("[")
    for row in _counted(rows, progress):
        record = {column: _json_value(value) for column, value in zip(columns, values(row, columns))}
        out.write(("\n" if n == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$base64": True, "encoded": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def write_xlsx(
    columns: Sequence[str],
    rows: Iterable[Row],
    out: Path | IO[bytes],
    *,
    title: str = "Export",
    info: Sequence[tuple[str, Any]] = (),
    progress: Advance | None = None,
) -> int:
    """An Excel workbook: bold frozen header, widths from the first rows, every string a text cell.

    ``info`` (label, value) pairs go on a second sheet "Info" (source, query, completeness …).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    iterator = iter(rows)
    sample = [values(row, columns) for row in islice(iterator, XLSX_WIDTH_SAMPLE)]
    for index, width in enumerate(column_widths(columns, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header_cell(name: str) -> Any:
        cell = xlsx_cell(WriteOnlyCell, sheet, name)
        cell.font = bold
        return cell

    sheet.append([header_cell(name) for name in columns])
    n = 0
    for row in _counted(chain(sample, iterator), progress):
        if n + 1 >= XLSX_MAX_ROWS:
            raise ExportError(f"more than {XLSX_MAX_ROWS - 1:,} rows do not fit on an Excel sheet; export CSV or JSON")
        sheet.append([xlsx_cell(WriteOnlyCell, sheet, value) for value in values(row, columns)])
        n += 1
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"
    if info:
        about = workbook.create_sheet("Info")
        about.column_dimensions["A"].width = 16
        about.column_dimensions["B"].width = XLSX_MAX_WIDTH * 2
        for label, value in [*info, ("Zeilen", n)]:
            about.append([header_cell(label), xlsx_cell(WriteOnlyCell, about, value)])
    workbook.save(out)
    return n


def xlsx_cell(make: Callable[..., Any], sheet: Any, value: Any) -> Any:
    """A write-only cell that is never a formula: numbers stay numbers, everything else is text."""
    value = plain(value)
    if value is None:
        return make(sheet, value=None)
    if isinstance(value, bool) or (isinstance(value, float) and math.isfinite(value)):
        return make(sheet, value=value)
    if isinstance(value, int) and abs(value) <= XLSX_MAX_EXACT_INT:
        return make(sheet, value=value)
    cell = make(sheet, value=None)
    cell.value = ooxml_text(str(value))
    # openpyxl makes "=…" a formula and "#N/A" an error value; as type "s" both are plain text.
    cell.data_type = "s"
    cell.number_format = "@"
    return cell


def ooxml_text(text: str) -> str:
    """Text as an xlsx cell holds it: within Excel's length limit, unrepresentable characters escaped."""
    if len(text) > XLSX_MAX_CELL_CHARS:
        text = text[: XLSX_MAX_CELL_CHARS - len(XLSX_SHORTENED)] + XLSX_SHORTENED
    escaped = _OOXML_ESCAPE.sub(_escape_char, text)
    while len(escaped) > XLSX_MAX_CELL_CHARS:
        text = text[: len(text) - (len(escaped) - XLSX_MAX_CELL_CHARS) - len(XLSX_SHORTENED)] + XLSX_SHORTENED
        escaped = _OOXML_ESCAPE.sub(_escape_char, text)
    return escaped


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return "_x005F_" if char == "_" else f"_x{ord(char):04X}_"


def column_widths(columns: Sequence[str], sample: list[list[Any]]) -> list[float]:
    """Widths (in characters) that fit the header and most of the first rows, within bounds."""
    widths = []
    for index, name in enumerate(columns):
        longest = max(
            [len(name) + 2]
            + [max(map(len, str(row[index]).splitlines() or [""])) for row in sample if row[index] is not None]
        )
        widths.append(float(min(max(longest + 1, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)))
    return widths


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return _SHEET_TITLE_UNSAFE.sub("-", text).strip("'")[:31] or "Export"


# -- whole exports -------------------------------------------------------------------------------------


def export(
    source: Rows,
    fmt: str,
    output: Path | IO[str],
    *,
    info: Sequence[tuple[str, Any]] = (),
    progress: Advance | None = None,
) -> Report:
    """Write a row source to a file (complete or not at all: it is written beside it, then renamed) or,
    for CSV and JSON, to an open text stream."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    if not isinstance(output, Path):
        if fmt == "xlsx":
            raise ExportError("an xlsx file cannot go to standard output; name a file with --output")
        return Report(csv_writer(fmt)(source.columns, source.rows, output, progress=progress), None, None)
    temporary = output.with_name(f".{output.name}.{secrets.token_hex(4)}.part")
    try:
        out = open(temporary, "x", encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"{output}: cannot write here ({exc.strerror or exc})") from exc
    try:
        with out:
            if fmt != "xlsx":
                n = csv_writer(fmt)(source.columns, source.rows, out, progress=progress)
        if fmt == "xlsx":
            n = write_xlsx(source.columns, source.rows, temporary, title=source.name, info=info, progress=progress)
        os.replace(temporary, output)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        removed = f"{output} was not written (the partial file {temporary.name} was removed)"
        if isinstance(exc, OSError):
            raise ExportError(f"{output}: cannot write ({exc.strerror or exc}); {removed}") from exc
        if isinstance(exc, KeyboardInterrupt):
            raise ExportError(f"interrupted; {removed}") from None
        if isinstance(exc, ExportError):
            raise ExportError(f"{exc}; {removed}") from exc
        raise
    return Report(n, output, output.stat().st_size)
