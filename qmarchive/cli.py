"""The ``qmarchive`` command line: parse options, call the library, format the result."""

from __future__ import annotations

import errno
import json
import shlex
import signal
import sqlite3
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import click

from qmarchive import __version__, cite, export, hits, ingest, search, serve, status, store
from qmarchive import catalog, fetch
from qmarchive import locks, package, publish, series, verify, versions, withdrawal, workers
from qmarchive.errors import QmarchiveError
from qmarchive.extract import EXTRACTORS
from qmarchive.ocr import OCR_MODES, TESSERACT_ENV
from qmarchive.paths import Paths
from qmarchive.search import best_pages, german_fts, german_terms


SEARCH_FORMATS = ("text", "json", "csv", "csv-excel")


class QmarchiveGroup(click.Group):
    """Turns expected errors into a clean message on stderr and exit code 1.

    A full disk or a read-only folder can stop any command that writes; what is already stored stays
    (every write is a transaction or goes to a temporary file first), so one line naming the file says it.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QmarchiveError as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            if exc.errno not in _STORAGE_ERRNOS:
                raise
            where = exc.filename or "writing the output"
            raise click.ClickException(f"{where}: {exc.strerror}; nothing already stored was lost") from exc
        except sqlite3.OperationalError as exc:
            if not any(text in str(exc) for text in _SQLITE_STORAGE_ERRORS):
                raise
            database = ctx.obj.database if isinstance(ctx.obj, Paths) else "the database"
            raise click.ClickException(
                f"{database}: {exc}; nothing already stored was lost (each document is written in one transaction)"
            ) from exc


_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
_SQLITE_STORAGE_ERRORS = ("disk is full", "readonly database", "unable to open database file", "disk I/O error")


# -- options several commands share: one definition, one meaning per short flag ------------------------

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def quiet_option(help: str = "No progress bar.") -> Decorator:
    return click.option("-q", "--quiet", is_flag=True, help=help)


def jobs_option(help: str) -> Decorator:
    return click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None, help=help)


def json_option(help: str = "Output as JSON.") -> Decorator:
    return click.option("--json", "as_json", is_flag=True, help=help)


def server_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--host and --port of a command that starts the server."""
    command = click.option(
        "-p",
        "--port",
        default=serve.DEFAULT_PORT,
        show_default=True,
        type=click.IntRange(0, 65535),
        help="Port to listen on.",
    )(command)
    return click.option("-h", "--host", default=serve.DEFAULT_HOST, show_default=True, help="Address to listen on.")(
        command
    )


def filter_option(help: str) -> Decorator:
    """--filter FIELD=VALUE (repeatable), parsed into ``filters``: {FIELD: [VALUE, …]}."""
    return click.option("--filter", "filters", multiple=True, metavar="FIELD=VALUE", callback=_parse_filters, help=help)


def search_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--engine and --filter of a command that searches."""
    command = filter_option(
        f"Restrict to a facet value ({', '.join(search.FACETS)}), e.g. --filter jahr=2019 (repeatable; with "
        "either engine)."
    )(command)
    return click.option(
        "--engine",
        type=click.Choice(search.ENGINES),
        default=search.DEFAULT_ENGINE,
        show_default=True,
        help="german: German stems, compounds, gendered forms in SQLite's FTS5; whoosh: the same analysis in the "
        "Whoosh index; fts: exact words (FTS5).",
    )(command)


def _parse_filters(ctx: click.Context, param: click.Parameter, filters: tuple[str, ...]) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for item in filters:
        name, sep, value = item.partition("=")
        if not sep or name not in search.FACETS:
            raise click.BadParameter(
                f"'{item}': use FIELD=VALUE with FIELD one of {', '.join(search.FACETS)}", ctx=ctx, param=param
            )
        parsed.setdefault(name, []).append(value)
    return parsed


def format_options(
    *formats: str, flags: tuple[str, ...] = (), default: str | None = None, help: str = "Output format."
) -> Decorator:
    """-f/--format, with ``flags`` (e.g. --json, --csv) as short ways to say the same; giving two different
    formats is a usage error (exit 2), never a silent choice. The command receives ``fmt``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        def chosen(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
            if value:
                given = ctx.meta.setdefault("qmarchive_formats", {})
                given[f"--{param.name}" if param.name != "fmt" else f"--format {value}"] = (
                    param.name if param.name != "fmt" else value
                )
                if len(set(given.values())) > 1:
                    raise click.UsageError(
                        f"{' and '.join(given)} contradict each other: give one output format", ctx=ctx
                    )
            return value

        for flag in reversed(flags):
            command = click.option(
                f"--{flag}", flag, is_flag=True, expose_value=False, callback=chosen, help=f"Same as --format {flag}."
            )(command)
        return click.option(
            "-f",
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=None,
            callback=chosen,
            help=help + (f" [default: {default}]" if default else ""),
        )(command)

    return decorate


def _format(ctx: click.Context, fmt: str | None, default: str | None) -> str | None:
    """The one format the options named (see format_options), or the default."""
    given = set(ctx.meta.get("qmarchive_formats", {}).values())
    return next(iter(given)) if given else fmt or default


@click.group(cls=QmarchiveGroup)
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    default="archive",
    show_default=True,
    envvar="QMARCHIVE_ARCHIVE",
    help="Archive directory with catalog.csv and the PDFs [env: QMARCHIVE_ARCHIVE].",
)
@click.option(
    "--index",
    type=click.Path(file_okay=False, path_type=Path),
    default="index",
    show_default=True,
    envvar="QMARCHIVE_INDEX",
    help="Directory for the built database (qmarchive.db) [env: QMARCHIVE_INDEX].",
)
@click.option(
    "--base-url",
    metavar="URL",
    envvar=cite.BASE_URL_ENV,
    help="Address where the archive's Datasette is published, e.g. https://archiv.example.org; permalinks in "
    f"citations start with it (default: relative, /-/zitat/…) [env: {cite.BASE_URL_ENV}].",
)
@click.version_option(__version__, prog_name="qmarchive")
@click.pass_context
def cli(ctx: click.Context, archive: Path, index: Path, base_url: str | None) -> None:
    """Searchable, citable archive of Quartiersmanagement planning documents (IHEK)."""
    ctx.obj = Paths(archive=archive, index=index, base_url=base_url or None)


