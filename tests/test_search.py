"""German search through the CLI and the library: the index's lifecycle and what queries find."""

import json
import signal
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from conftest import HIT_COLUMNS, cli_args, ihek_spec, write_catalog
from pdfmaker import Spec, make_pdf, running_pages
from qmarchive import german, search
from qmarchive.cli import cli
from qmarchive.errors import FilterValueError, QueryTooLongError
from qmarchive.paths import Paths
from qmarchive.search import lifecycle
from qmarchive.search import writer as index_writer
from qmarchive.search.schema import SCHEMA_VERSION


def run(paths: Paths, *args: str):
    return CliRunner().invoke(cli, cli_args(paths, *args))


def ids(paths: Paths, query: str, **options) -> list[str]:
    result = search.run(Database(paths.database), paths.index, query, pagelen=50, **options)
    return sorted(hit.page_id for hit in result.hits)


# -- what queries find (index built once for the module) -------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Sanierung", ["ihek-2012/2", "ihek-2019-2021/2"]),  # a part finds the compound
        ("Spielplätze", ["ihek-2012/2", "ihek-2019-2021/2"]),  # plural finds the compound's part
        ("Bewohner", ["ihek-2012/2", "ihek-2019-2021/2"]),  # gendered forms
        ("Bewohnerinnen", ["ihek-2012/2", "ihek-2019-2021/2"]),
        ("oeffentlicher Raum", ["ihek-2012/2", "ihek-2019-2021/2"]),  # transliteration
        ("Strasse", ["ihek-2012/2", "ihek-2019-2021/2"]),  # ß/ss
        ("Bewohnerschaft", ["ihek-2012/1", "ihek-2019-2021/1"]),  # joined across a line end
        ("finanziert", ["ihek-2012/2", "ihek-2019-2021/2"]),  # ligature in the PDF
        ('"Kinder- und Jugendarbeit"', ["ihek-2019-2021/3"]),
        ("Quartiersrat ODER Kita", ["ihek-2019-2021/3", "ihek-2019-2021/4"]),
        ("Quartiersrat NICHT Stadtteilbüro", []),
        ("Stadtteil*", ["ihek-2019-2021/3", "ihek-2019-2021/4"]),
        ("stadtt*", ["ihek-2019-2021/3", "ihek-2019-2021/4"]),  # a prefix, not a word
        ("Spielplä*", ["ihek-2012/2", "ihek-2019-2021/2"]),  # folded as the stems are
        ("Quartiersr?t", ["ihek-2019-2021/4"]),
        ("dokument:ihek-2012 Straße", ["ihek-2012/2"]),
        ("jahr:2020 Straße", ["ihek-2019-2021/2"]),
        ("typ:ihek jahr:[2010 TO 2013] Straße", ["ihek-2012/2"]),
        ("abschnitt:Beteiligung", ["ihek-2019-2021/4"]),
    ],
)
def test_german_queries(built: Paths, query: str, expected: list[str]) -> None:
    assert ids(built, query) == expected


def test_feld_accepts_historical_names(built: Paths) -> None:
    assert ids(built, "feld:bildung") == ids(built, 'feld:"Bildung, Ausbildung, Jugend"') != []


@pytest.mark.parametrize("query", ['"', "AND", "NOT OR (", "(((", ")", "jahr:", "feld:", "a^^2", "*", "?"])
def test_malformed_queries_never_error(built: Paths, query: str) -> None:
    search.run(Database(built.database), built.index, query)


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("x" * 5000, QueryTooLongError, "the query has 5000 characters, more than the 500 allowed; shorten it"),
        (
            'feld:"a b"',
            FilterValueError,
            "unknown feld 'a b'; valid values: Integration und Nachbarschaft (integration-nachbarschaft), ",
        ),
        (
            "typ:[a TO",
            FilterValueError,
            "unknown typ '[a'; valid values: IHEK (ihek), Abschlussplan (abschlussplan), "
            "Broschüre (broschuere), Sonstiges (sonstiges)",
        ),
        ("Straße typ:flyer", FilterValueError, "unknown typ 'flyer'; valid values: IHEK (ihek), "),
        ("Straße jahr:1999", FilterValueError, "unknown jahr '1999'; valid values: 2012, 2019, 2020, 2021"),
    ],
)
def test_overlong_queries_and_unknown_filter_values_are_refused_with_a_message(
    built: Paths, query: str, error: type, message: str
) -> None:
    with pytest.raises(error) as raised:
        search.run(Database(built.database), built.index, query)
    assert str(raised.value).startswith(message)


