"""The database schema, as named migrations that run whenever the database is opened for writing.

Never edit an applied migration: add a new one. Everything in the database is derived from the archive
(PDFs and catalog) and can be rebuilt with ``qmarchive ingest`` into an empty index directory.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("qmarchive")

# unicode61 with remove_diacritics 2 lets "offentlich" find "öffentlich"; the trigram index finds
# substrings inside compounds ("sanierung" in "Spielplatzsanierung").
FTS_INDEXES = {
    "pages_fts": "unicode61 remove_diacritics 2",
    "pages_trigram": "trigram",
}


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            area TEXT,
            title TEXT NOT NULL,
            doc_type TEXT NOT NULL,
            period_start INTEGER,
            period_end INTEGER,
            published TEXT,
            publisher TEXT,
            license TEXT,
            notes TEXT,
            source_url TEXT,
            landing_url TEXT,
            catalogued INTEGER NOT NULL,
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            page_count INTEGER NOT NULL,
            pages_without_text INTEGER NOT NULL,
            pdf_title TEXT,
            pdf_author TEXT,
            pdf_subject TEXT,
            pdf_keywords TEXT,
            pdf_creator TEXT,
            pdf_producer TEXT,
            pdf_created TEXT,
            pdf_modified TEXT,
            pdf_encrypted INTEGER NOT NULL,
            extractor TEXT NOT NULL,
            extractor_version TEXT NOT NULL,
            extraction_version TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE pages (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            page_number INTEGER NOT NULL,
            page_label TEXT NOT NULL,
            section TEXT,
            text TEXT NOT NULL,
            running_text TEXT NOT NULL,
            chars INTEGER NOT NULL,
            text_sha256 TEXT NOT NULL,
            has_text_layer INTEGER NOT NULL,
            UNIQUE (document_id, page_number)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE sections (
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            position INTEGER NOT NULL,
            title TEXT NOT NULL,
            level INTEGER NOT NULL,
            first_page INTEGER NOT NULL,
            last_page INTEGER NOT NULL,
            UNIQUE (document_id, position)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE ingest_runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            archive TEXT NOT NULL,
            extractor TEXT NOT NULL,
            ingested INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            missing INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute(
        """
        CREATE TABLE ingest_log (
            id INTEGER PRIMARY KEY,
            run_id INTEGER NOT NULL REFERENCES ingest_runs(id),
            document_id TEXT,
            file TEXT NOT NULL,
            sha256 TEXT,
            status TEXT NOT NULL,
            error_class TEXT,
            message TEXT,
            pages INTEGER,
            seconds REAL,
            logged_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_sections_document ON sections(document_id)")
    db.execute("CREATE INDEX idx_ingest_log_run ON ingest_log(run_id)")
    for name, tokenizer in FTS_INDEXES.items():
        _create_page_fts(db, name, tokenizer)


def _create_page_fts(db: Database, name: str, tokenizer: str) -> None:
    """An external-content FTS5 index over ``pages.text``, kept in step by triggers."""
    db.execute(
        f"CREATE VIRTUAL TABLE {name} USING fts5(text, content='pages', content_rowid='rowid', tokenize='{tokenizer}')"
    )
    remove_old = f"INSERT INTO {name}({name}, rowid, text) VALUES ('delete', old.rowid, old.text);"
    add_new = f"INSERT INTO {name}(rowid, text) VALUES (new.rowid, new.text);"
    db.execute(f"CREATE TRIGGER {name}_ai AFTER INSERT ON pages BEGIN {add_new} END")
    db.execute(f"CREATE TRIGGER {name}_ad AFTER DELETE ON pages BEGIN {remove_old} END")
    db.execute(f"CREATE TRIGGER {name}_au AFTER UPDATE ON pages BEGIN {remove_old} {add_new} END")


@migrations()
def m002_topics(db: Database) -> None:
    """Fields of action (Handlungsfelder) and which pages treat them; filled from ``topics_lexicon.json``."""
    db.execute(
        """
        CREATE TABLE topics (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            since INTEGER,
            until INTEGER,
            historical_names TEXT NOT NULL,
            lexicon_version INTEGER NOT NULL
        )
        """
    )
    db.execute(
        """
        CREATE TABLE page_topics (
            page_id TEXT NOT NULL REFERENCES pages(id),
            topic_id TEXT NOT NULL REFERENCES topics(id),
            PRIMARY KEY (page_id, topic_id)
        )
        """
    )
    db.execute("CREATE INDEX idx_page_topics_topic ON page_topics(topic_id)")


@migrations()
def m003_provenance(db: Database) -> None:
    """Where each archived file came from: one row per download attempt, copied from ``provenance.jsonl``."""
    db.execute(
        """
        CREATE TABLE provenance (
            id INTEGER PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            file TEXT,
            requested_url TEXT,
            final_url TEXT,
            status INTEGER,
            last_modified TEXT,
            etag TEXT,
            content_type TEXT,
            bytes INTEGER,
            sha256 TEXT,
            started_at TEXT,
            finished_at TEXT,
            outcome TEXT NOT NULL,
            message TEXT,
            attempt INTEGER,
            tool_version TEXT
        )
        """
    )
    db.execute("CREATE INDEX idx_provenance_document ON provenance(document_id)")


@migrations()
def m004_ocr(db: Database) -> None:
    """OCR of pages without usable text: flags and engine per page, and a cache of results by page content.

    ``needs_ocr`` is set for stored pages without a text layer or with garbage text, so that the next
    ``ingest`` OCRs just the documents that have such pages. ``ocr_mode`` says what the stored document
    was ingested with ('never' before OCR existed).
    """
    from qmarchive.textnorm import usable_text

    for statement in (
        "ALTER TABLE pages ADD COLUMN needs_ocr INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE pages ADD COLUMN ocr INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE pages ADD COLUMN ocr_engine TEXT",
        "ALTER TABLE pages ADD COLUMN ocr_confidence REAL",
        "ALTER TABLE documents ADD COLUMN pages_ocr INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE documents ADD COLUMN ocr_mode TEXT NOT NULL DEFAULT 'never'",
    ):
        db.execute(statement)
    unusable = [rowid for rowid, text in db.execute("SELECT rowid, text FROM pages") if not usable_text(text)]
    db.conn.executemany("UPDATE pages SET needs_ocr = 1 WHERE rowid = ?", [(rowid,) for rowid in unusable])
    db.execute(
        """
        CREATE TABLE ocr_cache (
            content_sha256 TEXT NOT NULL,
            pipeline TEXT NOT NULL,
            text TEXT NOT NULL,
            confidence REAL,
            engine TEXT NOT NULL,
            dpi INTEGER NOT NULL,
            seconds REAL NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (content_sha256, pipeline)
        )
        """
    )


@migrations()
def m005_withdrawal(db: Database) -> None:
    """Withdrawn documents: what is kept of each (metadata, the SHA-256 it had) and when, by whom and why it
    was withdrawn; the act itself is also in the archive's provenance log. Ingest runs count the catalogued
    documents they left out because they are withdrawn."""
    db.execute(
        """
        CREATE TABLE withdrawals (
            document_id TEXT PRIMARY KEY,
            title TEXT,
            doc_type TEXT,
            area TEXT,
            period_start INTEGER,
            period_end INTEGER,
            published TEXT,
            publisher TEXT,
            file TEXT,
            sha256 TEXT,
            bytes INTEGER,
            page_count INTEGER,
            withdrawn_at TEXT NOT NULL,
            withdrawn_by TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """
    )
    db.execute("ALTER TABLE ingest_runs ADD COLUMN withdrawn INTEGER NOT NULL DEFAULT 0")


@migrations()
def m006_versions(db: Database) -> None:
    """Every accepted file of a document: its fixity baseline and each version that replaced it.

    A database from before keeps its documents as version 1, without a kept copy (``kept_file`` NULL): the
    next ``ingest`` of an unchanged file keeps one. ``page_labels`` (JSON) is filled when a version is
    replaced, so that its pages can still be cited by their printed labels.
    """
    db.execute(
        """
        CREATE TABLE document_versions (
            document_id TEXT NOT NULL REFERENCES documents(id),
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            page_count INTEGER,
            page_labels TEXT,
            kept_file TEXT,
            accepted_at TEXT NOT NULL,
            replaced_at TEXT,
            reason TEXT,
            accepted_by TEXT,
            command TEXT,
            PRIMARY KEY (document_id, version)
        )
        """
    )
    db.execute("CREATE INDEX idx_document_versions_sha256 ON document_versions(document_id, sha256)")
    db.execute(
        "INSERT INTO document_versions (document_id, version, sha256, bytes, page_count, accepted_at, reason) "
        "SELECT id, 1, sha256, bytes, page_count, ingested_at, 'ingested before versions were recorded' FROM documents"
    )


@migrations()
def m007_page_labels(db: Database) -> None:
    """Where each page label comes from, and the word a page's hyphenated end makes with the next page.

    ``page_label_source``: 'pagelabels' (the PDF's /PageLabels), 'printed' (read from the running header or
    footer) or 'physical' (neither: the label is the physical page number). Rows stored before this are
    marked from what they hold until the next ingest extracts them again (the text pipeline version
    changed): a label other than the physical number came from /PageLabels.
    """
    db.execute("ALTER TABLE pages ADD COLUMN page_label_source TEXT NOT NULL DEFAULT 'physical'")
    db.execute("ALTER TABLE pages ADD COLUMN continuation TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE pages SET page_label_source = 'pagelabels' WHERE page_label != CAST(page_number AS TEXT)")


@migrations()
def m009_place(db: Database) -> None:
    """The place a document belongs to (the catalog's ``place``), named in citations and Dublin Core.

    Left empty for stored documents: the next ingest fills it from the catalog, and a document
    without a place is cited without one.
    """
    db.execute("ALTER TABLE documents ADD COLUMN place TEXT")


@migrations()
def m011_massnahmen(db: Database) -> None:
    """Measures and funds found on the pages (see ``qmarchive.measures``); filled when a document is ingested.

    A database from before has the table empty until its documents are ingested again.
    """
    db.execute(
        """
        CREATE TABLE massnahmen (
            id INTEGER PRIMARY KEY,
            page_id TEXT NOT NULL REFERENCES pages(id),
            document_id TEXT NOT NULL REFERENCES documents(id),
            page_number INTEGER NOT NULL,
            text TEXT NOT NULL,
            amount_eur REAL NOT NULL,
            fund TEXT,
            years TEXT,
            topic_id TEXT REFERENCES topics(id),
            method TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX idx_massnahmen_document ON massnahmen(document_id)")


@migrations()
def m012_german_fts(db: Database) -> None:
    """German search in SQLite: the pages' words as pre-analysed terms in FTS5 (``pages_german``), the
    ``lexicon`` of every word's terms and the version they were made with; see
    :mod:`qmarchive.search.german_terms`. Filled by ingest, or by ``qmarchive index`` for pages stored before."""
    db.execute(
        "CREATE VIRTUAL TABLE pages_german USING fts5(text, parts, section, title, tokenize='unicode61 remove_diacritics 0')"
    )
    db.execute("INSERT INTO pages_german(pages_german, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)')")
    db.execute(
        "CREATE TRIGGER pages_german_ad AFTER DELETE ON pages BEGIN DELETE FROM pages_german WHERE rowid = old.rowid; END"
    )
    db.execute(
        "CREATE TABLE lexicon (word TEXT PRIMARY KEY, stem TEXT NOT NULL, parts TEXT NOT NULL, split TEXT NOT NULL) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX idx_lexicon_stem ON lexicon(stem)")
    db.execute(
        "CREATE TABLE german_terms_state (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL, built_at TEXT NOT NULL, seconds REAL)"
    )


@migrations()
def m013_urn(db: Database) -> None:
    """A persistent identifier per document (URN such as urn:nbn:de:…, or a DOI), from the catalog's urn column."""
    db.execute("ALTER TABLE documents ADD COLUMN urn TEXT")


@migrations()
def m014_best_pages(db: Database) -> None:
    """The best pages of the most frequent words of ``pages_german`` (:mod:`qmarchive.search.best_pages`) and
    whether they are current: any change of the pages or of their German terms marks them stale, until the
    writing command lists them again."""
    db.execute(
        "CREATE TABLE best_pages (match TEXT NOT NULL, position INTEGER NOT NULL, page_rowid INTEGER NOT NULL,"
        " score REAL NOT NULL, PRIMARY KEY (match, position)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TABLE best_pages_state (id INTEGER PRIMARY KEY CHECK (id = 1), fresh INTEGER NOT NULL,"
        " size INTEGER, terms INTEGER, lists INTEGER, built_at TEXT, seconds REAL)"
    )
    db.execute("INSERT INTO best_pages_state (id, fresh) VALUES (1, 0)")
    stale = "BEGIN UPDATE best_pages_state SET fresh = 0 WHERE fresh = 1; END"
    for event, table in (("INSERT", "pages"), ("DELETE", "pages"), ("UPDATE", "pages"),
                         ("INSERT", "german_terms_state"), ("UPDATE", "german_terms_state")):  # fmt: skip
        db.execute(f"CREATE TRIGGER best_pages_stale_{table}_{event.lower()} AFTER {event} ON {table} {stale}")


@migrations()
def m015_best_pages_matches(db: Database) -> None:
    """Every match of each listed expression, as a compressed mask by rowid, kept and made stale with the
    lists (:func:`qmarchive.search.best_pages.matched`); the lists are marked stale, so that the command
    that migrates lists them again with their matches."""
    db.execute("CREATE TABLE best_pages_matches (match TEXT PRIMARY KEY, mask BLOB NOT NULL)")
    db.execute("UPDATE best_pages_state SET fresh = 0")


@migrations()
def m016_archive_state(db: Database) -> None:
    """A number raised by every change of the pages, their documents, their Handlungsfelder or their German
    terms' state. A reader reads it in its own transaction, so what it keeps in memory from one state (the
    search facets) is never taken for another's: the files' sizes and times, read outside the transaction,
    can already tell of a write that the reader's snapshot does not hold."""
    db.execute("CREATE TABLE archive_state (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL)")
    db.execute("INSERT INTO archive_state (id, generation) VALUES (1, 1)")
    raise_it = "BEGIN UPDATE archive_state SET generation = generation + 1; END"
    for table in ("pages", "documents", "page_topics", "german_terms_state"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(f"CREATE TRIGGER archive_state_{table}_{event.lower()} AFTER {event} ON {table} {raise_it}")
