"""Fetching catalogued sources against a real HTTP server on 127.0.0.1, started by the tests."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import ROOT, cli_args, ihek_spec, write_catalog
from pdfmaker import make_pdf
from qmarchive import __version__, fetch, locks
from qmarchive.catalog import read_catalog, record_checksums
from qmarchive.cli import cli
from qmarchive.errors import CatalogError, FetchError
from qmarchive.paths import Paths

CONTENT = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
NEW_CONTENT = b"%PDF-1.7\n" + b"neue Fassung " * 500 + b"\n%%EOF\n"
FAST = ("--backoff", "0.001")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Reply:
    """One scripted response. ``cut_after``: send the headers of the whole body, then only this many bytes."""

    status: int = 200
    body: bytes = CONTENT
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    ranges: bool = False
    cut_after: int | None = None
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class Server:
    """A threaded HTTP server whose routes play their replies in order (the last one repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def route(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url(path)

    def seen(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def next_reply(self, path: str) -> Reply | None:
        replies = self.routes.get(path)
        if not replies:
            return None
        return replies.pop(0) if len(replies) > 1 else replies[0]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up before an error page's body is sent is not a test failure


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        owner: Server = self.server.owner  # type: ignore[attr-defined]
        owner.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        reply = owner.next_reply(self.path)
        if reply is None:
            reply = Reply(status=404, body=b"not found")
        if reply.delay:
            time.sleep(reply.delay)
        body, status = reply.body, reply.status
        headers = {"Content-Type": "application/pdf" if status == 200 else "text/plain", **reply.headers}
        if reply.etag:
            headers["ETag"] = reply.etag
            headers["Last-Modified"] = "Tue, 25 Feb 2025 10:00:00 GMT"
        if reply.ranges:
            headers["Accept-Ranges"] = "bytes"
            wanted = self.headers.get("Range", "")
            if_range = self.headers.get("If-Range")
            if status == 200 and wanted.startswith("bytes=") and (if_range is None or if_range == reply.etag):
                start = int(wanted[6:].rstrip("-"))
                if start >= len(body):
                    status, body = 416, b""
                    headers["Content-Range"] = f"bytes */{len(reply.body)}"
                else:
                    status = 206
                    headers["Content-Range"] = f"bytes {start}-{len(body) - 1}/{len(body)}"
                    body = body[start:]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if reply.cut_after is not None:
            self.wfile.write(body[: reply.cut_after])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    srv = Server()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def catalog(paths: Paths, *rows: dict[str, str]) -> None:
    write_catalog(paths.archive, [{"title": row["id"].upper(), "doc_type": "ihek", **row} for row in rows])


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


def provenance_lines(paths: Paths) -> list[dict]:
    log = paths.archive / "provenance.jsonl"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []


def archived(paths: Paths, name: str = "ihek-2012.pdf") -> Path:
    return paths.archive / "pdf" / name


def leftovers(paths: Paths) -> list[str]:
    return sorted(p.name for p in (paths.archive / "pdf").iterdir()) if (paths.archive / "pdf").exists() else []


def test_download_installs_the_file_and_logs_its_provenance(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(etag='"v1"'))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch")
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
    assert leftovers(paths) == ["ihek-2012.pdf"]
    assert result.stdout.splitlines() == [
        f"ihek-2012: downloaded 10.3 kB from {url} (sha256 {sha(CONTENT)[:12]}…)",
        result.stdout.splitlines()[1],
    ]
    assert result.stdout.splitlines()[1].startswith(
        "1 downloaded, 0 unchanged, 0 present, 0 without source_url, 0 failed, 0 refused — "
    )
    assert result.stderr == (
        f"The catalog gives no sha256 for 1 archived file(s); add it to {paths.catalog} (or fetch again with "
        f"--update-catalog):\n  ihek-2012: {sha(CONTENT)}\n"
    )
    [line] = provenance_lines(paths)
    assert {
        k: line[k]
        for k in (
            "document_id",
            "file",
            "requested_url",
            "final_url",
            "status",
            "etag",
            "last_modified",
            "content_type",
            "bytes",
            "sha256",
            "outcome",
            "attempt",
            "tool_version",
        )
    } == {
        "document_id": "ihek-2012",
        "file": "pdf/ihek-2012.pdf",
        "requested_url": url,
        "final_url": url,
        "status": 200,
        "etag": '"v1"',
        "last_modified": "Tue, 25 Feb 2025 10:00:00 GMT",
        "content_type": "application/pdf",
        "bytes": len(CONTENT),
        "sha256": sha(CONTENT),
        "outcome": "downloaded",
        "attempt": 1,
        "tool_version": __version__,
    }
    assert line["started_at"] <= line["finished_at"]
    assert line["started_at"].endswith("+00:00")
    [request] = server.seen("/ihek-2012.pdf")
    assert request.headers["user-agent"].startswith(f"qmarchive/{__version__} (")
    assert request.headers["user-agent"] == line["user_agent"]
    assert "range" not in request.headers


def test_redirect_records_the_final_url(paths: Paths, server: Server) -> None:
    final = server.route("/dateien/ihek-2012-final.pdf", Reply())
    url = server.route("/ihek-2012.pdf", Reply(status=301, body=b"", headers={"Location": final}))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch")
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
    [line] = provenance_lines(paths)
    assert (line["requested_url"], line["final_url"], line["status"]) == (url, final, 200)
    assert f"from {final} " in result.stdout


def test_redirect_loop_fails_without_retrying(paths: Paths, server: Server) -> None:
    loop = server.url("/a")
    server.route("/a", Reply(status=302, body=b"", headers={"Location": server.url("/b")}))
    server.route("/b", Reply(status=302, body=b"", headers={"Location": loop}))
    catalog(paths, {"id": "ihek-2012", "source_url": loop})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 1
    assert f"Failed: ihek-2012: more than 10 redirects — {loop}\n" in result.stderr
    assert len(server.seen("/a")) == 6


def test_404_fails_with_no_file_and_no_retry(paths: Paths, server: Server) -> None:
    url = server.url("/weg.pdf")
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 1
    assert result.stderr == f"Failed: ihek-2012: HTTP 404 Not Found — {url}\n"
    assert result.stdout.startswith("0 downloaded, 0 unchanged, 0 present, 0 without source_url, 1 failed, 0 refused")
    assert leftovers(paths) == []
    assert len(server.seen("/weg.pdf")) == 1
    [line] = provenance_lines(paths)
    assert (line["status"], line["outcome"], line["message"], line["sha256"], line["attempt"]) == (
        404,
        "failed",
        "HTTP 404 Not Found",
        None,
        1,
    )


def test_server_error_is_retried(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(status=500, body=b"kaputt"), Reply(status=503, body=b""), Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url, "sha256": sha(CONTENT)})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
    assert len(server.seen("/ihek-2012.pdf")) == 3
    lines = provenance_lines(paths)
    assert [(l["attempt"], l["status"], l["outcome"]) for l in lines] == [
        (1, 500, "failed"),
        (2, 503, "failed"),
        (3, 200, "downloaded"),
    ]
    assert lines[0]["message"].startswith("HTTP 500 Internal Server Error; retrying in 0.0")
    assert result.stderr == ""  # the catalog's sha256 matched: nothing to add


def test_retries_give_up(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(status=502, body=b""))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", "--retries", "2", *FAST)
    assert result.exit_code == 1
    assert f"Failed: ihek-2012: HTTP 502 Bad Gateway (after 3 attempts) — {url}" in result.stderr
    assert len(server.seen("/ihek-2012.pdf")) == 3
    assert [l["message"].split(";")[0] for l in provenance_lines(paths)] == ["HTTP 502 Bad Gateway"] * 3
    assert leftovers(paths) == []


def test_retry_after_is_honoured_within_the_cap_and_backoff_grows(paths: Paths, server: Server) -> None:
    url = server.route(
        "/ihek-2012.pdf",
        Reply(status=429, body=b"", headers={"Retry-After": "120"}),
        Reply(status=503, body=b"", headers={"Retry-After": "0"}),
        Reply(status=500, body=b""),
        Reply(status=500, body=b""),
        Reply(),
    )
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    waits: list[float] = []
    options = fetch.FetchOptions(retries=4, backoff=1.0, max_delay=5.0)
    summary = fetch.fetch(paths, options=options, sleep=waits.append)
    assert summary.ok
    assert waits[:2] == [5.0, 0.0]
    assert 2.0 <= waits[2] <= 4.0 and 2.5 <= waits[3] <= 5.0  # 4 s, 8 s capped at 5 s, with jitter


def test_connection_refused_is_retried_and_reported(paths: Paths) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ihek-2012.pdf"
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", "--retries", "1", *FAST)
    assert result.exit_code == 1
    assert "Failed: ihek-2012: connection failed: " in result.stderr
    assert "(after 2 attempts)" in result.stderr
    assert [(l["status"], l["outcome"]) for l in provenance_lines(paths)] == [(None, "failed")] * 2


def test_timeout(paths: Paths, server: Server) -> None:
    url = server.route("/langsam.pdf", Reply(delay=1.0))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", "--timeout", "0.1", "--retries", "0")
    assert result.exit_code == 1
    assert f"Failed: ihek-2012: timed out after 0.1 s (ReadTimeout) — {url}\n" == result.stderr


def test_cut_body_is_resumed_with_a_range_request(paths: Paths, server: Server) -> None:
    url = server.route(
        "/ihek-2012.pdf", Reply(etag='"v1"', ranges=True, cut_after=4000), Reply(etag='"v1"', ranges=True)
    )
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
    assert leftovers(paths) == ["ihek-2012.pdf"]
    first, second = server.seen("/ihek-2012.pdf")
    assert "range" not in first.headers
    assert (second.headers["range"], second.headers["if-range"]) == ("bytes=4000-", '"v1"')
    lines = provenance_lines(paths)
    assert [(l["status"], l["outcome"], l["bytes"]) for l in lines] == [
        (200, "failed", 4000),
        (206, "resumed", len(CONTENT)),
    ]
    assert "connection" in lines[0]["message"]
    assert lines[1]["range_start"] == 4000 and lines[1]["received"] == len(CONTENT) - 4000
    assert lines[1]["sha256"] == sha(CONTENT)
    assert "resumed and downloaded" in result.stdout


def test_cut_body_is_restarted_when_the_server_cannot_resume(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(cut_after=4000), Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
    assert all("range" not in r.headers for r in server.seen("/ihek-2012.pdf"))
    assert [l["outcome"] for l in provenance_lines(paths)] == ["failed", "downloaded"]


def test_partial_download_of_a_changed_source_starts_again(paths: Paths, server: Server) -> None:
    url = server.route(
        "/ihek-2012.pdf",
        Reply(etag='"v1"', ranges=True, cut_after=4000),
        Reply(body=NEW_CONTENT, etag='"v2"', ranges=True),
    )
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == NEW_CONTENT
    assert server.seen("/ihek-2012.pdf")[1].headers["if-range"] == '"v1"'
    assert [(l["status"], l["outcome"]) for l in provenance_lines(paths)] == [(200, "failed"), (200, "downloaded")]


def test_partial_download_is_resumed_by_the_next_run(paths: Paths, server: Server) -> None:
    url = server.route(
        "/ihek-2012.pdf", Reply(etag='"v1"', ranges=True, cut_after=3000), Reply(etag='"v1"', ranges=True)
    )
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    first = run(paths, "fetch", "--retries", "0")
    assert first.exit_code == 1
    assert "the 3000 bytes received are kept in ihek-2012.pdf.part and resumed next time" in first.stderr
    assert leftovers(paths) == ["ihek-2012.pdf.part", "ihek-2012.pdf.part.json"]
    assert not archived(paths).exists()
    second = run(paths, "fetch", "--retries", "0")
    assert second.exit_code == 0, second.output
    assert archived(paths).read_bytes() == CONTENT
    assert leftovers(paths) == ["ihek-2012.pdf"]
    assert server.seen("/ihek-2012.pdf")[1].headers["range"] == "bytes=3000-"


def test_wrong_checksum_is_never_installed(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url, "sha256": "0" * 64})
    result = run(paths, "fetch", *FAST)
    assert result.exit_code == 1
    rejected = archived(paths, f"ihek-2012.pdf.rejected-{sha(CONTENT)[:12]}")
    assert result.stderr == (
        f"Failed: ihek-2012: the download has SHA-256 {sha(CONTENT)}, the catalog expects {'0' * 64}; not installed, "
        f"kept as {rejected} — {url}\n"
    )
    assert leftovers(paths) == [rejected.name]
    assert rejected.read_bytes() == CONTENT
    assert len(server.seen("/ihek-2012.pdf")) == 1  # a complete download with the wrong hash is not retried
    [line] = provenance_lines(paths)
    assert (line["outcome"], line["sha256"]) == ("rejected", sha(CONTENT))


def test_file_matching_the_catalog_is_not_downloaded(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url, "sha256": sha(CONTENT)})
    archived(paths).parent.mkdir(parents=True)
    archived(paths).write_bytes(CONTENT)
    result = run(paths, "fetch")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ihek-2012: unchanged (sha256 {sha(CONTENT)[:12]}…)\n0 downloaded, 1 unchanged")
    assert server.requests == []
    assert provenance_lines(paths) == []
    forced = run(paths, "fetch", "--force")
    assert forced.exit_code == 0, forced.output
    assert "1 unchanged" in forced.stdout
    assert leftovers(paths) == ["ihek-2012.pdf"]
    assert [l["outcome"] for l in provenance_lines(paths)] == ["unchanged"]


def test_file_without_catalog_checksum_is_kept_and_its_hash_recorded_once(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(body=NEW_CONTENT))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    archived(paths).parent.mkdir(parents=True)
    archived(paths).write_bytes(CONTENT)
    for _ in range(2):
        result = run(paths, "fetch")
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(
            f"ihek-2012: present (sha256 {sha(CONTENT)[:12]}…)\n0 downloaded, 0 unchanged, 1 present"
        )
        assert f"  ihek-2012: {sha(CONTENT)}\n" in result.stderr
    assert server.requests == []
    [line] = provenance_lines(paths)
    assert (line["outcome"], line["sha256"], line["status"], line["requested_url"]) == (
        "present",
        sha(CONTENT),
        None,
        url,
    )


def test_changed_file_is_refused_without_force_and_kept_beside_with_it(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(body=NEW_CONTENT))
    catalog(paths, {"id": "ihek-2012", "source_url": url, "sha256": sha(NEW_CONTENT)})
    archived(paths).parent.mkdir(parents=True)
    archived(paths).write_bytes(CONTENT)

    refused = run(paths, "fetch")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        f"Refused: ihek-2012: {archived(paths)} has SHA-256 {sha(CONTENT)}, the catalog expects {sha(NEW_CONTENT)}; "
        "the file is kept. Fetch again with --force"
    )
    assert "1 refused" in refused.stdout
    assert archived(paths).read_bytes() == CONTENT
    assert server.requests == []

    forced = run(paths, "fetch", "--force")
    assert forced.exit_code == 0, forced.output
    assert archived(paths).read_bytes() == NEW_CONTENT
    [kept] = [name for name in leftovers(paths) if name != "ihek-2012.pdf"]
    assert kept.startswith("ihek-2012.pdf.") and kept.endswith(f"-{sha(CONTENT)[:12]}.bak")
    assert archived(paths, kept).read_bytes() == CONTENT
    assert f"; the old file is kept as {kept}" in forced.stdout
    assert [l["outcome"] for l in provenance_lines(paths)] == ["refused", "downloaded"]
    assert kept in provenance_lines(paths)[-1]["message"]


