"""Extraction in worker processes: one PDF (or one page to OCR) per task, with a time limit and a memory limit.

A hostile PDF can hang a parser, eat all memory or crash PDFium (native code) outright. Each file is
therefore read in a long-lived worker process; the parent waits with a deadline, kills and replaces a
worker that overruns or dies, and turns what happened into an :class:`ExtractionError` naming the file.
Only the parent writes the database. OCR runs as page tasks in the same workers, so the pages of one
scanned document are read on every CPU, one single-threaded Tesseract per worker. Workers come from a "forkserver" that has imported pypdf but not
PDFium, so PDFium is initialised in each worker and never forked after initialisation.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Iterable, Iterator
from collections import deque
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Self

from qmarchive.errors import (
    CrashedError,
    DamagedPdfError,
    ExtractionError,
    MemoryLimitError,
    TimeLimitError,
)
from qmarchive.extract import ExtractedDocument, Extractor
from qmarchive.ocr import Engine, PageOcr

DEFAULT_TIMEOUT = 120.0
DEFAULT_MEMORY_MB = 2048
_PRELOAD = ["pypdf", "qmarchive.textnorm", "qmarchive.errors", "qmarchive.worker_preload"]


@dataclass(frozen=True)
class OcrPage:
    """What makes a task the OCR of one page instead of the extraction of a document."""

    page: int
    engine: Engine


@dataclass(frozen=True)
class Task:
    key: Any
    path: Path
    extractor: Extractor
    password: str | None
    note: str | None = None
    fingerprint_all: bool = False
    ocr: OcrPage | None = None


@dataclass
class Outcome:
    """A finished task: the document (or the page's OCR), or the error that names why it could not be read."""

    task: Task
    document: ExtractedDocument | None = None
    page_topics: list[list[str]] | None = None
    page_tables: dict[int, list] | None = None  # measures tables by page number (qmarchive.measures)
    page_ocr: PageOcr | None = None
    error: ExtractionError | None = None
    seconds: float = 0.0


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# The process contexts used here (forkserver on POSIX, else spawn).
Context = multiprocessing.context.ForkServerContext | multiprocessing.context.SpawnContext


def _context() -> Context:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - not POSIX


def _worker_main(connection: Connection, memory_mb: int, timeout: float) -> None:
    """Extract the files (and OCR the pages) the parent sends until it closes the pipe (or dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one Tesseract thread per worker
    logging.getLogger().addHandler(logging.NullHandler())  # library warnings become document notes
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):  # pragma: no cover - a lower hard limit is already set
            pass
    from qmarchive import measures, ocr, topics
    from qmarchive.extract import extract

    def read(task: Task) -> tuple[str, Any, Any]:
        """The document, its pages' topics and measures tables: after extraction the costliest steps, so they run here too."""
        if task.ocr is not None:
            # Tesseract is stopped shortly before the parent would kill this worker, so it is never orphaned.
            page_ocr = ocr.recognise_page(
                task.path, task.ocr.page, task.ocr.engine, password=task.password, timeout=max(1.0, timeout * 0.9)
            )
            return "ok", page_ocr, None
        document = extract(
            task.path, extractor=task.extractor, password=task.password, fingerprint_all=task.fingerprint_all
        )
        tables, warnings = measures.read_tables(
            task.path,
            [page.number for page in document.pages if page.has_text_layer and measures.wants_tables(page.text)],
            task.password,
        )
        document.warnings.extend(warnings)
        return "ok", document, ([list(topics.tag_page(page.text, page.section)) for page in document.pages], tables)

    while True:
        try:
            task: Task = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any, Any] = read(task)
        except ExtractionError as exc:
            reply = ("error", exc, None)
        except MemoryError:
            reply = (
                "error",
                MemoryLimitError(task.path, f"memory limit of {memory_mb} MB exceeded; raise it with --memory-mb"),
                None,
            )
        except RecursionError:
            reply = (
                "error",
                DamagedPdfError(task.path, "damaged PDF beyond repair (structure nested too deeply)"),
                None,
            )
        except Exception as exc:  # noqa: BLE001 - any other failure costs this file only
            reply = (
                "error",
                ExtractionError(task.path, f"unexpected error while reading ({type(exc).__name__}: {exc})"),
                None,
            )
        try:
            connection.send(reply)
        except MemoryError:
            connection.send(("error", MemoryLimitError(task.path, f"memory limit of {memory_mb} MB exceeded"), None))
        except (BrokenPipeError, OSError):
            return