def test_filter_values_ignore_case_and_accents_and_match_labels(built: Paths) -> None:
    db = Database(built.database)
    assert ids(built, "Straße typ:IHEK") == ids(built, "Straße typ:ihek") == ["ihek-2012/2", "ihek-2019-2021/2"]
    by_label = search.run(db, built.index, "Straße", filters={"typ": ["IHEK"], "feld": ["Öffentlicher Raum"]})
    assert by_label.filters == {"typ": ["ihek"], "feld": ["oeffentlicher-raum"]} and by_label.total == 2
    assert search.run(db, built.index, "Straße", filters={"typ": ["Broschüre"]}).filters == {"typ": ["broschuere"]}


def test_facets_filters_and_pages(built: Paths) -> None:
    db = Database(built.database)
    result = search.run(db, built.index, "Straße", pagelen=1)
    assert result.total == 2 and result.pages == 2 and len(result.hits) == 1
    assert dict(result.facets["dokument"]) == {"ihek-2012": 1, "ihek-2019-2021": 1}
    assert dict(result.facets["jahr"]) == {"2012": 1, "2019": 1, "2020": 1, "2021": 1}
    assert dict(result.facets["typ"]) == {"ihek": 2}
    second = search.run(db, built.index, "Straße", pagelen=1, page=2)
    assert {result.hits[0].page_id, second.hits[0].page_id} == {"ihek-2012/2", "ihek-2019-2021/2"}
    narrowed = search.run(db, built.index, "Straße", filters={"jahr": ["2012"]})
    assert [hit.page_id for hit in narrowed.hits] == ["ihek-2012/2"]


def test_hits_carry_escaped_snippets_with_marks(built: Paths) -> None:
    [hit] = search.run(Database(built.database), built.index, "alert").hits
    assert hit.snippet.count("<mark>") == 1
    assert "&lt;script&gt;<mark>alert</mark>('x')&lt;/script&gt; steht im Text" in hit.snippet
    assert "<script>" not in hit.snippet
    assert (hit.page_label, hit.title, hit.period, hit.section) == ("4", "IHEK 2019–2021", "2019–2021", "Beteiligung")


def test_meinten_sie(built: Paths) -> None:
    result = search.run(Database(built.database), built.index, "Quartiersrad")
    assert result.total == 0
    assert result.suggestion == "Quartiersrat"
    assert search.run(Database(built.database), built.index, "Quartiersrat").suggestion is None
    typed = run(built, "search", "Quartiersrad")
    assert typed.exit_code == 0
    assert "Did you mean: Quartiersrat" in typed.stderr


def test_search_command_formats(built: Paths) -> None:
    text = run(built, "search", "Straße")
    assert text.exit_code == 0
    assert "ihek-2019-2021/2" in text.stdout and "2 pages (german," in text.stderr
    hits = json.loads(run(built, "search", "Straße", "--json").stdout)
    assert [list(hit) for hit in hits] == [HIT_COLUMNS, HIT_COLUMNS]
    lines = run(built, "search", "Straße", "--csv").stdout.splitlines()
    assert lines[0] == ",".join(HIT_COLUMNS) and len(lines) == 3
    assert run(built, "search", "Straße", "--format", "csv").stdout == run(built, "search", "Straße", "--csv").stdout
    fts = json.loads(run(built, "search", "Straße", "--engine", "fts", "--json").stdout)
    assert sorted(hit["page_id"] for hit in fts) == ["ihek-2012/2", "ihek-2019-2021/2"]
    assert "Straße" in fts[0]["snippet"] and "<mark>" not in fts[0]["snippet"]
    narrowed = json.loads(run(built, "search", "Straße", "--filter", "dokument=ihek-2012", "--json").stdout)
    assert [hit["page_id"] for hit in narrowed] == ["ihek-2012/2"]
    bad = run(built, "search", "Straße", "--filter", "nope")
    assert bad.exit_code == 2 and "use FIELD=VALUE" in bad.stderr


