"""What the archive and its database hold: the report behind ``qmarchive status``."""

from __future__ import annotations

from typing import Any

from qmarchive import store, withdrawal
from qmarchive.catalog import catalog_header, read_catalog, unlisted_pdfs
from qmarchive.paths import Paths
from qmarchive.search import best_pages, german_terms, index_info
from qmarchive.search.agreement import compare

# Page ids listed per kind of difference between the index and the database; the rest are counted.
LISTED = 20


def report(paths: Paths) -> dict[str, Any]:
    """Counts from the database (if built), the catalog entries whose PDFs are not in the archive, the PDFs
    in the archive that no catalog row names, the withdrawn documents, the documents no longer in the
    catalog, the German engine's terms, and the Whoosh index as it is now."""
    entries = read_catalog(paths.catalog)
    missing = [{"id": entry.id, "file": entry.file} for entry in entries if not entry.path(paths.archive).is_file()]
    withdrawn: list[dict[str, Any]] = []
    uncatalogued: list[dict[str, Any]] = []
    terms: dict[str, Any] | None = None
    if paths.database.exists():
        db = store.open_read_only(paths.database)
        counts = store.summary(db)
        terms = {
            "pages": db.execute(f"SELECT count(*) FROM {german_terms.TABLE}").fetchone()[0],
            "version": german_terms.stored_version(db),
            "rebuild_reason": german_terms.rebuild_reason(db),
            "best_pages": best_pages.state(db),
        }
        withdrawn = withdrawal.records(db)
        uncatalogued = [
            {**row, "advice": withdrawal.uncatalogued_advice(row["id"])}
            for row in withdrawal.uncatalogued(db, (entry.id for entry in entries))
        ]
    else:
        counts = {
            "documents": 0, "pages": 0, "pages_without_text": 0, "pages_ocr": 0, "pages_without_searchable_text": 0,
            "document_ids": [], "last_run": None,
        }  # fmt: skip
    return {
        "archive": str(paths.archive),
        "database": str(paths.database),
        "database_exists": paths.database.exists(),
        "catalog_entries": len(entries),
        "missing_files": missing,
        "uncatalogued_files": [
            {"file": item.file, "catalog_line": item.line}
            for item in unlisted_pdfs(paths.archive, entries, catalog_header(paths.catalog))
        ],
        **counts,
        "withdrawn": withdrawn,
        "uncatalogued": uncatalogued,
        "german_terms": terms,
        "search_index": _index(paths) if paths.database.exists() else index_info(paths.index),
    }


def _index(paths: Paths) -> dict[str, Any] | None:
    """The current generation's marker and size, with the pages it holds now and how they differ from the
    database's (the marker's ``pages`` is the count of the last full build)."""
    info = index_info(paths.index)
    if info is None:
        return None
    db = store.open_read_only(paths.database, check_schema=False)
    try:
        agreement = compare(db, paths.index)
    except Exception as exc:  # noqa: BLE001 - a damaged Whoosh index fails in many ways; status reports, verify names them
        return {
            **info,
            "indexed_pages": None,
            "in_step": False,
            "error": f"{info['path']}: cannot be read ({type(exc).__name__}: {exc}); run 'qmarchive verify', "
            "then 'qmarchive index --rebuild'",
        }
    finally:
        db.close()
    differences = {kind: getattr(agreement, kind) for kind in ("missing", "stale", "extra")}
    return {
        **info,
        "indexed_pages": agreement.indexed,
        "database_pages": agreement.database,
        "in_step": agreement.in_step,
        **{kind: len(pages) for kind, pages in differences.items()},
        **{f"{kind}_pages": pages[:LISTED] for kind, pages in differences.items()},
        "error": None,
    }