class _Worker:
    def __init__(self, context: Context, memory_mb: int, timeout: float):
        self.connection, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, memory_mb, timeout), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.started = 0.0

    def send(self, task: Task) -> None:
        self.task = task
        self.started = time.monotonic()
        self.connection.send(task)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()


class Pool:
    """Long-lived extraction workers; :meth:`map` yields outcomes in completion order.

    Workers start on first use, so a run in which every file is unchanged starts none.
    """

    def __init__(
        self, jobs: int | None = None, *, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB
    ):
        self.jobs = max(1, jobs or default_jobs())
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._context = _context()
        self._workers: list[_Worker] = []
        self._last_crash = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.connection.close()
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(1)
            worker.kill()
        self._workers = []

    def map(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Run the tasks; given a deque, tasks the caller puts at its left while iterating run next."""
        pending = tasks if isinstance(tasks, deque) else deque(tasks)
        busy: dict[Connection, _Worker] = {}
        idle: list[_Worker] = list(self._workers)
        while pending or busy:
            while pending and (idle or len(busy) < self.jobs):
                worker = idle.pop() if idle else self._start()
                task = pending.popleft()
                try:
                    worker.send(task)
                except (BrokenPipeError, OSError):
                    pending.appendleft(task)
                    self._replace(worker)
                    continue
                busy[worker.connection] = worker
            now = time.monotonic()
            deadline = min(w.started + self.timeout for w in busy.values())
            sentinels = {w.process.sentinel: w for w in busy.values()}
            ready = wait([*busy, *sentinels], timeout=max(0.0, deadline - now))
            handled: set[int] = set()
            for item in ready:
                worker = busy.get(item) or sentinels.get(item)  # type: ignore[call-overload,assignment,arg-type]
                if worker is None or id(worker) in handled:
                    continue
                handled.add(id(worker))
                outcome = self._collect(worker)
                del busy[worker.connection]
                if outcome is None:  # PDFium crashed: pypdf gets its chance in a fresh worker
                    assert worker.task is not None
                    old = worker.task
                    note = f"PDFium crashed on this file ({self._last_crash}); text extracted with pypdf instead"
                    pending.appendleft(replace(old, extractor="pypdf", note=note))
                    self._replace(worker)
                    continue
                if outcome.error is not None and (
                    isinstance(outcome.error, MemoryLimitError) or not worker.process.is_alive()
                ):
                    self._replace(worker)
                else:
                    idle.append(worker)
                yield outcome
            now = time.monotonic()
            for connection, worker in list(busy.items()):
                if id(worker) not in handled and now >= worker.started + self.timeout:
                    del busy[connection]
                    assert worker.task is not None
                    task = worker.task
                    self._replace(worker)
                    yield Outcome(
                        task,
                        error=TimeLimitError(
                            task.path,
                            f"time limit of {self.timeout:g} s exceeded; raise it with --timeout if the file is just large",
                        ),
                        seconds=self.timeout,
                    )

    def _start(self) -> _Worker:
        worker = _Worker(self._context, self.memory_mb, self.timeout)
        self._workers.append(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        if worker in self._workers:
            self._workers.remove(worker)

    def _collect(self, worker: _Worker) -> Outcome | None:
        """The worker's answer; a dead worker's exit turned into an error (None: retry with pypdf)."""
        task = worker.task
        assert task is not None
        seconds = time.monotonic() - worker.started
        try:
            if worker.connection.poll():
                kind, value, extra = worker.connection.recv()
                if kind == "ok" and task.ocr is not None:
                    return Outcome(task, page_ocr=value, seconds=seconds)
                if kind == "ok":
                    if task.note:
                        value.warnings.append(task.note)
                    page_topics, page_tables = extra
                    return Outcome(
                        task, document=value, page_topics=page_topics, page_tables=page_tables, seconds=seconds
                    )
                return Outcome(task, error=value, seconds=seconds)
        except (EOFError, OSError, MemoryError):
            pass
        worker.process.join(5)
        code = worker.process.exitcode
        if code is not None and code < 0:
            number = -code
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            if number == signal.SIGKILL:
                return Outcome(
                    task,
                    error=MemoryLimitError(
                        task.path, f"the worker was killed ({name}), most likely for using too much memory"
                    ),
                    seconds=seconds,
                )
            if task.extractor == "pdfium" and task.ocr is None:
                self._last_crash = f"{name}"
                return None
            return Outcome(
                task, error=CrashedError(task.path, f"the PDF reader crashed ({name} {number})"), seconds=seconds
            )
        return Outcome(
            task, error=CrashedError(task.path, f"the worker stopped unexpectedly (exit code {code})"), seconds=seconds
        )