@cli.command("ingest")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--extractor",
    type=click.Choice(EXTRACTORS),
    default="pdfium",
    show_default=True,
    help="Page text extractor: PDFium (best) or pypdf.",
)
@click.option("--password", help="Password for encrypted PDFs (a catalog row's password column takes precedence).")
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option("--retry-failed", is_flag=True, help="Only the files whose last ingest failed.")
@jobs_option("Worker processes extracting in parallel [default: CPU count].")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=workers.DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds one PDF (or the OCR of one page) may take before it is given up.",
)
@click.option(
    "--memory-mb",
    type=click.IntRange(min=0),
    default=workers.DEFAULT_MEMORY_MB,
    show_default=True,
    help="Memory limit of each worker in MB (0: none).",
)
@click.option(
    "--ocr",
    type=click.Choice(OCR_MODES),
    default="auto",
    show_default=True,
    help="OCR (Tesseract, German) of pages without usable text: auto (if Tesseract is installed), always "
    f"(every page; fails without Tesseract) or never. Tesseract command: env {TESSERACT_ENV}, else on PATH.",
)
@click.option(
    "--replace",
    "replace_ids",
    multiple=True,
    metavar="ID",
    help="Accept the file of document ID as its next version although it differs from the archived "
    "version; the previous file stays in ARCHIVE/versions/ (repeatable).",
)
@click.option("--reason", metavar="TEXT", help="Why the files of --replace are replaced; kept in the version history.")
@click.option("--no-index", is_flag=True, help="Do not bring the search index up to date afterwards.")
@quiet_option("No progress bar, no per-file messages.")
@click.pass_obj
def ingest_command(
    paths: Paths,
    files: tuple[Path, ...],
    extractor: str,
    password: str | None,
    fail_fast: bool,
    retry_failed: bool,
    jobs: int | None,
    timeout: float,
    memory_mb: int,
    ocr: str,
    replace_ids: tuple[str, ...],
    reason: str | None,
    no_index: bool,
    quiet: bool,
) -> None:
    """Read PDFs into the database.

    Without FILES, every document in the catalog; catalogued files that are not in the archive yet are
    reported as missing, not as errors. FILES outside the catalog are ingested too, with an id made
    from the file name. Unchanged files (same SHA-256) are skipped. A file that differs from its
    document's archived version is refused (the archived version stays) unless accepted with --replace
    or a new sha256 in the catalog; every version's file is kept in ARCHIVE/versions/. PDFs under
    ARCHIVE/pdf/ that no catalog row names are listed. Each PDF is read in a worker
    process under a time and memory limit, so a hostile file fails alone. Pages without a text layer
    (scans) or with garbage text are OCRed, page by page in the same workers; results are cached by
    page content, so a re-ingest does not OCR again. The search index is updated afterwards unless
    --no-index. Exits with 1 if any file failed.
    """
    if reason is not None and not replace_ids:
        raise click.UsageError("--reason goes with --replace")
    if retry_failed and files:
        raise click.UsageError("give either FILES or --retry-failed, not both")
    with _writer(paths, "ingest"):
        if retry_failed:
            files = tuple(ingest.failed_files(store.open_database(paths.database), paths))
            if not files:
                click.echo("No failed files to retry.")
                sys.exit(0)
        exit_code = _ingest(
            paths,
            files,
            extractor=extractor,
            password=password,
            fail_fast=fail_fast,
            quiet=quiet,
            workers=jobs,
            timeout=timeout,
            memory_mb=memory_mb,
            ocr=ocr,
            replace_ids=replace_ids,
            reason=reason,
        )
        if not no_index:
            _update_index(paths, rebuild=False, quiet=quiet)
    sys.exit(exit_code)


def _ingest(paths: Paths, files: tuple[Path, ...] = (), *, quiet: bool = False, **options: Any) -> int:
    started = time.perf_counter()
    jobs = ingest.plan(paths, files)
    db = store.open_database(paths.database)
    done = {"files": 0, "pages": 0}

    def rate(_: Any) -> str:
        seconds = max(time.perf_counter() - started, 1e-6)
        return f"{done['files'] / seconds:.1f} files/s, {done['pages'] / seconds:.1f} pages/s"

    with _progress(len(jobs), "Ingesting", quiet, item_show_func=rate) as bar:

        def report(result: ingest.FileResult) -> None:
            done["files"] += 1
            done["pages"] += result.pages
            bar.update(1, result)
            if quiet:
                return
            if result.status == "failed":
                click.echo(f"\nFailed: {result.message}", err=True)
            elif result.status == "withdrawn":
                click.echo(f"\nSkipped: {result.message}", err=True)
            elif result.message and result.status != "missing":
                click.echo(f"\nNote: {result.message}", err=True)
            for warning in result.warnings:
                click.echo(f"\nWarning: {result.file}: {warning}", err=True)

        summary = ingest.run(db, paths, jobs, on_result=report, **options)
    unfinished = store.checkpoint(db)
    if unfinished:
        click.echo(f"Warning: {unfinished}", err=True)
    counts = summary.counts
    pages = sum(r.pages for r in summary.results)
    seconds = time.perf_counter() - started
    withdrawn = f", {counts['withdrawn']} withdrawn (skipped)" if counts["withdrawn"] else ""
    click.echo(
        f"{counts['ingested']} ingested ({pages} pages), {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed, {counts['missing']} missing{withdrawn} — {seconds:.1f} s, database {paths.database}"
    )
    if counts["missing"] and not quiet:
        click.echo(f"{counts['missing']} catalogued file(s) not in the archive yet: see 'qmarchive status'.", err=True)
    _report_unlisted(paths)
    for document in withdrawal.uncatalogued(db, (entry.id for entry in catalog.read_catalog(paths.catalog))):
        click.echo(f"Warning: {withdrawal.uncatalogued_advice(document['id'])}.", err=True)
    _report_ocr(summary.ocr)
    return 0 if summary.ok else 1


