"""Turn a question plus conversation history into the query that retrieval runs.

Without an LLM, a follow-up ("Und wie viele Fachleute nahmen teil?") is searched together
with the key terms of the last user turns. A question that stands on its own (no opener
like "Und", no reference like "dort"/"dafür", enough content words) is searched as is, so
that a change of topic is not polluted by the previous one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vectorstore.german import GERMAN_STOPWORDS, QUESTION_WORDS, words

_FOLLOWUP_OPENER = re.compile(
    r"^\s*(und|aber|auch|außerdem|zusätzlich|sonst|was ist mit|wie ist es mit|wie steht es|"
    r"and|but|also|what about|how about)\b",
    re.I,
)
_REFERENCES = frozenset("""
dort da dabei dafür davon dazu darin darüber daran damit hierfür hierzu hier dies diese dieser
dieses diesem diesen deren dessen ihr ihre ihren ihrem ihrer sein seine seinen seinem es sie er
ihn ihm jene jener ebenfalls dasselbe derselbe dieselbe
there it its they them their this that these those same
""".split())
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
    """The question, with the key terms of the last user turns when it is a follow-up."""
    earlier = [turn.content for turn in history if turn.role == "user"][-2:]
    if not earlier or not is_followup(question):
        return Query(question, "", language)
    own = set(content_words(question))
    context: list[str] = []
    for text in reversed(earlier):  # most recent turn first
        for word in content_words(text):
            if word not in own and word not in context:
                context.append(word)
    return Query(question, " ".join(context[:_MAX_CONTEXT_TERMS]), language)
