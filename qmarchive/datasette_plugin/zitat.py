"""``/-/zitat/<document>[/<page>]``: how to cite a page or document, in German, and as BibTeX, RIS and
CSL-JSON (``.bib``, ``.ris``, ``.json``). The URL is also the permalink citations point to."""

from __future__ import annotations

from datasette.utils.asgi import Response

from qmarchive import cite
from qmarchive.datasette_plugin import gone
from qmarchive.datasette_plugin.common import base_url, database_path, in_thread, page_url, pdf_url, read_only, zitat_url
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


async def zitat(request, datasette):
    document_id = request.url_vars["document_id"]
    page = request.url_vars.get("page")
    fmt = request.url_vars.get("format")
    target = f"{document_id}/{page}" if page else document_id
    db_path = database_path(datasette)
    if db_path is None:
        return Response.text("Diese Datasette stellt kein qmarchive-Archiv bereit.", status=404)

    def load() -> cite.Citation:
        with read_only(db_path) as db:
            return cite.citation(db, target, base_url=base_url(datasette, request))

    try:
        citation = await in_thread(load)
    except CitationError:
        record = await gone.withdrawn(datasette, document_id)
        number = int(page) if page else None
        if record is not None and gone.covers(record, number):
            return await gone.response(datasette, request, record, page=number, fmt=fmt)
        what = f"Seite {page} von „{document_id}“" if page else f"Dokument „{document_id}“"
        return Response.html(
            await datasette.render_template(TEMPLATE, {"missing": f"{what} gibt es im Archiv nicht."}, request=request, view_name=VIEW_NAME),
            status=404,
        )
    if fmt:
        name, content_type = DOWNLOADS[fmt]
        filename = f"{document_id}{'-s' + page if page else ''}.{fmt}"
        return Response(
            citation.render(name),
            content_type=content_type,
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    number = int(page) if page else None
    context = {
        "citation": citation,
        "formats": [{"name": name, "label": label, "text": citation.render(name)} for name, label in SECTIONS],
        "downloads": [(ext.upper() if ext != "json" else "CSL-JSON", f"{zitat_url(datasette, document_id, number)}.{ext}") for ext in DOWNLOADS],
        "page_url": page_url(datasette, target) if page else None,
        "pdf_url": pdf_url(datasette, document_id, number),
        "document_url": zitat_url(datasette, document_id) if page else None,
    }
    return Response.html(await datasette.render_template(TEMPLATE, context, request=request, view_name=VIEW_NAME))
