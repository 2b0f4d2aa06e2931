"""qmarchive verify: fixity, database integrity and the search index, each damaged on purpose."""

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from conftest import cli_args, write_catalog
from qmarchive import verify
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.search import lifecycle


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, "verify", *args))


def sql(paths: Paths, statement: str, params=()) -> None:
    with sqlite3.connect(paths.database) as conn:
        conn.execute(statement, params)
    conn.close()


def failed_checks(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def test_clean_archive_passes_and_nothing_is_written(copy: Paths) -> None:
    before = (hashlib.sha256(copy.database.read_bytes()).hexdigest(), copy.database.stat().st_mtime_ns)
    result = run(copy)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"Archive:   {copy.archive}", f"Database:  {copy.database}"]
    assert lines[3:] == [
        "warning  Fixity of the archived files (SHA-256): 2 of 2 files hashed, 50176 bytes; 2 kept version(s)",
        f"           {copy.catalog}: 1 catalogued document(s) not in the archive yet: ihek-2010",
        "ok       SQLite integrity (PRAGMA integrity_check): ok",
        "ok       Orphan rows (PRAGMA foreign_key_check): every reference resolves",
        "ok       Full-text index pages_fts (FTS5 integrity-check): matches the pages table",
        "ok       Full-text index pages_trigram (FTS5 integrity-check): matches the pages table",
        "ok       German search terms (pages_german, the default engine): well-formed; every page analysed by this "
        "version of the German analysis",
        "ok       Best pages of frequent words (best_pages, the default engine): no word on 5,000 pages or more, "
        "nothing listed",
        "ok       Pages per document (documents.page_count): 2 documents, 6 pages stored of 6 counted",
        "ok       Page texts (pages.text_sha256): 6 page texts hashed",
        "ok       Search index readable (every segment, end to end): 1 segment(s), 6 pages, 122 terms read",
        "ok       Search index agrees with the database (Whoosh): 6 pages indexed, 6 in the database",
        "",
        "All 11 checks passed, 1 with warnings.",
    ]
    assert (hashlib.sha256(copy.database.read_bytes()).hexdigest(), copy.database.stat().st_mtime_ns) == before
    # A reader of a WAL database leaves SQLite's shared-memory index and an empty log beside it: no data.
    assert {path.name: path.stat().st_size for path in copy.index.glob("qmarchive.db-*")}.get(
        "qmarchive.db-wal", 0
    ) == 0


def test_a_flipped_byte_is_named_by_file(copy: Paths) -> None:
    pdf = copy.archive / "pdf/ihek-2012.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    pdf.write_bytes(bytes(data))
    result = run(copy)
    assert result.exit_code == 1
    assert "FAILED   Fixity of the archived files (SHA-256)" in result.stdout
    assert f"           {pdf}: SHA-256 {hashlib.sha256(data).hexdigest()[:12]}… differs from the " in result.stdout
    assert "recorded at ingest (document ihek-2012): the file has changed since it was ingested" in result.stdout
    assert failed_checks(result) == "FAILED: 1 of 11 checks (fixity); see the findings above."

    report = json.loads(run(copy, "--json").stdout)
    assert report["status"] == "failed"
    [fixity] = [check for check in report["checks"] if check["name"] == "fixity"]
    changed = [f for f in fixity["findings"] if f["severity"] == "failed"]
    assert [(f["subject"], f["code"], f["document_id"]) for f in changed] == [(str(pdf), "changed", "ihek-2012")]


def test_a_missing_file_is_named(copy: Paths) -> None:
    (copy.archive / "pdf/ihek-2019-2021.pdf").unlink()
    result = run(copy)
    assert result.exit_code == 1
    assert f"{copy.archive / 'pdf/ihek-2019-2021.pdf'}: missing (document ihek-2019-2021, SHA-256 " in result.stdout


def test_the_catalogs_checksum_is_compared(copy: Paths) -> None:
    write_catalog(
        copy.archive,
        [
            {
                "id": "ihek-2019-2021",
                "title": "IHEK 2019–2021",
                "doc_type": "ihek",
                "file": "pdf/ihek-2019-2021.pdf",
                "sha256": "0" * 64,
            },
            {"id": "ihek-2012", "title": "IHEK 2012", "doc_type": "ihek", "file": "pdf/ihek-2012.pdf"},
        ],
    )
    result = run(copy)
    assert result.exit_code == 1
    assert f"{copy.catalog}: row 2 (ihek-2019-2021): sha256 000000000000… differs from the file's " in result.stdout
    assert failed_checks(result) == "FAILED: 1 of 11 checks (fixity); see the findings above."


