"""One writer at a time: an exclusive lock on a file that names the process and command holding it.

The lock is ``flock`` on an open file, so the system releases it when its holder ends, however it ends;
what is written into the file (process id and command) only tells others who holds it, and tells the
next holder that the previous one stopped without cleaning up.

Every command that writes an archive (``fetch``, ``ingest``, ``index``, ``withdraw``, ``reinstate``)
takes the one writer lock of its index directory, :func:`writer`: the database, the search index and
the archive files they are built from change under one lock. A process may take it again while it holds
it (``ingest`` brings the search index up to date under the lock it took for reading the PDFs).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from qmarchive.errors import ConfigError, WriterBusyError

WRITER_LOCK = ".writer.lock"

# Locks this process holds: path → command, so that taking one again is not a conflict with itself.
_held: dict[Path, str] = {}


@contextmanager
def exclusive(path: Path, busy: Callable[[str], Exception], command: str = "") -> Iterator[str | None]:
    """Hold the lock at ``path``, or raise ``busy(holder)`` at once if another process holds it.

    ``holder`` is what the holder wrote: its process id and command (``"1234 ingest"``). Yields a
    message if the lock was left by a process that stopped without releasing it, else None.
    """
    # Unbuffered, so that a write the disk refuses fails here, naming the file, and not again at close.
    with open(path, "a+b", buffering=0) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise busy(handle.read().decode(errors="replace").strip() or "unknown") from None
        handle.seek(0)
        stale = handle.read().decode(errors="replace").strip()
        recovered = None
        if stale:
            pid, _, stale_command = stale.partition(" ")
            by = f"process {pid}" + (f" ({stale_command})" if stale_command else "")
            recovered = f"{path}: recovered the lock left by {by}, which stopped without releasing it"
        handle.truncate(0)
        try:
            handle.write(f"{os.getpid()} {command}".strip().encode())
        except OSError as exc:  # a full disk: say which file could not be written
            exc.filename = exc.filename or str(path)
            raise
        try:
            yield recovered
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_lock_path(index_dir: Path) -> Path:
    return index_dir / WRITER_LOCK


@contextmanager
def writer(index_dir: Path, command: str) -> Iterator[str | None]:
    """Hold the archive's one writer lock for ``command``; raise :class:`WriterBusyError` at once if
    another process holds it. Taking it again in the process that holds it is allowed (and a no-op).

    Yields a message if a killed writer's lock was recovered, else None.
    """
    path = writer_lock_path(index_dir.resolve())
    if path in _held:
        yield None
        return
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{index_dir}: cannot create the directory for the writer lock ({exc.strerror or exc})"
        ) from exc

    def busy(holder: str) -> WriterBusyError:
        pid, _, other = holder.partition(" ")
        return WriterBusyError(
            f"another {other or 'writer'} (process {pid}) is running on this archive (lock {path}); "
            f"wait for it to finish, then run '{command}' again"
        )

    with exclusive(path, busy, command) as recovered:
        _held[path] = command
        try:
            yield recovered
        finally:
            del _held[path]
