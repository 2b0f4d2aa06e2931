"""One writer at a time: an exclusive lock on a file that names the process holding it.

The lock is ``flock`` on an open file, so the system releases it when its holder ends, however it ends;
the process id written into the file only tells others who holds it, and tells the next holder that
the previous one stopped without cleaning up.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path, busy: Callable[[str], Exception]) -> Iterator[str | None]:
    """Hold the lock at ``path``, or raise ``busy(holder)`` at once if another process holds it.

    Yields a message if the lock was left by a process that stopped without releasing it, else None.
    """
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise busy(handle.read().strip() or "unknown") from None
        handle.seek(0)
        stale = handle.read().strip()
        recovered = None
        if stale:
            recovered = f"{path}: recovered the lock left by process {stale}, which stopped without releasing it"
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield recovered
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
