"""Download catalogued documents from their ``source_url`` into the archive, with checksums and provenance.

The archive may become the last copy once the websites are gone, so a download never endangers what is
already there:

- it goes to ``<file>.part`` beside its target and is renamed into place only when it is complete and
  verified; an interrupted download is resumed (``Range`` with ``If-Range``, validators kept in
  ``<file>.part.json``) or, when the server cannot resume it, started again;
- a download whose SHA-256 differs from the catalog's is never installed; it is kept as
  ``<file>.rejected-<sha12>`` for inspection;
- an archived file is never replaced by a different one without ``force``, and then it stays beside the
  new one as ``<file>.<UTC time>-<sha12>.bak`` (hard-linked before the rename, so it is never missing);
- every attempt appends one line to ``ARCHIVE/provenance.jsonl`` (see :mod:`qmarchive.provenance`);
- one writer at a time: fetch holds the archive's writer lock (:func:`qmarchive.locks.writer`), so a
  second fetch, or an ingest, stops at once naming the process that holds it; the system releases the
  lock of a killed fetch.

A batch is lenient: a failed entry is a result, and the batch goes on. Only problems that stop the whole
batch (an invalid catalog, an unknown id, an unusable setting) raise.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import httpx

from qmarchive import __version__, locks, provenance
from qmarchive.catalog import CatalogEntry, read_catalog
from qmarchive.errors import FetchError
from qmarchive.ingest import file_digest
from qmarchive.paths import Paths

Status = Literal["downloaded", "unchanged", "present", "no-source", "failed", "refused"]
STATUSES: tuple[Status, ...] = ("downloaded", "unchanged", "present", "no-source", "failed", "refused")
USER_AGENT = (
    f"qmarchive/{__version__} (archival copy of Berlin Quartiersmanagement planning documents) "
    f"python-httpx/{httpx.__version__}"
)
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
MAX_DELAY = 60.0
MAX_REDIRECTS = 10
_RETRY_STATUSES = {408, 425, 429}
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class FetchOptions:
    """``retries`` come after the first attempt; the n-th retry waits about ``backoff * 2**(n-1)`` seconds
    (with jitter), or what the server's Retry-After asks, never more than ``max_delay``."""

    force: bool = False
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_delay: float = MAX_DELAY
    max_redirects: int = MAX_REDIRECTS


@dataclass(frozen=True)
class FetchResult:
    """What happened to one catalog entry. ``sha256`` is the hash of the file now in the archive (or of the
    rejected download); ``record_hash`` says the catalog gives none, so this one should be added to it."""

    document_id: str
    file: str
    status: Status
    url: str | None = None
    final_url: str | None = None
    sha256: str | None = None
    bytes: int | None = None
    attempts: int = 0
    resumed: bool = False
    record_hash: bool = False
    kept: Path | None = None
    message: str | None = None
    named: bool = False