def _report_unlisted(paths: Paths) -> None:
    """Name every PDF under ARCHIVE/pdf/ that no catalog row names, with the two ways to add it."""
    unlisted = catalog.unlisted_pdfs(
        paths.archive, catalog.read_catalog(paths.catalog), catalog.catalog_header(paths.catalog)
    )
    if not unlisted:
        return
    click.echo(
        f"Warning: {len(unlisted)} PDF(s) under {paths.archive / catalog.PDF_DIR} in no catalog row; add a line "
        f"to {paths.catalog} (check its title) or ingest the file by path:",
        err=True,
    )
    for item in unlisted:
        click.echo(
            f"  {item.path}\n    catalog: {item.line}\n    or: qmarchive ingest {shlex.quote(str(item.path))}", err=True
        )


def _report_ocr(ocr: ingest.OcrCounts) -> None:
    if ocr.recognised or ocr.cached or ocr.failed:
        pace = f", {ocr.seconds / ocr.recognised:.1f} s/page" if ocr.recognised else ""
        click.echo(f"OCR: {ocr.recognised} pages read{pace}, {ocr.cached} from the cache, {ocr.failed} failed")
    if ocr.left:
        click.echo(
            f"Warning: {ocr.left} page(s) without a usable text layer were left unsearchable: {ocr.unavailable}; "
            "then run 'qmarchive ingest' again to OCR them.",
            err=True,
        )


def _update_index(paths: Paths, *, rebuild: bool, quiet: bool, jobs: int | None = None) -> None:
    db = store.open_existing(paths.database)
    reason = "asked for" if rebuild else german_terms.rebuild_reason(db)
    listed: best_pages.Report | None = None
    if reason:
        started = time.perf_counter()
        analysed = german_terms.rebuild(db)
        click.echo(f"German search terms rebuilt ({reason}): {analysed} pages — {time.perf_counter() - started:.1f} s")
    if best_pages.is_stale(db):
        listed = best_pages.refresh(db, german_fts.word_expressions(db))
        if listed.lists:
            click.echo(f"Best pages listed for {listed.lists} frequent words — {listed.seconds:.1f} s")
    if reason or listed is not None:
        unfinished = store.checkpoint(db)
        if unfinished:
            click.echo(f"Warning: {unfinished}", err=True)
    pages = db["pages"].count
    with _progress(pages, "Indexing", quiet) as bar:
        act = search.rebuild if rebuild else search.update
        report = act(db, paths.index, progress=bar.update, jobs=jobs)
    if report.recovered_lock:
        click.echo(f"Warning: {report.recovered_lock}", err=True)
    if report.reason and not quiet:
        click.echo(f"Search index rebuilt: {report.reason}.", err=True)
    if report.action == "current":
        click.echo(f"Search index up to date ({report.pages} pages).")
    else:
        click.echo(
            f"Search index {report.action}: {report.added} pages indexed, {report.removed} removed, "
            f"{report.pages} in all — {report.seconds:.1f} s"
        )


@contextmanager
def _writer(paths: Paths, command: str) -> Iterator[None]:
    """The archive's one writer lock for a whole command (a second writer stops at once), saying so if a
    killed writer's lock was recovered."""
    with locks.writer(paths.index, command) as recovered:
        if recovered:
            click.echo(f"Warning: {recovered}", err=True)
        yield


@contextmanager
def _progress(length: int, label: str, quiet: bool, **options: Any) -> Iterator[Any]:
    """A progress bar on a terminal; a silent stand-in otherwise."""
    if quiet or not sys.stderr.isatty():
        yield _NoProgress()
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True, **options) as bar:
        yield bar


class _NoProgress:
    def update(self, n: int, current_item: Any = None) -> None:
        pass


@cli.command("withdraw")
@click.argument("document_id", metavar="ID")
@click.option("--reason", required=True, help="Why it is withdrawn; shown with the notice (German, for the public).")
@quiet_option()
@click.pass_obj
def withdraw_command(paths: Paths, document_id: str, reason: str, quiet: bool) -> None:
    """Withdraw a document from the public archive, keeping a record.

    Removes the document from the database (search, facets, exports, the hand-over package) and the
    search index; its citation URLs (/-/zitat, /-/pdf, its row pages) answer 410 Gone with a German
    notice: withdrawn on, reason, the SHA-256 it had. The act (who: the OS user; when; why) is appended
    to ARCHIVE/provenance.jsonl, so a database rebuilt from the archive withdraws it again, and ingest
    skips it while its catalog row remains. The PDF stays in the archive. Undo: qmarchive reinstate ID.
    """
    with _writer(paths, "withdraw"):
        record = withdrawal.withdraw(store.open_existing(paths.database), paths, document_id, reason)
        click.echo(
            f"Withdrew {document_id} ({record['title']}, {record['page_count']} pages, SHA-256 {record['sha256']}) "
            f"on {record['withdrawn_at']} by {record['withdrawn_by']}: {record['reason']}"
        )
        click.echo(
            f"Its citation URLs now answer 410 Gone; the act is recorded in "
            f"{paths.archive / 'provenance.jsonl'}. Undo: qmarchive reinstate {document_id}"
        )
        if record["warning"]:
            click.echo(f"Warning: {record['warning']}", err=True)
        _update_index(paths, rebuild=False, quiet=quiet)


