"""German search in SQLite (engine "german"): terms stored at ingest, queries analysed into FTS5 MATCH,
the lexicon, the thesaurus, and Datasette's canned query and table search."""

from pathlib import Path

import pytest
from sqlite_utils import Database

from conftest import ingested, write_documents
from pdfmaker import Spec
from qmarchive import search, store
from qmarchive.errors import FilterValueError, SearchIndexError
from qmarchive.paths import Paths
from qmarchive.search import german_fts, german_terms
from qmarchive.serve import build_datasette

PAGES = [
    ["Spiel und Bewegung", "Die Spielplätze im Quartier werden erneuert."],
    ["Beteiligung", "Viele Bewohner*innen beteiligen sich am Quartiersrat."],
    ["Bildung", "Die Kindertagesstätte am Anger erweitert ihre Öffnungszeiten."],
    ["Gesundheit", "Einsamkeit im Alter ist ein wichtiges Thema.", "Am Spielplatz Kastanienallee gibt es Bänke."],
    ["Familien", "Die Kita Sonnenschein öffnet im Herbst eine neue Gruppe."],
]
BROCHURE = [["Rückblick", "Die Spielplatzsanierung war ein Erfolg der Nachbarschaft."]]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Paths:
    outline = [(body[0], 0, n) for n, body in enumerate(PAGES)]
    return ingested(tmp_path_factory.mktemp("german"), [
        ({"id": "ihek-2019", "title": "IHEK 2019", "doc_type": "ihek", "period_start": "2019"},
         Spec(pages=PAGES, outline=outline, title="IHEK 2019")),
        ({"id": "broschuere-2021", "title": "Spielplatz-Broschüre", "doc_type": "broschuere", "period_start": "2021"},
         Spec(pages=BROCHURE, title="Broschüre 2021")),
    ])  # fmt: skip


@pytest.fixture
def db(archive: Paths) -> Database:
    return store.open_existing(archive.database)


def ids(db: Database, query: str, **options) -> list[str]:
    return sorted(hit.page_id for hit in search.run(db, Path("unused"), query, engine="german", **options).hits)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Spielplatz", ["broschuere-2021/1", "ihek-2019/1", "ihek-2019/4"]),  # plural, compound, word
        ("Spielplätze", ["broschuere-2021/1", "ihek-2019/1", "ihek-2019/4"]),
        ("Bewohner", ["ihek-2019/2"]),  # Bewohner*innen
        ("Bewohnerinnen", ["ihek-2019/2"]),
        ("Sanierung", ["broschuere-2021/1"]),  # a compound's part
        ("oeffnungszeiten", ["ihek-2019/3"]),  # transliterated umlaut
        ('"Einsamkeit im Alter"', ["ihek-2019/4"]),  # phrase with a stopword
        ('"Alter Einsamkeit"', []),  # the words, but not in this order
        ("Sicherheit", []),  # stemmed to "sich", which page 2 has only as the stopword
        ("Spielpl*", ["broschuere-2021/1", "ihek-2019/1", "ihek-2019/4"]),  # prefix
        ("Spielplatz NOT Bänke", ["broschuere-2021/1", "ihek-2019/1"]),
        ("Spielplatz NICHT Bänke", ["broschuere-2021/1", "ihek-2019/1"]),
        ("Quartiersrat OR Kindertagesstätte", ["ihek-2019/2", "ihek-2019/3", "ihek-2019/5"]),  # and its synonym Kita
        ("Quartiersrat ODER Kindertagesstätte", ["ihek-2019/2", "ihek-2019/3", "ihek-2019/5"]),
        ("Spielplatz typ:broschuere", ["broschuere-2021/1"]),
        ("Spielplatz jahr:2019", ["ihek-2019/1", "ihek-2019/4"]),
        ("Spielplatz jahr:[2020 TO 2024]", ["broschuere-2021/1"]),
        ("jahr:2021", ["broschuere-2021/1"]),  # filters alone: every page they allow
        ("Spielplatz NICHT typ:ihek", ["broschuere-2021/1"]),
        ("Kita", ["ihek-2019/3", "ihek-2019/5"]),  # thesaurus: Kindertagesstätte
        ("abschnitt:Beteiligung", ["ihek-2019/2"]),
        ("Broschüre", []),  # in a document title only: no page is found for its title alone
        ("titel:Broschüre", ["broschuere-2021/1"]),
        ('" AND ( NEAR col:wert *', []),  # nothing FTS5 could choke on
        ("", []),
    ],
)
def test_german_engine_understands_german(db: Database, query: str, expected: list[str]) -> None:
    assert ids(db, query) == expected


