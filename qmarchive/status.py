"""What the archive and its database hold: the report behind ``qmarchive status``."""

from __future__ import annotations

from typing import Any

from qmarchive import store
from qmarchive.search import index_info
from qmarchive.catalog import catalog_header, read_catalog, unlisted_pdfs
from qmarchive.paths import Paths


def report(paths: Paths) -> dict[str, Any]:
    """Counts from the database (if built), the catalog entries whose PDFs are not in the archive, and the
    PDFs in the archive that no catalog row names."""
    entries = read_catalog(paths.catalog)
    missing = [
        {"id": entry.id, "file": entry.file} for entry in entries if not entry.path(paths.archive).is_file()
    ]
    if paths.database.exists():
        counts = store.summary(store.open_database(paths.database))
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
        "search_index": index_info(paths.index),
    }
