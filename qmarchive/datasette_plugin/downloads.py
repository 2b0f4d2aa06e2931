"""The series pages' numbers as downloads: JSON, CSV and Excel, one record per row of the page's table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from datasette.utils import add_cors_headers
from datasette.utils.asgi import Response

from qmarchive import export
from qmarchive.datasette_plugin.common import in_thread


def headers(datasette, extra: dict[str, str] | None = None) -> dict[str, str]:
    result = dict(extra or {})
    if datasette.cors:
        add_cors_headers(result)
    return result


async def records_response(
    datasette,
    fmt: str,
    columns: Sequence[str],
    records: list[dict[str, Any]],
    *,
    filename: str,
    title: str,
    info: Sequence[tuple[str, Any]] = (),
    extra: dict[str, Any] | None = None,
) -> Response:
    """``fmt`` json (``extra`` plus the records under "rows"), csv or xlsx; ``filename`` without extension."""
    if fmt == "json":
        return Response.json({**(extra or {}), "rows": records}, headers=headers(datasette))
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([record[column] for column in columns] for record in records)
        return Response(out.getvalue(), headers=headers(datasette, disposition), content_type=export.MEDIA_TYPES["csv"])

    def workbook() -> bytes:
        out = io.BytesIO()
        export.write_xlsx(columns, records, out, title=title, info=info)
        return out.getvalue()

    return Response(
        await in_thread(workbook), headers=headers(datasette, disposition), content_type=export.MEDIA_TYPES["xlsx"]
    )