def test_exact_word_totals_follow_the_pages_with_and_without_filters(copy: Paths) -> None:
    """Without a filter the exact-word search counts its index's matches alone (no page rows read): the
    index follows every change of the pages, so the total stays the pages that match."""

    def total(**filters: list[str]) -> int:
        return search.run(Database(copy.database), copy.index, "Straße", engine="fts", filters=filters).total

    assert (total(), total(dokument=["ihek-2012"]), total(typ=["ihek"])) == (2, 1, 2)
    withdrawn = CliRunner().invoke(cli, cli_args(copy, "withdraw", "ihek-2012", "--reason", "Test", "-q"))
    assert withdrawn.exit_code == 0, withdrawn.output
    assert (total(), total(dokument=["ihek-2019-2021"]), total(typ=["ihek"])) == (1, 1, 1)


# -- the index's lifecycle ---------------------------------------------------------------------------


def test_ingest_keeps_the_index_current(archive: Paths) -> None:
    first = run(archive, "ingest")
    assert "Search index built: 6 pages indexed, 0 removed, 6 in all" in first.stdout
    assert "rebuilt" not in first.output  # the first build has no reason to give
    assert run(archive, "index").stdout.startswith("Search index up to date (6 pages).")
    make_pdf(archive.archive / "pdf/ihek-2012.pdf", ihek_spec(pages=running_pages([["Neuer Text über Gießkannen"]])))
    again = run(archive, "ingest", "--replace", "ihek-2012")
    assert "Search index updated: 1 pages indexed, 1 removed, 5 in all" in again.stdout
    assert ids(archive, "Gießkanne") == ["ihek-2012/1"]
    assert ids(archive, "Straße") == ["ihek-2019-2021/2"]


def test_ingest_no_index_and_index_if_needed(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    assert not (archive.index / "whoosh").exists()
    assert "built: 6 pages indexed" in run(archive, "index", "--if-needed").stdout
    assert run(archive, "index", "--if-needed").stdout == "Search index is current; nothing to do.\n"


def test_search_without_index_is_a_clean_error(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    assert run(archive, "search", "Straße").exit_code == 0  # the German terms are stored with the pages
    result = run(archive, "search", "Straße", "--engine", "whoosh")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {archive.index / 'whoosh'}: no search index yet; run 'qmarchive index'\n"


def test_rebuild_switches_readers_only_when_complete(archive: Paths) -> None:
    run(archive, "ingest")
    old = lifecycle.current_generation(archive.index)
    with lifecycle.open_current(archive.index).searcher() as reader:
        result = run(archive, "index", "--rebuild")
        assert "Search index rebuilt: 6 pages indexed" in result.stdout
        new = lifecycle.current_generation(archive.index)
        assert new != old and old.exists()  # the previous generation stays for readers still on it
        assert reader.doc_count() == 6
    run(archive, "index", "--rebuild")
    assert not old.exists()  # …until the next switch


def test_an_index_from_another_analyzer_version_is_rebuilt(archive: Paths) -> None:
    run(archive, "ingest")
    marker = lifecycle.current_generation(archive.index) / lifecycle.MARKER
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "analyzer_version": 0}))
    base = german.base_key()
    assert search.rebuild_reason(archive.index).startswith(
        f"built with {{'schema_version': {SCHEMA_VERSION}, 'analyzer_version': 0, 'compound_base': '{base}'}}"
    )
    result = run(archive, "index", "--if-needed")
    assert "Search index rebuilt: built with" in result.stderr
    assert search.rebuild_reason(archive.index) is None


