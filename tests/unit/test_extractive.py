"""Sentence choice: relevance over position, order, budget, markers, intact numbers."""

from __future__ import annotations

import re

from assistant.answer.evidence import query_words, score_sentences
from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answerability import evidence_score
from assistant.query import Query
from assistant.refusal import RefusalPolicy
from ingest.models import Chunk
from vectorstore.hybrid import Hit, SearchResult
from vectorstore.keyword import KeywordIndex

PASSAGES = [
    ("Der Makerspace liegt am Marktplatz. Er ist montags geschlossen. "
     "Für die Verstetigung sollte die Kommune mindestens eineinhalb Jahre vor dem Förderende eine Trägerschaft klären. "
     "Eine gGmbH hat sich als Rechtsform bewährt.", 12),
    ("Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort in Wismar statt. "
     "28 Fachleute aus Bund und Ländern nahmen teil.", 1),
    ("Die Erfolgsfaktoren für den Betrieb sind:\n• verlässliche Öffnungszeiten\n• Programm mit Anlässen\n"
     "• engagiertes Personal\nDanach folgt ein anderes Kapitel über Parkplätze.", 65),
]


def _evidence() -> SearchResult:
    chunks = [Chunk(id=f"s.pdf@v#{n}", text=text, document="s.pdf", title="Studie", publisher="", year=2026,
                    page=page, page_end=page, section="", position=n, hash="h", version="v", tokens=50)
              for n, (text, page) in enumerate(PASSAGES)]
    keyword = KeywordIndex.build("fp", [chunk.id for chunk in chunks], [chunk.text for chunk in chunks])
    hits = [Hit(chunk, 1.0 / (60 + rank), dense=0.85) for rank, chunk in enumerate(chunks, start=1)]
    return SearchResult(hits, keyword, {})


def test_the_most_relevant_sentence_is_quoted_and_cited() -> None:
    draft = ExtractiveAnswerer(max_words=60).answer(Query("Wie verstetige ich einen Makerspace?"), _evidence())
    assert "eineinhalb Jahre vor dem Förderende" in draft.text
    assert "montags geschlossen" not in draft.text
    citation = draft.citations[0]
    assert citation.document == "s.pdf" and citation.page == 12
    assert citation.url == "/documents/s.pdf#page=12"
    assert "eineinhalb Jahre" in citation.quote


def test_every_sentence_carries_its_marker_and_numbers_survive() -> None:
    question = Query("Wann fand der 11. Bundesländerworkshop statt und wie viele Fachleute kamen?")
    draft = ExtractiveAnswerer().answer(question, _evidence())
    assert "Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort in Wismar statt. [1]" in draft.text
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", draft.text)}
    assert markers == {citation.n for citation in draft.citations}
    for citation in draft.citations:
        assert citation.quote  # the exact sentences the answer uses


def test_a_list_lead_brings_its_items_in_order() -> None:
    draft = ExtractiveAnswerer().answer(Query("Welche Erfolgsfaktoren gibt es für den Betrieb?"), _evidence())
    text = draft.text
    positions = [text.index(item) for item in ("verlässliche Öffnungszeiten", "Programm mit Anlässen",
                                                "engagiertes Personal")]
    assert positions == sorted(positions)
    assert "Parkplätze" not in text


def test_word_budget_is_kept() -> None:
    question = Query("Makerspace Verstetigung Bundesländerworkshop Fachleute")
    draft = ExtractiveAnswerer(max_words=25, max_sentences=5).answer(question, _evidence())
    words = len(re.sub(r"\[\d+\]", "", draft.text).split())
    assert words <= 25 or len(draft.citations) == 1