def test_filters_facets_and_snippets(db: Database) -> None:
    result = search.run(db, Path("unused"), "Spielplatz", engine="german", filters={"typ": ["IHEK"]})
    assert [hit.page_id for hit in result.hits] == ["ihek-2019/1", "ihek-2019/4"] or [
        hit.page_id for hit in result.hits
    ] == ["ihek-2019/4", "ihek-2019/1"]
    assert result.total == 2 and result.engine == "german"
    assert result.facets["typ"] == [("ihek", 2)]
    assert result.facets["jahr"] == [("2019", 2)]
    first = {hit.page_id: hit.snippet for hit in result.hits}
    assert first["ihek-2019/1"] == "Spiel und Bewegung\nDie <mark>Spielplätze</mark> im Quartier werden erneuert."
    everything = search.run(db, Path("unused"), "Spielplatz", engine="german")
    assert everything.facets["typ"] == [("ihek", 2), ("broschuere", 1)]
    assert everything.facets["dokument"] == [("ihek-2019", 2), ("broschuere-2021", 1)]


def test_a_snippet_reads_each_word_of_the_lexicon_once(db: Database) -> None:
    """german_snippet (the canned query's 200 rows) keeps the words it has read, stopwords too (they have
    no lexicon entry): the same page again reads nothing."""
    functions = german_fts.SqlFunctions(db.conn)
    text = "Die Spielplätze im Quartier werden in diesem Jahr erneuert."
    first = functions.snippet(text, "Spielplatz")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        again = functions.snippet(text, "Spielplatz")
    finally:
        db.conn.set_trace_callback(None)
    assert again == first == "Die <mark>Spielplätze</mark> im Quartier werden in diesem Jahr erneuert."
    assert statements == []


def test_the_typed_word_ranks_before_its_synonyms(db: Database) -> None:
    for typed, first in (("Kita", "ihek-2019/5"), ("Kindertagesstätte", "ihek-2019/3")):
        hits = search.run(db, Path("unused"), typed, engine="german").hits
        assert [hit.page_id for hit in hits][0] == first, typed
        assert hits[0].score > hits[1].score


def test_filter_values_are_named_as_whoosh_takes_them(db: Database) -> None:
    assert ids(db, "Spielplatz typ:Broschüre") == ["broschuere-2021/1"]
    result = search.run(db, Path("unused"), "Spielplatz", engine="german", filters={"typ": ["IHEK"]})
    assert result.filters == {"typ": ["ihek"]}
    with pytest.raises(FilterValueError, match="unknown typ 'unbekannt'"):
        search.run(db, Path("unused"), "Spielplatz typ:unbekannt", engine="german")


def test_pages_of_hits(db: Database) -> None:
    second = search.run(db, Path("unused"), "Spielplatz", engine="german", page=2, pagelen=2)
    assert (second.page, second.pages, [hit.rank for hit in second.hits]) == (2, 2, [3])
    past = search.run(db, Path("unused"), "Spielplatz", engine="german", page=9, pagelen=2)
    assert (past.page, past.pages, past.hits, past.total) == (9, 2, [], 3)  # /-/suche shows the last page


def test_lexicon_lets_plain_sql_analyse_a_query(db: Database) -> None:
    assert db.execute("SELECT stem, split FROM lexicon WHERE word = 'spielplätze'").fetchone() == (
        "spielplatz",
        "spiel platz",
    )
    assert (
        db.execute("SELECT stem FROM lexicon WHERE word = 'bewohner*innen'").fetchone() is None
    )  # keys are gender-neutral
    assert db.execute("SELECT stem FROM lexicon WHERE word = 'bewohner'").fetchone() == ("bewohn",)
    rows = db.execute(
        "SELECT p.id FROM pages_german JOIN pages p ON p.rowid = pages_german.rowid "
        "WHERE pages_german MATCH 'text: ' || (SELECT stem FROM lexicon WHERE word = 'spielplätze') ORDER BY p.id"
    ).fetchall()
    assert rows == [("ihek-2019/1",), ("ihek-2019/4",)]


def test_terms_follow_the_pages(archive: Paths, tmp_path: Path) -> None:
    db = store.open_existing(archive.database)
    pages = db.execute("SELECT count(*) FROM pages").fetchone()[0]
    assert db.execute("SELECT count(*) FROM pages_german").fetchone()[0] == pages == 6
    assert german_terms.rebuild_if_needed(db) == 0
    copy = Database(tmp_path / "copy.db")
    db.conn.backup(copy.conn)
    copy.execute("DELETE FROM pages WHERE document_id = 'broschuere-2021'")
    assert copy.execute("SELECT count(*) FROM pages_german").fetchone()[0] == 5
    copy.execute("UPDATE german_terms_state SET version = '0.0'")
    assert german_terms.rebuild_if_needed(copy) == 5
    assert german_terms.stored_version(copy) == german_terms.version()
    assert ids(copy, "Spielplatz") == ["ihek-2019/1", "ihek-2019/4"]


