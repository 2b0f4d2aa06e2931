"""Serving the database with Datasette: immutable, read-only, with the package's metadata and plugin."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from datasette.cli import cli as datasette_cli

from qmarchive.errors import StoreError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# Long page texts are cut in table views (full text on the row page); a runaway query is stopped.
SETTINGS = {
    "truncate_cells_html": "300",
    "sql_time_limit_ms": "3000",
    "default_page_size": "50",
}


def metadata_path() -> Path:
    return Path(str(resources.files("qmarchive") / "metadata.json"))


def datasette_args(database: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """Arguments for ``datasette serve``; the database is opened immutable (``-i``), hence read-only."""
    args = ["serve", "-i", str(database), "--metadata", str(metadata_path()), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return args


def serve(database: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Run Datasette in this process until interrupted."""
    if not database.exists():
        raise StoreError(f"{database}: no database yet; run 'qmarchive ingest' first")
    datasette_cli.main(args=datasette_args(database, host, port), prog_name="datasette", standalone_mode=True)