def test_no_overlap_with_the_question_means_no_answer_and_low_evidence() -> None:
    evidence = _evidence()
    draft = ExtractiveAnswerer().answer(Query("Was kostet ein Personalausweis?"), evidence)
    assert draft.citations == []
    weak = evidence_score(Query("Was kostet ein Personalausweis?"), evidence.hits, evidence.keyword_index)
    strong = evidence_score(Query("Wann fand der Bundesländerworkshop statt?"), evidence.hits,
                            evidence.keyword_index)
    assert weak < strong
    assert RefusalPolicy(min_evidence=(weak + strong) / 2).refuses(weak)
    assert not RefusalPolicy(min_evidence=(weak + strong) / 2).refuses(strong)
    english = evidence_score(Query("When was the workshop?", language="en"), evidence.hits, evidence.keyword_index)
    assert english > max(hit.dense for hit in evidence.hits)  # no vocabulary penalty, a cross-lingual offset


def test_a_question_for_which_project_is_framed_with_the_heading_that_names_it() -> None:
    text = ("Projekttitel: Smarte Energie\n\nEin intelligenter Algorithmus regelt auf Basis einer Blockchain "
            "die Strompreise und schafft transparente Kostenstrukturen.")
    chunk = Chunk(id="m.pdf@v#0", text=text, document="m.pdf", title="Modellprojekte", publisher="", year=2020,
                  page=31, page_end=31, section="Gemeinde Fuchstal", position=0, hash="h", version="v", tokens=30)
    keyword = KeywordIndex.build("fp", [chunk.id], [text])
    evidence = SearchResult([Hit(chunk, 0.02, dense=0.88)], keyword, {})
    question = Query("Welches Modellprojekt regelt Strompreise über eine Blockchain?")
    draft = ExtractiveAnswerer().answer(question, evidence)
    assert draft.text.startswith("Im Abschnitt „Gemeinde Fuchstal“ (S. 31):\n\n")
    assert "Blockchain die Strompreise" in draft.text
    # A question that names the thing it asks about gets no frame.
    plain = ExtractiveAnswerer().answer(Query("Wie regelt Fuchstal die Strompreise?"), evidence)
    assert "Im Abschnitt" not in plain.text


def test_a_later_part_of_a_compound_question_does_not_repeat_what_an_earlier_part_quoted() -> None:
    question = "Wann fand der 11. Bundesländerworkshop statt, wer nahm teil?"
    first = ExtractiveAnswerer(max_sentences=1).answer(Query(question), _evidence())
    assert "25. April 2023" in first.text
    quoted = frozenset(citation.quote for citation in first.citations)
    again = ExtractiveAnswerer(max_sentences=1).answer(Query(question, quoted=quoted), _evidence())
    assert "25. April 2023" not in again.text and "28 Fachleute" in again.text
    # With nothing else relevant left, the quoted sentence may stand again rather than no answer.
    alone = ExtractiveAnswerer(max_sentences=1).answer(Query("Wann fand der Bundesländerworkshop statt?",
                                                             quoted=quoted), _evidence())
    assert "25. April 2023" in alone.text


def test_a_followup_counts_the_topic_it_carries_over_for_every_sentence_of_the_passage_about_it() -> None:
    texts = ["Smartheim ist das Modellprojekt der Gemeinde Kirchheim. Ein besonderes Tool ist der digitale Zwilling, "
             "der Bauplanverfahren und Genehmigungsprozesse optimiert.",
             "In Kiel bündelt der digitale Zwilling der Region die Daten."]
    chunks = [Chunk(id=f"m.pdf@v#{n}", text=text, document="m.pdf", title="Modellprojekte", publisher="", year=2020,
                    page=20 + n, page_end=20 + n, section="", position=n, hash="h", version="v", tokens=30)
              for n, text in enumerate(texts)]
    keyword = KeywordIndex.build("fp", [chunk.id for chunk in chunks], texts)
    hits = [Hit(chunk, 0.02, dense=0.88) for chunk in chunks]
    followup = Query("Und wozu soll dort der digitale Zwilling dienen?", context="smartheim", followup=True)
    scored = {sentence.text[:20]: sentence for sentence in score_sentences(followup, hits, keyword)}
    carried = [index for index, word in enumerate(query_words(keyword, followup)) if word.stem == "smartheim"]
    # The tool sentence does not name Smartheim, but its passage is about it; Kiel's is not.
    assert scored["Ein besonderes Tool "].matches[carried[0]] == 1.0
    assert scored["In Kiel bündelt der "].matches[carried[0]] == 0.0
    assert scored["Ein besonderes Tool "].coverage > scored["In Kiel bündelt der "].coverage
    # The question's own words still count only where the sentence has them.
    own = Query("Und wozu soll dort der digitale Zwilling dienen?")
    assert all(word.carried is False for word in query_words(keyword, own))


