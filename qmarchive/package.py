"""The hand-over package for a long-term archive: a BagIt bag (RFC 8493) written with ``bagit``.

Payload (``data/``): the archived PDFs, copied, at their catalog paths (``pdf/<id>.pdf``; files ingested
from outside the archive under ``pdf/extern/<id>.pdf``), the kept file of every version
(``versions/<id>/<sha256>.pdf``), ``catalog.csv`` (with a row for each document ingested by path), ``provenance.jsonl`` if the
archive has one, ``qmarchive.db`` (a consistent copy made with SQLite's backup API) and one Dublin Core
record per document (``metadata/<id>.xml``, ``oai_dc``). ``data/`` is thus an archive directory of its own:
``qmarchive --archive BAG/data ingest`` rebuilds everything derived from it.

The archive is verified first (fixity and database; the search index is not packaged); a bag is built in
a directory beside OUTDIR, validated, and only then renamed into place, so OUTDIR is either a complete,
valid bag or absent.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import bagit

from qmarchive import __version__, cite, provenance, publish, store, verify
from qmarchive.catalog import CatalogEntry, append_entries, default_file, slugify, without_passwords
from qmarchive.errors import PackageError
from qmarchive.paths import DATABASE_NAME, Paths, document_path
from qmarchive.progress import Wrap
from qmarchive.versions import VERSIONS_DIR

CHECKSUMS = ("sha256", "sha512")
CHECKSUM_NAMES = {"sha256": "SHA-256", "sha512": "SHA-512"}
DEFAULT_ORGANISATION = (
    "Quartiersmanagement Hellersdorfer Promenade (S.T.E.R.N. Gesellschaft der behutsamen Stadterneuerung mbH)"
)
DEFAULT_ADDRESS = "Stadtteilbüro, Hellersdorfer Promenade 17, Berlin"
DEFAULT_RIGHTS = (
    "Keine Nutzungslizenz angegeben: alle Rechte vorbehalten; archiviert zu Dokumentations- und Forschungszwecken"
)
METADATA_DIR = "metadata"
EDITION_DIR = "edition"
EXTERN_DIR = "pdf/extern"
# Reported when packaging is refused; the full list is in 'qmarchive verify'.
LISTED_PROBLEMS = 20

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
ET.register_namespace("oai_dc", OAI_DC)
ET.register_namespace("dc", DC)
ET.register_namespace("xsi", XSI)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class BagInfo:
    """What ``bag-info.txt`` says about the sender; None leaves a field out (description and identifier
    then get defaults made from the archive)."""

    organisation: str = DEFAULT_ORGANISATION
    address: str | None = DEFAULT_ADDRESS
    contact_name: str | None = None
    contact_email: str | None = None
    description: str | None = None
    identifier: str | None = None


@dataclass
class PackageReport:
    path: Path
    documents: int
    files: int
    bytes: int
    bag_info: dict[str, str]
    verification: verify.Report
    warnings: list[str] = field(default_factory=list)


def make(
    paths: Paths,
    outdir: Path,
    info: BagInfo = BagInfo(),
    *,
    force: bool = False,
    edition: bool = False,
    progress: Wrap | None = None,
    on_step: Callable[[str], None] | None = None,
) -> PackageReport:
    """Verify the archive, write the bag beside OUTDIR, validate it, then move it to OUTDIR.

    Refuses an OUTDIR that exists and is not empty, and an archive that fails verification or holds
    catalogued files never ingested (unless ``force``: the bag then records what failed). With ``edition``
    the static edition (:mod:`qmarchive.publish`) goes into ``data/edition/``, so the deposit can be browsed.
    """
    step = on_step or (lambda message: None)
    _check_target(outdir)
    step("Verifying the archive")
    report = verify.run(paths, search_index=False, progress=progress)
    problems = _problems(report)
    if problems and not force:
        listed = "\n  ".join(str(problem) for problem in problems[:LISTED_PROBLEMS])
        more = f"\n  … and {len(problems) - LISTED_PROBLEMS} more" if len(problems) > LISTED_PROBLEMS else ""
        raise PackageError(
            f"nothing packaged: the archive fails verification:\n  {listed}{more}\n"
            "Fix these (see 'qmarchive verify'), or package anyway with --force."
        )
    warnings = [f"packaged despite: {problem}" for problem in problems]

    outdir.parent.mkdir(parents=True, exist_ok=True)
    building = outdir.parent / f".{outdir.name}.{uuid.uuid4().hex[:8]}.partial"
    building.mkdir()
    try:
        db = store.open_read_only(paths.database)
        try:
            documents = list(db.query("SELECT * FROM documents ORDER BY id"))
            step(f"Copying {len(documents)} files")
            placed = _copy_files(paths, documents, building, progress, warnings)
            kept, kept_placed = _copy_versions(paths.archive, db, building)
            _copy_catalog(paths.catalog, building / "catalog.csv")
            _catalogue_ingested_by_path(building / "catalog.csv", documents, placed)
            _copy_if_present(provenance.log_path(paths.archive), building / provenance.LOG_NAME)
            step("Copying the database")
            backup_database(db.conn, building / DATABASE_NAME)
            for document in documents:
                citation = cite.citation(db, document["id"], base_url=paths.base_url)
                record = dublin_core(document, placed.get(document["id"]), citation.url if paths.base_url else None)
                write_xml(record, building / METADATA_DIR / f"{document['id']}.xml")
            areas = sorted({d["area"] for d in documents if d["area"]})
            if edition:
                step("Writing the static edition")
                warnings += publish.make(paths, building / EDITION_DIR).warnings
            places = sorted({d["place"] for d in documents if d["place"]})
        finally:
            db.close()
        bag_info = _bag_info(
            info, areas, places, _contents(building, len(placed)), _payload_bytes(building), report, problems
        )
        if not (info.contact_name or info.contact_email):
            warnings.append(
                "bag-info.txt names no contact: give --contact-name and --contact-email, so the "
                "receiving archive knows whom to ask"
            )
        step(f"Writing the bag with {' and '.join(CHECKSUM_NAMES[c] for c in CHECKSUMS)} manifests")
        bagit.make_bag(str(building), bag_info, checksums=list(CHECKSUMS))
        step("Validating the bag")
        bag = _validated(building)
        _compare_manifest(bag, documents, placed, warnings, force)
        _compare_manifest(bag, kept, kept_placed, warnings, force)
        files, size = _oxum(bag)
        _move_into_place(building, outdir)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return PackageReport(outdir, len(documents), files, size, bag_info, report, warnings)


def _check_target(outdir: Path) -> None:
    if outdir.exists() and (not outdir.is_dir() or any(outdir.iterdir())):
        raise PackageError(
            f"{outdir}: already exists and is not an empty directory; name a new one "
            "(a bag is never written over anything)"
        )


def _problems(report: verify.Report) -> list[verify.Finding]:
    """What stops packaging: every failure, and files the archive holds that the bag would leave out."""
    return [f for f in report.findings() if f.severity == "failed" or f.code in ("not-ingested", "uncatalogued")]


def payload_path(document: dict[str, Any]) -> PurePosixPath:
    """Where a document's file goes in ``data/``: its path in the archive, which the catalog names;
    a file ingested from outside the archive under ``pdf/extern/``."""
    file = PurePosixPath(document["file"].replace("\\", "/"))
    if file.is_absolute() or ".." in file.parts or re.match(r"^[A-Za-z]:", document["file"]):
        return PurePosixPath(EXTERN_DIR) / PurePosixPath(default_file(document["id"])).name
    return file


def _copy_files(
    paths: Paths, documents: list[dict[str, Any]], building: Path, progress: Wrap | None, warnings: list[str]
) -> dict[str, PurePosixPath]:
    placed: dict[str, PurePosixPath] = {}
    taken: dict[str, str] = {}
    for document in progress(documents, "Copying") if progress else documents:
        source = document_path(paths.archive, document["file"])
        target = payload_path(document)
        key = str(target).casefold()
        if key in taken:
            raise PackageError(f"{source}: documents {taken[key]} and {document['id']} would both be data/{target}")
        taken[key] = document["id"]
        if not source.is_file():
            warnings.append(f"{source}: missing, not in the bag (document {document['id']})")
            continue
        (building / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, building / target)
        placed[document["id"]] = target
    return placed


def _copy_versions(archive: Path, db: Any, building: Path) -> tuple[list[dict[str, Any]], dict[str, PurePosixPath]]:
    """Every version's kept copy (``versions/<id>/<sha256>.pdf``), so that citations of a version can be
    checked against the bag and ``data/`` keeps the version history's files; as (version, path) records for
    the manifest check. Withdrawn documents' versions stay out, like the documents."""
    try:
        rows = list(
            db.query(
                "SELECT document_id, version, sha256, kept_file FROM document_versions "
                "WHERE kept_file IS NOT NULL AND document_id IN (SELECT id FROM documents) "
                "ORDER BY document_id, version"
            )
        )
    except sqlite3.OperationalError:
        return [], {}  # a database from before versions: there is nothing kept to carry
    kept: list[dict[str, Any]] = []
    placed: dict[str, PurePosixPath] = {}
    for row in rows:
        target = PurePosixPath(row["kept_file"])
        name = f"{row['document_id']} version {row['version']}"
        if str(target) not in {str(p) for p in placed.values()}:
            (building / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(archive / target, building / target)
        kept.append({"id": name, "sha256": row["sha256"]})
        placed[name] = target
    return kept, placed


def _catalogue_ingested_by_path(
    catalog: Path, documents: list[dict[str, Any]], placed: dict[str, PurePosixPath]
) -> None:
    """Documents ingested by path have no catalog row in the archive; the bag's catalog gets one for each (at
    its place in the bag), so that ingesting ``data/`` brings back every document."""
    entries = [
        CatalogEntry(
            id=d["id"],
            title=d["title"],
            doc_type=d["doc_type"],
            file=str(placed[d["id"]]),
            area=d["area"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            published=d["published"],
            publisher=d["publisher"],
            source_url=d["source_url"],
            landing_url=d["landing_url"],
            sha256=d["sha256"],
            license=d["license"],
            notes=d["notes"],
        )
        for d in documents
        if not d["catalogued"] and d["id"] in placed
    ]
    if entries:
        append_entries(catalog, entries)


def _copy_catalog(source: Path, target: Path) -> None:
    """The catalog as it is, but never with PDF passwords in it."""
    if source.is_file():
        cleaned = without_passwords(source)
        if cleaned is None:
            shutil.copy2(source, target)
        else:
            target.write_text(cleaned, encoding="utf-8")


def _copy_if_present(source: Path, target: Path) -> None:
    if source.is_file():
        shutil.copy2(source, target)


def backup_database(source: sqlite3.Connection, target: Path) -> None:
    """A consistent copy of a database in use: SQLite's backup API copies a snapshot, page by page.

    The copy is switched from WAL to a rollback journal: one self-contained file that readers open
    without creating ``-wal``/``-shm`` files beside it (a bag must not change when it is read)."""
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


# -- Dublin Core ------------------------------------------------------------------------------------------


def dublin_core(document: dict[str, Any], file: PurePosixPath | None, permalink: str | None) -> list[tuple[str, str]]:
    """The simple Dublin Core elements of one document, in oai_dc's order, as (element, value) pairs.

    Simple DC has no ``extent``: the page count goes into ``format``, as DCMI allows; the period and
    the area go into ``coverage``; the publisher is also named as creator, as citations name it.
    """
    period = _period(document["period_start"], document["period_end"])
    genre = cite.GENRES.get(document["doc_type"])
    pairs = [
        ("title", document["title"]),
        ("creator", document["publisher"]),
        ("description", document["notes"]),
        ("publisher", document["publisher"]),
        ("date", document["published"]),
        ("type", "Text"),
        ("type", genre),
        ("format", "application/pdf"),
        ("format", f"{document['page_count']} Seiten, {document['bytes']} Bytes"),
        ("identifier", document["id"]),
        ("identifier", permalink),
        ("identifier", f"sha256:{document['sha256']}"),
        ("identifier", f"data/{file}" if file else None),
        ("source", document["source_url"]),
        ("source", document["landing_url"]),
        ("language", "de"),
        ("coverage", ", ".join(v for v in (document["area"], document["place"]) if v) or None),
        ("coverage", period),
        ("rights", document["license"] or DEFAULT_RIGHTS),
    ]
    return [(name, " ".join(str(value).split())) for name, value in pairs if value]


def _period(start: int | None, end: int | None) -> str | None:
    """ISO 8601: a year, or an interval of years."""
    if not start:
        return None
    return f"{start}/{end}" if end and end != start else str(start)


def write_xml(record: list[tuple[str, str]], path: Path) -> None:
    root = ET.Element(f"{{{OAI_DC}}}dc", {f"{{{XSI}}}schemaLocation": f"{OAI_DC} {OAI_DC_SCHEMA}"})
    for name, value in record:
        ET.SubElement(root, f"{{{DC}}}{name}").text = _NOT_XML.sub("", value)
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


# -- bag-info, validation, hand-over ----------------------------------------------------------------------


def _contents(building: Path, pdfs: int) -> list[str]:
    """What the payload holds, in German, for the default External-Description."""
    parts = [f"{pdfs} Dokument(e) als PDF (data/pdf)"]
    if (building / VERSIONS_DIR).is_dir():
        parts.append(f"jede archivierte Fassung dieser Dateien (data/{VERSIONS_DIR}/<id>/<sha256>.pdf)")
    if (building / "catalog.csv").is_file():
        parts.append("der Katalog (data/catalog.csv)")
    if (building / provenance.LOG_NAME).is_file():
        parts.append(f"das Provenienzprotokoll der Downloads (data/{provenance.LOG_NAME})")
    parts.append(f"die SQLite-Datenbank mit Seitentexten, Gliederung und Handlungsfeldern (data/{DATABASE_NAME})")
    parts.append(f"je Dokument ein Dublin-Core-Datensatz (data/{METADATA_DIR}/<id>.xml, oai_dc)")
    if (building / EDITION_DIR).is_dir():
        parts.append(f"die statische, durchsuchbare Web-Ausgabe des Archivs (data/{EDITION_DIR}/index.html)")
    return parts


def _bag_info(
    info: BagInfo,
    areas: list[str],
    places: list[str],
    contents: list[str],
    size: int,
    report: verify.Report,
    problems: list[verify.Finding],
) -> dict[str, str]:
    today = date.today().isoformat()
    where = " ".join(
        [
            "Quartiersmanagements",
            *([", ".join(areas)] if areas else []),
            *([f"({', '.join(places)})"] if places else []),
        ]
    )
    description = info.description or (
        f"Planungsdokumente des {where}, übergeben zur dauerhaften Archivierung: {', '.join(contents[:-1])} und "
        f"{contents[-1]}. Die SHA-256 jeder PDF-Datei steht im Manifest, in der Datenbank und im Dublin-Core-Datensatz."
    )
    identifier = info.identifier or f"qmarchive-{slugify(areas[0]) + '-' if len(areas) == 1 else ''}{today}"
    checked = ", ".join(check.name for check in report.checks)
    if problems:
        statement = (
            f"qmarchive verify vor dem Packen ({checked}): {len(problems)} Befund(e), trotzdem gepackt "
            f"(--force): " + "; ".join(str(p) for p in problems[:5]) + (" …" if len(problems) > 5 else "")
        )
    else:
        statement = (
            f"qmarchive verify vor dem Packen ({checked}): ohne Befund; jede PDF-Datei entsprach der beim "
            f"Einlesen erfassten SHA-256."
        )
    fields = {
        "Source-Organization": info.organisation,
        "Organization-Address": info.address,
        "Contact-Name": info.contact_name,
        "Contact-Email": info.contact_email,
        "External-Description": description,
        "External-Identifier": identifier,
        "Bagging-Date": today,
        "Bag-Count": "1 of 1",
        "Bag-Size": _size(size),
        "Bag-Software-Agent": f"qmarchive {__version__} (bagit.py {bagit.VERSION})",
        "Internal-Sender-Description": statement,
    }
    return {name: " ".join(value.split()) for name, value in fields.items() if value and value.strip()}


def _payload_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


def _size(size: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _validated(directory: Path) -> bagit.Bag:
    """The bag read back and validated in full: every manifest, every checksum, Payload-Oxum."""
    try:
        bag = bagit.Bag(str(directory))
        bag.validate()
    except bagit.BagValidationError as exc:
        details = "; ".join(str(d) for d in exc.details[:LISTED_PROBLEMS]) if exc.details else ""
        raise PackageError(
            f"{directory}: the bag just written does not validate, nothing handed over "
            f"({exc.message}{': ' + details if details else ''})"
        ) from exc
    except bagit.BagError as exc:
        raise PackageError(f"{directory}: the bag just written cannot be read ({exc})") from exc
    return bag


def _compare_manifest(
    bag: bagit.Bag, documents: list[dict[str, Any]], placed: dict[str, PurePosixPath], warnings: list[str], force: bool
) -> None:
    """Tie the manifest to the database: each PDF's SHA-256 in the bag is the one recorded at ingest, so
    the copy is the file that was verified."""
    for document in documents:
        target = placed.get(document["id"])
        if target is None:
            continue
        in_bag = bag.entries.get(f"data/{target}", {}).get("sha256")
        if in_bag != document["sha256"]:
            message = (
                f"data/{target}: SHA-256 in the manifest {in_bag} differs from the {document['sha256']} "
                f"recorded at ingest (document {document['id']})"
            )
            if not force:
                raise PackageError(message + "; the file changed while it was packaged, nothing handed over")
            warnings.append(message)


def _oxum(bag: bagit.Bag) -> tuple[int, int]:
    size, files = bag.info["Payload-Oxum"].split(".")
    return int(files), int(size)


def _move_into_place(building: Path, outdir: Path) -> None:
    """One rename: OUTDIR appears complete or not at all (an empty OUTDIR is replaced)."""
    try:
        os.rename(building, outdir)
    except OSError as exc:
        raise PackageError(
            f"{outdir}: cannot move the finished bag into place ({exc.strerror or exc}); "
            "it is no longer empty or not writable"
        ) from exc
