"""The request limits on a question, checked in one place for every surface (API, UI, CLI, evals)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import EmptyQuestionError, QuestionTooLongError, TooManyTurnsError
from assistant.query import Turn


@dataclass(frozen=True)
class QuestionLimits:
    """How long a question and how long its history may be (`SMARTCITY_MAX_QUESTION_CHARS`, ...)."""

    max_chars: int = 2000
    max_turns: int = 20

    def check(self, question: str, history: Sequence[Turn] = ()) -> str:
        """The stripped question; raises an `InvalidRequestError` subclass naming the limit it breaks."""
        stripped = question.strip()
        if not stripped:
            raise EmptyQuestionError()
        if len(stripped) > self.max_chars:
            raise QuestionTooLongError(len(stripped), self.max_chars)
        if len(history) > self.max_turns:
            raise TooManyTurnsError(len(history), self.max_turns)
        return stripped

    def recent(self, history: Sequence[Turn]) -> list[Turn]:
        """The most recent turns that fit the limit (for surfaces that keep the whole conversation)."""
        return list(history[-self.max_turns:]) if self.max_turns else []
