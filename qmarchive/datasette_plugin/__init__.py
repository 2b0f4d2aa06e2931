"""The Datasette plugin: SQL functions, cell rendering, the search, citation and PDF pages of qmarchive.

Registered through the ``datasette`` entry point. Everything taken from document text is HTML-escaped;
search snippets may carry ``<mark>`` and nothing else.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

from qmarchive.datasette_plugin import gone, handlungsfelder, headers, pdf, seite, suche, verlauf, vergleich, zitat
from qmarchive.datasette_plugin.common import DATABASE, database_path, page_citation
from qmarchive.search import german_fts
from qmarchive.search.fts_query import fts_query

# Columns of the canned query suche: the snippet (marked), the page's id (a link), and the number of hits in
# all beside the 200 best it shows (its .xlsx says so on the Info sheet).
SNIPPET_COLUMN = "textauszug"
PAGE_ID_COLUMN = "seiten_id"
TOTAL_COLUMN = "treffer_gesamt"


@hookimpl(trylast=True)
def prepare_connection(conn, database) -> None:
    """``german_match(:q)`` and ``german_snippet(text, :q)`` analyse a query with the database's lexicon."""
    conn.create_function("qm_fts_query", 1, fts_query, deterministic=True)
    functions = german_fts.SqlFunctions(conn)
    conn.create_function("german_match", 1, functions.match)
    conn.create_function("german_snippet", 2, functions.snippet)
    if database == DATABASE:
        # The table search box (?_search=) quotes input with escape_fts, which fails on a stray '"'; its
        # table is pages_german, so it searches German. Runs last, so this replaces Datasette's for this
        # database only.
        conn.create_function("escape_fts", 1, functions.match)


PLUGIN_VIEWS = (
    suche.VIEW_NAME,
    zitat.VIEW_NAME,
    seite.VIEW_NAME,
    gone.VIEW_NAME,
    verlauf.VIEW_NAME,
    handlungsfelder.VIEW_NAME,
    vergleich.VIEW_NAME,
)


@hookimpl
def extra_css_urls(database, view_name, datasette):
    if database == DATABASE or view_name in PLUGIN_VIEWS:
        return [datasette.urls.static_plugins("qmarchive", "qmarchive.css")]
    return []


@hookimpl
def extra_js_urls(view_name, datasette):
    if view_name in (zitat.VIEW_NAME, seite.VIEW_NAME):
        return [datasette.urls.static_plugins("qmarchive", "qmarchive.js")]
    return []


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: headers.with_security_headers(app, datasette)


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """A row page of a withdrawn document (or of one of its pages) answers 410 Gone, not 404."""
    return gone.row_gone(datasette, request, exception)


@hookimpl
def register_routes():
    return [
        (suche.ROUTE, suche.suche),
        (pdf.ROUTE, pdf.pdf),
        (zitat.ROUTE, zitat.zitat),
        (seite.ROUTE, seite.seite),
        (seite.IMAGE_ROUTE, seite.seitenbild),
        (verlauf.ROUTE, verlauf.verlauf),
        (handlungsfelder.ROUTE, handlungsfelder.handlungsfelder),
        (vergleich.ROUTE, vergleich.vergleich),
    ]


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    """A page's row shows how to cite it, with links to the citation page and the PDF page."""
    if view_name == "row" and database == DATABASE and table == "pages" and request is not None:
        return page_citation(datasette, request)
    return None


@hookimpl
def menu_links(datasette):
    if database_path(datasette) is None:
        return []
    return [
        {"href": datasette.urls.path(suche.PATH), "label": "Suche"},
        {"href": datasette.urls.path(verlauf.PATH), "label": "Begriffe im Zeitverlauf"},
        {"href": datasette.urls.path(handlungsfelder.PATH), "label": "Handlungsfelder je Ausgabe"},
        {"href": datasette.urls.path(vergleich.PATH), "label": "Ausgaben vergleichen"},
        {"href": datasette.urls.table(DATABASE, "massnahmen"), "label": "Maßnahmen und Fonds"},
    ]


@hookimpl
def render_cell(value, column, table, database, datasette):
    if database != DATABASE or not isinstance(value, str):
        return None
    if column == SNIPPET_COLUMN:
        return marked_snippet(value)
    if column == PAGE_ID_COLUMN:
        url = datasette.urls.row(DATABASE, "pages", tilde_encode(value))
        return Markup('<a href="{}">{}</a>').format(url, value)
    return None


def marked_snippet(snippet: str) -> Markup:
    """Escape a snippet completely, then let only its ``<mark>``/``</mark>`` tags through."""
    html = str(escape(snippet))
    return Markup(html.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


@hookimpl
def register_output_renderer(datasette):
    from qmarchive.datasette_plugin import xlsx

    return xlsx.renderer()
