"""Page images: each PDF page rendered by PDFium for the screen and as a thumbnail, cached under the index.

Derived data: ``INDEX/pages/`` can be deleted at any time; an image is rendered again on its next request.
An image is keyed by its file's SHA-256, the page number, the size and ``RENDER_VERSION``, so a new version
of a file gets new images and a cached image never changes: it can be served as immutable.

Rendering is lazy (on first request) and runs in a child process with a time limit, a memory limit and a
pixel limit per page, at most ``WORKERS`` at once: a hostile page ends with a placeholder, never with a hung
or crashed server. ``ensure_pages`` renders many pages of one file in one child (the static edition: a child
per page spends most of its time starting Python and PDFium), under the same limits per page. A failure is
remembered for ``FAILURE_RETRY_SECONDS``, so a page that cannot be rendered costs its time limit once a day,
not on every request. The child reads the PDF through a file descriptor the
caller opened (and checked), so it renders exactly the archived file.
"""

from __future__ import annotations

import io
import math
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import pypdfium2 as pdfium

# Name → width in pixels. 1200 px is a sharp reading size on most screens; the thumbnail is shown 100 px
# wide in the hit list and rendered at twice that for high-density screens.
SIZES = {"gross": 1200, "klein": 200}
# Raise when rendering or encoding changes, so that cached images are rendered again.
RENDER_VERSION = 1
CACHE_DIR = "pages"
# At most this many pixels per image (a page 1200 px wide and 3333 px tall), whatever the page's shape.
MAX_PIXELS = 4_000_000
MAX_SIDE = 16_383  # WebP's limit
TIME_LIMIT = 10.0
MEMORY_MB = 1024
WORKERS = 2
FAILURE_RETRY_SECONDS = 24 * 3600
# WebP at quality 75, method 2: measured on the sample pages at 1200 px, 52 ms and 138 KB a page (method 4:
# 118 ms, 148 KB; PNG: 56 ms, 309 KB).
WEBP_OPTIONS = {"format": "WEBP", "quality": 75, "method": 2}
MEDIA_TYPE = "image/webp"
PLACEHOLDER_MEDIA_TYPE = "image/svg+xml"

_slots = threading.BoundedSemaphore(WORKERS)
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class PageImage:
    """A page image ready to serve: the cached file, or (``path`` None) why there is only the placeholder."""

    path: Path | None
    etag: str
    failure: str | None = None
    rendered: bool = False  # rendered by this call, not taken from the cache


def cache_file(index_dir: Path, sha256: str, page_number: int, size: str) -> Path:
    return index_dir / CACHE_DIR / f"v{RENDER_VERSION}" / sha256[:2] / f"{sha256}-{page_number}-{size}.webp"


def etag(sha256: str, page_number: int, size: str) -> str:
    return f'"{sha256[:16]}-{page_number}-{size}-v{RENDER_VERSION}"'


def cached(index_dir: Path, sha256: str, page_number: int, size: str) -> PageImage | None:
    """The cached image, or a recent failure's placeholder; None if the page must be rendered."""
    target = cache_file(index_dir, sha256, page_number, size)
    if target.exists():
        return PageImage(target, etag(sha256, page_number, size))
    failure = _recent_failure(target)
    if failure is not None:
        return PageImage(None, etag(sha256, page_number, size).replace("-v", "-fehlt-v"), failure)
    return None


