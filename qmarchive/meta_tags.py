"""Citation metadata in a page's head: Highwire Press ``citation_*`` tags and Dublin Core ``DC.*``.

Zotero, Citavi and Google Scholar read these; the served ``/-/seite`` and ``/-/zitat`` pages and every page
of the static edition carry the same tags, built here from a :class:`~qmarchive.cite.Citation`.
"""

from __future__ import annotations

from qmarchive.cite import Citation

LANGUAGE = "de"


def tags(citation: Citation, *, pdf_url: str, url: str | None) -> list[tuple[str, str]]:
    """(name, content) pairs: the document as the work cited, the page as its first page.

    ``pdf_url`` is the PDF (without ``#page=``: Zotero fetches it as the attachment); ``url`` the page's
    lasting address, None where none is known (then DC.identifier names only a persistent identifier).
    """
    found: list[tuple[str, str]] = [("citation_title", citation.title)]
    if citation.publisher:
        found += [("citation_author", citation.publisher), ("citation_publisher", citation.publisher)]
    date = citation.published or (citation.year.split("–")[0] if citation.year else None)
    if date:
        found.append(("citation_publication_date", date.replace("-", "/")))
    found.append(("citation_pdf_url", pdf_url))
    if citation.page_number is not None:
        found.append(("citation_firstpage", citation.page_label or str(citation.page_number)))
    if citation.doi:
        found.append(("citation_doi", citation.doi))
    if url:
        found.append(("citation_public_url", url))
    found.append(("citation_language", LANGUAGE))
    found.append(("DC.title", citation.title))
    if citation.publisher:
        found += [("DC.creator", citation.publisher), ("DC.publisher", citation.publisher)]
    if date:
        found.append(("DC.date", date))
    found += [("DC.type", "Text"), ("DC.format", "application/pdf"), ("DC.language", LANGUAGE)]
    for identifier in (citation.identifier, url):
        if identifier:
            found.append(("DC.identifier", identifier))
    if citation.area:
        found.append(("DC.coverage", citation.area))
    return found