def test_a_database_that_cannot_be_searched_says_why(archive: Paths, tmp_path: Path) -> None:
    """Read as a served file is, without migrating: an older version's file names what it lacks."""
    older = tmp_path / "older.db"
    with store.open_existing(archive.database) as db, Database(older) as copy:
        db.conn.backup(copy.conn)
        copy.execute("DROP TABLE archive_state")
        copy.execute("DELETE FROM _sqlite_migrations WHERE name = 'm016_archive_state'")
        copy.conn.commit()
    with pytest.raises(SearchIndexError, match=r"older\.db: made by an older version of qmarchive \(missing "
                       r"m016_archive_state\); run 'qmarchive index' once"):  # fmt: skip
        search.run(store.open_read_only(older, check_schema=False), Path("unused"), "Spielplatz", engine="german")
    unindexed = tmp_path / "unindexed.db"
    with store.open_existing(archive.database) as db, Database(unindexed) as copy:
        db.conn.backup(copy.conn)
        copy.execute("DROP TABLE german_terms_state")
        copy.conn.commit()
    with pytest.raises(SearchIndexError, match=r"unindexed\.db: no German search terms \(no such table: "
                       r"german_terms_state\); run 'qmarchive index'"):  # fmt: skip
        search.run(store.open_read_only(unindexed, check_schema=False), Path("unused"), "Spielplatz", engine="german")


def test_thesaurus_is_versioned_and_consistent() -> None:
    thesaurus = german_fts.thesaurus()
    assert thesaurus.version >= 1
    stems = [entry for group in thesaurus.groups for entry in group]
    assert len(stems) == len(set(stems)), "a word in two groups"
    assert all(len(group) >= 2 for group in thesaurus.groups)
    assert ("kindertagesstatt",) in thesaurus.alternatives("kita")
    assert ("quartiersmanagement",) in thesaurus.alternatives("qm")
    assert thesaurus.alternatives("spielplatz") == []


def test_query_becomes_a_match_expression() -> None:
    def lookup(word):
        return german_terms.analyse(word, None)

    query = german_fts.parse('Bewohner "im Alter" Spiel* NICHT Schule jahr:2019', lookup)
    assert query.match == (
        '({text parts}: "bewohn" AND {text}: "im0 alt" AND {text parts}: "spiel"*) NOT ({text parts}: "schul")'
    )
    assert query.filters == {"jahr": ["2019"]}
    assert german_fts.parse("und oder", lookup).match == german_fts.NOTHING


@pytest.fixture
def ds(archive: Paths):
    return build_datasette(archive.database)


