"""Writers for a new Whoosh index: one process, or one analysing process per CPU for a large index.

German analysis and Whoosh's posting writer are pure Python, so a rebuild is CPU-bound. Whoosh's
``MpWriter`` hands batches of pages to sub-processes that each write a segment of their own; the
segments are kept as they are (merging them would undo most of the gain). A large index is written
in rounds of as many pages as the processes can sort in ``MEMORY_MB``, one segment a process and
round: beyond its memory Whoosh sorts on disk, pickling every posting, which made builds 1.5 to 2
times slower. Whoosh's sub-processes wait for work forever, so here they stop when their parent is
gone (killed) or the build is cancelled, and never keep the index's write lock, which they inherit,
after the writer's process has ended.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import Any

from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter, SegmentWriter

# Memory for the postings a build holds to sort, shared among its processes. A page of the sample
# archive makes about 60 KB of postings by Whoosh's reckoning; at 80 KB a page, a process alone
# puts this many pages in one segment, and each of N processes an N-th of them.
MEMORY_MB = 1024
SEGMENT_PAGES = MEMORY_MB * 1024 // 80
# In automatic mode, a rebuild takes another process for each this many pages (start-up costs ~1 s).
PAGES_PER_PROCESS = 2000
_BATCH = 100  # pages handed to a process at once


def build(ix: FileIndex, documents: Iterable[dict[str, Any]], pages: int, jobs: int | None = None) -> int:
    """Add ``pages`` documents to a new index, in rounds of one segment a process; returns how many.

    ``jobs`` processes, or as many as CPUs and the pages warrant. A failed round is cancelled and the
    error raised; the rounds before it stay committed, so an index whose build failed must not be used
    (the caller builds into a new generation and switches to it only when the build is complete).
    """
    jobs = jobs or _jobs(pages)
    capacity = max(1, SEGMENT_PAGES // jobs) * jobs  # pages a round sorts in memory
    rounds = max(1, -(-pages // capacity))
    per_round = max(1, -(-pages // rounds))  # rounds of equal size
    documents = iter(documents)
    written = 0
    while (first := next(documents, None)) is not None:
        expected = max(1, min(per_round, pages - written))
        written += _write_round(ix, chain([first], islice(documents, per_round - 1)), expected, jobs)
    return written


def _write_round(ix: FileIndex, documents: Iterator[dict[str, Any]], size: int, jobs: int) -> int:
    round_writer = _writer(ix, size, jobs)
    added = 0
    try:
        for document in documents:
            round_writer.add_document(**document)
            added += 1
        round_writer.commit(merge=False)
    except BaseException:
        round_writer.cancel()
        raise
    return added


def _jobs(pages: int) -> int:
    return max(1, min(len(os.sched_getaffinity(0)), -(-pages // PAGES_PER_PROCESS)))


def _writer(ix: FileIndex, pages: int, jobs: int) -> IndexWriter:
    """A writer for ``pages`` new pages in ``jobs`` processes."""
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
        task = _SubWriter(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        task.daemon = True
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        for task in self.tasks:
            task.terminate()
            task.join()
        SegmentWriter.cancel(self)
