from pathlib import Path

import pytest

from qmarchive import store
from qmarchive.errors import StoreError


def document(doc_id: str = "ihek-2012", **values) -> dict:
    return {
        "id": doc_id,
        "title": "IHEK 2012",
        "doc_type": "ihek",
        "catalogued": 1,
        "file": "pdf/x.pdf",
        "sha256": "a" * 64,
        "bytes": 1,
        "page_count": 2,
        "pages_without_text": 0,
        "pdf_encrypted": 0,
        "extractor": "pdfium",
        "extractor_version": "x",
        "extraction_version": "pdfium/1",
        "ingested_at": store.now(),
        **values,
    }


def page(doc_id: str, number: int, text: str) -> dict:
    return {
        "id": f"{doc_id}/{number}",
        "document_id": doc_id,
        "page_number": number,
        "page_label": str(number),
        "text": text,
        "running_text": "",
        "chars": len(text),
        "text_sha256": "0",
        "has_text_layer": 1,
    }


def fts_ids(db, word: str) -> list[str]:
    return [
        r["id"]
        for r in db.query(
            "select p.id from pages_fts join pages p on p.rowid = pages_fts.rowid where pages_fts match ? order by p.id",
            [word],
        )
    ]


def test_open_applies_migrations_once(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "qmarchive.db"
    store.open_database(path)
    db = store.open_database(path)
    assert {"documents", "pages", "sections", "ingest_runs", "ingest_log", "pages_fts", "pages_trigram"} <= set(
        db.table_names()
    )
    assert [r["name"] for r in db.query("select name from _sqlite_migrations")] == [
        "m001_initial",
        "m002_topics",
        "m003_provenance",
        "m004_ocr",
        "m005_withdrawal",
        "m006_versions",
        "m007_page_labels",
        "m009_place",
        "m011_massnahmen",
        "m012_german_fts",
        "m013_urn",
        "m014_best_pages",
        "m015_best_pages_matches",
        "m016_archive_state",
    ]
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"  # a server reads while ingest writes


def test_replacing_a_document_keeps_both_indexes_in_step(tmp_path: Path) -> None:
    db = store.open_database(tmp_path / "q.db")
    store.write_document(
        db, document(), [page("ihek-2012", 1, "Spielplatzsanierung"), page("ihek-2012", 2, "Öffentlicher Raum")], []
    )
    assert fts_ids(db, "offentlicher") == ["ihek-2012/2"]
    trigram = [r[0] for r in db.execute("select rowid from pages_trigram where pages_trigram match 'sanierung'")]
    assert len(trigram) == 1
    store.write_document(db, document(page_count=1), [page("ihek-2012", 1, "Grünfläche")], [])
    assert fts_ids(db, "offentlicher") == []
    assert fts_ids(db, "grunflache") == ["ihek-2012/1"]
    assert db.execute("select count(*) from pages_trigram where pages_trigram match 'sanierung'").fetchone()[0] == 0
    db.execute("insert into pages_fts(pages_fts) values('integrity-check')")
    db.execute("insert into pages_trigram(pages_trigram) values('integrity-check')")


def test_a_failed_write_leaves_the_stored_version_whole(tmp_path: Path) -> None:
    db = store.open_database(tmp_path / "q.db")
    store.write_document(db, document(), [page("ihek-2012", 1, "alt eins"), page("ihek-2012", 2, "alt zwei")], [])
    broken = [page("ihek-2012", 1, "neu eins"), page("ihek-2012", 1, "doppelt")]
    with pytest.raises(StoreError, match="document 'ihek-2012' was not stored, the previous version is kept"):
        store.write_document(db, document(sha256="b" * 64), broken, [])
    assert [r["text"] for r in db.query("select text from pages order by page_number")] == ["alt eins", "alt zwei"]
    assert db["documents"].get("ihek-2012")["sha256"] == "a" * 64
    assert fts_ids(db, "alt") == ["ihek-2012/1", "ihek-2012/2"]


def test_page_topics_are_replaced_with_their_document_or_not_at_all(tmp_path: Path) -> None:
    db = store.open_database(tmp_path / "q.db")
    store.write_document(
        db,
        document(),
        [page("ihek-2012", 1, "a"), page("ihek-2012", 2, "b")],
        [],
        [{"page_id": "ihek-2012/1", "topic_id": "bildung"}, {"page_id": "ihek-2012/2", "topic_id": "klimaanpassung"}],
    )
    store.write_document(
        db, document("ihek-2010"), [page("ihek-2010", 1, "c")], [], [{"page_id": "ihek-2010/1", "topic_id": "bildung"}]
    )
    assert db["topics"].count == 7
    broken = [page("ihek-2012", 1, "neu"), page("ihek-2012", 1, "doppelt")]
    with pytest.raises(StoreError):
        store.write_document(
            db, document(sha256="b" * 64), broken, [], [{"page_id": "ihek-2012/1", "topic_id": "oeffentlicher-raum"}]
        )

    def pairs() -> list[tuple]:
        return [tuple(r) for r in db.execute("select page_id, topic_id from page_topics order by 1, 2")]

    assert pairs() == [("ihek-2010/1", "bildung"), ("ihek-2012/1", "bildung"), ("ihek-2012/2", "klimaanpassung")]
    store.write_document(
        db,
        document(page_count=1),
        [page("ihek-2012", 1, "neu")],
        [],
        [{"page_id": "ihek-2012/1", "topic_id": "oeffentlicher-raum"}],
    )
    assert pairs() == [("ihek-2010/1", "bildung"), ("ihek-2012/1", "oeffentlicher-raum")]


def test_a_snapshot_reads_one_committed_state_until_it_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = store.open_database(path)
    store.write_document(db, document(), [page("ihek-2012", 1, "Spielplatz"), page("ihek-2012", 2, "Grünfläche")], [])
    reader = store.open_read_only(path)
    assert fts_ids(reader, "spielplatz") == ["ihek-2012/1"]
    store.write_document(db, document(page_count=1), [page("ihek-2012", 1, "Grünfläche")], [])
    assert fts_ids(reader, "spielplatz") == ["ihek-2012/1"]  # the state of its first read
    assert reader.execute("SELECT count(*) FROM pages").fetchone()[0] == 2
    assert fts_ids(store.open_read_only(path), "spielplatz") == []
    reader.close()


def test_a_copy_made_while_reading_is_of_the_state_read(tmp_path: Path) -> None:
    """package and publish list the documents, copy their files, then copy the database: one state."""
    from qmarchive import package

    path = tmp_path / "q.db"
    db = store.open_database(path)
    store.write_document(db, document(), [page("ihek-2012", 1, "Spielplatz")], [])
    reader = store.open_read_only(path)
    assert fts_ids(reader, "spielplatz") == ["ihek-2012/1"]
    store.write_document(db, document(), [page("ihek-2012", 1, "Grünfläche")], [])
    package.backup_database(reader.conn, tmp_path / "copy.db")
    reader.close()
    assert fts_ids(store.open_read_only(tmp_path / "copy.db"), "spielplatz") == ["ihek-2012/1"]
