"""The static edition: the archive as plain files that any static web host serves, with no server code.

Layout (every link relative, so the folder works from any host and subfolder; nothing is fetched from
elsewhere, the pages use system fonts)::

    index.html                 start page: what the archive is, documents by type and year, licence, source
    dokument/<id>.html         a document: metadata, contents, pages, checksums, versions, four citation formats
    seite/<id>/<n>.html        a PDF page at an address made from its stable page id (<id>/<n>)
    bilder/<id>/<n>.webp       the page's image
    pdf/<id>.pdf               the archived PDFs;  daten/qmarchive.db  the SQLite database
    SHA256SUMS                 checksums of the PDFs and the database (``sha256sum -c SHA256SUMS``)
    suche.html, pagefind/      client-side search (Pagefind), fed with the project's German analysis
    robots.txt, sitemap.xml    the sitemap only with a base URL (the protocol wants absolute addresses)

Withdrawn documents are not in the database's documents table and so are not published. The edition is
built in a directory beside OUTDIR and swapped in whole; OUTDIR must be new, empty or an earlier edition.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlite_utils import Database

from qmarchive import cite, german, meta_tags, package, page_images, page_view, store, topics, versions
from qmarchive.catalog import DOC_TYPE_LABELS, DOC_TYPES
from qmarchive.errors import PublishError
from qmarchive.pagelabels import locator
from qmarchive.paths import DATABASE_NAME, Paths
from qmarchive.paths import document_path as archived_file
from qmarchive.search.lifecycle import _splitter as archive_splitter
from qmarchive.search.results import period

MARKER = ".qmarchive-edition"
TEMPLATES = Path(__file__).parent / "edition"
PLUGIN_TEMPLATES = Path(__file__).parent / "datasette_plugin" / "templates"
STATIC_FILES = ("edition.css", "suche.js", "seite.js")
CHECKSUMS_NAME = "SHA256SUMS"
PAGEFIND_DIR = "pagefind"
# The query side of the German analysis, for the search page's script: compound splits of the archive's words
# in files by their first two letters (a query fetches only those of its words), beside the page's own data.
SPLITS_DIR = "zerlegung"
IMAGE_SIZE = "gross"
IMAGE_PROGRESS = 25  # a progress line every this many page images rendered
# Pagefind's weight of the added analysis terms (the page's own words weigh 1): they find a page, but rank it
# below pages that have the words as written.
TERMS_WEIGHT = 0.3
# What Pagefind leaves out of a page: all but its text. The document's title, the contents, the citation and
# the Handlungsfeld names stand on many pages; indexed, they made every page of a document a hit for a word
# of its title (the served search, too, wants the words in the page's text).
NOT_INDEXED = (
    ".qm-seite-kopf",
    ".qm-blaettern",
    ".qm-seite-zitat",
    ".qm-seite-toc",
    "#qm-text-titel",
    ".qm-hinweis",
    ".qm-ocr-hinweis",
)


@dataclass
class PublishReport:
    path: Path
    documents: int
    pages: int
    files: int
    bytes: int
    search_bytes: int
    warnings: list[str] = field(default_factory=list)


class EditionLinks:
    """The page view's links inside the edition, from a page at ``seite/<id>/<n>.html``."""

    root = "../../"

    def page(self, document_id: str, page_number: int) -> str:
        return f"{self.root}{page_path(document_id, page_number)}"

    def image(self, document_id: str, page_number: int, sha256: str, size: str) -> str:
        return f"{self.root}bilder/{document_id}/{page_number}.webp"

    def pdf(self, document_id: str, page_number: int) -> str:
        return f"{self.root}pdf/{document_id}.pdf#page={page_number}"

    def topic(self, topic_id: str) -> str:
        return f"{self.root}suche.html?feld={quote(topic_id)}"

    def zitat(self, document_id: str, page_number: int) -> str | None:
        return "#zitierformate"  # on the page itself (seite.html)

    def row(self, page_id: str) -> str | None:
        return None

    def row_json(self, page_id: str) -> str | None:
        return None


def page_path(document_id: str, page_number: int) -> str:
    """The page's path in the edition, from its stable id ``<document>/<n>``: it may be cited."""
    return f"seite/{document_id}/{page_number}.html"


def document_path(document_id: str) -> str:
    return f"dokument/{document_id}.html"