def test_changed_source_replaces_an_uncatalogued_hash_only_with_force(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(), Reply(body=NEW_CONTENT))
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    assert run(paths, "fetch").exit_code == 0
    assert run(paths, "fetch").stdout.startswith("ihek-2012: present")
    assert archived(paths).read_bytes() == CONTENT
    forced = run(paths, "fetch", "--force")
    assert forced.exit_code == 0, forced.output
    assert archived(paths).read_bytes() == NEW_CONTENT
    assert sorted(archived(paths, n).read_bytes() for n in leftovers(paths)) == sorted([CONTENT, NEW_CONTENT])
    assert f"  ihek-2012: {sha(NEW_CONTENT)}\n" in forced.stderr


def test_provenance_is_only_ever_appended(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply(status=500, body=b""), Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    run(paths, "fetch", *FAST)
    log = paths.archive / "provenance.jsonl"
    before = log.read_bytes()
    run(paths, "fetch", "--force", *FAST)
    after = log.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert after.endswith(b"\n") and after.count(b"\n") == 3


def test_entries_without_source_url_are_reported_not_failed(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url}, {"id": "ihek-2010"})
    result = run(paths, "fetch")
    assert result.exit_code == 0, result.output
    assert "ihek-2010: no source_url\n" in result.stdout
    assert "1 downloaded, 0 unchanged, 0 present, 1 without source_url, 0 failed" in result.stdout
    named = run(paths, "fetch", "ihek-2010")
    assert named.exit_code == 1
    assert named.stderr == "Failed: ihek-2010: no source_url in the catalog; add the file's address\n"


