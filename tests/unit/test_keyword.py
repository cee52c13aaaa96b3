"""German analysis and the BM25 keyword index: stems, compounds, typos, persistence."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from vectorstore.german import Decompounder, GermanAnalyzer
from vectorstore.keyword import KeywordIndex

TEXTS = [
    "Die Verstetigung des Makerspace braucht eine Strategie und Personal.",
    "Eine Verstetigungsstrategie sichert den Betrieb nach dem Förderende.",
    "Der Bundesländerworkshop fand in Wismar statt; ein Workshop mit Ländern.",
    "Die Modellprojekte Smart Cities fördern Kommunen mit 820 Millionen Euro.",
    "Stadtentwicklung und Stadt gehören zusammen; Entwicklung braucht Zeit.",
]


def test_compounds_split_into_parts_the_corpus_knows() -> None:
    decompounder = Decompounder(Counter({"verstetigung": 3, "strategie": 5, "stadt": 9, "entwicklung": 4}))
    assert decompounder.parts("verstetigungsstrategie") == ("verstetigung", "strategie")
    assert decompounder.parts("stadtentwicklung") == ("stadt", "entwicklung")
    assert decompounder.parts("beteiligung") == ()


def test_analyzer_stems_and_drops_stop_and_question_words() -> None:
    analyzer = GermanAnalyzer(Counter({"verstetigung": 2, "strategie": 2}))
    terms = analyzer.terms("Wie verstetige ich die Verstetigungsstrategie?", drop_question_words=True)
    assert "wie" not in terms and "die" not in terms
    assert analyzer.terms("Wofür und wozu dient die Strategie?", drop_question_words=True) == ["dient", "strategi"]
    assert terms.count("verstet") >= 2  # "verstetige" and the part "verstetigung" share a stem
    assert "strategi" in terms


def test_keyword_search_finds_compound_parts_and_respects_filters(tmp_path: Path) -> None:
    ids = [f"doc.pdf@v#{n}" for n in range(len(TEXTS))]
    index = KeywordIndex.build("fp1", ids, TEXTS)
    hits = index.search("Strategie zur Verstetigung", k=3)
    assert {hit.chunk_id for hit in hits[:2]} == {ids[0], ids[1]}
    only_second = index.search("Strategie zur Verstetigung", k=3, allowed_ids={ids[1]})
    assert [hit.chunk_id for hit in only_second] == [ids[1]]
    assert index.search("Quantencomputer", k=3) == []


def test_misspelt_query_words_are_corrected_to_known_terms() -> None:
    index = KeywordIndex.build("fp2", [f"d#{n}" for n in range(len(TEXTS))], TEXTS)
    assert "modellprojekt" in index.query_terms("Wieviele Modelprojekte gibt es?")
    assert index.search("Bundesländerworkshp in Wismar", k=1)[0].chunk_id == "d#2"


def test_words_typed_together_match_the_documents_hyphenated_spelling() -> None:
    texts = [*TEXTS, "Viele Start-ups arbeiten mit Kommunen.", "Start-ups und Verwaltung: ein Start mit Hürden.",
             "Ein Startup-Wettbewerb."]
    index = KeywordIndex.build("fp4", [f"d#{n}" for n in range(len(texts))], texts)
    assert ("startups", "start", "ups") in index.query_groups("Wie viele startups gibt es?")
    assert index.search("startups in Kommunen", k=1)[0].chunk_id == "d#5"
    # A word the documents use as such is not taken apart, nor one that splits into two scraps.
    assert index.query_groups("Verstetigung") == [("verstet",)]
    assert all(len(group) == 1 for group in index.query_groups("dahinter"))


def test_abbreviations_also_search_for_their_long_form() -> None:
    texts = [*TEXTS, "Baden-Württemberg erlaubt die Direktvergabe bis 100.000 Euro.", "In NRW gibt es viele Labore."]
    index = KeywordIndex.build("fp5", [f"d#{n}" for n in range(len(texts))], texts)
    terms = index.query_terms("Direktvergabe in BaWü?")
    assert "wurttemberg" in terms and "bawu" not in terms  # the documents never write "BaWü"
    assert index.search("Wie läuft das in bawü?", k=1)[0].chunk_id == "d#5"
    assert "nrw" in index.query_terms("Labore in NRW")  # the documents use this one: it stays


def test_saved_index_loads_with_the_same_results(tmp_path: Path) -> None:
    ids = [f"doc.pdf@v#{n}" for n in range(len(TEXTS))]
    index = KeywordIndex.build("fp3", ids, TEXTS)
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path, "fp3")
    assert loaded is not None
    assert loaded.search("Wismar Workshop", k=2) == index.search("Wismar Workshop", k=2)
    assert KeywordIndex.load(tmp_path, "other") is None


def test_analysed_terms_are_searched_as_they_are() -> None:
    """Stemming a stem again changes it ("verstet" -> "verst"): the aspect rankings search the
    question's analysed terms directly, and find what a search for the words finds."""
    index = KeywordIndex.build("fp6", [f"d#{n}" for n in range(len(TEXTS))], TEXTS)
    terms = index.query_terms("Verstetigung")
    assert index.search_terms(terms, k=3) == index.search("Verstetigung", k=3) != []
