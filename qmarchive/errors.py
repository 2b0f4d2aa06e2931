"""The exceptions qmarchive raises.

Every expected failure is a :class:`QmarchiveError`; its message names the file (and row, column or
page) and says what to do. The CLI turns these into clean messages; anything else is a bug and is
allowed to raise.
"""

from __future__ import annotations

from pathlib import Path


class QmarchiveError(Exception):
    """Base class of all expected qmarchive failures."""


class ConfigError(QmarchiveError):
    """A path or setting is unusable (missing archive directory, unwritable index, …)."""


class CatalogError(QmarchiveError):
    """The catalog cannot be read, or one of its rows is invalid."""

    def __init__(self, path: Path | str, message: str, *, row: int | None = None, column: str | None = None):
        self.path = Path(path)
        self.row = row
        self.column = column
        self.reason = message
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class CatalogErrors(QmarchiveError):
    """Several invalid catalog rows, reported together so they can be fixed in one go."""

    def __init__(self, errors: list[CatalogError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ExtractionError(QmarchiveError):
    """A PDF could not be read. Subclasses say why; ``error_class`` goes into the ingest log."""

    error_class = "extraction"

    def __init__(self, path: Path | str, message: str):
        self.path = Path(path)
        self.reason = message
        super().__init__(f"{path}: {message}")

    def __reduce__(self) -> tuple:
        # Sent back from worker processes by pickling.
        return (type(self), (self.path, self.reason))


class NotAPdfError(ExtractionError):
    """The file is empty or is not a PDF at all."""

    error_class = "not-a-pdf"


class EncryptedPdfError(ExtractionError):
    """The PDF needs a password that was not given (or the given one is wrong)."""

    error_class = "encrypted"


class PasswordRequiredError(EncryptedPdfError):
    """The PDF is encrypted and no password was given for it."""

    error_class = "needs-password"


class WrongPasswordError(EncryptedPdfError):
    """The PDF is encrypted and the password given for it is wrong."""

    error_class = "wrong-password"


class DamagedPdfError(ExtractionError):
    """The PDF is damaged beyond what the readers can repair."""

    error_class = "damaged"


class TimeLimitError(ExtractionError):
    """Reading the PDF took longer than the time limit; the worker reading it was stopped."""

    error_class = "time-limit"


class MemoryLimitError(ExtractionError):
    """Reading the PDF needed more memory than the limit allows."""

    error_class = "memory-limit"


class CrashedError(ExtractionError):
    """The process reading the PDF died (a crash in native code), and no fallback could read it."""

    error_class = "crashed"


class OcrUnavailableError(QmarchiveError):
    """Tesseract, or its German language data, is not installed here."""


class StoreError(QmarchiveError):
    """The database cannot be opened or written."""


class WriterBusyError(QmarchiveError):
    """Another process is writing the archive (fetch, ingest, index, withdraw); only one may at a time."""


class WithdrawalError(QmarchiveError):
    """A document cannot be withdrawn or reinstated: unknown id, already withdrawn, its file is gone."""


class SearchIndexError(QmarchiveError):
    """The search index is missing, locked by another writer, or cannot be read."""


class SearchIndexDamagedError(SearchIndexError):
    """The search index's files cannot be read as Whoosh wrote them; ``qmarchive index --rebuild`` repairs it."""


class CitationError(QmarchiveError):
    """A page or document id to cite is malformed or not in the archive."""


class ExportError(QmarchiveError):
    """An export cannot be made: unknown table, a statement other than SELECT, an SQL error, an unwritable file."""


class FetchError(QmarchiveError):
    """A fetch cannot start: an id that is not in the catalog, or a setting out of range. Failures of single
    downloads are results, not exceptions: the batch goes on."""


class PackageError(ExportError):
    """A BagIt package cannot be made: the output directory is taken, the archive fails verification,
    or the written bag does not validate."""


class FixityError(QmarchiveError):
    """A file differs from the archived version of its document, or a version cannot be kept or found."""


class QueryTooLongError(QmarchiveError):
    """A search query longer than the limit: refused, never cut (a cut can leave a stray required word)."""

    def __init__(self, length: int, limit: int):
        self.length, self.limit = length, limit
        super().__init__(f"the query has {length} characters, more than the {limit} allowed; shorten it")


class FilterValueError(QmarchiveError):
    """A field filter value (typ:…, --filter jahr=…) that names nothing in the archive; ``valid`` lists what does."""

    def __init__(self, field: str, value: str, valid: list[str]):
        self.field, self.value, self.valid = field, value, valid
        super().__init__(
            f"unknown {field} '{value}'; valid values: {', '.join(valid) or 'none (the archive is empty)'}"
        )


class UnknownDocumentError(QmarchiveError):
    """A document id that is not in the archive (e.g. in a comparison); the message names it."""


class PublishError(QmarchiveError):
    """The static edition could not be written (target not an edition, search indexer missing or failing)."""
