import pickle

import pytest

from qmarchive import german
from qmarchive.german import CompoundSplitter, analyse, fold, gender_neutral


@pytest.mark.parametrize(
    "word",
    [
        "Bewohner*innen",
        "Bewohner:innen",
        "Bewohner_innen",
        "Bewohner/innen",
        "BewohnerInnen",
        "Bewohnerinnen",
        "Bewohnerin",
        "Bewohner",
    ],
)
def test_gendered_forms_meet_in_the_base_noun(word: str) -> None:
    assert gender_neutral(word).lower() == "bewohner"
    assert analyse(word).stem == analyse("Bewohner").stem


@pytest.mark.parametrize("word", ["Berlin", "Termin", "Spinnen", "beginnen", "innen", "Medizin", "Binnen"])
def test_words_ending_in_in_that_are_not_feminine_stay(word: str) -> None:
    assert gender_neutral(word) == word


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Spielplätze", "Spielplatz"),
        ("öffentlichen", "oeffentlich"),
        ("Straße", "Strasse"),
        ("Maßnahmen", "Massnahme"),
        ("Grünflächen", "Gruenflaeche"),
        ("ﬁnanziert", "finanziert"),
        ("Akteur:innen", "Akteure"),
    ],
)
def test_inflections_and_transliterations_share_a_stem(a: str, b: str) -> None:
    assert analyse(a).stem == analyse(b).stem


def test_words_keep_gender_suffixes_and_split_hyphens() -> None:
    assert [w for w, _, _ in german.words("Die Bewohner:innen, Kita-Ausbau und U3-Betreuung")] == [
        "Die",
        "Bewohner:innen",
        "Kita",
        "Ausbau",
        "und",
        "U3",
        "Betreuung",
    ]


def test_spans_are_where_the_words_stand_as_written() -> None:
    text = "Die Bewohner:innen, Kita-Ausbau und die Kita"
    assert german.spans(text, {"Kita", "Bewohner:innen"}) == [(4, 18), (20, 24), (40, 44)]
    assert german.spans(text, {"Bewohner", "kita"}) == []  # whole words as written, case kept
    assert german.spans(text, set()) == []


def test_stopwords_have_no_term() -> None:
    assert analyse("und") is None
    assert fold("STRASSE") == fold("Straße") == "strasse"


ZIPF = {
    "spiel": 5.5,
    "platz": 5.5,
    "spielplatz": 3.9,
    "sanierung": 4.1,
    "sani": 2.8,
    "rung": 2.8,
    "klima": 4.4,
    "anpassung": 4.1,
    "bau": 4.9,
    "fonds": 4.2,
    "ers": 3.0,
    "dorf": 4.5,
    "hellers": 2.6,
    "schaft": 3.5,
    "nachbar": 4.1,
}


@pytest.fixture
def splitter() -> CompoundSplitter:
    return CompoundSplitter(ZIPF)


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("spielplatzsanierung", ("spiel", "platz", "sanierung")),
        ("klimaanpassungsmassnahme", ()),  # "massnahme" unknown: no split
        ("klimaanpassungen", ("klima", "anpassungen")),  # the last part is known by its stem
        ("baudorf", ()),  # too short to be a compound
        ("baufonds", ("bau", "fonds")),  # short parts when very common
        ("ersdorfplatz", ()),  # "ers" is short and not common enough to be a part
        ("sanierung", ()),  # "sani" + "rung" are rarer than the word
        ("nachbarschaft", ()),  # derivational endings are no parts
    ],
)
def test_split_by_frequency(splitter: CompoundSplitter, word: str, parts: tuple[str, ...]) -> None:
    assert splitter.split(word) == parts


def test_all_parts_include_runs_that_are_words(splitter: CompoundSplitter) -> None:
    assert splitter.all_parts("spielplatzsanierung") == ["spiel", "platz", "sanierung", "spielplatz"]


def test_analyse_gives_the_stems_of_parts(splitter: CompoundSplitter) -> None:
    term = analyse("Spielplatzsanierung", splitter)
    assert (term.stem, term.parts) == ("spielplatzsanier", ("spiel", "platz", "sanier", "spielplatz"))
    assert analyse("Spielplatzsanierung", splitter, all_levels=False).parts == ("spiel", "platz", "sanier")


def test_splitter_survives_pickling_as_part_of_the_index_schema(splitter: CompoundSplitter) -> None:
    copy = pickle.loads(pickle.dumps(splitter))
    assert copy.split("spielplatzsanierung") == splitter.split("spielplatzsanierung")


def test_the_real_vocabulary_splits_archive_compounds() -> None:
    splitter = german.splitter_for(["quartiersrat"])
    assert splitter.split("klimaanpassungsmassnahmen") == ("klima", "anpassung", "massnahmen")
    assert splitter.split("hofflächen") == ("hof", "flächen")
    assert splitter.split("beteiligung") == ()
    assert splitter.split("öffentlichen") == ()