def test_only_the_named_ids_are_fetched(paths: Paths, server: Server) -> None:
    catalog(
        paths,
        {"id": "ihek-2012", "source_url": server.route("/a.pdf", Reply())},
        {"id": "ihek-2011", "source_url": server.route("/b.pdf", Reply(body=NEW_CONTENT))},
    )
    result = run(paths, "fetch", "ihek-2011", "ihek-2011")
    assert result.exit_code == 0, result.output
    assert leftovers(paths) == ["ihek-2011.pdf"]
    assert [r.path for r in server.requests] == ["/b.pdf"]
    unknown = run(paths, "fetch", "ihek-2099")
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        f"Error: {paths.catalog}: no entry with the id 'ihek-2099'; the ids are in the catalog's first column\n"
    )
    with pytest.raises(FetchError):
        fetch.fetch(paths, ["ihek-2099"])


def test_the_real_catalog_has_no_source_urls_yet(tmp_path: Path) -> None:
    paths = Paths(archive=tmp_path / "archive", index=tmp_path / "index")
    paths.archive.mkdir()
    shutil.copy(ROOT / "archive" / "catalog.csv", paths.catalog)
    entries = read_catalog(paths.catalog)
    result = run(paths, "fetch")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:-1] == [f"{entry.id}: no source_url" for entry in entries]
    assert result.stdout.splitlines()[-1].startswith(
        f"0 downloaded, 0 unchanged, 0 present, {len(entries)} without source_url, 0 failed, 0 refused"
    )
    assert result.stderr == ""
    assert sorted(p.name for p in paths.archive.iterdir()) == ["catalog.csv"]  # the writer lock is in the index
    assert (paths.index / locks.WRITER_LOCK).read_text() == ""  # no holder named once the fetch is done


