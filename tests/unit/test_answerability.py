"""Answerability signals (assistant/answerability.py) over hand-made passages: is the asked-for kind of
value there, about the question's subject, in the year it names?"""

from __future__ import annotations

from assistant.answerability import AnswerabilityModel, measure
from assistant.query import Query
from assistant.question import classify
from ingest.models import Chunk
from vectorstore.hybrid import Hit, SearchResult
from vectorstore.keyword import KeywordIndex

PASSAGES = [
    "Das Land Baden-Württemberg fördert Start-ups. Mit der Reform der Landesbeschaffungsordnung wird 2023 "
    "eine Direktvergabe an Start-ups bis 100.000 Euro möglich.",
    "Der ProbierLaden in Kempten zeigt digitale Geräte zum Ausprobieren. Er öffnet dienstags und donnerstags.",
    "Im Jahr 2022 besuchten 1.200 Menschen das Stadtlabor in Wismar.",
    "Der 11. Bundesländerworkshop fand im InnovationPort in Wismar statt.",
]


def _evidence() -> SearchResult:
    chunks = [Chunk(id=f"a.pdf@v#{n}", text=text, document="a.pdf", title="Bericht", publisher="", year=2024,
                    page=n + 1, page_end=n + 1, section="", position=n, hash="h", version="v", tokens=40)
              for n, text in enumerate(PASSAGES)]
    keyword = KeywordIndex.build("fp", [chunk.id for chunk in chunks], [chunk.text for chunk in chunks])
    return SearchResult([Hit(chunk, 1.0 / (60 + n), dense=0.88) for n, chunk in enumerate(chunks, start=1)],
                        keyword, {})


def _signals(question: str) -> dict[str, float]:
    return measure(Query(question), classify(question), _evidence()).to_dict()


def test_a_value_of_the_wanted_kind_about_the_named_subject_counts_even_when_the_verb_is_paraphrased() -> None:
    signals = _signals("Bis zu welchem Betrag dürfen Start-ups in Baden-Württemberg direkt beauftragt werden?")
    assert signals["wants_value"] == 1.0 and signals["value"] == 1.0


def test_a_named_thing_without_the_wanted_value_is_seen() -> None:
    """The ProbierLaden is described, but no passage gives a price: the near miss users ask."""
    signals = _signals("Wie viel kostet der Eintritt in den ProbierLaden in Kempten?")
    assert signals["wants_value"] == 1.0 and signals["value"] == 0.0


def test_a_year_the_passages_do_not_mention_is_flagged() -> None:
    assert _signals("Wie viele Menschen besuchten 2024 das Stadtlabor in Wismar?")["year_missing"] == 1.0
    assert _signals("Wie viele Menschen besuchten 2022 das Stadtlabor in Wismar?")["year_missing"] == 0.0


def test_an_edition_the_passages_do_not_mention_is_flagged_like_a_year() -> None:
    assert _signals("Wann findet der 12. Bundesländerworkshop in Wismar statt?")["year_missing"] == 1.0
    assert _signals("Wo fand der 11. Bundesländerworkshop statt?")["year_missing"] == 0.0
    assert _signals("Wo fand der Bundesländerworkshop statt?")["year_missing"] == 0.0


def test_the_score_only_ever_lowers_the_similarity() -> None:
    model = AnswerabilityModel()
    answered = model.assess(Query(q := "Wie viele Menschen besuchten 2022 das Stadtlabor in Wismar?"),
                            classify(q), _evidence())
    missing = model.assess(Query(q := "Wie viel kostet der Eintritt in den ProbierLaden in Kempten?"),
                           classify(q), _evidence())
    assert answered.score == answered.signals.similarity
    assert missing.score < missing.signals.similarity