def test_a_half_built_generation_is_never_used_and_cleaned_up(archive: Paths) -> None:
    run(archive, "ingest")
    current = lifecycle.current_generation(archive.index)
    half = archive.index / "whoosh" / "gen-20000101T000000000000"
    half.mkdir()
    (half / "MAIN_x.seg").write_bytes(b"partial")
    assert lifecycle.current_generation(archive.index) == current
    run(archive, "index", "--rebuild")
    assert not half.exists()


def _lock_holder(paths: Paths, then: str) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import os, signal, sys, time
        from pathlib import Path
        from qmarchive.search.lifecycle import write_lock
        with write_lock(Path({str(paths.index)!r})):
            print("locked", flush=True)
            {then}
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_lock_left_by_a_killed_writer_is_recovered(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    holder = _lock_holder(archive, "os.kill(os.getpid(), signal.SIGKILL)")
    holder.wait(timeout=10)
    assert holder.returncode == -signal.SIGKILL
    result = run(archive, "index")
    assert result.exit_code == 0
    assert (
        f"recovered the lock left by process {holder.pid} (index), which stopped without releasing it" in result.stderr
    )
    assert "Search index built: 6 pages indexed" in result.stdout


def test_a_running_writer_blocks_a_second_one(archive: Paths) -> None:
    run(archive, "ingest", "--no-index")
    holder = _lock_holder(archive, "time.sleep(30)")
    try:
        result = run(archive, "index")
        assert result.exit_code == 1
        assert f"another index (process {holder.pid}) is running on this archive" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_an_index_opens_without_its_splitter_and_stores_only_the_archives_words(archive: Paths) -> None:
    """The table of contents (read at every opening) holds the archive's own words, not the 150,000 common
    ones; the splitter is made again from them, once per process and index state."""
    run(archive, "ingest")
    generation = lifecycle.current_generation(archive.index)
    assert sum(p.stat().st_size for p in generation.glob("*.toc")) < 20_000
    with lifecycle.open_current(archive.index).searcher() as reader:
        splitter = reader.schema["text"].analyzer.items[-1].splitter
        assert splitter.split("spielplatzsanierung") == german.splitter_for(splitter._corpus).split(
            "spielplatzsanierung"
        )
    with lifecycle.open_current(archive.index).searcher() as again:
        assert again.schema["text"].analyzer.items[-1].splitter is splitter  # made once per process
    assert ids(archive, "Sanierung") == ["ihek-2012/2", "ihek-2019-2021/2"]


def test_the_analyzer_cache_stays_out_of_the_pickled_schema() -> None:
    import pickle

    from qmarchive import german
    from qmarchive.search.schema import GermanFilter

    splitter = german.splitter_for(["spielplatz", "sanierung"])
    filter_ = GermanFilter(splitter)
    first = filter_._term("Spielplatzsanierung", True)
    assert filter_._term("Spielplatzsanierung", True) is first
    assert first == german.analyse("Spielplatzsanierung", splitter)
    assert filter_._term("Spielplatzsanierung", False) == german.analyse("Spielplatzsanierung")
    restored = pickle.loads(pickle.dumps(filter_))
    assert restored._terms == {}
    assert restored._term("Spielplatzsanierung", True) == first


@pytest.mark.parametrize(
    "text, filters",
    [
        ("Straße", {}),
        ('"Nachbarschaft und Beteiligung"', {}),
        ("Spielplatz Jugend", {"jahr": ["2019"]}),
        ("Quartier*", {"typ": ["ihek"]}),
    ],
)
def test_hits_totals_and_facets_are_those_of_a_plain_whoosh_search(samples: Paths, text: str, filters: dict) -> None:
    from whoosh import sorting

    from qmarchive.search import lifecycle as lc
    from qmarchive.search import query

    db = Database(samples.database)
    first = search.run(db, samples.index, text, filters=filters)
    again = search.run(db, samples.index, text, filters=filters)
    assert again.facets == first.facets
    searcher = lc.current_searcher(samples.index)
    stock = searcher.search(
        query.parse(searcher.schema, text),
        limit=None,
        filter=query._filter_query(filters),
        groupedby={name: sorting.FieldFacet(name, allow_overlap=name in ("jahr", "feld")) for name in search.FACETS},
        maptype=sorting.Count,
    )
    assert first.total == len(stock) > 0
    if query.phrase_bonus(searcher.schema, text) is None:  # the bonus reorders; tested by relevance
        assert [h.page_id for h in first.hits] == [hit["page_id"] for hit in stock[:10]]
    for name in search.FACETS:
        expected = sorted(
            ((v, c) for v, c in stock.groups(name).items() if v), key=lambda item: (-item[1], str(item[0]))
        )
        assert first.facets[name] == expected


def test_facets_count_only_the_pages_an_update_left_in_the_index(copy: Paths) -> None:
    catalog = copy.catalog.read_text(encoding="utf-8")
    copy.catalog.write_text(
        catalog.replace("ihek-2012,IHEK 2012,", "ihek-2012,IHEK 2012 überarbeitet,"), encoding="utf-8"
    )
    assert copy.catalog.read_text(encoding="utf-8") != catalog
    runner = CliRunner()
    assert runner.invoke(cli, cli_args(copy, "ingest")).exit_code == 0
    db = Database(copy.database)
    before = search.run(db, copy.index, "Straße")
    assert (
        runner.invoke(cli, cli_args(copy, "index")).exit_code == 0
    )  # the changed document's pages are replaced: deletions in the index
    after = search.run(db, copy.index, "Straße")
    assert after.total == before.total
    assert after.facets == before.facets
    assert sum(count for _, count in after.facets["dokument"]) == after.total


@pytest.mark.slow
@pytest.mark.parametrize(
    ("jobs", "segment_pages", "segments"),
    [(2, index_writer.SEGMENT_PAGES, 2), (1, 2, 3), (2, 2, 6)],  # 6 pages: one segment per process and round
)
def test_an_index_built_by_several_processes_or_rounds_answers_as_one_built_at_once(
    copy: Paths, monkeypatch: pytest.MonkeyPatch, jobs: int, segment_pages: int, segments: int
) -> None:
    db = Database(copy.database)
    queries = ["Straße", "Bewohner:innen", "Spielplatz typ:ihek", '"Hellersdorfer Promenade"']
    single = [search.run(db, copy.index, q).as_dict() for q in queries]
    monkeypatch.setattr(index_writer, "SEGMENT_PAGES", segment_pages)
    result = CliRunner().invoke(cli, cli_args(copy, "index", "--rebuild", "--jobs", str(jobs)))
    assert result.exit_code == 0, result.output
    assert "6 pages indexed" in result.output
    generation = lifecycle.current_generation(copy.index)
    assert len(list(generation.glob("*.seg"))) == segments
    several = [search.run(db, copy.index, q).as_dict() for q in queries]
    for before, after in zip(single, several, strict=True):
        for result in (before, after):
            result.pop("seconds")
            for hit in result["hits"]:
                hit.pop("score")  # BM25 statistics are kept per segment: scores may differ slightly
        assert after["total"] == before["total"] and after["facets"] == before["facets"]
        assert sorted(h["page_id"] for h in after["hits"]) == sorted(h["page_id"] for h in before["hits"])


def test_cli_refuses_unknown_filter_values_and_overlong_queries_in_english(built: Paths) -> None:
    unknown = run(built, "search", "Straße", "--filter", "typ=Flyer")
    assert unknown.exit_code == 1
    assert unknown.output == (
        "Error: unknown typ 'Flyer'; valid values: IHEK (ihek), Abschlussplan (abschlussplan), "
        "Broschüre (broschuere), Sonstiges (sonstiges)\n"
    )
    long = run(built, "search", "Straße " * 80)
    assert (long.exit_code, long.output) == (
        1,
        "Error: the query has 560 characters, more than the 500 allowed; shorten it\n",
    )
    by_label = run(built, "search", "Straße", "--filter", "typ=IHEK", "--json")
    assert by_label.exit_code == 0
    assert (
        [hit["page_id"] for hit in json.loads(by_label.output)]
        == [
            hit["page_id"]
            for hit in json.loads(run(built, "search", "Straße", "--filter", "typ=ihek", "--json").output)
        ]
        != []
    )


@pytest.fixture(scope="module")
def titled(tmp_path_factory) -> Paths:
    """A document whose title names what only two of its pages treat, and one with another title."""
    root = tmp_path_factory.mktemp("titled")
    paths = Paths(archive=root / "archive", index=root / "index")
    (paths.archive / "pdf").mkdir(parents=True)
    make_pdf(
        paths.archive / "pdf" / "zauberwald.pdf",
        Spec(
            pages=[
                ["Einleitung", "Das Heft stellt die Arbeit im Kiez vor."],
                ["Ein grüner Zauberwald entsteht am Platz."],
                ["Der Zauberwald ist noch klein."],
                ["Ausblick", "Im nächsten Jahr geht es weiter."],
            ],
            outline=[("Grüner Zauberwald", 0, 0)],
            title="Grüner Zauberwald im Kiez",
        ),
    )
    make_pdf(
        paths.archive / "pdf" / "anderes.pdf", Spec(pages=[["Der Zauberwald ist noch klein."]], title="Anderes Heft")
    )
    write_catalog(
        paths.archive,
        [
            {
                "id": "zauberwald",
                "title": "Grüner Zauberwald im Kiez",
                "doc_type": "broschuere",
                "file": "pdf/zauberwald.pdf",
            },
            {"id": "anderes", "title": "Anderes Heft", "doc_type": "broschuere", "file": "pdf/anderes.pdf"},
        ],
    )
    result = run(paths, "ingest")
    assert result.exit_code == 0, result.output
    return paths


def test_a_word_of_the_title_or_section_matches_only_pages_whose_text_has_it(titled: Paths) -> None:
    """Title and section belong to every page: alone they made every page of a document a hit."""
    assert ids(titled, "Zauberwald") == ["anderes/1", "zauberwald/2", "zauberwald/3"]
    assert ids(titled, '"Grüner Zauberwald"') == ["zauberwald/2"]
    assert ids(titled, "Kiez Zauberwald") == []  # "Kiez" is in the title and on page 1, never beside Zauberwald
    assert ids(titled, "titel:Kiez") == ["zauberwald/1", "zauberwald/2", "zauberwald/3", "zauberwald/4"]  # asked for


def test_title_and_section_boost_pages_that_match_in_their_text(titled: Paths) -> None:
    hits = search.run(Database(titled.database), titled.index, "Zauberwald").hits
    # zauberwald/3 and anderes/1 have the same text; the title (and section) naming it ranks zauberwald/3 first.
    order = [hit.page_id for hit in hits]
    assert order.index("zauberwald/3") < order.index("anderes/1")


@pytest.mark.parametrize("engine", ["german", "whoosh"])
def test_a_query_of_stopwords_only_is_said_to_be_not_searched(built: Paths, engine: str) -> None:
    result = run(built, "search", "und die", "--engine", engine)
    assert result.exit_code == 0
    assert result.stderr.startswith(f"0 pages ({engine}, ")
    assert (
        "Note: 'und die' has only stopwords, too common to be searched alone; search them in a phrase with other "
        'words (e.g. "beteiligt sich"), or word for word with --engine fts\n' in result.stderr
    )
    as_json = run(built, "search", "und die", "--engine", engine, "--json")
    assert as_json.stdout == "[]\n" and "Note: 'und die' has only stopwords" in as_json.stderr
    assert "Note:" not in run(built, "search", "Straße und die", "--engine", engine).stderr
