"""Turn a question plus conversation history into the query that retrieval runs.

Without an LLM, a follow-up ("Und wie viele Fachleute nahmen teil?") is searched together
with the key terms of the last user turns. A question that stands on its own (no opener
like "Und", no reference like "dort"/"dafür", enough content words) is searched as is, so
that a change of topic is not polluted by the previous one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ingest.lexicon import FOLLOWUP_OPENER as _FOLLOWUP_OPENER
from ingest.lexicon import GERMAN_STOPWORDS, QUESTION_WORDS
from ingest.lexicon import REFERENCE_WORDS as _REFERENCES
from ingest.sentences import sentence_spans
from vectorstore.german import words

_MAX_CONTEXT_TERMS = 8


@dataclass(frozen=True)
class Query:
    """What retrieval and answering work on.

    `question` is what the user asked (or an LLM's standalone rewrite of it); `context` holds
    key terms carried over from earlier turns. Retrieval searches both; sentence scoring
    weighs the context lightly, so a follow-up's own words decide what counts as evidence.
    """

    question: str
    context: str = ""
    language: str = "de"
    followup: bool = False  # leans on earlier turns (an LLM may rewrite it as a standalone question)
    situation: str = ""  # what the user told before the question, verbatim
    # Sentences the answer quotes already (for an earlier part of the same question): a later
    # part says something new rather than repeating them.
    quoted: frozenset[str] = frozenset()

    @property
    def asked(self) -> str:
        """The question as the user wrote it, situation included: what a language model reads."""
        return f"{self.situation} {self.question}".strip()

    @property
    def search_text(self) -> str:
        return f"{self.question} {self.context}".strip()


@dataclass(frozen=True)
class Turn:
    """One message of the conversation so far."""

    role: Literal["user", "assistant"]
    content: str


def content_words(text: str) -> list[str]:
    """Words that carry the topic: no stop words, question words or references."""
    return [
        word for word in words(text)
        if word not in GERMAN_STOPWORDS and word not in QUESTION_WORDS and word not in _REFERENCES
        and (len(word) > 2 or word.isdigit())
    ]


def is_followup(question: str) -> bool:
    """Does the question lean on earlier turns?"""
    if _FOLLOWUP_OPENER.match(question):
        return True
    tokens = set(words(question))
    if tokens & _REFERENCES:
        return True
    return len(content_words(question)) <= 1


def resolve_query(question: str, history: Sequence[Turn], language: str = "de") -> Query:
    """The question, with the key terms of the last user turns when it is a follow-up.

    Staff often tell their situation first ("Unser Ankerort läuft seit einem Jahr, aber im
    Programm fehlen Themen. Wie gewinnen wir neue Partner?"): the sentences before the final
    question become context too, so that retrieval sees them but the question's own words
    decide which sentences answer.
    """
    situation, question = split_situation(question)
    earlier = [turn.content for turn in history if turn.role == "user"][-2:]
    sources = [situation] if situation else []
    followup = bool(earlier) and is_followup(question)
    if followup:
        sources += list(reversed(earlier))  # most recent turn first
    if not sources:
        return Query(question, "", language, situation=situation)
    own = set(content_words(question))
    context: list[str] = []
    for text in sources:
        for word in content_words(text):
            if word not in own and word not in context:
                context.append(word)
    return Query(question, " ".join(context[:_MAX_CONTEXT_TERMS]), language, followup=followup, situation=situation)


def split_situation(text: str) -> tuple[str, str]:
    """(the statements before the final question, the final question) - or ("", text)."""
    text = text.strip()
    spans = sentence_spans(text)
    if len(spans) < 2 or not spans[-1].text.endswith("?") or any(span.text.endswith("?") for span in spans[:-1]):
        return "", text
    question = spans[-1].text
    if len(content_words(question)) < 2:
        return "", text
    return text[:spans[-1].start].strip(), question
