"""``/-/pdf/<document id>``: the original PDF of a document the database knows, with HTTP range requests.

The request names a document id, never a path: the id must be a catalog slug, and the file is the one
the database recorded for it, found in the archive directory the server was started with or else in
the one of the last ingest run. ``#page=N`` in the link opens the page in the browser's PDF viewer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiofiles
from datasette.utils.asgi import Response

from qmarchive.datasette_plugin import gone
from qmarchive.datasette_plugin.common import DATABASE

ROUTE = r"^/-/pdf/(?P<document_id>[a-z0-9]+(?:-[a-z0-9]+)*)$"
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None | bool:
    """The one byte range asked for; None for the whole file; False if it cannot be satisfied.

    Several ranges at once are answered with the whole file, as RFC 9110 allows.
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return False
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return False
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return ByteRange(start, end)


class FileResponse:
    """Streams a file or part of it; Datasette sends it through ``asgi_send``."""

    def __init__(self, path: Path, headers: dict[str, str], byte_range: ByteRange | None, size: int, head: bool):
        self.path = path
        self.headers = headers
        self.byte_range = byte_range
        self.size = size
        self.head = head

    async def asgi_send(self, send) -> None:
        start, length = (self.byte_range.start, self.byte_range.length) if self.byte_range else (0, self.size)
        headers = {**self.headers, "content-length": str(length)}
        if self.byte_range:
            headers["content-range"] = f"bytes {start}-{self.byte_range.end}/{self.size}"
        await send(
            {
                "type": "http.response.start",
                "status": 206 if self.byte_range else 200,
                "headers": [[k.encode("latin-1"), v.encode("latin-1")] for k, v in headers.items()],
            }
        )
        if self.head:
            await send({"type": "http.response.body", "body": b""})
            return
        async with aiofiles.open(self.path, "rb") as f:
            await f.seek(start)
            remaining = length
            while remaining > 0:
                chunk = await f.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
        if remaining > 0:
            await send({"type": "http.response.body", "body": b""})


async def archive_dirs(datasette) -> list[Path]:
    """Where archived files may be: the server's setting, then the archive of the last ingest run."""
    found = []
    config = datasette.plugin_config("qmarchive") or {}
    if config.get("archive"):
        found.append(Path(config["archive"]))
    rows = await datasette.get_database(DATABASE).execute("select archive from ingest_runs order by id desc limit 1")
    row = rows.first()
    if row:
        found.append(Path(row["archive"]))
    return found


def content_disposition(name: str) -> str:
    """Inline, with the file's name (RFC 6266: an ASCII fallback and the UTF-8 name)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace('"', "") or "dokument.pdf"
    return f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def not_found(document_id: str) -> Response:
    return Response.text(f"Kein Dokument „{document_id}“ im Archiv.", status=404)


async def pdf(request, datasette):
    document_id = request.url_vars["document_id"]
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        return not_found(document_id)
    row = (await db.execute("select file, sha256 from documents where id = ?", [document_id])).first()
    if row is None:
        record = await gone.withdrawn(datasette, document_id)
        return not_found(document_id) if record is None else await gone.response(datasette, request, record)
    stored = Path(row["file"])
    candidates = [stored] if stored.is_absolute() else [base / stored for base in await archive_dirs(datasette)]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return Response.text(f"Die Datei zu „{document_id}“ liegt nicht im Archiv.", status=404)
    size = path.stat().st_size
    byte_range = parse_range(request.headers.get("range"), size)
    if byte_range is False:
        return Response.text("Bereich nicht verfügbar.", status=416, headers={"Content-Range": f"bytes */{size}"})
    headers = {
        "content-type": "application/pdf",
        "content-disposition": content_disposition(path.name),
        "accept-ranges": "bytes",
        "etag": f'"{row["sha256"]}"',
        "x-content-type-options": "nosniff",
        "cache-control": "public, max-age=86400",
    }
    return FileResponse(path, headers, byte_range, size, head=request.method == "HEAD")
