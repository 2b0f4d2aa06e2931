"""Measures and funds (Maßnahmen): named projects with their amount in euros, fund, years and Handlungsfeld.

Two methods, chosen per page:

* ``tabelle`` — pages with a text layer and amounts in table words go to pdfplumber, which finds ruled tables
  and their cells (wrapped cells stay one cell). A table counts if a header cell names an amount
  ("Betrag", "€", "Euro", "Kosten", "Mittel"); every row with a readable amount becomes a measure.
* ``textzeile`` — pages without a table found (scans read by OCR, unruled lists): a line that names a
  fund ("…fonds") and ends with an amount is a measure; the line is kept as printed.

Amounts in running prose ("Projekte ab 5.000 Euro", totals) are no measures and are left out.
Derived data: rebuilt from the PDFs by ``qmarchive ingest``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qmarchive import topics

METHOD_TABLE = "tabelle"
METHOD_LINE = "textzeile"

# 12.500 · 1.602.500,00 · 10 000 · 8000 — a German amount, not a year or a page number alone.
_AMOUNT = r"(?<![\d.,])(\d{1,3}(?:[. ]\d{3})+(?:,\d{1,2})?|\d{4,7}(?:,\d{1,2})?)(?![\d.,]\d)"
_AMOUNT_RE = re.compile(_AMOUNT)
_MONEY_ON_PAGE = re.compile(_AMOUNT + r"\s*(?:€|Euro|EUR)(?!\w)|Betrag in €|in Euro|Betrag \(€\)", re.IGNORECASE)
_LINE_AMOUNT_AT_END = re.compile(_AMOUNT + r"\s*(?:€|Euro|EUR)?\s*$")
_FUND = re.compile(
    r"\b((?:Aktions|Projekt|Bau|Netzwerk|Kiez|Quartiers|Verfügungs|Innovations)\s*-?\s*fonds)\b", re.IGNORECASE
)
_YEARS = re.compile(r"\b((?:19|20)\d{2})(?:\s*[–-]\s*((?:19|20)\d{2}))?\b")
_TABLE_HINT = re.compile(r"betrag|kosten|summe|€|\bEUR\b", re.IGNORECASE)  # a table of amounts, not prose
_HEADER_AMOUNT = re.compile(r"betrag|€|euro|kosten|mittel|summe", re.IGNORECASE)
_HEADER_NAME = re.compile(r"projekt|maßnahme|massnahme|vorhaben|titel|bezeichnung", re.IGNORECASE)
_HEADER_FUND = re.compile(r"fonds|programm|förder", re.IGNORECASE)
_HEADER_YEARS = re.compile(r"laufzeit|jahr|zeitraum|zeitplan", re.IGNORECASE)
_HEADER_FIELD = re.compile(r"handlungsfeld|themenfeld", re.IGNORECASE)
_TOTAL = re.compile(r"^\s*(?:summe|gesamt|insgesamt)\b", re.IGNORECASE)
_SOFT_BREAK = re.compile(r"(?<=[a-zäöüß])-\n(?=[a-zäöüß])")
_LEADING_NUMBER = re.compile(r"^\s*\d{1,3}[.)]?\s*\|?\s*")


@dataclass
class Measure:
    page_id: str
    document_id: str
    page_number: int
    text: str  # as printed: the row's cells (or the line) in reading order
    amount_eur: float
    fund: str | None
    years: str | None
    topic_id: str | None
    method: str

    def row(self) -> dict[str, Any]:
        return asdict(self)


def parse_amount(text: str) -> float | None:
    """A German amount as a number: "12.500" → 12500, "1.602.500,50" → 1602500.5; None if there is none."""
    match = _AMOUNT_RE.search(text)
    if match is None:
        return None
    digits = match.group(1).replace(".", "").replace(" ", "").replace(",", ".")
    return float(digits)


def _cell(text: str | None) -> str:
    """A table cell as one line: words broken at the line end joined again ("Familienzen-\\ntrum")."""
    return " ".join(_SOFT_BREAK.sub("", text or "").split())


def _fund(text: str) -> str | None:
    match = _FUND.search(text)
    if match is None:
        return None
    word = re.sub(r"[\s-]+", "", match.group(1))
    return word[0].upper() + word[1:].lower()


def _years(text: str) -> str | None:
    match = _YEARS.search(text)
    if match is None:
        return None
    return f"{match.group(1)}–{match.group(2)}" if match.group(2) else match.group(1)


def _topic(text: str | None) -> str | None:
    """The Handlungsfeld a cell or line names, under any of its historical names; None if not exactly one."""
    if not text:
        return None
    ids = topics.lookup(text)
    if len(ids) == 1:
        return ids[0]
    named = topics.tag_page(text)
    return named[0] if len(named) == 1 else None


def _topic_in_line(text: str) -> str | None:
    """The Handlungsfeld a table line read as text names: its words that name exactly one field must agree.

    A wrapped cell leaves only the first words of the field's name on the line ("Wohnumfeld/Öffentlicher").
    """
    named = set()
    for word in re.split(r"[\s,|/]+", text):
        ids = topics.lookup(word) if len(word) >= 4 else []
        if len(ids) == 1:
            named.add(ids[0])
    return named.pop() if len(named) == 1 else None


def has_money(text: str) -> bool:
    """Whether a page mentions an amount of money at all (only those pages are read for tables)."""
    return _MONEY_ON_PAGE.search(text) is not None


def _column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if pattern.search(cell)), None)


def from_tables(
    tables: Iterable[list[list[str | None]]], page: tuple[str, str, int], section: str | None
) -> list[Measure]:
    """Measures from a page's tables: the header decides which column is what."""
    page_id, document_id, page_number = page
    found = []
    for table in tables:
        rows = [[_cell(cell) for cell in row] for row in table if row]
        if len(rows) < 2:
            continue
        header = rows[0]
        amount_col = _column(header, _HEADER_AMOUNT)
        if amount_col is None:
            continue
        name_col = _column(header, _HEADER_NAME) or 0
        fund_col, years_col, field_col = (_column(header, p) for p in (_HEADER_FUND, _HEADER_YEARS, _HEADER_FIELD))
        for row in rows[1:]:
            if len(row) <= amount_col or row == header or _TOTAL.match(row[name_col] if len(row) > name_col else ""):
                continue
            amount = parse_amount(row[amount_col])
            if amount is None:
                continue
            text = " | ".join(cell for cell in row if cell)
            found.append(
                Measure(
                    page_id=page_id,
                    document_id=document_id,
                    page_number=page_number,
                    text=text,
                    amount_eur=amount,
                    fund=_fund(row[fund_col]) if fund_col is not None and len(row) > fund_col else _fund(text),
                    years=_years(row[years_col]) if years_col is not None and len(row) > years_col else _years(text),
                    topic_id=_topic(row[field_col])
                    if field_col is not None and len(row) > field_col
                    else _topic(section),
                    method=METHOD_TABLE,
                )
            )
    return found