def test_provenance_goes_into_the_database_on_ingest(paths: Paths, server: Server, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "served.pdf", ihek_spec()).read_bytes()
    url = server.route("/ihek-2019-2021.pdf", Reply(status=503, body=b""), Reply(body=pdf, etag='"abc"'))
    catalog(paths, {"id": "ihek-2019-2021", "source_url": url}, {"id": "ihek-2010"})
    assert run(paths, "fetch", *FAST).exit_code == 0
    ingested = run(paths, "ingest", "--no-index")
    assert ingested.exit_code == 0, ingested.output
    db = Database(paths.database)
    rows = list(
        db.query(
            "select document_id, requested_url, final_url, status, etag, bytes, sha256, outcome, attempt, "
            "tool_version from provenance order by id"
        )
    )
    assert rows == [
        {
            "document_id": "ihek-2019-2021",
            "requested_url": url,
            "final_url": url,
            "status": 503,
            "etag": None,
            "bytes": None,
            "sha256": None,
            "outcome": "failed",
            "attempt": 1,
            "tool_version": __version__,
        },
        {
            "document_id": "ihek-2019-2021",
            "requested_url": url,
            "final_url": url,
            "status": 200,
            "etag": '"abc"',
            "bytes": len(pdf),
            "sha256": sha(pdf),
            "outcome": "downloaded",
            "attempt": 2,
            "tool_version": __version__,
        },
    ]
    assert db["documents"].get("ihek-2019-2021")["sha256"] == sha(pdf)
    # A later fetch of the same file: ingest skips the unchanged document but brings its provenance up to date.
    assert run(paths, "fetch", "--force", *FAST).exit_code == 0
    again = run(paths, "ingest", "--no-index")
    assert "0 ingested (0 pages), 1 unchanged" in again.stdout
    assert [r["outcome"] for r in db.query("select outcome from provenance order by id")] == [
        "failed",
        "downloaded",
        "unchanged",
    ]


