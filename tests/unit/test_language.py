"""Which language a question is in: it decides the refusal text, the lead and the answerability checks."""

from __future__ import annotations

import pytest

from assistant.language import detect_language


@pytest.mark.parametrize("question", [
    "Was will Berlin in seinem Modellprojekt konkret angehen?",  # "was", "will", "in" are English words too
    "Wie verstetige ich einen Makerspace?",
    "wieviel prozent der komunen haben schon aufträge an startups vergeben?",
    "Was sind die zwei main goals von un|box Cologne?",
])
def test_german_questions(question: str) -> None:
    assert detect_language(question) == "de"


@pytest.mark.parametrize("question", [
    "How many inhabitants does Rostock have?",
    "What is the 'Klüterkammer' at the Digitalzentrum in Süderbrarup?",  # German names, English question
])
def test_english_questions(question: str) -> None:
    assert detect_language(question) == "en"
