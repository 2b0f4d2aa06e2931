"""Writers for a new Whoosh index: one process, or one analysing process per CPU for a large index.

German analysis and Whoosh's posting writer are pure Python, so a rebuild is CPU-bound. Whoosh's
``MpWriter`` hands batches of pages to sub-processes that each write a segment of their own; the
segments are kept as they are (merging them would undo most of the gain). Whoosh's sub-processes
wait for work forever, so here they stop when their parent is gone (killed) or the build is cancelled,
and never keep the index's write lock, which they inherit, after the writer's process has ended.
"""

from __future__ import annotations

import os
import threading

from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter, SegmentWriter

# Memory for the postings a build holds to sort, shared among its processes. Beyond it Whoosh sorts on
# disk, pickling every posting: at 256 MB a process, a 10,000-page build took 1.5 times as long.
MEMORY_MB = 1024
# In automatic mode, a rebuild takes another process for each this many pages (start-up costs ~1 s).
PAGES_PER_PROCESS = 2000
_BATCH = 100  # pages handed to a process at once


def writer(ix: FileIndex, pages: int, jobs: int | None = None) -> IndexWriter:
    """A writer for ``pages`` new pages: ``jobs`` processes, or as many as CPUs and the pages warrant."""
    if jobs is None:
        jobs = min(len(os.sched_getaffinity(0)), -(-pages // PAGES_PER_PROCESS))
    if jobs > 1:
        batch = max(1, min(_BATCH, pages // (jobs * 4)))  # small indexes still reach every process
        return _ParallelWriter(ix, procs=jobs, batchsize=batch, multisegment=True, limitmb=MEMORY_MB // jobs)
    return ix.writer(limitmb=MEMORY_MB)


class _SubWriter(SubWriterTask):
    """A sub-process that ends itself when the process that started it is gone."""

    def run(self) -> None:
        parent = os.getppid()

        def watch() -> None:
            while os.getppid() == parent:
                threading.Event().wait(0.5)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
        super().run()


class _ParallelWriter(MpWriter):
    """Whoosh's multi-process writer whose sub-processes end with it, also when a build is cancelled."""

    def _new_task(self) -> _SubWriter:
        task = _SubWriter(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment)
        task.daemon = True
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
            task.join()
        SegmentWriter.cancel(self)