def make(
    paths: Paths, outdir: Path, *, force: bool = False, on_step: Callable[[str], None] | None = None
) -> PublishReport:
    """Write the edition of the archive beside OUTDIR, index it for search, then swap it into place."""
    step = on_step or (lambda message: None)
    _check_target(outdir, force)
    if not paths.database.exists():
        raise PublishError(f"{paths.database}: no database; run 'qmarchive ingest' first")
    warnings: list[str] = []
    if not paths.base_url:
        warnings.append(
            "no --base-url: pages have no canonical link, citations name the page by its path in the "
            "edition and there is no sitemap.xml; give the address the edition will be published at"
        )
    outdir.parent.mkdir(parents=True, exist_ok=True)
    building = outdir.parent / f".{outdir.name}.{uuid.uuid4().hex[:8]}.partial"
    building.mkdir()
    try:
        db = store.open_read_only(paths.database)
        try:
            documents = list(db.query("SELECT * FROM documents ORDER BY doc_type, period_start, id"))
            withdrawn = [row["document_id"] for row in db.query("SELECT document_id FROM withdrawals")]
            if withdrawn:
                warnings.append(f"not published (withdrawn): {', '.join(sorted(withdrawn))}")
            edition = _Edition(paths, db, building, step)
            pages = edition.write(documents)
            step("Copying the database")
            (building / "daten").mkdir()
            package.backup_database(db.conn, building / "daten" / DATABASE_NAME)
        finally:
            db.close()
        _write_checksums(building)
        step("Indexing for search (Pagefind)")
        _pagefind(building)
        (building / MARKER).write_text(f"qmarchive static edition, {date.today().isoformat()}\n", encoding="utf-8")
        files, size = _count(building)
        search_bytes = _count(building / PAGEFIND_DIR)[1]
        _swap(building, outdir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return PublishReport(outdir, len(documents), pages, files, size, search_bytes, warnings)


class _Edition:
    """Writes the pages of one edition; holds what every page needs."""

    def __init__(self, paths: Paths, db: Database, target: Path, step: Callable[[str], None]):
        self.paths, self.db, self.target, self.step = paths, db, target, step
        self.base_url = paths.base_url.rstrip("/") + "/" if paths.base_url else None
        self.env = Environment(
            loader=ChoiceLoader([FileSystemLoader(TEMPLATES), FileSystemLoader(PLUGIN_TEMPLATES)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.accessed = date.today()

    def url(self, path: str) -> str | None:
        return self.base_url + path if self.base_url else None

    def citation(self, document_id: str, page_number: int | None, path: str) -> cite.Citation:
        """The citation with the edition's addresses: the page's own and the PDF's in the edition."""
        target = document_id if page_number is None else f"{document_id}/{page_number}"
        found = cite.citation(self.db, target, accessed=self.accessed)
        pdf = f"pdf/{document_id}.pdf"
        return replace(found, url=self.url(path) or path, pdf_url=self.url(pdf) or pdf)

    def head(self, found: cite.Citation, path: str, root: str) -> dict[str, Any]:
        pdf = f"pdf/{found.document_id}.pdf"
        return {
            "meta": meta_tags.tags(found, pdf_url=self.url(pdf) or root + pdf, url=self.url(path)),
            "canonical": self.url(path),
        }

    def render(self, template: str, path: str, **context: Any) -> None:
        target = self.target / path
        target.parent.mkdir(parents=True, exist_ok=True)
        root = "../" * path.count("/")
        target.write_text(self.env.get_template(template).render(root=root, **context), encoding="utf-8")

    def write(self, documents: list[dict[str, Any]]) -> int:
        static = self.target / "static"
        static.mkdir()
        for name in STATIC_FILES:
            shutil.copyfile(TEMPLATES / name, static / name)
        shutil.copyfile(PLUGIN_TEMPLATES.parent / "static" / "qmarchive.css", static / "qmarchive.css")
        self.step(f"Copying {len(documents)} PDFs")
        (self.target / "pdf").mkdir()
        for document in documents:
            source = archived_file(self.paths.archive, document["file"])
            shutil.copyfile(source, self.target / "pdf" / f"{document['id']}.pdf")
        splitter = archive_splitter(self.db)
        topics = list(self.db.query("SELECT id, name FROM topics ORDER BY name"))
        pages = 0
        for document in documents:
            self.step(f"Writing {document['id']} ({document['page_count']} pages)")
            pages += self._document(document, splitter)
        by_type = [(DOC_TYPE_LABELS[t], [d for d in documents if d["doc_type"] == t]) for t in DOC_TYPES]
        licences = sorted({d["license"] for d in documents if d["license"]})
        self.render(
            "index.html",
            "index.html",
            title="Planungsarchiv Hellersdorfer Promenade",
            groups=[(label, docs) for label, docs in by_type if docs],
            licences=licences,
            period=period,
            document_path=document_path,
            meta=[],
            canonical=self.url(""),
            areas=sorted({d["area"] for d in documents if d["area"]}),
        )
        years = sorted({y for d in documents for y in _years(d)})
        self.render(
            "suche.html",
            "suche.html",
            title="Suche",
            meta=[],
            canonical=self.url("suche.html"),
            types=[(t, DOC_TYPE_LABELS[t]) for t in DOC_TYPES if any(d["doc_type"] == t for d in documents)],
            years=years,
            topics=topics,
            search_data=self._search_data(splitter),
        )
        self._robots(documents)
        return pages

    def _search_data(self, splitter: german.CompoundSplitter) -> str:
        """What the search page's script needs to analyse a query as the served search does, as JSON: the
        stopwords, the document types and Handlungsfelder (by every name, for typ: and feld: typed in the box);
        the compound splits it fetches by word from ``zerlegung/``."""
        shards: dict[str, dict[str, list[str]]] = {}
        for (word,) in self.db.execute("SELECT word FROM lexicon ORDER BY word").fetchall():
            parts = splitter.split(word)
            if parts:
                shards.setdefault(_shard(word), {})[word] = list(parts)
        (self.target / SPLITS_DIR).mkdir()
        for name, splits in shards.items():
            (self.target / SPLITS_DIR / f"{name}.json").write_text(
                json.dumps(splits, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
            )
        data = {
            "stopwords": sorted(german.STOPWORDS),
            "types": {key: DOC_TYPE_LABELS[key] for key in DOC_TYPES},
            "topics": [{"id": t.id, "names": [t.id, *t.names]} for t in topics.lexicon().topics],
            "splits": sorted(shards),
        }
        # Safe inside <script>: no "</" can close the element early.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")

    def _document(self, document: dict[str, Any], splitter: german.CompoundSplitter) -> int:
        document_id = document["id"]
        path = document_path(document_id)
        found = self.citation(document_id, None, path)
        rows = list(
            self.db.query(
                "SELECT id, page_number, page_label, page_label_source FROM pages "
                "WHERE document_id = ? ORDER BY page_number",
                [document_id],
            )
        )
        headings = page_view.first_headings(self.db, [row["id"] for row in rows])
        page_list = [
            {
                "url": f"../{page_path(document_id, row['page_number'])}",
                "label": locator(
                    row["page_label"] if row["page_label_source"] != "physical" else None, row["page_number"]
                ),
                "heading": headings.get(row["id"]),
            }
            for row in rows
        ]
        sections = list(
            self.db.query(
                "SELECT title, level, first_page FROM sections WHERE document_id = ? ORDER BY position", [document_id]
            )
        )
        self.render(
            "dokument.html",
            path,
            title=document["title"],
            document=document,
            citation=found,
            type_label=DOC_TYPE_LABELS.get(document["doc_type"], document["doc_type"]),
            period=period(document["period_start"], document["period_end"]),
            pages=page_list,
            contents=[{**s, "url": f"../{page_path(document_id, s['first_page'])}"} for s in sections],
            history=versions.history(self.db, document_id),
            pdf=f"../pdf/{document_id}.pdf",
            **self.head(found, path, "../"),
        )
        self._images(document, [row["page_number"] for row in rows])
        links = EditionLinks()
        for row in rows:
            number = row["page_number"]
            path = page_path(document_id, number)
            page_citation = self.citation(document_id, number, path)
            context = page_view.context(self.db, document_id, number, links, citation=page_citation)
            assert context is not None  # the page was just listed
            self.render(
                "seite.html",
                path,
                **context,
                terms=_search_terms(str(context["text"]), splitter),
                terms_weight=TERMS_WEIGHT,
                years=_years(document),
                doc_type=document["doc_type"],
                **self.head(page_citation, path, "../../"),
            )
        return len(rows)

    def _images(self, document: dict[str, Any], numbers: list[int]) -> None:
        """The document's page images, from the index's cache (those missing rendered into it first, in one
        child process for the document)."""
        source = archived_file(self.paths.archive, document["file"])
        todo = sum(page_images.cached(self.paths.index, document["sha256"], n, IMAGE_SIZE) is None for n in numbers)
        rendered = 0

        def ready(number: int, image: page_images.PageImage) -> None:
            nonlocal rendered
            if image.path is None:
                raise PublishError(f"{source}: page {number} could not be rendered as an image ({image.failure})")
            target = self.target / "bilder" / document["id"] / f"{number}.webp"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(image.path, target)
            if image.rendered:
                rendered += 1
                if rendered % IMAGE_PROGRESS == 0 or rendered == todo:
                    self.step(f"Rendered {rendered} of {todo} page images of {document['id']}")

        page_images.ensure_pages(self.paths.index, source, document["sha256"], numbers, IMAGE_SIZE, on_page=ready)

    def _robots(self, documents: list[dict[str, Any]]) -> None:
        lines = ["User-agent: *", "Allow: /"]
        if self.base_url:
            lines.append(f"Sitemap: {self.base_url}sitemap.xml")
            urls = (
                ["", "suche.html"]
                + [document_path(d["id"]) for d in documents]
                + [page_path(d["id"], n) for d in documents for n in range(1, (d["page_count"] or 0) + 1)]
            )
            self.render("sitemap.xml", "sitemap.xml", urls=[self.base_url + u for u in urls])
        (self.target / "robots.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _years(document: dict[str, Any]) -> list[int]:
    start, end = document["period_start"], document["period_end"] or document["period_start"]
    return list(range(start, end + 1)) if start else []


def _shard(folded: str) -> str:
    """The file of the split table a word is in: its first two letters (folded), as the search page does."""
    return "".join(ch if ch.isalnum() else "_" for ch in folded[:2])


def _search_terms(text: str, splitter: german.CompoundSplitter) -> str:
    """What the project's German analysis adds to a page's words for Pagefind's German stemmer: the base noun of
    gendered forms (Bewohner:innen → bewohner) and the parts of compounds (Spielplatzsanierung → spielplatz
    sanierung), which Pagefind's prefix matching does not find."""
    extra: dict[str, None] = {}
    for word in german.word_list(Markup(text).striptags()):
        base = german.fold(german.gender_neutral(word))
        if german.is_stopword(base):
            continue
        if base != word.casefold():
            extra[base] = None
        for part in splitter.all_parts(base):
            if part != base:
                extra[part] = None
    return " ".join(extra)


def _write_checksums(building: Path) -> None:
    lines = []
    for path in sorted([*(building / "pdf").iterdir(), building / "daten" / DATABASE_NAME]):
        digest = hashlib.sha256()
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.relative_to(building).as_posix()}")
    (building / CHECKSUMS_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pagefind(site: Path) -> None:
    """Pagefind's indexer (the ``pagefind`` wheel's binary, offline) over the written pages."""
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pagefind",
                "--site",
                str(site),
                "--output-subdir",
                PAGEFIND_DIR,
                "--exclude-selectors",
                ", ".join(NOT_INDEXED),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.TimeoutExpired as exc:
        raise PublishError(f"{site}: Pagefind took longer than {exc.timeout:.0f} s to index the edition") from exc
    if done.returncode != 0 or not (site / PAGEFIND_DIR / "pagefind.js").exists():
        problem = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no pagefind.js written"]
        raise PublishError(
            f"{site}: Pagefind failed to index the edition ({problem[0]}); "
            "is it installed? pip install 'pagefind[extended]'"
        )


def _check_target(outdir: Path, force: bool) -> None:
    if outdir.exists() and not outdir.is_dir():
        raise PublishError(f"{outdir}: exists and is not a directory")
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MARKER).exists() and not force:
        raise PublishError(
            f"{outdir}: not empty and not an earlier edition (no {MARKER}); "
            "choose another directory, or replace its contents with --force"
        )


def _swap(building: Path, outdir: Path) -> None:
    """The finished edition takes OUTDIR's place; an earlier one is moved aside first and then removed."""
    old = None
    if outdir.exists():
        old = outdir.parent / f".{outdir.name}.{uuid.uuid4().hex[:8]}.old"
        os.rename(outdir, old)
    try:
        os.rename(building, outdir)
    except OSError as exc:
        if old is not None:
            os.rename(old, outdir)
        raise PublishError(f"{outdir}: cannot move the finished edition into place ({exc.strerror or exc})") from exc
    if old is not None:
        shutil.rmtree(old)


def _count(directory: Path) -> tuple[int, int]:
    files = [p for p in directory.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)