def from_lines(text: str, page: tuple[str, str, int], section: str | None) -> list[Measure]:
    """Measures from text lines that name a fund and end with an amount (e.g. an OCR-read list)."""
    page_id, document_id, page_number = page
    found = []
    for line in text.splitlines():
        line = " ".join(line.split())
        match = _LINE_AMOUNT_AT_END.search(line)
        fund = _fund(line)
        if match is None or fund is None or _TOTAL.match(line):
            continue
        name = _LEADING_NUMBER.sub("", line[: match.start()]).strip(" |")
        if not name or name.lower().rstrip(":") == fund.lower():
            continue  # a fund's description, not a measure
        found.append(
            Measure(
                page_id=page_id,
                document_id=document_id,
                page_number=page_number,
                text=line,
                amount_eur=parse_amount(match.group(1)) or 0.0,
                fund=fund,
                years=_years(name),
                topic_id=_topic_in_line(name) or _topic(section),
                method=METHOD_LINE,
            )
        )
    return found


Tables = dict[int, list[list[list[str | None]]]]  # page number → the page's tables, rows of cells


def wants_tables(text: str) -> bool:
    """Whether a page is worth reading for tables: money in a table's words (Betrag, Kosten, €)."""
    return has_money(text) and _TABLE_HINT.search(text) is not None


def read_tables(pdf_path: Path, page_numbers: Iterable[int], password: str | None = None) -> tuple[Tables, list[str]]:
    """The tables pdfplumber finds on the given pages, and warnings for what it could not read.

    The slow part (about 0.2 s a page), so ingest runs it in the extraction worker, under its time and
    memory limits.
    """
    tables: Tables = {}
    warnings: list[str] = []
    numbers = list(page_numbers)
    if not numbers:
        return tables, warnings
    import pdfplumber  # only here: pdfminer takes a while to import, and most documents need no table read

    try:
        pdf = pdfplumber.open(pdf_path, password=password or "")
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds of errors; the text lines remain
        return tables, [f"measures: tables not read ({type(exc).__name__}), amounts taken from text lines only"]
    with pdf:
        for number in numbers:
            try:
                tables[number] = pdf.pages[number - 1].extract_tables()
            except Exception as exc:  # noqa: BLE001 - as above, for one page
                warnings.append(
                    f"page {number}: measures table not read ({type(exc).__name__}), amounts taken from its text lines"
                )
    return tables, warnings


def extract(document_id: str, pages: Iterable[dict[str, Any]], tables: Tables | None = None) -> list[Measure]:
    """The measures of a document's pages (``pages`` rows as stored: id, page_number, text, section), from
    the tables read on them (see :func:`read_tables`), else from their text lines."""
    found: list[Measure] = []
    for page in pages:
        if not has_money(page["text"]):
            continue
        key = (page["id"], document_id, page["page_number"])
        measures = from_tables((tables or {}).get(page["page_number"], []), key, page.get("section"))
        found.extend(measures or from_lines(page["text"], key, page.get("section")))
    return found