@cli.command("reinstate")
@click.argument("document_id", metavar="ID")
@click.option("--reason", help="Why it is published again (recorded with the act).")
@quiet_option()
@click.pass_obj
def reinstate_command(paths: Paths, document_id: str, reason: str | None, quiet: bool) -> None:
    """Publish a withdrawn document again: the undo of withdraw.

    Needs its catalog row and its file in the archive (it is read again, like ingest; OCR comes from
    the cache). The act is appended to ARCHIVE/provenance.jsonl. Exits with 1 if the file fails to ingest.
    """
    with _writer(paths, "reinstate"):
        db = store.open_existing(paths.database)
        record, path, changed = withdrawal.reinstate(db, paths, document_id, reason=reason)
        click.echo(f"Reinstated {document_id} (withdrawn on {record['withdrawn_at'][:10]}); reading {path} again.")
        if changed:
            click.echo(f"Warning: {changed}.", err=True)
        exit_code = _ingest(paths, (path,), quiet=quiet)
        _update_index(paths, rebuild=False, quiet=quiet)
    sys.exit(exit_code)


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Build the whole index anew (beside the old one, then switch).")
@click.option("--if-needed", is_flag=True, help="Only build if there is no index or it was built by another version.")
@jobs_option("Processes analysing pages in a full build [default: one per CPU from 2,000 pages on].")
@quiet_option()
@click.pass_obj
def index_command(paths: Paths, rebuild: bool, if_needed: bool, jobs: int | None, quiet: bool) -> None:
    """Build or update the German search indexes (Whoosh, and the German terms in SQLite) from the database.

    Without options, only pages that changed since the last run are indexed again; an index built by
    an older version is rebuilt. Readers keep using the old index until a rebuild is complete. A full
    build holds up to 1 GB of postings in memory to sort them, shared among its processes.
    """
    with _writer(paths, "index"):  # the German terms are written to the database first
        if (
            if_needed
            and search.rebuild_reason(paths.index) is None
            and german_terms.rebuild_reason(db := store.open_existing(paths.database)) is None
            and not best_pages.is_stale(db)
        ):
            click.echo("Search index is current; nothing to do.")
            return
        _update_index(paths, rebuild=rebuild, quiet=quiet, jobs=jobs)


@cli.command("search")
@click.argument("query")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000), help="Hits to show.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of hits.")
@search_options
@format_options(
    *SEARCH_FORMATS,
    flags=("json", "csv"),
    default="text",
    help="text (for people), json (an array), csv (RFC 4180) or csv-excel (UTF-8 with BOM and ';', for "
    "German Excel); json and csv have the columns of 'export --search'.",
)
@click.pass_context
def search_command(
    ctx: click.Context, query: str, limit: int, page: int, engine: str, filters: dict[str, list[str]], fmt: str | None
) -> None:
    """Search the archive in German.

    QUERY: words (all must occur), "phrases", OR/ODER, NOT/NICHT, prefix*, and field filters such as
    jahr:2019, typ:ihek, feld:bildung, dokument:ihek-2019-2021, gebiet:…, seite:12, titel:…, abschnitt:….
    """
    paths: Paths = ctx.obj
    fmt = _format(ctx, fmt, "text") or "text"
    db = store.open_read_only(paths.database)
    result = search.run(db, paths.index, query, engine=engine, filters=filters, page=page, pagelen=limit)
    if fmt != "text":
        _print_notes(result)
    if fmt == "text":
        _print_hits(result)
        return
    records = (record.as_dict() for record in hits.records(db, result.hits, base_url=paths.base_url))
    writer = export.csv_writer(fmt)
    writer(list(hits.COLUMNS), records, sys.stdout)