WORKSHOP = ("Workshop 2: Smarte Sensoren\nWie mit Sensoren Energie eingespart werden kann, stand im Zentrum der "
            "vorgestellten Praxisbeispiele.\n\n"
            "Sabrina Eßer, Smart City Managerin der Hansestadt Lübeck, berichtete von dem Projekt „Frische Luft“.\n\n"
            "Verena Michalek, Prokuristin bei der Klimaschutzagentur, präsentierte Projekte zum Energiemanagement.\n\n"
            "Mit dem Projekt SENSARE zeigte Daniel Sauter, wie Starkregen vorhergesagt werden kann.\n\n"
            "Alle Referenten waren sich einig, dass Sensoren den Kommunen helfen.")


def _one_passage(text: str) -> SearchResult:
    chunk = Chunk(id="k.pdf@v#0", text=text, document="k.pdf", title="Konferenz", publisher="", year=2022,
                  page=10, page_end=10, section="", position=0, hash="h", version="v", tokens=90)
    keyword = KeywordIndex.build("fp", [chunk.id, "x#1"], [text, "Ein ganz anderer Text über Parkplätze."])
    return SearchResult([Hit(chunk, 0.02, dense=0.88)], keyword, {})


def test_a_list_told_in_paragraphs_gives_one_item_per_paragraph() -> None:
    question = Query("Welche Praxisbeispiele wurden im Workshop zu smarten Sensoren vorgestellt?")
    text = ExtractiveAnswerer().answer(question, _one_passage(WORKSHOP)).text
    items = [line for line in text.splitlines() if line.startswith("- ")]
    assert [item.split(",")[0].split(" zeigte")[0] for item in items] == [
        "- Sabrina Eßer", "- Verena Michalek", "- Mit dem Projekt SENSARE"]
    assert "Alle Referenten" not in text  # the closing paragraph is no item


def test_paragraphs_that_go_on_about_one_topic_are_no_list() -> None:
    text = ("Welche Ziele verfolgt die Stadt mit den Anwendungen? Die Stadt prüft mit drei Anwendungen die Ziele.\n\n"
            "Im Zuge der Gartenschau werden die Anwendungen den Besuchern gezeigt.\n\n"
            "Auch nach dem Ende der Laufzeit sollen sie weiterlaufen.\n\n"
            "Dabei helfen die Partner aus der Region.")
    answer = ExtractiveAnswerer().answer(Query("Welche Ziele verfolgt die Stadt mit den Anwendungen?"),
                                         _one_passage(text)).text
    assert "- " not in answer


def test_a_number_question_gets_the_sentence_with_the_value_after_the_one_naming_the_subject() -> None:
    text = ("Der Stadtrat hat beschlossen, das Labor der kreativen Köpfe langfristig zu verstetigen. "
            "Die Abschätzung zeigt, dass das jährliche Budget von rund 400.000 € gedeckt ist. "
            "Das Labor der kreativen Köpfe arbeitet vor Ort an Problemstellen.")
    answer = ExtractiveAnswerer(max_sentences=2).answer(Query("Was kostet das Labor der kreativen Köpfe pro Jahr?"),
                                                        _one_passage(text)).text
    assert "400.000 €" in answer


def test_a_how_to_question_prefers_the_sentence_that_recommends() -> None:
    text = ("Häufige Personalwechsel im Smart-City-Team gefährden langfristige Wirkungen. "
            "Handlungsempfehlung: Bei Personalwechseln im Smart-City-Team sollte ein Wissensmanagement "
            "aufgebaut werden.")
    answer = ExtractiveAnswerer(max_sentences=1).answer(
        Query("Wie verhindere ich Wissensverlust bei Personalwechseln im Smart-City-Team?"), _one_passage(text)).text
    assert "Wissensmanagement" in answer