def ensure(
    index_dir: Path,
    pdf: int | Path,
    sha256: str,
    page_number: int,
    size: str,
    *,
    timeout: float = TIME_LIMIT,
    memory_mb: int = MEMORY_MB,
) -> PageImage:
    """The page's image from the cache, rendered first if it is not there (blocking: run it in a thread).

    ``pdf`` is the archived file (a path, or a descriptor open on it) whose SHA-256 is ``sha256``.
    """
    if size not in SIZES:
        raise ValueError(f"unknown image size {size!r}; one of {', '.join(SIZES)}")
    found = cached(index_dir, sha256, page_number, size)
    if found is not None:
        return found
    target = cache_file(index_dir, sha256, page_number, size)
    try:
        with _lock_for(target), _slots:
            found = cached(index_dir, sha256, page_number, size)  # rendered by another request meanwhile
            if found is not None:
                return found
            failure = _render_in_child(pdf, page_number, SIZES[size], target, timeout, memory_mb)
    finally:
        with _locks_guard:
            _locks.pop(target, None)  # a later request finds the file (or the failure) and needs no lock
    if failure is None:
        return PageImage(target, etag(sha256, page_number, size), rendered=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    _failure_file(target).write_text(failure, encoding="utf-8")
    return PageImage(None, etag(sha256, page_number, size).replace("-v", "-fehlt-v"), failure, rendered=True)


def ensure_pages(
    index_dir: Path,
    pdf: Path,
    sha256: str,
    page_numbers: Iterable[int],
    size: str,
    *,
    timeout: float = TIME_LIMIT,
    memory_mb: int = MEMORY_MB,
    on_page: Callable[[int, PageImage], None] | None = None,
) -> dict[int, PageImage]:
    """The images of many pages of one file, those not in the cache rendered in one child process.

    The child renders the pages in order and reports each one as written, each within ``timeout`` and all
    within ``memory_mb``. Where a page takes longer, or the child fails or dies, that page is rendered once
    more on its own by ``ensure`` (which ends with the placeholder and remembers why) and a new child takes
    the pages after it. ``on_page`` hears of each page as its image is ready (or known to be missing).
    """
    if size not in SIZES:
        raise ValueError(f"unknown image size {size!r}; one of {', '.join(SIZES)}")
    report = on_page or (lambda number, image: None)
    images: dict[int, PageImage] = {}
    missing: list[int] = []
    for number in page_numbers:
        found = cached(index_dir, sha256, number, size)
        if found is None:
            missing.append(number)
        else:
            images[number] = found
            report(number, found)

    def written(number: int) -> None:
        image = images[number] = PageImage(
            cache_file(index_dir, sha256, number, size), etag(sha256, number, size), rendered=True
        )
        report(number, image)

    while missing:
        targets = [(number, cache_file(index_dir, sha256, number, size)) for number in missing]
        with _slots:
            done = _render_batch_in_child(pdf, targets, SIZES[size], timeout, memory_mb, written)
        if done == len(missing):
            break
        failed = missing[done]
        images[failed] = ensure(index_dir, pdf, sha256, failed, size, timeout=timeout, memory_mb=memory_mb)
        report(failed, images[failed])
        missing = missing[done + 1 :]
    return images


def render(pdf: Path | io.BufferedIOBase, page_number: int, width: int, *, max_pixels: int = MAX_PIXELS) -> bytes:
    """One page (1-based) as WebP, ``width`` pixels wide unless that would exceed ``max_pixels`` or WebP's
    largest side."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return _render_page(document, page_number, width, max_pixels)
    finally:
        document.close()


def _render_page(document: pdfium.PdfDocument, page_number: int, width: int, max_pixels: int = MAX_PIXELS) -> bytes:
    if not 1 <= page_number <= len(document):
        raise ValueError(f"the PDF has no page {page_number} (it has {len(document)})")
    page = document[page_number - 1]
    try:
        points_wide, points_high = page.get_size()
        if points_wide <= 0 or points_high <= 0:
            raise ValueError(f"page {page_number} has no area ({points_wide:g} × {points_high:g} pt)")
        scale = min(
            width / points_wide,
            math.sqrt(max_pixels / (points_wide * points_high)),
            MAX_SIDE / max(points_wide, points_high),
        )
        image = page.render(scale=scale).to_pil()
    finally:
        page.close()
    out = io.BytesIO()
    image.save(out, **WEBP_OPTIONS)
    return out.getvalue()


def placeholder_svg(page_locator: str) -> bytes:
    """What the browser shows where a page could not be rendered: a framed page with a German notice
    naming the page as citations do ("S. 3 (PDF-Seite 9)")."""
    label = "".join(ch for ch in page_locator if ch.isalnum() or ch in " .-()")[:40]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1697" viewBox="0 0 1200 1697" role="img" '
        f'aria-label="Seitenbild nicht verfügbar"><rect x="4" y="4" width="1192" height="1689" fill="#f4f4f4" '
        'stroke="#767676" stroke-width="8" stroke-dasharray="24 16"/>'
        '<text x="600" y="800" font-family="sans-serif" font-size="64" text-anchor="middle" fill="#333">'
        "Seitenbild nicht verfügbar</text>"
        '<text x="600" y="900" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#333">'
        f"{label}: Text und PDF siehe Seite</text></svg>"
    ).encode("utf-8")


def _lock_for(target: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(target, threading.Lock())


def _failure_file(target: Path) -> Path:
    return target.with_suffix(".failed")


def _recent_failure(target: Path) -> str | None:
    marker = _failure_file(target)
    try:
        if time.time() - marker.stat().st_mtime < FAILURE_RETRY_SECONDS:
            return marker.read_text(encoding="utf-8")
    except OSError:
        pass
    return None


def _render_in_child(
    pdf: int | Path, page_number: int, width: int, target: Path, timeout: float, memory_mb: int
) -> str | None:
    """Render in a child process that writes ``target``; None on success, else why it failed."""
    fd = pdf if isinstance(pdf, int) else os.open(pdf, os.O_RDONLY)
    command = [
        sys.executable,
        "-m",
        "qmarchive.page_images",
        str(fd),
        str(page_number),
        str(width),
        str(target),
        str(memory_mb),
    ]
    started = time.monotonic()
    try:
        done = subprocess.run(command, pass_fds=(fd,), capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"rendering page {page_number} took longer than the time limit of {timeout:g} s"
    finally:
        if not isinstance(pdf, int):
            os.close(fd)
    if done.returncode == 0 and target.exists():
        return None
    message = done.stderr.decode("utf-8", "replace").strip().splitlines()
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = f"signal {-done.returncode}"
        return (
            f"the renderer crashed ({name}) after {time.monotonic() - started:.1f} s, "
            f"most likely at the memory limit of {memory_mb} MB"
        )
    return message[-1] if message else f"the renderer failed (exit code {done.returncode})"


def _render_batch_in_child(
    pdf: Path,
    targets: list[tuple[int, Path]],
    width: int,
    timeout: float,
    memory_mb: int,
    written: Callable[[int], None],
) -> int:
    """Render the pages in one child that reads ``page<TAB>target`` lines and answers each page written with a
    line of its number; how many pages (from the first) were written before it finished, failed or took
    longer than ``timeout`` on one page."""
    fd = os.open(pdf, os.O_RDONLY)
    command = [sys.executable, "-m", "qmarchive.page_images", "--batch", str(fd), str(width), str(memory_mb)]
    lines: queue.Queue[str | None] = queue.Queue()
    try:
        child = subprocess.Popen(
            command,
            pass_fds=(fd,),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a failing page is rendered again on its own, which says why
            text=True,
        )
    finally:
        os.close(fd)
    assert child.stdin is not None and child.stdout is not None
    threading.Thread(target=_read_lines, args=(child.stdout, lines), daemon=True).start()
    done = 0
    try:
        child.stdin.write("".join(f"{number}\t{target}\n" for number, target in targets))
        child.stdin.close()
        while done < len(targets):
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                break  # this page took too long
            if line is None or line.strip() != str(targets[done][0]):
                break  # the child ended (failed or died) before this page
            written(targets[done][0])
            done += 1
    except BrokenPipeError:
        pass  # the child ended before it read the pages
    finally:
        child.kill()
        child.wait()
    return done


def _read_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_bytes(data)
    os.replace(partial, target)


def _batch_child(fd: int, width: int, memory_mb: int) -> int:
    """The batch child: the memory limit, the document opened once, then each page written and answered."""
    import pypdfium2 as pdfium

    targets = [line.rstrip("\n").split("\t", 1) for line in sys.stdin]
    _limit_memory(memory_mb)
    with open(f"/proc/self/fd/{fd}", "rb") as pdf:
        document = pdfium.PdfDocument(pdf)
        try:
            for number, target in targets:
                _write(Path(target), _render_page(document, int(number), width))
                print(number, flush=True)
        finally:
            document.close()
    return 0


def _child(fd: int, page_number: int, width: int, target: Path, memory_mb: int) -> int:
    """The child process: the memory limit first, then PDFium on its own descriptor of the file."""
    _limit_memory(memory_mb)
    try:
        # Opened again through /proc, so that reading does not move the parent's file offset.
        with open(f"/proc/self/fd/{fd}", "rb") as pdf:
            data = render(pdf, page_number, width)
        _write(target, data)
    except MemoryError:
        print(f"rendering page {page_number} exceeded the memory limit of {memory_mb} MB", file=sys.stderr)
        return 3
    except Exception as exc:  # noqa: BLE001 - any failure means the placeholder, with its reason
        print(f"PDFium could not render page {page_number} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__" and sys.argv[1] == "--batch":
    sys.exit(_batch_child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
elif __name__ == "__main__":
    sys.exit(_child(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5])))
