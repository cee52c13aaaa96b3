"""Answers shaped like the question, on the real corpus: how-to from the right section, lists
whole, compound questions part by part, partial answers marked, refusals that point nearby."""

from __future__ import annotations

import re

import pytest

from assistant.wiring import Services
from ingest.models import SECTION_PATH_SEPARATOR

pytestmark = pytest.mark.integration

ANKERORTE = "mpsc_ankerorte-des-digitalen-wandels_studie.pdf"
WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"


def _cited_chunks(services: Services, answer: object) -> list[object]:
    snapshot = services.knowledge_base.snapshot()
    assert snapshot.vectors is not None
    return [chunk for chunk in snapshot.vectors.chunks
            if any(citation.document == chunk.document and citation.quote[:40] in chunk.text
                   for citation in answer.citations)]  # type: ignore[attr-defined]


def test_the_makerspace_question_is_answered_from_the_section_on_continuing(ingested_services: Services) -> None:
    answer = ingested_services.assistant.ask("Wie verstetige ich einen Makerspace?")
    assert not answer.refused
    assert {citation.document for citation in answer.citations} == {ANKERORTE}
    assert all(77 <= citation.page <= 86 for citation in answer.citations), answer.citations  # 3.3: pp. 77-86
    paths = {chunk.section_path.split(SECTION_PATH_SEPARATOR)[1] for chunk in _cited_chunks(ingested_services, answer)}
    assert paths and all(path.startswith("3.3 Verstetigen und absichern") for path in paths)
    assert re.search(r"^- .+ \[\d+\]$", answer.answer, re.M)  # recommendations as list items, each cited


def test_a_list_question_gets_the_whole_list(ingested_services: Services) -> None:
    answer = ingested_services.assistant.ask("Welche fünf Grundtypen von Ankerorten beschreibt die Studie?")
    for kind in ("Informations- und Beteiligungsorte", "Räume für digitale Bildung", "Makerspaces",
                 "kokreative Labore", "Plattformen zwischen Wirtschaft"):
        assert kind in answer.answer
    assert "•" not in answer.answer  # list items are Markdown items, never bullets in running text


def test_a_compound_question_is_answered_part_by_part_from_two_reports(ingested_services: Services) -> None:
    answer = ingested_services.assistant.ask(
        "Wie viele MPSC haben einen Ankerort eingerichtet, und wann fand der 11. Bundesländerworkshop statt?")
    assert not answer.refused and not answer.unanswered
    assert answer.answer.count("**") == 4  # two part headings
    assert "43" in answer.answer and "25. April 2023" in answer.answer
    assert {ANKERORTE, WORKSHOP} <= {citation.document for citation in answer.citations}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {citation.n for citation in answer.citations}


def test_an_unanswerable_part_is_named(ingested_services: Services) -> None:
    answer = ingested_services.assistant.ask(
        "Wann fand der 11. Bundesländerworkshop statt, und wie hoch war die Miete für den Tagungsraum?")
    assert not answer.refused and answer.partial
    assert answer.unanswered == ["wie hoch war die Miete für den Tagungsraum?"]
    assert "25. April 2023" in answer.answer and "Dazu steht in den vorliegenden Dokumenten nichts." in answer.answer


def test_a_refusal_names_the_closest_sections_with_their_pages(ingested_services: Services) -> None:
    answer = ingested_services.assistant.ask("Wie beantrage ich einen neuen Personalausweis?")
    assert answer.refused and answer.suggestions
    assert all(suggestion.url.endswith(f"#page={suggestion.page}") for suggestion in answer.suggestions)
    assert any(suggestion.section for suggestion in answer.suggestions)
