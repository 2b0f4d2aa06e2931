"""The ``qmarchive`` command line: parse options, call the library, format the result."""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click

from qmarchive import __version__, ingest, serve, status, store
from qmarchive.errors import QmarchiveError
from qmarchive.extract import EXTRACTORS
from qmarchive.paths import Paths


class QmarchiveGroup(click.Group):
    """Turns expected errors into a clean message on stderr and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QmarchiveError as exc:
            raise click.ClickException(str(exc)) from exc


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
@click.version_option(__version__, prog_name="qmarchive")
@click.pass_context
def cli(ctx: click.Context, archive: Path, index: Path) -> None:
    """Searchable, citable archive of Quartiersmanagement planning documents (IHEK)."""
    ctx.obj = Paths(archive=archive, index=index)


@cli.command("ingest")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--extractor",
    type=click.Choice(EXTRACTORS),
    default="pdfium",
    show_default=True,
    help="Page text extractor: PDFium (best) or pypdf.",
)
@click.option("--password", help="Password for encrypted PDFs.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no per-file messages.")
@click.pass_obj
def ingest_command(paths: Paths, files: tuple[Path, ...], extractor: str, password: str | None, fail_fast: bool, quiet: bool) -> None:
    """Read PDFs into the database.

    Without FILES, every document in the catalog; catalogued files that are not in the archive yet are
    reported as missing, not as errors. FILES outside the catalog are ingested too, with an id made
    from the file name. Unchanged files (same SHA-256) are skipped. Exits with 1 if any file failed.
    """
    exit_code = _ingest(paths, files, extractor=extractor, password=password, fail_fast=fail_fast, quiet=quiet)
    sys.exit(exit_code)


def _ingest(paths: Paths, files: tuple[Path, ...] = (), *, quiet: bool = False, **options: Any) -> int:
    started = time.perf_counter()
    jobs = ingest.plan(paths, files)
    db = store.open_database(paths.database)
    with _progress(len(jobs), "Ingesting", quiet) as bar:

        def report(result: ingest.FileResult) -> None:
            bar.update(1)
            if quiet:
                return
            if result.status == "failed":
                click.echo(f"\nFailed: {result.message}", err=True)
            for warning in result.warnings:
                click.echo(f"\nWarning: {result.file}: {warning}", err=True)

        summary = ingest.run(db, paths, jobs, on_result=report, **options)
    counts = summary.counts
    pages = sum(r.pages for r in summary.results)
    seconds = time.perf_counter() - started
    click.echo(
        f"{counts['ingested']} ingested ({pages} pages), {counts['unchanged']} unchanged, "
        f"{counts['failed']} failed, {counts['missing']} missing — {seconds:.1f} s, database {paths.database}"
    )
    if counts["missing"] and not quiet:
        click.echo(f"{counts['missing']} catalogued file(s) not in the archive yet: see 'qmarchive status'.", err=True)
    return 0 if summary.ok else 1


@contextmanager
def _progress(length: int, label: str, quiet: bool) -> Iterator[Any]:
    """A progress bar on a terminal; a silent stand-in otherwise."""
    if quiet or not sys.stderr.isatty():
        yield _NoProgress()
        return
    with click.progressbar(length=length, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar


class _NoProgress:
    def update(self, n: int) -> None:
        pass


@cli.command("status")
@click.option("--json", "as_json", is_flag=True, help="Output as JSON.")
@click.pass_obj
def status_command(paths: Paths, as_json: bool) -> None:
    """Show what the archive and the database hold.

    Documents, pages (and how many have no text layer), catalogued files not yet in the archive, and
    the last ingest run with its failures.
    """
    report = status.report(paths)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Archive:        {report['archive']} ({report['catalog_entries']} catalog entries)")
    click.echo(f"Database:       {report['database']}" + ("" if report["database_exists"] else " (not built yet)"))
    click.echo(f"Documents:      {report['documents']}")
    click.echo(f"Pages:          {report['pages']} ({report['pages_without_text']} without text layer)")
    missing = report["missing_files"]
    click.echo(f"Missing files:  {len(missing)}")
    for item in missing:
        click.echo(f"  {item['id']}: {item['file']}")
    run = report["last_run"]
    if run:
        click.echo(
            f"Last ingest:    run {run['id']} at {run['started_at']}: {run['ingested']} ingested, "
            f"{run['unchanged']} unchanged, {run['failed']} failed, {run['missing']} missing"
        )
        for failure in run["failures"]:
            click.echo(f"  failed: {failure['message']}")


@cli.command("serve")
@click.option("-h", "--host", default=serve.DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=serve.DEFAULT_PORT, show_default=True, type=int, help="Port to listen on.")
@click.pass_obj
def serve_command(paths: Paths, host: str, port: int) -> None:
    """Serve the database with Datasette.

    The database is opened immutable (read-only) at http://HOST:PORT/ with the archive's metadata,
    facets, full-text search and the canned query "suche".
    """
    serve.serve(paths.database, host, port)


@cli.command("demo")
@click.option("-h", "--host", default=serve.DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("-p", "--port", default=serve.DEFAULT_PORT, show_default=True, type=int, help="Port to listen on.")
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
    if _ingest(samples, quiet=False) != 0:
        raise click.ClickException("the sample archive did not ingest cleanly (see the messages above)")
    if not no_serve:
        click.echo(f"Serving the sample archive at http://{host}:{port}/ (Ctrl+C stops)")
        serve.serve(samples.database, host, port)