@dataclass
class FetchSummary:
    results: list[FetchResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {status: self.count(status) for status in STATUSES}

    @property
    def ok(self) -> bool:
        """False if an entry failed or was refused, or an id named explicitly has no source_url."""
        return not any(r.status in ("failed", "refused") or (r.status == "no-source" and r.named) for r in self.results)

    @property
    def hashes_to_record(self) -> dict[str, str]:
        """Document id → SHA-256 of archived files whose catalog row gives no sha256."""
        return {r.document_id: r.sha256 for r in self.results if r.record_hash and r.sha256}


@dataclass
class _Attempt:
    """One HTTP request and what it left in ``<file>.part``."""

    started_at: str
    finished_at: str | None = None
    requested: bool = False
    status: int | None = None
    final_url: str | None = None
    headers: httpx.Headers | None = None
    range_start: int = 0
    resumed_from: int = 0
    received: int = 0
    partial: int = 0
    complete: bool = False
    retryable: bool = False
    retry_after: float | None = None
    error: str | None = None


def fetch(
    paths: Paths,
    ids: Sequence[str] = (),
    *,
    options: FetchOptions = FetchOptions(),
    on_result: Callable[[FetchResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchSummary:
    """Fetch the catalog entries named by ``ids`` (all entries without ids), one after the other."""
    if options.timeout <= 0 or options.retries < 0 or options.backoff < 0 or options.max_redirects < 0:
        raise FetchError("timeout must be positive; retries, backoff and redirects must not be negative")
    selected = _select(read_catalog(paths.catalog), ids, paths)
    paths.archive.mkdir(parents=True, exist_ok=True)
    summary = FetchSummary()
    with locks.writer(paths.index, "fetch"), _client(options) as client:
        log_file = provenance.log_path(paths.archive)
        recorded = {(r["document_id"], r.get("sha256")) for r in provenance.records(log_file)}
        for entry, named in selected:
            fetcher = _EntryFetch(client, paths, entry, options, log_file, recorded, sleep)
            result = replace(fetcher.run(), named=named)
            summary.results.append(result)
            if on_result:
                on_result(result)
    return summary


def _select(entries: list[CatalogEntry], ids: Sequence[str], paths: Paths) -> list[tuple[CatalogEntry, bool]]:
    if not ids:
        return [(entry, False) for entry in entries]
    by_id = {entry.id: entry for entry in entries}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise FetchError(
            f"{paths.catalog}: no entry with the id {', '.join(repr(i) for i in unknown)}; "
            "the ids are in the catalog's first column"
        )
    return [(by_id[i], True) for i in dict.fromkeys(ids)]


def _client(options: FetchOptions) -> httpx.Client:
    return httpx.Client(
        # identity: the archive keeps the file as published, and byte ranges mean bytes of that file.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        timeout=httpx.Timeout(options.timeout),
        follow_redirects=True,
        max_redirects=options.max_redirects,
    )


class _EntryFetch:
    """Fetching one entry: check what is there, download with retries, verify, install, log each attempt."""

    def __init__(
        self,
        client: httpx.Client,
        paths: Paths,
        entry: CatalogEntry,
        options: FetchOptions,
        log_file: Path,
        recorded: set[tuple[str, Any]],
        sleep: Callable[[float], None],
    ):
        self.client = client
        self.entry = entry
        self.options = options
        self.log_file = log_file
        self.recorded = recorded
        self.sleep = sleep
        self.target = entry.path(paths.archive)
        self.part = self.target.with_name(self.target.name + ".part")
        self.sidecar = self.target.with_name(self.target.name + ".part.json")
        self.base = FetchResult(document_id=entry.id, file=entry.file, status="failed", url=entry.source_url)

    def run(self) -> FetchResult:
        if not self.entry.source_url:
            return replace(self.base, status="no-source", message="no source_url in the catalog")
        try:
            if self.target.is_file() and not self.options.force:
                return self._present()
            self.target.parent.mkdir(parents=True, exist_ok=True)
            return self._download()
        except OSError as exc:
            message = f"{exc.filename or self.target}: {exc.strerror or exc}"
            self._log(_Attempt(started_at=_now(), finished_at=_now()), 0, "failed", message)
            return replace(self.base, message=message)

    def _present(self) -> FetchResult:
        """A file is already in the archive: no request, unless it contradicts the catalog."""
        sha256, size = file_digest(self.target)
        result = replace(self.base, sha256=sha256, bytes=size)
        expected = self.entry.sha256
        if expected == sha256:
            return replace(result, status="unchanged", message="in the archive, SHA-256 as in the catalog")
        if expected:
            message = (
                f"{self.target} has SHA-256 {sha256}, the catalog expects {expected}; the file is kept. "
                "Fetch again with --force to download the catalogued file; this one is then kept beside it"
            )
            self._log(_Attempt(started_at=_now(), finished_at=_now()), 0, "refused", message, sha256, size)
            return replace(result, status="refused", message=message)
        if (self.entry.id, sha256) not in self.recorded:
            # Not downloaded here (or not since the log began): its hash is recorded once, without a request.
            self._log(
                _Attempt(started_at=_now(), finished_at=_now()),
                0,
                "present",
                "file already in the archive",
                sha256,
                size,
            )
        return replace(
            result, status="present", record_hash=True, message="in the archive; the catalog gives no sha256"
        )

    def _download(self) -> FetchResult:
        attempts = self.options.retries + 1
        for number in range(1, attempts + 1):
            attempt = self._attempt()
            if attempt.complete:
                return self._install(attempt, number)
            last = number == attempts or not attempt.retryable
            delay = None if last else self._delay(number, attempt)
            note = "" if delay is None else f"; retrying in {delay:.2f} s"
            self._log(attempt, number, "failed", f"{attempt.error}{note}", size=attempt.partial or None)
            if delay is None:
                break
            self.sleep(delay)
        detail = attempt.error or "failed"
        if number > 1:
            detail += f" (after {number} attempts)"
        if self.part.is_file() and self.sidecar.is_file():
            detail += f"; the {attempt.partial} bytes received are kept in {self.part.name} and resumed next time"
        return replace(
            self.base, attempts=number, final_url=attempt.final_url, message=f"{detail} — {self.entry.source_url}"
        )

    def _delay(self, number: int, attempt: _Attempt) -> float:
        if attempt.retry_after is not None:
            return min(attempt.retry_after, self.options.max_delay)
        backoff = min(self.options.backoff * 2 ** (number - 1), self.options.max_delay)
        return backoff * random.uniform(0.5, 1.0)

    def _attempt(self) -> _Attempt:
        url = self.entry.source_url
        assert url
        attempt = _Attempt(started_at=_now(), requested=True)
        headers = {}
        validators = self._resumable()
        if validators:
            attempt.range_start = self.part.stat().st_size
            headers = {"Range": f"bytes={attempt.range_start}-", "If-Range": validators["if_range"]}
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                attempt.status = response.status_code
                attempt.final_url = str(response.url)
                attempt.headers = response.headers
                mode = self._write_mode(attempt, response, validators)
                if mode:
                    self._receive(attempt, response, mode)
        except httpx.UnsupportedProtocol as exc:
            attempt.error = f"cannot download from there ({exc})"
        except httpx.TooManyRedirects:
            attempt.error = f"more than {self.options.max_redirects} redirects"
        except httpx.TimeoutException as exc:
            attempt.error, attempt.retryable = (
                f"timed out after {self.options.timeout:g} s ({type(exc).__name__})",
                True,
            )
        except httpx.TransportError as exc:
            attempt.error, attempt.retryable = f"connection failed: {exc or type(exc).__name__}", True
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            attempt.error = f"{type(exc).__name__}: {exc}"
        attempt.finished_at = _now()
        attempt.partial = self.part.stat().st_size if self.part.is_file() else 0
        return attempt

    def _resumable(self) -> dict[str, Any] | None:
        """The validators of a partial download that may be continued; otherwise it is discarded."""
        try:
            state = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = None
        size = self.part.stat().st_size if self.part.is_file() else 0
        if isinstance(state, dict) and state.get("url") == self.entry.source_url and state.get("if_range") and size:
            return state
        self._discard()
        return None

    def _write_mode(self, attempt: _Attempt, response: httpx.Response, validators: dict[str, Any] | None) -> str | None:
        """'ab' to continue the partial download, 'wb' to start it again, None if the response is no file."""
        status = response.status_code
        if status == 206 and validators:
            start, _, _ = _content_range(response.headers.get("content-range"))
            etag = response.headers.get("etag")
            if start == attempt.range_start and (not etag or not validators.get("etag") or etag == validators["etag"]):
                attempt.resumed_from = start
                return "ab"
            self._discard()
            attempt.error = (
                f"the server sent another part of the file than asked for ({response.headers.get('content-range')})"
            )
            attempt.retryable, attempt.retry_after = True, 0.0
            return None
        if status == 200:
            self._discard()
            self._remember(response)
            return "wb"
        if status == 416 and validators:
            self._discard()
            attempt.error = "the server cannot continue the partial download; starting again"
            attempt.retryable, attempt.retry_after = True, 0.0
            return None
        attempt.error = f"HTTP {status} {response.reason_phrase}".rstrip()
        attempt.retryable = status >= 500 or status in _RETRY_STATUSES
        attempt.retry_after = _retry_after(response.headers.get("retry-after"))
        return None

    def _remember(self, response: httpx.Response) -> None:
        """Keep the validators of a new download, so that an interruption can be resumed safely."""
        etag = response.headers.get("etag")
        last_modified = response.headers.get("last-modified")
        if_range = etag if etag and not etag.startswith("W/") else last_modified
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        if not if_range or encoded or response.headers.get("accept-ranges", "bytes").lower() == "none":
            return
        state = {
            "url": self.entry.source_url, "final_url": str(response.url), "etag": etag,
            "last_modified": last_modified, "if_range": if_range, "started_at": _now(),
        }  # fmt: skip
        _write_atomically(self.sidecar, (json.dumps(state, ensure_ascii=False) + "\n").encode("utf-8"))

    def _receive(self, attempt: _Attempt, response: httpx.Response, mode: str) -> None:
        with self.part.open(mode) as f:
            try:
                for chunk in response.iter_bytes():
                    f.write(chunk)
                    attempt.received += len(chunk)
            finally:
                f.flush()
                os.fsync(f.fileno())
        expected = response.headers.get("content-length")
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        if expected and expected.isdigit() and not encoded and attempt.received != int(expected):
            attempt.error = f"connection closed after {attempt.received} of {expected} bytes"
            attempt.retryable = True
            return
        _, _, total = _content_range(response.headers.get("content-range"))
        size = self.part.stat().st_size
        if total is not None and size != total:
            self._discard()
            attempt.error = f"the resumed file has {size} bytes, not {total}; starting again"
            attempt.retryable, attempt.retry_after = True, 0.0
            return
        attempt.complete = True

    def _install(self, attempt: _Attempt, number: int) -> FetchResult:
        sha256, size = file_digest(self.part)
        result = replace(
            self.base, sha256=sha256, bytes=size, attempts=number, final_url=attempt.final_url,
            resumed=attempt.resumed_from > 0,
        )  # fmt: skip
        expected = self.entry.sha256
        if expected and sha256 != expected:
            rejected = self.target.with_name(f"{self.target.name}.rejected-{sha256[:12]}")
            os.replace(self.part, rejected)
            self.sidecar.unlink(missing_ok=True)
            message = (
                f"the download has SHA-256 {sha256}, the catalog expects {expected}; not installed, kept as "
                f"{rejected} — {self.entry.source_url}"
            )
            self._log(attempt, number, "rejected", message, sha256, size)
            return replace(result, status="failed", kept=rejected, message=message)

        outcome = "resumed" if result.resumed else "downloaded"
        kept = None
        message = f"{size} bytes" + (f", resumed at byte {attempt.resumed_from}" if result.resumed else "")
        if self.target.is_file():
            old_sha256, _ = file_digest(self.target)
            if old_sha256 == sha256:
                self._discard()
                self._log(attempt, number, "unchanged", "the download is the archived file", sha256, size)
                return replace(
                    result, status="unchanged", record_hash=not expected, message="downloaded again: the same file"
                )
            if not self.options.force:
                self._discard()
                message = f"{self.target} appeared meanwhile with SHA-256 {old_sha256}; it is kept (use --force to replace it)"
                self._log(attempt, number, "refused", message, sha256, size)
                return replace(result, status="refused", message=message)
            kept = self.target.with_name(f"{self.target.name}.{_stamp()}-{old_sha256[:12]}.bak")
            _keep_beside(self.target, kept)
            message += f"; replaced a different file (SHA-256 {old_sha256}), kept as {kept.name}"
        os.replace(self.part, self.target)
        _fsync_directory(self.target.parent)
        self.sidecar.unlink(missing_ok=True)
        self._log(attempt, number, outcome, message, sha256, size)
        return replace(result, status="downloaded", kept=kept, record_hash=not expected, message=message)

    def _discard(self) -> None:
        self.part.unlink(missing_ok=True)
        self.sidecar.unlink(missing_ok=True)

    def _log(
        self, attempt: _Attempt, number: int, outcome: str, message: str | None,
        sha256: str | None = None, size: int | None = None,
    ) -> None:  # fmt: skip
        headers = attempt.headers or httpx.Headers()
        record = {
            "document_id": self.entry.id,
            "file": self.entry.file,
            "requested_url": self.entry.source_url,
            "final_url": attempt.final_url,
            "status": attempt.status,
            "last_modified": headers.get("last-modified"),
            "etag": headers.get("etag"),
            "content_type": headers.get("content-type"),
            "content_length": _int(headers.get("content-length")),
            "range_start": attempt.range_start or None,
            "received": attempt.received if attempt.status else None,
            "bytes": size,
            "sha256": sha256,
            "started_at": attempt.started_at,
            "finished_at": attempt.finished_at or _now(),
            "outcome": outcome,
            "message": message,
            "attempt": number or None,
            "user_agent": USER_AGENT if attempt.requested else None,
            "tool_version": __version__,
        }
        provenance.append(self.log_file, record)
        self.recorded.add((self.entry.id, sha256))


def _content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    match = _CONTENT_RANGE.match(value or "")
    if not match:
        return None, None, None
    start, end, total = match.groups()
    return int(start), int(end), None if total == "*" else int(total)


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _keep_beside(path: Path, kept: Path) -> None:
    """A second name for the archived file, so it survives the rename of the new one into its place."""
    try:
        os.link(path, kept)
    except OSError as exc:
        if isinstance(exc, FileExistsError):
            raise
        shutil.copy2(path, kept)
        with kept.open("rb") as f:
            os.fsync(f.fileno())


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