@cli.command("trend")
@click.argument("queries", nargs=-1, required=True, metavar="QUERY...")
@filter_option("Only documents of a type or pages of a Handlungsfeld: --filter typ=ihek, --filter feld=bildung.")
@format_options(
    "text",
    "json",
    "csv",
    flags=("json", "csv"),
    default="text",
    help="text (a table), json (one record per term and document) or csv (the same records).",
)
@click.pass_context
def trend_command(ctx: click.Context, queries: tuple[str, ...], filters: dict[str, list[str]], fmt: str | None) -> None:
    """How often each QUERY occurs in each document of the series, in time order.

    Pages: the pages the search finds in the document; occurrences: the query's words on them, counted
    with the German analysis (Spielplatz counts Spielplätze); per 10,000 words of the pages counted in.
    """
    paths: Paths = ctx.obj
    fmt = _format(ctx, fmt, "text")
    parsed = filters
    if set(parsed) - {"typ", "feld"}:
        raise click.BadParameter("only typ=… and feld=… restrict a trend", param_hint="--filter")
    if len(queries) > series.MAX_TERMS:
        raise click.BadParameter(f"at most {series.MAX_TERMS} queries side by side", param_hint="QUERY")
    result = series.trend(store.open_read_only(paths.database), paths.index, list(queries), parsed)
    if fmt == "json":
        click.echo(json.dumps(result.records(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        export.write_csv(series.RECORD_COLUMNS, result.records(), sys.stdout)
    else:
        click.echo("pages / occurrences / per 10,000 words", err=True)
        click.echo("period     type           " + "".join(f"{query[:24]:>26}" for query in result.terms) + "  document")
        for i, doc in enumerate(result.documents):
            cells = "".join(
                f"{f'{c.pages} / {c.occurrences} / {c.per_10000:.2f}':>26}"
                for c in (result.counts[q][i] for q in result.terms)
            )
            click.echo(f"{doc.period:<10} {doc.doc_type:<14} {cells}  {doc.id}")


def _print_hits(result: search.SearchResult) -> None:
    first = (result.page - 1) * result.pagelen + 1
    shown = f"{first}–{first + len(result.hits) - 1} of " if result.hits else ""
    click.echo(f"{shown}{result.total} pages ({result.engine}, {result.seconds * 1000:.0f} ms)", err=True)
    if result.suggestion:
        click.echo(f"Did you mean: {result.suggestion}", err=True)
    _print_notes(result)
    for hit in result.hits:
        ocr = "  (OCR)" if hit.ocr else ""
        click.echo(f"{hit.rank:>3}. {hit.title} ({hit.period}), {hit.page_locator}  [{hit.page_id}]{ocr}")
        click.echo("     " + _terminal_snippet(hit.snippet))


def _print_notes(result: search.SearchResult) -> None:
    """What the hits alone do not tell, on stderr in every output format."""
    if result.stopwords_only:
        words = " ".join(result.stopwords_only)
        click.echo(
            f"Note: '{words}' has only stopwords, too common to be searched alone; search them in a phrase with "
            'other words (e.g. "beteiligt sich"), or word for word with --engine fts',
            err=True,
        )
    if result.missing:
        click.echo(
            f"Warning: {len(result.missing)} hit(s) of this page are no longer in the database and are left out "
            f"({', '.join(result.missing)}): the search index is behind it; 'qmarchive index' updates it",
            err=True,
        )


def _terminal_snippet(snippet: str) -> str:
    marked = search.snippet_text(snippet.replace("<mark>", "\x01").replace("</mark>", "\x02"))
    text = " ".join(marked.split())
    return text.replace("\x01", click.style("", bold=True, reset=False)).replace("\x02", click.style("", reset=True))


@cli.command("cite")
@click.argument("target", metavar="ID")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(cite.FORMATS),
    default="text",
    show_default=True,
    help="German citation text, BibTeX (biblatex), RIS or CSL-JSON.",
)
@click.option(
    "--accessed",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    help="Access date the citation states (default: today).",
)
@click.option(
    "--sha256",
    metavar="SHA256",
    help="Cite the version of the file with this SHA-256 (or its first 12+ digits; see 'qmarchive "
    "versions ID') instead of the current one.",
)
@click.pass_obj
def cite_command(paths: Paths, target: str, fmt: str, accessed: datetime | None, sha256: str | None) -> None:
    """Cite a page or a whole document.

    ID: a page id (ihek-2019-2021/12: document id and physical page number) or a document id. The
    citation names publisher, year, title, printed page („S. 10“), permalink, access date and the
    file's short SHA-256. Permalinks start with --base-url.
    """
    db = store.open_read_only(paths.database)
    result = cite.citation(
        db, target, base_url=paths.base_url, accessed=accessed.date() if accessed else None, sha256=sha256
    )
    output = result.render(fmt)
    click.echo(output, nl=not output.endswith("\n"))


@cli.command("status")
@json_option()
@click.pass_obj
def status_command(paths: Paths, as_json: bool) -> None:
    """Show what the archive and the database hold.

    Documents, pages (how many have no text layer, how many were OCRed, how many are still without
    searchable text), catalogued files not yet in the archive, PDFs under ARCHIVE/pdf/ in no catalog row
    (with a catalog line to add each), withdrawn documents, documents no longer in the catalog, the search
    index as it is now (pages indexed; missing, stale or extra pages against the database), and the last
    ingest run with its failures.
    """
    report = status.report(paths)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Archive:        {report['archive']} ({report['catalog_entries']} catalog entries)")
    click.echo(f"Database:       {report['database']}" + ("" if report["database_exists"] else " (not built yet)"))
    click.echo(f"Documents:      {report['documents']}")
    click.echo(
        f"Pages:          {report['pages']} ({report['pages_without_text']} without text layer, {report['pages_ocr']} OCRed, "
        f"{report['pages_without_searchable_text']} without searchable text)"
    )
    missing = report["missing_files"]
    click.echo(f"Missing files:  {len(missing)}")
    for item in missing:
        click.echo(f"  {item['id']}: {item['file']}")
    uncatalogued = report["uncatalogued_files"]
    click.echo(
        f"Not catalogued: {len(uncatalogued)}"
        + (f" (add a line to {paths.catalog}, or 'qmarchive ingest FILE')" if uncatalogued else "")
    )
    for item in uncatalogued:
        click.echo(f"  {item['file']}: {item['catalog_line']}")
    withdrawn = report["withdrawn"]
    click.echo(f"Withdrawn:      {len(withdrawn)}")
    for record in withdrawn:
        click.echo(
            f"  {record['document_id']}: withdrawn {record['withdrawn_at']} by {record['withdrawn_by']}: "
            f"{record['reason']} (SHA-256 {record['sha256']}); undo: qmarchive reinstate {record['document_id']}"
        )
    if report["uncatalogued"]:
        click.echo(f"Not in catalog: {len(report['uncatalogued'])}")
        for row in report["uncatalogued"]:
            click.echo(f"  {row['advice']}")
    terms = report["german_terms"]
    if terms:
        state = f"needs 'qmarchive index' ({terms['rebuild_reason']})" if terms["rebuild_reason"] else "current version"
        click.echo(
            f"German terms:   {terms['pages']} of {report['pages']} pages analysed (the default engine), {state}"
        )
        listed = terms["best_pages"]
        if listed and not listed["fresh"]:
            click.echo("Best pages:     not current, frequent words are ranked in full until 'qmarchive index'")
        elif listed and listed["lists"]:
            click.echo(f"Best pages:     listed for {listed['lists']} frequent words, {listed['built_at']}")
    index = report["search_index"]
    if index:
        state = f"needs rebuild ({index['rebuild_reason']})" if index["rebuild_reason"] else "current version"
        click.echo(
            f"Search index:   {_index_pages(index)}; built {index['built_at']}, {index['bytes'] / 1e6:.1f} MB, {state}"
        )
    else:
        click.echo("Search index:   none yet (qmarchive index)")
    run = report["last_run"]
    if run:
        click.echo(
            f"Last ingest:    run {run['id']} at {run['started_at']}: {run['ingested']} ingested, "
            f"{run['unchanged']} unchanged, {run['failed']} failed, {run['missing']} missing"
            + (f", {run['withdrawn']} withdrawn (skipped)" if run.get("withdrawn") else "")
        )
        for failure in run["failures"]:
            click.echo(f"  failed: {failure['message']}")


@cli.command("versions")
@click.argument("document_id", metavar="ID")
@json_option("The versions as a JSON array.")
@click.pass_obj
def versions_command(paths: Paths, document_id: str, as_json: bool) -> None:
    """List the versions of a document's file, oldest first.

    Each with its SHA-256, size, when, by whom and with which command it was accepted, why, when it was
    replaced, and where its file is kept (ARCHIVE/versions/ID/SHA256.pdf). Citations of a version name
    its checksum; /-/pdf/ID/SHA256 serves it.
    """
    rows = versions.history(store.open_read_only(paths.database), document_id)
    if not rows:
        raise click.ClickException(f"no document '{document_id}' in the database")
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{document_id}: {len(rows)} version(s)")
    for row in rows:
        state = f"replaced {row['replaced_at']}" if row["replaced_at"] else "current"
        why = "; ".join(
            filter(None, [row["reason"], row["command"], row["accepted_by"] and f"by {row['accepted_by']}"])
        )
        kept = paths.archive / row["kept_file"] if row["kept_file"] else "no copy kept"
        click.echo(
            f"  {row['version']}  {row['sha256']}  {row['bytes']} bytes  accepted {row['accepted_at']}"
            f"{f' ({why})' if why else ''}, {state}\n     file: {kept}"
        )


def _index_pages(index: dict[str, Any]) -> str:
    """How many pages the index holds now, and whether they are the database's."""
    if "in_step" not in index:
        return f"{index['pages']} pages at the last full build"
    if index["error"]:
        return index["error"]
    counted = f"{index['indexed_pages']} pages indexed, {index['database_pages']} in the database"
    if index["in_step"]:
        return f"{counted}, in step"
    differences = ", ".join(f"{index[kind]} {kind}" for kind in ("missing", "stale", "extra") if index[kind])
    return f"{counted}, out of step ({differences}): run 'qmarchive index'"


@cli.command("verify")
@json_option("The report as JSON.")
@quiet_option()
@click.pass_obj
def verify_command(paths: Paths, as_json: bool, quiet: bool) -> None:
    """Prove that nothing changed: files, database and search index.

    Fixity: every document's file against the SHA-256 recorded at ingest (and the catalog's sha256).
    Database: PRAGMA integrity_check, orphan rows, the FTS5 indexes against the pages, the German terms,
    the lists of best pages of frequent words against FTS5, pages per document, page texts against their
    text_sha256. Search index: every segment read end to end, and
    the same pages as the database. Reads only. Exits with 1 if any check fails, naming each file or
    table and the command that repairs it.
    """
    report = verify.run(paths, progress=_wrap_progress(quiet or as_json))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_verification(report)
    sys.exit(0 if report.ok else 1)


_STATUS_LABELS = {"ok": ("ok", "green"), "warning": ("warning", "yellow"), "failed": ("FAILED", "red")}


def _print_verification(report: verify.Report) -> None:
    click.echo(f"Archive:   {report.archive}")
    click.echo(f"Database:  {report.database}\n")
    for check in report.checks:
        label, colour = _STATUS_LABELS[check.status]
        click.echo(
            click.style(f"{label:<8}", fg=colour, bold=check.status == "failed")
            + f" {check.title}"
            + (f": {check.summary}" if check.summary else "")
        )
        for finding in check.findings:
            click.echo(f"           {finding}")
    failed = report.failed
    if failed:
        click.echo(
            f"\nFAILED: {len(failed)} of {len(report.checks)} checks ({', '.join(c.name for c in failed)}); "
            "see the findings above."
        )
    else:
        warned = sum(1 for check in report.checks if check.status == "warning")
        click.echo(f"\nAll {len(report.checks)} checks passed" + (f", {warned} with warnings." if warned else "."))


def _wrap_progress(quiet: bool) -> Any:
    """A library progress wrapper: a bar over the items while they are worked on."""

    def wrap(items: Any, label: str) -> Iterator[Any]:
        with _progress(len(items), label, quiet) as bar:
            for item in items:
                yield item
                bar.update(1)

    return wrap


@cli.command("package")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option(
    "--organisation",
    default=package.DEFAULT_ORGANISATION,
    show_default=True,
    help="Source-Organization: who hands the archive over.",
)
@click.option(
    "--address", default=package.DEFAULT_ADDRESS, show_default=True, help="Organization-Address; '' leaves it out."
)
@click.option("--contact-name", metavar="NAME", help="Contact-Name: whom the receiving archive can ask.")
@click.option("--contact-email", metavar="EMAIL", help="Contact-Email.")
@click.option(
    "--description",
    metavar="TEXT",
    help="External-Description (default: a German description of the archive and the bag's contents).",
)
@click.option("--identifier", metavar="ID", help="External-Identifier (default: qmarchive-<area>-<date>).")
@click.option("--force", is_flag=True, help="Package even if verification fails; bag-info.txt records the findings.")
@click.option(
    "--edition",
    is_flag=True,
    help="Include the static edition (as 'publish' writes it) in data/edition/, so the deposit can be browsed and searched.",
)
@quiet_option("No progress bar, no step messages.")
@click.pass_obj
def package_command(
    paths: Paths,
    outdir: Path,
    organisation: str,
    address: str,
    contact_name: str | None,
    contact_email: str | None,
    description: str | None,
    identifier: str | None,
    force: bool,
    edition: bool,
    quiet: bool,
) -> None:
    """Write a BagIt bag for hand-over to a long-term archive.

    OUTDIR (new, or an empty directory) receives the PDFs, catalog.csv, provenance.jsonl, a copy of
    the database and a Dublin Core record (oai_dc XML) per document, with SHA-256 and SHA-512
    manifests. The archive is verified first, and nothing is packaged if it fails (unless --force);
    the bag is built beside OUTDIR, validated, and then moved into place.
    """
    info = package.BagInfo(
        organisation=organisation,
        address=address or None,
        contact_name=contact_name,
        contact_email=contact_email,
        description=description,
        identifier=identifier,
    )

    def step(message: str) -> None:
        if not quiet:
            click.echo(f"{message} …", err=True)

    report = package.make(
        paths, outdir, info, force=force, edition=edition, progress=_wrap_progress(quiet), on_step=step
    )
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(
        f"Bag written to {report.path}: {report.documents} documents, {report.files} files, "
        f"{_file_size(report.bytes)}; valid ({', '.join(package.CHECKSUM_NAMES[c] for c in package.CHECKSUMS)} manifests). "
        f"The receiving archive checks it with: bagit.py --validate {report.path}"
    )


@cli.command("publish")
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUTDIR even if it is not empty and holds no earlier edition.")
@quiet_option("No step messages.")
@click.pass_obj
def publish_command(paths: Paths, outdir: Path, force: bool, quiet: bool) -> None:
    """Write the static edition: a website of the archive for any static web host.

    OUTDIR (new, empty, or an earlier edition, which is replaced) receives a start page, a page per document
    and per PDF page (seite/<id>/<n>.html, from the stable page id), the PDFs and the database with
    SHA256SUMS, robots.txt, client-side search (Pagefind) and, with --base-url, canonical links and
    sitemap.xml. All links are relative; nothing is loaded from elsewhere. Withdrawn documents are left out.
    """

    def step(message: str) -> None:
        if not quiet:
            click.echo(f"{message} …", err=True)

    report = publish.make(paths, outdir, force=force, on_step=step)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(
        f"Edition written to {report.path}: {report.documents} documents, {report.pages} pages, "
        f"{report.files} files, {_file_size(report.bytes)} (search index {_file_size(report.search_bytes)}). "
        f"Try it: python -m http.server -d {report.path}"
    )


@cli.command("serve")
@server_options
@click.option(
    "-w",
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="QMARCHIVE_WORKERS",
    show_envvar=True,
    help="Server processes; searches run in Python, so use one per CPU core for many users.",
)
@click.pass_obj
def serve_command(paths: Paths, host: str, port: int, workers: int) -> None:
    """Serve the database with Datasette.

    The database is opened read-only at http://HOST:PORT/ with the archive's metadata, facets,
    full-text search and the canned query "suche". Each request reads one committed state; a finished
    ingest or index run is seen by the next request, without a restart.
    """
    serve.serve(paths.database, host, port, archive=paths.archive, base_url=paths.base_url, workers=workers)


@cli.command("demo")
@server_options
@click.option("--no-serve", is_flag=True, help="Only ingest the sample archive; do not start the server.")
@click.pass_obj
def demo_command(paths: Paths, host: str, port: int, no_serve: bool) -> None:
    """Ingest the sample archive and serve it.

    The bundled sample archive (ARCHIVE/samples) goes into a database of its own (INDEX/samples), so
    samples never mix with real documents.
    """
    samples = paths.samples()
    if not samples.catalog.is_file():
        raise click.ClickException(f"{samples.catalog}: no sample archive here; run from the project directory")
    with _writer(samples, "ingest"):
        if _ingest(samples, quiet=False) != 0:
            raise click.ClickException("the sample archive did not ingest cleanly (see the messages above)")
        _update_index(samples, rebuild=False, quiet=False)
    if not no_serve:
        click.echo(f"Serving the sample archive at http://{host}:{port}/ (Ctrl+C stops)")
        serve.serve(samples.database, host, port, archive=samples.archive, base_url=samples.base_url)


@cli.command("export")
@click.option("--table", metavar="NAME", help="Export a whole table or view; 'pages' gets a zitat column.")
@click.option("--sql", metavar="SQL", help="Export the rows of one read-only SELECT (or WITH) query.")
@click.option(
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="Value for a :NAME parameter in --sql (repeatable).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="Seconds the --sql query may spend in SQLite before it is stopped "
    f"[default: {export.SQL_TIME_LIMIT:g}, as the served SQL]; 0: no limit.",
)
@click.option(
    "--search",
    "query",
    metavar="QUERY",
    help="Export every hit of a search (the columns of 'search --json', with the citation).",
)
@search_options
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(export.FORMATS),
    help="csv (RFC 4180, UTF-8), csv-excel (UTF-8 with BOM and ';', formulas kept as text: opens in "
    "German Excel), xlsx (Excel, every text a text cell) or json (an array of objects); default: "
    "the output file's extension.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="File to write (replaced only once the export is complete); '-' for standard output (csv, json).",
)
@quiet_option()
@click.pass_obj
def export_command(
    paths: Paths,
    table: str | None,
    sql: str | None,
    params: tuple[tuple[str, str], ...],
    time_limit: float | None,
    query: str | None,
    engine: str,
    filters: dict[str, list[str]],
    fmt: str | None,
    output: Path,
    quiet: bool,
) -> None:
    """Export a table, a query or all hits of a search as CSV, Excel (xlsx) or JSON.

    Exactly one of --table, --sql, --search. Complete exports of any size, streamed row by row; the
    database is opened read-only. An --sql query has the served SQL's time limit (--time-limit). An
    export that is stopped (time limit, error, Ctrl-C, kill) removes its partial file and says so.
    Search hits and rows of the pages table carry the page's German citation (zitat). For Excel, use
    xlsx, or csv-excel; plain CSV opened in a spreadsheet may turn values into formulas, numbers or dates.
    """

    if sum(option is not None for option in (table, sql, query)) != 1:
        raise click.UsageError("give exactly one of --table, --sql, --search")
    if (params or time_limit is not None) and sql is None:
        raise click.UsageError("--param and --time-limit only go with --sql")
    if (filters or engine != search.DEFAULT_ENGINE) and query is None:
        raise click.UsageError("--engine and --filter only go with --search")
    to_stdout = str(output) == "-"
    fmt = fmt or _export_format(output, to_stdout)
    if to_stdout and fmt == "xlsx":
        raise click.UsageError("xlsx cannot go to standard output; name a file with --output")
    db = store.open_read_only(paths.database)
    base_url = paths.base_url
    if table is not None:
        source = export.table_rows(db, table, base_url=base_url)
    elif sql is not None:
        limit = export.SQL_TIME_LIMIT if time_limit is None else time_limit
        source = export.sql_rows(db, sql, dict(params), time_limit=limit)
    else:
        assert query is not None  # exactly one of the three, checked above
        source = export.search_rows(db, paths.index, query, engine=engine, filters=filters, base_url=base_url)
    info = [
        ("Quelle", source.description),
        ("Datenbank", str(paths.database)),
        ("Erstellt", datetime.now().astimezone().isoformat(timespec="seconds")),
        ("Programm", f"qmarchive {__version__}"),
    ]
    show = not quiet and sys.stderr.isatty()
    with _terminate_as_interrupt(), _progress((source.size() or 0) if show else 0, "Exporting", not show) as bar:
        report = export.export(source, fmt, sys.stdout if to_stdout else output, info=info, progress=bar.update)
    if to_stdout:
        sys.stdout.flush()
        click.echo(f"{report.rows} rows written to standard output ({fmt})", err=True)
    else:
        click.echo(f"{report.rows} rows written to {report.path} ({_file_size(report.bytes or 0)}, {fmt})")
    if source.missing:
        click.echo(
            f"Warning: {len(source.missing)} hit(s) are no longer in the database and were left out "
            f"({', '.join(source.missing)}): the search index is behind it; 'qmarchive index' updates it",
            err=True,
        )


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (kill) stops the block like Ctrl-C, so that it cleans up after itself."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _export_format(output: Path, to_stdout: bool) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if not to_stdout and suffix in ("csv", "xlsx", "json"):
        return suffix
    raise click.UsageError(f"give --format ({', '.join(export.FORMATS)}): it cannot be told from the output's name")


def _file_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


@cli.command("fetch")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option(
    "--force",
    is_flag=True,
    help="Download even files already in the archive; a different file replaces the archived one, "
    "which is kept beside it.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=fetch.DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Connect and read timeout.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 20),
    default=fetch.DEFAULT_RETRIES,
    show_default=True,
    metavar="N",
    help="Retries after a server error (5xx, 429), a timeout or a broken connection.",
)
@click.option(
    "--backoff",
    type=click.FloatRange(0),
    default=fetch.DEFAULT_BACKOFF,
    show_default=True,
    metavar="SECONDS",
    help=f"Wait before the first retry, doubled for each further one (with jitter); a server's "
    f"Retry-After is honoured up to {fetch.MAX_DELAY:g} s.",
)
@click.option(
    "--update-catalog",
    is_flag=True,
    help="Write the SHA-256 of archived files into catalog.csv where their row has none (only those cells change).",
)
@quiet_option("No per-file messages, except failures.")
@click.pass_obj
def fetch_command(
    paths: Paths,
    ids: tuple[str, ...],
    force: bool,
    timeout: float,
    retries: int,
    backoff: float,
    update_catalog: bool,
    quiet: bool,
) -> None:
    """Download catalogued documents from their source_url into the archive.

    Without IDs, every catalog entry; entries without a source_url are reported, and are an error only
    when named. Files already in the archive are not downloaded again (unless --force) but checked
    against the catalog's sha256. A download goes to FILE.part and is renamed into place only when
    complete and verified; an interrupted one is resumed. A download that differs from the catalog's
    sha256 is kept as FILE.rejected-<sha>, never installed. Every attempt is logged in
    ARCHIVE/provenance.jsonl, which ingest copies into the database. Exits with 1 if an entry failed
    or was refused.
    """
    started = time.perf_counter()
    options = fetch.FetchOptions(force=force, timeout=timeout, retries=retries, backoff=backoff)

    def report(result: fetch.FetchResult) -> None:
        if result.status in ("failed", "refused"):
            click.echo(f"{result.status.capitalize()}: {result.document_id}: {result.message}", err=True)
        elif result.status == "no-source" and result.named:
            click.echo(f"Failed: {result.document_id}: no source_url in the catalog; add the file's address", err=True)
        elif not quiet:
            click.echo(_fetch_line(result))

    summary = fetch.fetch(paths, ids, options=options, on_result=report)
    counts = summary.counts
    click.echo(
        f"{counts['downloaded']} downloaded, {counts['unchanged']} unchanged, {counts['present']} present, "
        f"{counts['no-source']} without source_url, {counts['failed']} failed, {counts['refused']} refused — "
        f"{time.perf_counter() - started:.1f} s"
    )
    checksums = summary.hashes_to_record
    if checksums and update_catalog:
        filled = catalog.record_checksums(paths.catalog, checksums)
        if filled:
            click.echo(f"sha256 written to {paths.catalog} for {len(filled)} entries: {', '.join(filled)}")
    elif checksums:
        click.echo(
            f"The catalog gives no sha256 for {len(checksums)} archived file(s); add it to "
            f"{paths.catalog} (or fetch again with --update-catalog):",
            err=True,
        )
        for document_id, checksum in checksums.items():
            click.echo(f"  {document_id}: {checksum}", err=True)
    sys.exit(0 if summary.ok else 1)


def _fetch_line(result: fetch.FetchResult) -> str:
    short = f"sha256 {result.sha256[:12]}…" if result.sha256 else ""
    if result.status == "downloaded":
        how = "resumed and downloaded" if result.resumed else "downloaded"
        kept = f"; the old file is kept as {result.kept.name}" if result.kept else ""
        return f"{result.document_id}: {how} {_file_size(result.bytes or 0)} from {result.final_url} ({short}){kept}"
    if result.status == "no-source":
        return f"{result.document_id}: no source_url"
    return f"{result.document_id}: {result.status} ({short})"