def test_a_deleted_page_row_is_named(copy: Paths) -> None:
    sql(copy, "DELETE FROM pages WHERE id = 'ihek-2019-2021/2'")
    result = run(copy)
    assert result.exit_code == 1
    assert (
        "           pages: document ihek-2019-2021 has 3 page(s), documents.page_count says 4: page(s) 2 missing"
        in result.stdout
    )
    assert "page_topics: 1 row(s) with page_id 'ihek-2019-2021/2', which is not in pages" in result.stdout
    assert "document ihek-2019-2021: holds 1 page(s) that are not in the database: ihek-2019-2021/2" in result.stdout
    assert (
        failed_checks(result) == "FAILED: 3 of 11 checks (orphans, page-counts, search-index); see the findings above."
    )


def test_an_orphan_row_is_named(copy: Paths) -> None:
    sql(
        copy,
        "INSERT INTO sections (document_id, position, title, level, first_page, last_page) "
        "VALUES ('ihek-1999', 1, 'Einleitung', 0, 1, 1)",
    )
    result = run(copy)
    assert result.exit_code == 1
    assert "           sections: 1 row(s) with document_id 'ihek-1999', which is not in documents" in result.stdout
    assert failed_checks(result) == "FAILED: 1 of 11 checks (orphans); see the findings above."


def test_a_changed_page_text_is_named(copy: Paths) -> None:
    sql(copy, "UPDATE pages SET text = replace(text, 'Quartiersrat', 'Quartiersbeirat') WHERE id = 'ihek-2019-2021/4'")
    result = run(copy)
    assert result.exit_code == 1
    assert (
        "           pages: text of ihek-2019-2021/4 (document ihek-2019-2021) no longer matches its text_sha256"
        in result.stdout
    )
    assert failed_checks(result) == "FAILED: 1 of 11 checks (page-texts); see the findings above."


def test_german_terms_missing_for_a_page_are_named_with_the_repair(copy: Paths) -> None:
    sql(copy, "DELETE FROM pages_german WHERE rowid = (SELECT rowid FROM pages WHERE id = 'ihek-2012/1')")
    result = run(copy)
    assert result.exit_code == 1
    assert (
        "           pages_german: not current: 1 pages without terms; run 'qmarchive index --rebuild'" in result.stdout
    )
    assert failed_checks(result) == "FAILED: 1 of 11 checks (german-terms); see the findings above."
    assert CliRunner().invoke(cli, cli_args(copy, "index", "--rebuild")).exit_code == 0
    assert run(copy).exit_code == 0


def test_a_full_text_index_out_of_step_is_named(copy: Paths) -> None:
    sql(copy, "DELETE FROM pages_fts WHERE rowid = (SELECT rowid FROM pages WHERE id = 'ihek-2012/1')")
    result = run(copy)
    assert result.exit_code == 1
    assert "           pages_fts: out of step with the pages table (SQLite reports: " in result.stdout
    assert failed_checks(result) == "FAILED: 1 of 11 checks (fts:pages_fts); see the findings above."


def test_a_read_only_database_is_checked_on_a_copy(copy: Paths, monkeypatch) -> None:
    connect = sqlite3.connect

    def read_only_first(path, *args, **kwargs):
        if Path(path) == copy.database:
            return connect(f"{copy.database.resolve().as_uri()}?mode=ro", *args, uri=True, **kwargs)
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only_first)
    assert verify.fts_integrity(copy.database, "pages_fts").status == "ok"
    monkeypatch.undo()
    sql(copy, "DELETE FROM pages_trigram WHERE rowid = 1")
    monkeypatch.setattr(sqlite3, "connect", read_only_first)
    assert verify.fts_integrity(copy.database, "pages_trigram").status == "failed"


def test_pages_missing_from_the_search_index_are_named(copy: Paths) -> None:
    ix = lifecycle.open_current(copy.index)
    writer = ix.writer()
    writer.delete_by_term("page_id", "ihek-2012/1")
    writer.delete_by_term("page_id", "ihek-2012/2")
    writer.commit()
    result = run(copy)
    assert result.exit_code == 1
    generation = lifecycle.current_generation(copy.index)
    assert (
        f"           {generation}: document ihek-2012: lacks 2 of the document's 2 page(s): ihek-2012/1, "
        "ihek-2012/2 (the index has 0, the database 2); run 'qmarchive index'"
    ) in result.stdout
    assert failed_checks(result) == "FAILED: 1 of 11 checks (search-index); see the findings above."
    assert CliRunner().invoke(cli, cli_args(copy, "index", "-q")).exit_code == 0
    assert run(copy).exit_code == 0


def test_no_search_index_is_only_a_warning(copy: Paths) -> None:
    shutil.rmtree(copy.index / "whoosh")
    result = run(copy)
    assert result.exit_code == 0
    assert (
        f"warning  Search index agrees with the database (Whoosh): not built\n           {copy.index / 'whoosh'}: "
        "no search index yet; 'qmarchive index' builds it\n" in result.stdout
    )


def test_without_a_database(paths: Paths) -> None:
    result = run(paths)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {paths.database}: no database yet; run 'qmarchive ingest' first\n"