def test_update_catalog_fills_only_empty_sha256_cells(paths: Paths, server: Server) -> None:
    url = server.route("/ihek-2012.pdf", Reply())
    paths.archive.mkdir(parents=True)
    original = (
        "\ufeffid,title,doc_type,file,source_url,sha256,notes\r\n"
        f'ihek-2012,"IHEK 2012",ihek,,{url},,"zwei\r\nZeilen, mit Komma"\r\n'
        f"ihek-2011,IHEK 2011,ihek,,{server.route('/b.pdf', Reply(body=NEW_CONTENT))},{sha(NEW_CONTENT)},\r\n"
        "ihek-2010,IHEK 2010,ihek\r\n"
    )
    paths.catalog.write_bytes(original.encode("utf-8"))
    result = run(paths, "fetch", "--update-catalog")
    assert result.exit_code == 0, result.output
    assert f"sha256 written to {paths.catalog} for 1 entries: ihek-2012\n" in result.stdout
    assert result.stderr == ""
    assert paths.catalog.read_bytes().decode("utf-8") == original.replace(f"{url},,", f"{url},{sha(CONTENT)},")
    assert read_catalog(paths.catalog)[0].sha256 == sha(CONTENT)


def test_record_checksums_pads_short_rows_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "id;title;doc_type;sha256;notes\nihek-2010;IHEK 2010;ihek\nihek-2011;IHEK 2011;ihek;" + "a" * 64 + ";\n",
        encoding="utf-8",
    )
    assert record_checksums(path, {"ihek-2010": "b" * 64, "ihek-2011": "c" * 64}) == ["ihek-2010"]
    assert path.read_text(encoding="utf-8") == (
        "id;title;doc_type;sha256;notes\nihek-2010;IHEK 2010;ihek;"
        + "b" * 64
        + "\nihek-2011;IHEK 2011;ihek;"
        + "a" * 64
        + ";\n"
    )
    no_column = tmp_path / "ohne.csv"
    no_column.write_text("id,title,doc_type\nihek-2010,IHEK 2010,ihek\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="no sha256 column"):
        record_checksums(no_column, {"ihek-2010": "b" * 64})


async def test_datasette_shows_the_provenance_table(paths: Paths, server: Server, tmp_path: Path) -> None:
    from qmarchive.serve import build_datasette

    pdf = make_pdf(tmp_path / "served.pdf", ihek_spec()).read_bytes()
    url = server.route("/ihek-2019-2021.pdf", Reply(status=500, body=b""), Reply(body=pdf))
    catalog(paths, {"id": "ihek-2019-2021", "source_url": url})
    assert run(paths, "fetch", *FAST).exit_code == 0
    assert run(paths, "ingest", "--no-index").exit_code == 0
    assert "m003_provenance" in [
        r["name"] for r in Database(paths.database).query("select name from _sqlite_migrations")
    ]
    ds = build_datasette(paths.database)
    table = (await ds.client.get("/qmarchive/provenance.json", params={"_shape": "objects"})).json()
    assert sorted((row["attempt"], row["status"], row["outcome"]) for row in table["rows"]) == [
        (1, 500, "failed"),
        (2, 200, "downloaded"),
    ]
    assert {v["value"]: v["count"] for v in table["facet_results"]["outcome"]["results"]} == {
        "downloaded": 1,
        "failed": 1,
    }
    assert "document_id" in table["facet_results"]


HOLD_LOCK = """
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.write(f"{os.getpid()} ingest")
handle.flush()
print("held", flush=True)
time.sleep(60)
"""


def test_fetch_stops_at_once_while_another_writer_holds_the_archive_and_a_killed_one_leaves_no_lock(
    paths: Paths, server: Server
) -> None:
    url = server.route("/ihek-2012.pdf", Reply())
    catalog(paths, {"id": "ihek-2012", "source_url": url})
    paths.index.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(paths.index / locks.WRITER_LOCK)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "held\n"
        result = run(paths, "fetch")
        assert result.exit_code == 1
        assert f"another ingest (process {holder.pid}) is running on this archive" in result.stderr
        assert leftovers(paths) == [] and provenance_lines(paths) == []
    finally:
        holder.kill()
        holder.wait()
    result = run(paths, "fetch")  # the system released the killed process's lock
    assert result.exit_code == 0, result.output
    assert archived(paths).read_bytes() == CONTENT