async def canned(ds, query: str) -> list[dict]:
    response = await ds.client.get("/qmarchive/suche.json", params={"q": query, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_canned_query_understands_german(ds) -> None:
    found = await canned(ds, "Spielplatz")
    assert sorted(row["seiten_id"] for row in found) == ["broschuere-2021/1", "ihek-2019/1", "ihek-2019/4"]
    snippets = {row["seiten_id"]: row["textauszug"] for row in found}
    assert snippets["ihek-2019/1"] == "Spiel und Bewegung\nDie <mark>Spielplätze</mark> im Quartier werden erneuert."
    assert [row["seiten_id"] for row in await canned(ds, "Spielplätze")] != []
    assert "ihek-2019/4" in [row["seiten_id"] for row in await canned(ds, "Spielplätze")]  # says "Spielplatz"
    [bewohner] = await canned(ds, "Bewohner")
    assert bewohner["seiten_id"] == "ihek-2019/2"
    assert "<mark>Bewohner*innen</mark>" in bewohner["textauszug"]


async def test_table_search_and_sql_functions(ds) -> None:
    response = await ds.client.get("/qmarchive/pages.json", params={"_search": "Kita", "_shape": "array", "_col": "id"})
    assert [row["id"] for row in response.json()] == ["ihek-2019/3", "ihek-2019/5"]
    sql = "select german_match(:q) as m"
    response = await ds.client.get("/qmarchive.json", params={"sql": sql, "q": "Spielplätze", "_shape": "array"})
    assert response.json() == [{"m": '{text parts}: ("spielplatz" OR ("spiel" AND "platz"))'}]


# --- many matches: ranking reads only the best, facets count on masks ---------------------------------


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Database:
    """150 pages that all say "Spielplatz": the last page written says it most often; a document written
    again gets new rowids after the others (its pages are not one run of rowids any more)."""
    db = store.open_database(tmp_path_factory.mktemp("many") / "qmarchive.db")
    filler = "Die Nachbarschaft trifft sich im Stadtteilzentrum und bespricht den Haushalt des Jahres. "
    pages = {
        f"dok-{d}": [(f"Spielplatz {filler * (1 + (d * 50 + n) % 7)}", ("bildung",) if n % 3 else ())
                     for n in range(50)]
        for d in range(3)
    }  # fmt: skip
    pages["dok-2"][-1] = ("Spielplatz Spielplatz Spielplatz Spielplatz am Spielplatz.", ("gesundheit-bewegung",))
    write_documents(db, pages)
    write_documents(db, {"dok-0": pages["dok-0"]})  # dok-0 again: rowids 151–200, after dok-2's
    return db


def test_the_best_page_is_found_where_ever_it_stands(many: Database) -> None:
    result = search.run(many, Path("unused"), "Spielplatz", engine="german")
    assert result.total == 150 and result.hits[0].page_id == "dok-2/50"
    # Page 15 of 10 reaches past the 100 best that are re-ranked: the pages in turn are one ranking.
    one = search.run(many, Path("unused"), "Spielplatz", engine="german", pagelen=150).hits
    in_turn = [hit for page in range(1, 16) for hit in search.run(many, Path("unused"), "Spielplatz",
               engine="german", page=page, pagelen=10).hits]  # fmt: skip
    assert [(h.page_id, h.rank) for h in in_turn] == [(h.page_id, h.rank) for h in one]
    assert len({h.page_id for h in one}) == 150 and [h.score for h in one] == sorted(
        (h.score for h in one), reverse=True
    )
    filtered = search.run(many, Path("unused"), "Spielplatz", engine="german", filters={"dokument": ["dok-2"]})
    assert filtered.total == 50 and filtered.hits[0].page_id == "dok-2/50"


def test_a_filter_keeps_the_order_of_all_matches(many: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A filter leaving a third of the matches (their bm25 computed alone) or two thirds (FTS5 ranks
    every match) gives the pages it allows in the order of the search without it, beyond the best pages
    re-ranked as well (10 of them here, so that the 50 of a document are more than that)."""
    monkeypatch.setattr(german_fts, "PHRASE_BONUS_CANDIDATES", 10)
    every = search.run(many, Path("unused"), "Spielplatz", engine="german", pagelen=150).hits
    for filters, allowed in (({"dokument": ["dok-2"]}, ("dok-2/",)), ({"typ": ["ihek"]}, ("dok-0/", "dok-2/"))):
        filtered = search.run(many, Path("unused"), "Spielplatz", engine="german", filters=filters, pagelen=100)
        expected = [(h.page_id, h.score) for h in every if h.page_id.startswith(allowed)]
        assert filtered.total == len(expected) and len(expected) in (50, 100)
        assert [(h.page_id, h.score) for h in filtered.hits] == expected


def test_facets_count_every_match_by_page(many: Database) -> None:
    result = search.run(many, Path("unused"), "Spielplatz", engine="german")
    assert result.facets["dokument"] == [("dok-0", 50), ("dok-1", 50), ("dok-2", 50)]
    assert result.facets["jahr"] == [("2010", 50), ("2011", 50), ("2012", 50)]
    assert result.facets["typ"] == [("ihek", 100), ("broschuere", 50)]
    assert result.facets["feld"] == [("bildung", 98), ("gesundheit-bewegung", 1)]  # 33 a document, dok-2/50 replaced
    without = search.run(many, Path("unused"), "Spielplatz NICHT feld:bildung NICHT dokument:dok-1", engine="german")
    assert without.total == 35 and without.facets["feld"] == [("gesundheit-bewegung", 1)]
    assert without.facets["dokument"] == [("dok-2", 18), ("dok-0", 17)]
    both = search.run(
        many, Path("unused"), "Spielplatz feld:gesundheit-bewegung", engine="german", filters={"typ": ["ihek"]}
    )
    assert (both.total, [hit.page_id for hit in both.hits]) == (1, ["dok-2/50"])


def test_page_filters_narrow_the_matches_and_their_facets(many: Database) -> None:
    page_50 = search.run(many, Path("unused"), "Spielplatz seite:50", engine="german")
    assert page_50.total == 3 and page_50.hits[0].page_id == "dok-2/50"
    assert page_50.facets["dokument"] == [("dok-0", 1), ("dok-1", 1), ("dok-2", 1)]
    assert search.run(many, Path("unused"), "Spielplatz NICHT seite:50", engine="german").total == 147
    alone = search.run(many, Path("unused"), "seite:50 typ:ihek", engine="german", pagelen=5)
    assert sorted(hit.page_id for hit in alone.hits) == ["dok-0/50", "dok-2/50"] and alone.total == 2
