"""OCR in an ingest run: which pages of an extracted document get it, from the cache or as page tasks,
and the document with their text once every page is back.

The parent holds an extracted document until all its page tasks have come back from the workers, so
it is still written in one transaction. A page whose OCR fails stays without text, with a warning.
Each result is cached at once by the page's content hash (apart from its document's transaction, so
an interrupted run loses no OCR), and a later ingest of the same page reads it from the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlite_utils import Database

from qmarchive import store, textnorm, topics
from qmarchive.errors import OcrUnavailableError
from qmarchive.extract import Page
from qmarchive.ocr import Engine, OcrMode, cache_pipeline, find_engine
from qmarchive.workers import OcrPage, Outcome, Task


@dataclass
class OcrCounts:
    """What OCR did in a run: pages read by Tesseract, taken from the cache, failed, or left without it."""

    recognised: int = 0
    cached: int = 0
    failed: int = 0
    left: int = 0
    seconds: float = 0.0
    unavailable: str | None = None  # why Tesseract could not be used


@dataclass
class _Waiting:
    outcome: Outcome
    pages: dict[int, Page]  # page number → page to OCR
    results: dict[int, Page] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class OcrPages:
    """The OCR side of one ingest run, in the parent process."""

    def __init__(self, db: Database, mode: OcrMode):
        self.db = db
        self.mode = mode
        self.counts = OcrCounts()
        self.engine: Engine | None = None
        if mode != "never":
            try:
                self.engine = find_engine()
            except OcrUnavailableError as exc:
                if mode == "always":
                    raise
                self.counts.unavailable = str(exc)
        self._waiting: dict[Any, _Waiting] = {}

    @property
    def applied_mode(self) -> OcrMode:
        """The mode documents are stored with: 'never' when Tesseract is missing, so a later run OCRs them."""
        return self.mode if self.engine is not None else "never"

    def is_current(self, stored: store.StoredVersion) -> bool:
        """Whether a stored document's OCR is what this run would give it (file and extraction aside)."""
        if self.engine is None:
            self._leave(stored.pages_to_ocr)
            return True
        if self.mode == "always":
            return stored.ocr_mode == "always"
        return stored.ocr_mode in ("auto", "always") or stored.pages_to_ocr == 0

    def _leave(self, pages: int) -> None:
        """Count pages left without OCR for want of Tesseract (not those 'never' leaves alone)."""
        if self.counts.unavailable:
            self.counts.left += pages

    def document_done(self, outcome: Outcome) -> tuple[Outcome | None, list[Task]]:
        """The extracted document ready to store, or None and the page tasks it now waits for."""
        document = outcome.document
        if document is None:
            return outcome, []
        wanted = {p.number: p for p in document.pages if p.needs_ocr or self.mode == "always"}
        if not wanted:
            return outcome, []
        if self.engine is None:
            self._leave(sum(1 for p in wanted.values() if p.needs_ocr))
            return outcome, []
        waiting = _Waiting(outcome, wanted)
        cached = store.cached_ocr(
            self.db, (p.content_sha256 for p in wanted.values() if p.content_sha256), cache_pipeline()
        )
        for number, page in wanted.items():
            hit = cached.get(page.content_sha256 or "")
            if hit is not None:
                self.counts.cached += 1
                waiting.results[number] = _with_ocr(page, hit["text"], hit["engine"], hit["confidence"])
        missing = [number for number in wanted if number not in waiting.results]
        if not missing:
            return self._finish(waiting), []
        self._waiting[outcome.task.key] = waiting
        task = outcome.task
        return None, [
            Task((task.key, number), task.path, task.extractor, task.password, ocr=OcrPage(number, self.engine))
            for number in missing
        ]

    def page_done(self, outcome: Outcome) -> Outcome | None:
        """Take one page's OCR; the document's outcome once its last page is back."""
        key, number = outcome.task.key
        waiting = self._waiting[key]
        page = waiting.pages[number]
        result = outcome.page_ocr
        if result is None:
            self.counts.failed += 1
            waiting.warnings.append(f"page {number}: OCR failed ({outcome.error}); the page stays without text")
            waiting.results[number] = page
        else:
            self.counts.recognised += 1
            self.counts.seconds += result.seconds
            if page.content_sha256:
                store.cache_ocr(self.db, {
                    "content_sha256": page.content_sha256, "pipeline": cache_pipeline(), "text": result.text,
                    "confidence": result.confidence, "engine": result.engine, "dpi": result.dpi,
                    "seconds": round(result.seconds, 3),
                })  # fmt: skip
            waiting.results[number] = _with_ocr(page, result.text, result.engine, result.confidence)
        if len(waiting.results) < len(waiting.pages):
            return None
        del self._waiting[key]
        return self._finish(waiting)

    def _finish(self, waiting: _Waiting) -> Outcome:
        """The outcome with OCR text in its pages, their topics tagged again, and the failures as warnings."""
        outcome = waiting.outcome
        document = outcome.document
        assert document is not None
        document.pages = [waiting.results.get(p.number, p) for p in document.pages]
        document.warnings.extend(waiting.warnings)
        page_topics = list(outcome.page_topics or [[] for _ in document.pages])
        for number, page in waiting.results.items():
            page_topics[number - 1] = list(topics.tag_page(page.text, page.section))
        return replace(outcome, page_topics=page_topics)


def _with_ocr(page: Page, text: str, engine: str, confidence: float | None) -> Page:
    """The page with OCR text, normalised like extracted text."""
    body = textnorm.normalise_pages([text])[0].body
    return replace(page, text=body, running_text="", ocr_engine=engine, ocr_confidence=confidence)
