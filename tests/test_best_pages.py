"""Lists of the best pages of frequent words: a query of one frequent word, or of several, is ranked from
the lists exactly as from every match (hits, scores, totals, facets, filters, later pages), the lists are never read once the
pages or their terms changed, every writing command lists them again, and a live server answers as the
CLI does while the archive changes beside it. The sample archive stands in for a large one: words on 50
of its 174 pages count as frequent here, and a list holds 120 pages."""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import cli_args
from harness import child_server
from qmarchive import search, store
from qmarchive.cli import cli
from qmarchive.paths import Paths
from qmarchive.search import best_pages, german_fts, german_terms

pytestmark = pytest.mark.slow  # the sample archive is copied and listed, seconds

QUERIES = ["Quartier", "Bewohner", "Quartiersrat", "Projekt", "Angebote"]
# Several frequent words, all required or some of them: ranked from their words' lists (the threshold algorithm).
SEVERAL = ["Quartier Bewohner", "Quartiersrat Bewohner", "Bewohner Angebote Quartier", "Quartier ODER Projekt"]
FILTERS = [{}, {"typ": ["ihek"]}, {"jahr": ["2019"]}, {"feld": ["bildung"]}]


@pytest.fixture
def listed(samples: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A private copy of the built sample archive with lists for the words on at least 50 of its pages."""
    monkeypatch.setattr(best_pages, "FREQUENT", 50)
    monkeypatch.setattr(best_pages, "LISTED", 120)
    paths = Paths(tmp_path / "archive", tmp_path / "index")
    shutil.copytree(samples.archive, paths.archive)
    shutil.copytree(samples.index, paths.index)
    result = CliRunner().invoke(cli, cli_args(paths, "index", "--rebuild"))
    assert result.exit_code == 0, result.output
    assert "Best pages listed for" in result.stdout
    status = CliRunner().invoke(cli, cli_args(paths, "status")).stdout
    assert "Best pages:     listed for" in status
    return paths


def backup(database: Path, target: Path) -> Path:
    """A copy of the database with what its write-ahead log holds."""
    with sqlite3.connect(database) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def outcome(db: Database, index: Path, query: str, filters: dict[str, list[str]], page: int) -> tuple:
    result = search.run(db, index, query, engine="german", filters=filters, page=page, pagelen=10)
    return [(h.page_id, round(h.score, 9)) for h in result.hits], result.total, result.facets


def traced(db: Database, index: Path, query: str, filters: dict[str, list[str]], page: int) -> tuple[tuple, bool]:
    """The search's outcome, and whether it ranked every match itself (no list gave the best pages)."""
    given: list[bool] = []

    def spy(function):
        def wrapped(*args, **kwargs):
            answer = function(*args, **kwargs)
            given.append(answer is not None)
            return answer

        return wrapped

    originals = best_pages.listed, best_pages.combined
    best_pages.listed, best_pages.combined = spy(originals[0]), spy(originals[1])
    try:
        return outcome(db, index, query, filters, page), not any(given)
    finally:
        best_pages.listed, best_pages.combined = originals


def test_a_frequent_word_is_ranked_from_its_list_exactly_as_from_every_match(listed: Paths, tmp_path: Path) -> None:
    db = store.open_existing(listed.database)
    state = best_pages.state(db)
    assert state is not None and state["fresh"] and state["lists"] > 10
    # The same archive, its lists made stale by a change of a page (a trigger): every match is ranked.
    full = store.open_existing(backup(listed.database, tmp_path / "full.db"))
    full.execute("UPDATE pages SET page_label = page_label WHERE rowid = 1")
    full.conn.commit()
    assert best_pages.is_stale(full)
    used = fallbacks = 0
    for query in QUERIES:
        for filters in FILTERS:
            for page in (1, 3, 13):
                got, in_full = traced(db, listed.index, query, filters, page)
                expected, expected_in_full = traced(full, listed.index, query, filters, page)
                assert got == expected, (query, filters, page)
                assert expected_in_full or expected[1] == 0  # the stale lists were never read
                used += not in_full
                fallbacks += in_full and expected[1] > 0
    # Both ways were taken: the list (no filter, or one that leaves enough of it) and every match (page 13
    # lies past the 120 listed pages; a narrow filter leaves too few of them).
    assert used >= 10 and fallbacks >= 10


def test_several_frequent_words_are_ranked_from_their_lists_exactly_as_from_every_match(
    listed: Paths, tmp_path: Path
) -> None:
    db = store.open_existing(listed.database)
    full = store.open_existing(backup(listed.database, tmp_path / "full.db"))
    full.execute("UPDATE pages SET page_label = page_label WHERE rowid = 1")
    full.conn.commit()
    used = fallbacks = 0
    for query in SEVERAL + ["Quartier Spielplatz", "Bewohner NICHT Projekt"]:
        for filters in FILTERS:
            for page in (1, 13):
                got, in_full = traced(db, listed.index, query, filters, page)
                expected, expected_in_full = traced(full, listed.index, query, filters, page)
                assert got == expected, (query, filters, page)
                assert expected_in_full or expected[1] == 0
                used += not in_full
                fallbacks += in_full and expected[1] > 0
                if query not in SEVERAL:  # a compound's parts in an OR, or NOT: no sum of lists
                    assert in_full or expected[1] == 0, query
    # From the lists where they prove their pages the best; in full behind a narrow filter or past them.
    assert used >= 10 and fallbacks >= 10


def test_pages_in_no_list_are_bounded_by_the_lists_last_scores(listed: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short lists hold every match of no word: the listed pages are given as the best only when their
    scores prove it, and then they are exactly the best of every match."""
    db = store.open_existing(listed.database)
    facets = german_fts.page_facets(db)
    lookup = german_fts.lexicon_lookup(db.execute)
    outcomes = []
    for size in (20, 40):
        monkeypatch.setattr(best_pages, "LISTED", size)
        best_pages.refresh(db, german_fts.word_expressions(db))
        for text in SEVERAL + ["Projekt Bewohner"]:
            query = german_fts.parse(text, lookup)
            ranked = db.execute(german_terms.MATCHES_SQL, [query.match]).fetchall()
            every = sorted(((rowid, -rank) for rowid, rank in ranked), key=lambda item: (-item[1], item[0]))
            for wanted in (5, 10, 20):
                found = best_pages.combined(db, query.match, query.chains, facets.mask(r for r, _ in ranked), wanted)
                assert found is None or found == every[:wanted], (size, text, wanted)
                outcomes.append(found is not None)
    assert outcomes.count(True) >= 10 and outcomes.count(False) >= 10


def test_which_queries_are_summed_from_lists(listed: Paths) -> None:
    db = store.open_existing(listed.database)
    lookup = german_fts.lexicon_lookup(db.execute)
    assert german_fts.parse("Quartier ODER Projekt", lookup).chains == [
        ['{text parts}: "quarti"', '{text parts}: "projekt"']
    ]
    # NOT, and a thesaurus phrase added to what was typed, make no sum of clauses.
    assert german_fts.parse("Bewohner NICHT Projekt", lookup).chains == []
    assert german_fts.parse("Soziale Stadt", lookup).chains == []
    # A clause of several phrases (a compound and its parts) beside another in an OR: a page that has some
    # of its phrases, not all, scores without matching it, so its list bounds nothing.
    compound = german_fts.parse("Quartiersrat ODER Bewohner", lookup)
    facets = german_fts.page_facets(db)
    everything = facets.mask(facets.page_id)
    assert len(compound.chains[0]) == 2
    assert best_pages.combined(db, compound.match, compound.chains, everything, 10) is None
    # One clause alone is a single word's list (best_pages.listed), not a sum.
    one = german_fts.parse("Quartier", lookup)
    assert best_pages.combined(db, one.match, one.chains, everything, 10) is None


def test_lists_of_a_database_from_before_are_not_needed(listed: Paths, tmp_path: Path) -> None:
    older = backup(listed.database, tmp_path / "older.db")
    with sqlite3.connect(older) as conn:
        conn.executescript("DROP TABLE best_pages; DROP TABLE best_pages_state;")
    db = Database(sqlite3.connect(f"file:{older}?mode=ro", uri=True))  # as served: read-only, not migrated
    got, in_full = traced(db, listed.index, "Quartier", {}, 1)
    assert in_full and got[0] and got == outcome(store.open_existing(listed.database), listed.index, "Quartier", {}, 1)


def test_a_frequent_word_s_matches_are_kept_with_its_list(listed: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """The total, the facets and the check which pages have the typed word (not only its synonym) of a
    frequent word come from the matches kept with its list, not from FTS5; they equal FTS5's (the tests above
    compare whole outcomes with stale lists, which are never read)."""
    db = store.open_existing(listed.database)
    lookup = german_fts.lexicon_lookup(db.execute)
    quartiersrat = german_fts.parse("Quartiersrat", lookup)
    assert quartiersrat.synonyms  # QR
    typed = german_fts.parse("Quartiersrat", lookup, synonyms=False).match
    for match in (german_fts.parse("Quartier", lookup).match, quartiersrat.match, typed):
        kept = best_pages.matched(db, match)
        assert kept is not None and kept.count(1) > 50
        assert kept == german_terms.mask(german_terms.rowids(db, match), len(kept))
    asked: list[str] = []
    for name in ("rowids", "matching"):
        original = getattr(german_terms, name)
        monkeypatch.setattr(german_terms, name, lambda *args, f=original, n=name: asked.append(n) or f(*args))
    # Several words, all required or some of them: their matches are made of their words' (the outcomes
    # equal those of every match in test_several_frequent_words_are_ranked_from_their_lists…).
    for query in ("Quartiersrat", *SEVERAL):
        for filters in FILTERS:
            result = search.run(db, listed.index, query, engine="german", filters=filters)
            assert result.total and result.facets
    assert asked == []
    search.run(db, listed.index, "Spielplatz", engine="german")  # on few pages: no list, FTS5 gives its matches
    assert asked == ["rowids"]
    # Stale lists: nothing kept is read.
    db.execute("UPDATE pages SET page_label = page_label WHERE rowid = 1")
    assert best_pages.matched(db, typed) is None


def test_matches_need_not_be_kept_in_a_database_from_before(listed: Paths, tmp_path: Path) -> None:
    older = backup(listed.database, tmp_path / "older.db")
    with sqlite3.connect(older) as conn:
        conn.executescript("DROP TABLE best_pages_matches;")
    db = Database(sqlite3.connect(f"file:{older}?mode=ro", uri=True))  # as served: read-only, not migrated
    for query in QUERIES:
        got, in_full = traced(db, listed.index, query, {}, 1)
        assert not in_full and got == outcome(store.open_existing(listed.database), listed.index, query, {}, 1)


def test_the_command_that_migrates_a_database_from_before_keeps_the_matches(listed: Paths) -> None:
    with sqlite3.connect(listed.database) as conn:
        conn.executescript(
            "DROP TABLE best_pages_matches; DELETE FROM _sqlite_migrations WHERE name = 'm015_best_pages_matches';"
        )
    result = CliRunner().invoke(cli, cli_args(listed, "index"))
    assert result.exit_code == 0, result.output
    assert "Best pages listed for" in result.stdout
    db = store.open_existing(listed.database)
    assert best_pages.matched(db, german_fts.parse("Quartier", german_fts.lexicon_lookup(db.execute)).match)


def best_pages_check(paths: Paths) -> dict:
    result = CliRunner().invoke(cli, cli_args(paths, "verify", "--json", "--quiet"))
    return next(check for check in json.loads(result.stdout)["checks"] if check["name"] == "best-pages")


def test_verify_compares_the_lists_with_fts5_and_names_a_damaged_one_that_searches_do_not_read(
    listed: Paths, caplog: pytest.LogCaptureFixture
) -> None:
    """`verify` compares every list and kept mask with what FTS5 finds; a damaged mask or a list that
    differs fails it, named with the repair, and a search meanwhile finds that word's matches with FTS5,
    exactly as before, saying so in the log."""
    check = best_pages_check(listed)
    assert check["status"] == "ok" and check["summary"].endswith("lists and kept matches agree with FTS5")
    db = store.open_existing(listed.database)
    lookup = german_fts.lexicon_lookup(db.execute)
    quartier, projekt = (german_fts.parse(word, lookup).match for word in ("Quartier", "Projekt"))
    before = outcome(db, listed.index, "Quartier", {"typ": ["ihek"]}, 1)
    db.execute("UPDATE best_pages_matches SET mask = x'00ff00' WHERE match = ?", [quartier])
    db.execute("UPDATE best_pages SET score = score + 1 WHERE match = ? AND position = 3", [projekt])
    db.conn.commit()
    assert not best_pages.is_stale(db)
    with caplog.at_level(logging.WARNING, logger="qmarchive.search.best_pages"):
        assert outcome(db, listed.index, "Quartier", {"typ": ["ihek"]}, 1) == before
    assert f"the kept matches of {quartier} cannot be read" in caplog.text
    check = best_pages_check(listed)
    assert check["status"] == "failed"
    assert [(f["code"], f["message"].split(" (")[0]) for f in check["findings"]] == [
        ("best-pages-differ", f"the list of {projekt} differs from FTS5's ranking from position 4"),
        ("best-pages-differ", f"the kept matches of {quartier} cannot be read"),
    ]
    assert all(f["message"].endswith("; run 'qmarchive index --rebuild'") for f in check["findings"])
    assert CliRunner().invoke(cli, cli_args(listed, "index", "--rebuild")).exit_code == 0
    assert best_pages_check(listed)["status"] == "ok"
    # Stale lists are only a warning: searches rank every match until they are listed again.
    db.execute("UPDATE pages SET page_label = page_label WHERE rowid = 1")
    db.conn.commit()
    assert [f["code"] for f in best_pages_check(listed)["findings"]] == ["best-pages-stale"]


def test_new_terms_make_the_lists_stale_until_they_are_listed_again(listed: Paths) -> None:
    db = store.open_existing(listed.database)
    german_terms.rebuild(db)
    assert best_pages.is_stale(db)
    assert traced(db, listed.index, "Quartier", {}, 1)[1]
    status = CliRunner().invoke(cli, cli_args(listed, "status")).stdout
    assert "Best pages:     not current, frequent words are ranked in full until 'qmarchive index'" in status
    report = best_pages.refresh(db, german_fts.word_expressions(db))
    assert report.lists == best_pages.state(db)["lists"] > 10 and not best_pages.is_stale(db)
    assert not traced(db, listed.index, "Quartier", {}, 1)[1]
    # A prefix, a word on few pages: no list, every match ranked.
    for query in ("Quartier*", "Zaunkönigweg", "Spielplatz"):
        assert (
            best_pages.listed(db, german_fts.parse(query, german_fts.lexicon_lookup(db.execute)).match, None, 100)
            is None
        )
        assert (
            traced(db, listed.index, query, {}, 1)[1] or not search.run(db, listed.index, query, engine="german").total
        )


def cli_hits(paths: Paths, query: str) -> list[str]:
    result = CliRunner().invoke(cli, cli_args(paths, "search", query, "--engine", "german", "--json", "-n", "20"))
    assert result.exit_code == 0, result.output
    return [hit["page_id"] for hit in json.loads(result.stdout)]


def served_hits(base: str, query: str) -> list[str]:
    data = httpx.get(f"{base}/-/suche.json", params={"q": query, "n": 20}, timeout=30).json()
    return [hit["page_id"] for hit in data["hits"]]


def test_a_live_server_ranks_as_the_cli_while_a_document_is_withdrawn_beside_it(listed: Paths) -> None:
    with child_server(listed.archive, listed.index) as base:
        before = {query: served_hits(base, query) for query in QUERIES}
        assert before == {query: cli_hits(listed, query) for query in QUERIES}
        gone = "muster-ihek-2019-2021"
        assert any(hit.startswith(gone + "/") for hit in before["Quartier"])
        result = CliRunner().invoke(cli, cli_args(listed, "withdraw", gone, "--reason", "Test", "--quiet"))
        assert result.exit_code == 0, result.output
        assert "Best pages listed for" in result.stdout
        db = store.open_existing(listed.database)
        assert not best_pages.is_stale(db)
        assert not db.execute(
            "SELECT count(*) FROM best_pages WHERE page_rowid NOT IN (SELECT rowid FROM pages)"
        ).fetchone()[0]
        for query in QUERIES:
            served = served_hits(base, query)
            assert served == cli_hits(listed, query), query
            assert not any(hit.startswith(gone + "/") for hit in served)


def test_a_list_cut_short_is_known_as_such_whatever_size_lists_have_later(
    listed: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = store.open_existing(listed.database)
    full = store.open_existing(backup(listed.database, tmp_path / "full.db"))
    full.execute("UPDATE pages SET page_label = page_label WHERE rowid = 1")
    full.conn.commit()
    monkeypatch.setattr(best_pages, "LISTED", 10_000)  # a later version keeps longer lists
    for query in QUERIES:
        for filters in FILTERS:
            for page in (1, 3):
                got = traced(db, listed.index, query, filters, page)[0]
                assert got == traced(full, listed.index, query, filters, page)[0], (query, filters, page)
