from __future__ import annotations

import csv
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from pdfmaker import Spec, make_pdf, running_pages
from qmarchive import store
from qmarchive.catalog import COLUMNS
from qmarchive.cli import cli
from qmarchive.paths import Paths
from harness import child_server

# The columns of every search hit export (qmarchive.hits.COLUMNS): CLI, export --search and /-/suche.*.
HIT_COLUMNS = [
    "rank",
    "page_id",
    "document_id",
    "title",
    "doc_type",
    "period",
    "page_number",
    "page_label",
    "page",
    "section",
    "topics",
    "ocr",
    "snippet",
    "score",
    "zitat",
    "url",
    "pdf_url",
]

BODIES = [
    ["Einleitung", "Die Bewoh-", "nerschaft der Hellersdorfer Promenade hat viele Ideen."],
    [
        "Öffentlicher Raum",
        "Die Spielplatzsanierung an der Straße wird ﬁnanziert.",
        "Bewohner:innen und Bewohner*innen beteiligen sich.",
    ],
    ["Bildung, Ausbildung, Jugend", "Kinder- und Jugendarbeit im Stadtteilzentrum.", "Die Kita-", "Ausbau-Pläne"],
    ["Beteiligung", "Der Quartiersrat tagt im Stadtteilbüro.", "<script>alert('x')</script> steht im Text."],
]


ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the whole sample archive (its ingest with OCR takes seconds) is slow by definition."""
    for item in items:
        if "samples" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def write_catalog(archive: Path, rows: list[dict[str, str]]) -> Path:
    archive.mkdir(parents=True, exist_ok=True)
    path = archive / "catalog.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path


def ihek_spec(**changes) -> Spec:
    spec = Spec(
        pages=running_pages(BODIES),
        outline=[("Einleitung", 0, 0), ("Handlungsfelder", 0, 1), ("Bildung", 1, 2), ("Beteiligung", 1, 3)],
        title="IHEK 2019–2021",
    )
    for name, value in changes.items():
        setattr(spec, name, value)
    return spec


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(archive=tmp_path / "archive", index=tmp_path / "index")


def make_archive(paths: Paths) -> Paths:
    """An archive with two catalogued documents present and one whose PDF is missing."""
    pdf_dir = paths.archive / "pdf"
    pdf_dir.mkdir(parents=True)
    make_pdf(pdf_dir / "ihek-2019-2021.pdf", ihek_spec())
    make_pdf(pdf_dir / "ihek-2012.pdf", ihek_spec(pages=running_pages(BODIES[:2]), title="IHEK 2012"))
    write_catalog(
        paths.archive,
        [
            {
                "id": "ihek-2019-2021",
                "title": "IHEK 2019–2021",
                "doc_type": "ihek",
                "period_start": "2019",
                "period_end": "2021",
                "area": "Hellersdorfer Promenade",
                "place": "Berlin",
                "publisher": "Bezirksamt Marzahn-Hellersdorf",
                "file": "pdf/ihek-2019-2021.pdf",
            },
            {
                "id": "ihek-2012",
                "title": "IHEK 2012",
                "doc_type": "ihek",
                "period_start": "2012",
                "file": "pdf/ihek-2012.pdf",
            },
            {"id": "ihek-2010", "title": "IHEK 2010", "doc_type": "ihek", "period_start": "2010"},
        ],
    )
    return paths


def ctrl_c_as_at_a_terminal() -> None:
    """``preexec_fn`` for a child that the test stops with SIGINT: a suite started in the background (``&``,
    some CI runners) inherits SIGINT ignored, and Python only turns SIGINT into KeyboardInterrupt when it
    starts with the default action."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ingested(root: Path, documents: list[tuple[dict[str, str], Spec]]) -> Paths:
    """An archive of generated PDFs (catalog row, PDF spec), each at pdf/<id>.pdf, ingested and indexed."""
    paths = Paths(archive=root / "archive", index=root / "index")
    (paths.archive / "pdf").mkdir(parents=True)
    for row, spec in documents:
        make_pdf(paths.archive / "pdf" / f"{row['id']}.pdf", spec)
    write_catalog(paths.archive, [{**row, "file": f"pdf/{row['id']}.pdf"} for row, _ in documents])
    result = CliRunner().invoke(cli, cli_args(paths, "ingest"))
    assert result.exit_code == 0, result.output
    return paths


def cli_args(paths: Paths, *args: str) -> list[str]:
    return ["--archive", str(paths.archive), "--index", str(paths.index), *args]


def write_documents(db: Database, documents: dict[str, list[tuple[str, tuple[str, ...]]]]) -> None:
    """Documents of synthetic pages straight through store.write_document: id → [(text, topics)]."""
    for number, (document_id, pages) in enumerate(documents.items()):
        document = {
            "id": document_id, "area": "Hellersdorfer Promenade", "title": f"Dokument {number}",
            "doc_type": ["ihek", "broschuere"][number % 2], "period_start": 2010 + number, "period_end": None,
            "catalogued": 0, "file": f"pdf/{document_id}.pdf", "sha256": f"{number:064d}", "bytes": 0,
            "page_count": len(pages), "pages_without_text": 0, "pdf_encrypted": 0, "extractor": "synthetic",
            "extractor_version": "0", "extraction_version": "synthetic", "ingested_at": store.now(),
        }  # fmt: skip
        rows = [
            {"id": f"{document_id}/{n}", "document_id": document_id, "page_number": n, "page_label": str(n),
             "section": None, "text": text, "running_text": "", "chars": len(text), "text_sha256": f"{n:064d}",
             "has_text_layer": 1}
            for n, (text, _) in enumerate(pages, start=1)
        ]  # fmt: skip
        page_topics = [
            {"page_id": f"{document_id}/{n}", "topic_id": topic}
            for n, (_, topics) in enumerate(pages, start=1)
            for topic in topics
        ]
        store.write_document(db, document, rows, [], page_topics)


@pytest.fixture
def archive(paths: Paths) -> Paths:
    return make_archive(paths)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Paths:
    """The test archive ingested and indexed once per module, for tests that only read."""
    root = tmp_path_factory.mktemp("built")
    paths = make_archive(Paths(archive=root / "archive", index=root / "index"))
    result = CliRunner().invoke(cli, cli_args(paths, "ingest"))
    assert result.exit_code == 0, result.output
    return paths


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> Paths:
    """The bundled sample archive as the README's first command builds it (ingested and indexed)."""
    index = tmp_path_factory.mktemp("samples-index")
    result = CliRunner().invoke(cli, ["--archive", str(ROOT / "archive"), "--index", str(index), "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("7 ingested (174 pages), 0 unchanged, 0 failed, 0 missing")
    return Paths(ROOT / "archive", index).samples()


@pytest.fixture
def copy(built: Paths, tmp_path: Path) -> Paths:
    """A private copy of the ingested and indexed test archive, free to change or damage."""
    paths = Paths(tmp_path / "archive", tmp_path / "index")
    shutil.copytree(built.archive, paths.archive)
    shutil.copytree(built.index, paths.index)
    return paths


@pytest.fixture(scope="session")
def live_samples(samples: Paths) -> Iterator[str]:
    """`qmarchive serve` over the built sample archive in a child process on 127.0.0.1: its base URL."""
    with child_server(samples.archive, samples.index) as base:
        yield base
