"""``/-/pdf/<document id>[/<sha256>]``: the archived PDF of a document the database knows (or one of its
earlier versions), with HTTP range requests.

The request names a document id, never a path: the id must be a catalog slug, and the file is the one
the database recorded for it, found in the archive directory the server was started with or else in
the one of the last ingest run; ``#page=N`` in the link opens the page in the browser's PDF viewer.
Only the archived version is ever served: a file is opened only if it really lies inside the archive
(symbolic links followed) and its size and SHA-256 are the version's (the checksum cached per file
identity, size and times), and the bytes served are read from that very opened file. A working copy that
has changed falls back to the version's kept copy in ``versions/``; with none, the answer is 409.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import stat
import unicodedata
from typing import Literal
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from datasette.utils.asgi import NotFound, Response

from qmarchive.datasette_plugin import gone
from qmarchive.datasette_plugin.common import DATABASE, in_thread
from qmarchive.paths import locate
from qmarchive.versions import kept_file

ROUTE = r"^/-/pdf/(?P<document_id>[a-z0-9]+(?:-[a-z0-9]+)*)(?:/(?P<sha256>[0-9a-f]{64}))?$"
CHUNK = 256 * 1024
CHECKSUMS_CACHED = 4096
_checksums: OrderedDict[tuple[int, ...], str] = OrderedDict()
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None | Literal[False]:
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
    """Streams an open file (or part of it) and closes it; Datasette sends it through ``asgi_send``."""

    def __init__(self, fd: int, headers: dict[str, str], byte_range: ByteRange | None, size: int, head: bool):
        self.fd = fd
        self.headers = headers
        self.byte_range = byte_range
        self.size = size
        self.head = head

    async def asgi_send(self, send) -> None:
        try:
            await self._send(send)
        finally:
            os.close(self.fd)

    async def _send(self, send) -> None:
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
        loop = asyncio.get_running_loop()
        position, remaining = start, length
        while remaining > 0:
            chunk = await loop.run_in_executor(None, os.pread, self.fd, min(CHUNK, remaining), position)
            if not chunk:
                break
            position += len(chunk)
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


def not_found(document_id: str) -> NotFound:
    return NotFound(f"Kein Dokument „{document_id}“ im Archiv.")


def open_archived(bases: list[Path], files: list[str], sha256: str, size: int) -> tuple[int, int] | str:
    """The first of ``files`` (relative to one of the archive directories ``bases``) that lies inside its
    archive directory and is the archived version, opened: (file descriptor, size). Else why none is:
    'missing' (none exists) or 'changed' (one exists but is another file, or lies outside the archive)."""
    problem = "missing"
    for base in bases:
        root = base.resolve()
        for file in files:
            try:
                resolved = locate(base, file).resolve(strict=True)
            except (OSError, RuntimeError):
                continue
            if not resolved.is_relative_to(root):
                problem = "changed"
                continue
            try:
                fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:
                problem = "changed"  # retargeted between the check and the opening
                continue
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_size == size and _checksum(fd, info) == sha256:
                return fd, info.st_size
            os.close(fd)
            problem = "changed"
    return problem


def _checksum(fd: int, info: os.stat_result) -> str:
    """SHA-256 of an open file, cached by the file's identity, size and times: a changed file (even one
    whose modification time was set back, since that changes its ctime) is hashed again."""
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    if key in _checksums:
        _checksums.move_to_end(key)
        return _checksums[key]
    hasher = hashlib.sha256()
    position = 0
    while chunk := os.pread(fd, 1 << 20, position):
        hasher.update(chunk)
        position += len(chunk)
    _checksums[key] = hasher.hexdigest()
    if len(_checksums) > CHECKSUMS_CACHED:
        _checksums.popitem(last=False)
    return _checksums[key]


async def pdf(request, datasette):
    document_id = request.url_vars["document_id"]
    requested = request.url_vars.get("sha256")
    if request.method not in ("GET", "HEAD"):
        return Response.text("Nur GET.", status=405, headers={"Allow": "GET, HEAD"})
    try:
        db = datasette.get_database(DATABASE)
    except KeyError:
        raise not_found(document_id) from None
    row = (await db.execute("select file, sha256, bytes from documents where id = ?", [document_id])).first()
    if row is None:
        record = await gone.withdrawn(datasette, document_id)
        if record is None:
            raise not_found(document_id)
        return await gone.response(datasette, request, record)
    stored = Path(row["file"])
    name = stored.name
    sha256, size = row["sha256"], row["bytes"]
    # The working copy under pdf/ first (never a file outside the archive), then the version's kept copy.
    files = [] if stored.is_absolute() else [row["file"]]
    if requested and requested != sha256:
        version = (
            await db.execute(
                "select version, sha256, bytes, kept_file from document_versions where document_id = ? and sha256 = ? "
                "order by version desc limit 1",
                [document_id, requested],
            )
        ).first()
        if version is None:
            raise NotFound(f"Keine Fassung von „{document_id}“ mit der SHA-256 {requested} im Archiv.")
        sha256, size, files = version["sha256"], version["bytes"], []
        name = f"{stored.stem}-fassung-{version['version']}.pdf"
    files.append(kept_file(document_id, sha256))
    opened = await in_thread(open_archived, await archive_dirs(datasette), files, sha256, size)
    if opened == "missing":
        if requested and requested != row["sha256"]:
            return Response.text(f"Die Fassung {sha256} von „{document_id}“ ist nicht mehr im Archiv.", status=410)
        raise NotFound(f"Die Datei zu „{document_id}“ liegt nicht im Archiv.")
    if isinstance(opened, str):
        return Response.text(
            f"Die Datei zu „{document_id}“ entspricht nicht der archivierten Fassung (SHA-256 {sha256}) und wird "
            "deshalb nicht ausgeliefert. Bitte benachrichtigen Sie das Archiv.",
            status=409,
        )
    fd, size = opened
    byte_range = parse_range(request.headers.get("range"), size)
    if byte_range is False:
        os.close(fd)
        return Response.text("Bereich nicht verfügbar.", status=416, headers={"Content-Range": f"bytes */{size}"})
    headers = {
        "content-type": "application/pdf",
        "content-disposition": content_disposition(name),
        "accept-ranges": "bytes",
        "etag": f'"{sha256}"',
        "x-content-type-options": "nosniff",
        # A version's address always means the same bytes; the document's address moves on with new versions.
        "cache-control": "public, max-age=31536000, immutable" if requested else "public, max-age=86400",
    }
    return FileResponse(fd, headers, byte_range, size, head=request.method == "HEAD")
