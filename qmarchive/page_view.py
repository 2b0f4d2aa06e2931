"""A page for reading: what the page view shows of one PDF page, built from the database.

The served view (``/-/seite/<document>/<page>``) and the static edition render the same template
(``_seite.html``) from this context; they differ only in their ``Links``: server paths there, relative
paths in a static copy. Pure: no Datasette, no Whoosh (the caller marks search words).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from markupsafe import Markup, escape
from sqlite_utils import Database

from qmarchive.catalog import DOC_TYPE_LABELS
from qmarchive.cite import Citation
from qmarchive.extract import Section
from qmarchive.pagelabels import locator
from qmarchive.cite import period


class Links(Protocol):
    """Where the page view links to; a link the edition has no target for is None and not shown."""

    def page(self, document_id: str, page_number: int) -> str: ...

    def image(self, document_id: str, page_number: int, sha256: str, size: str) -> str: ...

    def pdf(self, document_id: str, page_number: int) -> str: ...

    def topic(self, topic_id: str) -> str: ...

    def zitat(self, document_id: str, page_number: int) -> str | None: ...

    def row(self, page_id: str) -> str | None: ...

    def row_json(self, page_id: str) -> str | None: ...


def alt_text(page_locator: str, heading: str | None) -> str:
    """The image's text alternative: which page it shows and its first heading (the text stands beside it)."""
    return f"{page_locator} als Bild" + (f": {heading}" if heading else "")


# A line at least this share of the page's typical line (the median of its lines of 40 characters or more;
# joined hyphenations make a few much longer) ran to the full measure: its break was the layout's.
FULL_LINE = 0.8
_LONG = 40
_ITEM_START = ("•", "–", "-", "▪", "·")


def reflow(text: str) -> str:
    """The page's lines joined into paragraphs for reading width: a line that runs to the full measure goes
    on in the next one; a short line (heading, a paragraph's end), a line ending in ':', a line before a list
    item and a sentence's end before a short line without a full stop (a heading) keep their break. Only line breaks become spaces, so every character keeps its position."""
    lines = text.split("\n")
    long = sorted(len(line) for line in lines if len(line) >= _LONG)
    if not long:
        return text
    full = FULL_LINE * long[len(long) // 2]
    joined = []
    for line, following in zip(lines, lines[1:]):
        heading_next = (
            line.rstrip().endswith((".", "!", "?"))
            and len(following) < full
            and not following.rstrip().endswith((".", ",", ";", "!", "?"))
        )
        soft = (
            len(line) >= full
            and line.strip()
            and following.strip()
            and not line.rstrip().endswith(":")
            and not following.lstrip().startswith(_ITEM_START)
            and not heading_next
        )
        joined.append(line + (" " if soft else "\n"))
    return "".join(joined) + lines[-1]


def first_headings(db: Database, page_ids: list[str]) -> dict[str, str]:
    """Each page's first heading: the first section that starts on it, else the section it belongs to."""
    if not page_ids:
        return {}
    marks = ", ".join("?" * len(page_ids))
    rows = db.execute(
        f"""SELECT p.id, (SELECT s.title FROM sections s WHERE s.document_id = p.document_id
                         AND s.first_page = p.page_number ORDER BY s.position LIMIT 1), p.section
            FROM pages p WHERE p.id IN ({marks})""",
        page_ids,
    ).fetchall()
    return {page_id: starting or section for page_id, starting, section in rows if starting or section}


def context(
    db: Database,
    document_id: str,
    page_number: int,
    links: Links,
    *,
    citation: Citation,
    mark: Callable[[str], Markup | None] | None = None,
    pdf_words: list[str] | None = None,
) -> dict[str, Any] | None:
    """Template variables of the page view, or None if the archive has no such page.

    ``mark`` turns the page text into escaped HTML with the search words in ``<mark>`` (None: none found);
    ``pdf_words`` are the
    words the PDF link asks the viewer to look for (``#search=``, which PDF.js-based viewers follow).
    """
    page = db.execute(
        """SELECT p.id, p.page_number, p.page_label, p.page_label_source, p.section, p.text, p.ocr, p.ocr_engine, p.ocr_confidence,
                  d.title, d.doc_type, d.period_start, d.period_end, d.sha256, d.page_count
           FROM pages p JOIN documents d ON d.id = p.document_id WHERE p.document_id = ? AND p.page_number = ?""",
        [document_id, page_number],
    ).fetchone()
    if page is None:
        return None
    (
        page_id,
        number,
        label,
        source,
        section,
        text,
        ocr,
        ocr_engine,
        ocr_confidence,
        title,
        doc_type,
        period_start,
        period_end,
        sha256,
        page_count,
    ) = page
    printed = label if label and source != "physical" else None
    here = locator(printed, number) or ""
    sections = [
        Section(*row)
        for row in db.execute(
            "SELECT title, level, first_page, last_page FROM sections WHERE document_id = ? ORDER BY position",
            [document_id],
        )
    ]
    topics = db.execute(
        "SELECT t.id, t.name FROM page_topics pt JOIN topics t ON t.id = pt.topic_id WHERE pt.page_id = ? ORDER BY t.name",
        [page_id],
    ).fetchall()
    labels = {
        n: locator(page_label if page_label and page_source != "physical" else None, n)
        for n, page_label, page_source in db.execute(
            "SELECT page_number, page_label, page_label_source FROM pages WHERE document_id = ?", [document_id]
        )
    }
    heading = first_headings(db, [page_id]).get(page_id)
    text = reflow(text)
    marked = mark(text) if mark is not None and text else None
    pdf_url = links.pdf(document_id, number)
    if pdf_words:
        pdf_url += "&search=" + quote(" ".join(pdf_words))

    def neighbour(n: int) -> dict[str, Any] | None:
        if n not in labels:
            return None
        return {"url": links.page(document_id, n), "label": labels[n], "number": n}

    return {
        "page_id": page_id,
        "document_id": document_id,
        "page_number": number,
        "printed_label": printed,
        "page_locator": here,
        "page_count": page_count,
        "title": title,
        "type_label": DOC_TYPE_LABELS.get(doc_type, doc_type),
        "period": period(period_start, period_end),
        "section": section,
        "heading": heading,
        "text": marked if marked is not None else escape(text),
        "has_text": bool(text.strip()),
        "marked": marked is not None,
        "ocr": {"engine": ocr_engine, "confidence": ocr_confidence} if ocr else None,
        "topics": [{"id": topic_id, "name": name, "url": links.topic(topic_id)} for topic_id, name in topics],
        "image": {
            "url": links.image(document_id, number, sha256, "gross"),
            "alt": alt_text(here, heading),
        },
        "previous": neighbour(number - 1),
        "next": neighbour(number + 1),
        "contents": [
            {
                "title": s.title,
                "level": s.level,
                "url": links.page(document_id, s.first_page),
                "label": labels.get(s.first_page, locator(None, s.first_page)),
                "current": s.first_page <= number <= s.last_page and s.title == section,
            }
            for s in sections
        ],
        "citation": citation,
        "pdf_url": pdf_url,
        "zitat_url": links.zitat(document_id, number),
        "row_url": links.row(page_id),
        "row_json_url": links.row_json(page_id),
        # Set by a caller that comes from a search: its words, notes about marking them, the way back.
        "q": "",
        "notes": [],
        "suche_url": None,
    }
