"""``/-/zitat/<document>[/<page>]``: how to cite a page or document, in German, and as BibTeX, RIS and
CSL-JSON (``.bib``, ``.ris``, ``.json``). The URL is also the permalink citations point to; with
``?sha256=`` (12 or more hex digits) it cites that version of the file, and every version is listed, so a
citation of an earlier version still leads to its file."""

from __future__ import annotations

from datasette.utils.asgi import NotFound, Response

from qmarchive import cite, meta_tags, versions
from qmarchive.datasette_plugin import gone
from qmarchive.datasette_plugin.common import (
    NO_ARCHIVE,
    base_url,
    database_path,
    in_thread,
    page_url,
    pdf_url,
    read_only,
    seite_url,
    zitat_url,
)
from qmarchive.errors import CitationError

ROUTE = r"^/-/zitat/(?P<document_id>[a-z0-9]+(?:-[a-z0-9]+)*)(?:/(?P<page>[1-9][0-9]{0,5}))?(?:\.(?P<format>bib|ris|json))?$"
VIEW_NAME = "qmarchive-zitat"
TEMPLATE = "zitat.html"
DOWNLOADS = {
    "bib": ("bibtex", "application/x-bibtex; charset=utf-8"),
    "ris": ("ris", "application/x-research-info-systems; charset=utf-8"),
    "json": ("csl-json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
SECTIONS = (
    ("text", "Zitat (deutsch)"),
    ("bibtex", "BibTeX"),
    ("ris", "RIS (Citavi, Zotero, EndNote)"),
    ("csl-json", "CSL-JSON"),
)


# Why a version was accepted, in German, where the command says it; a reason given with --replace as written.
GRUENDE = {
    "qmarchive ingest": "erstmals eingelesen",
    "qmarchive ingest (new sha256 in the catalog)": "neue Prüfsumme im Katalog",
}


def _german_date(timestamp: str | None) -> str | None:
    """``2026-12-04T…`` → ``04.12.2026``."""
    return f"{timestamp[8:10]}.{timestamp[5:7]}.{timestamp[:4]}" if timestamp else None


async def zitat(request, datasette):
    document_id = request.url_vars["document_id"]
    page = request.url_vars.get("page")
    fmt = request.url_vars.get("format")
    target = f"{document_id}/{page}" if page else document_id
    sha256 = request.args.get("sha256") or None
    db_path = database_path(datasette)
    if db_path is None:
        raise NotFound(NO_ARCHIVE)

    def load() -> tuple[cite.Citation, list[dict]]:
        with read_only(db_path) as db:
            found = cite.citation(db, target, base_url=base_url(datasette, request), sha256=sha256)
            return found, versions.history(db, document_id)

    try:
        citation, history = await in_thread(load)
    except CitationError:
        record = await gone.withdrawn(datasette, document_id)
        number = int(page) if page else None
        if record is not None and gone.covers(record, number):
            return await gone.response(datasette, request, record, page=number, fmt=fmt)
        what = f"Seite {page} von „{document_id}“" if page else f"Dokument „{document_id}“"
        if sha256:
            what = f"{what} in der Fassung mit der SHA-256 {sha256[:64]}"
        raise NotFound(f"{what} gibt es im Archiv nicht.") from None
    if fmt:
        name, content_type = DOWNLOADS[fmt]
        filename = f"{document_id}{'-s' + page if page else ''}.{fmt}"
        return Response(
            citation.render(name),
            content_type=content_type,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    number = int(page) if page else None
    query = f"?sha256={citation.sha256}" if citation.version else ""
    context = {
        "citation": citation,
        "meta": meta_tags.tags(citation, pdf_url=citation.pdf_url.split("#")[0], url=citation.url),
        "canonical": citation.url,
        "formats": [{"name": name, "label": label, "text": citation.render(name)} for name, label in SECTIONS],
        "downloads": [
            (ext.upper() if ext != "json" else "CSL-JSON", f"{zitat_url(datasette, document_id, number)}.{ext}{query}")
            for ext in DOWNLOADS
        ],
        "page_url": page_url(datasette, target) if page and not citation.version else None,
        "seite_url": seite_url(datasette, document_id, int(page)) if page and not citation.version else None,
        "pdf_url": pdf_url(datasette, document_id, number, citation.sha256 if citation.version else None),
        "current_url": zitat_url(datasette, document_id, number) if citation.version else None,
        "replaced_on": _german_date(citation.replaced_at),
        "versions": [
            {
                **row,
                "zitat_url": zitat_url(datasette, document_id, number)
                + ("" if row["replaced_at"] is None else f"?sha256={row['sha256']}"),
                "pdf_url": pdf_url(datasette, document_id, number, row["sha256"]),
                "cited": row["sha256"] == citation.sha256,
                "accepted_on": _german_date(row["accepted_at"]),
                "replaced_on": _german_date(row["replaced_at"]),
                "grund": GRUENDE.get(row["command"] or "", row["reason"]) or "",
            }
            for row in history
        ]
        if len(history) > 1
        else [],
        "document_url": zitat_url(datasette, document_id) if page else None,
    }
    return Response.html(await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME))
