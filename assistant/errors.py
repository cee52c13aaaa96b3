"""Errors of the answer layer: the LLM endpoint, and questions that break a request limit.

The hierarchy's base and the kinds every layer needs are in `ingest.errors`; the store's
errors in `vectorstore.errors`.
"""

from __future__ import annotations

from ingest.errors import EXIT_UNAVAILABLE, InvalidRequestError, SmartCityError


class LLMUnavailableError(SmartCityError):
    """The OpenAI-compatible LLM endpoint is down, slow or answered with an error."""

    code = "llm_unavailable"
    http_status = 503
    exit_code = EXIT_UNAVAILABLE
    retry_after_s = 30
    messages = {
        "de": "Das Sprachmodell, das die Antworten formuliert, ist gerade nicht erreichbar. "
              "Bitte versuchen Sie es in einigen Minuten erneut.",
        "en": "The language model that words the answers is unavailable right now. "
              "Please try again in a few minutes.",
    }


class EmptyQuestionError(InvalidRequestError):
    code = "empty_question"
    messages = {"de": "Bitte geben Sie zuerst eine Frage ein.", "en": "Please enter a question first."}

    def __init__(self) -> None:
        super().__init__("the question is empty")


class QuestionTooLongError(InvalidRequestError):
    code = "question_too_long"

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"the question has {length} characters; at most {limit} are allowed")
        self.length = length
        self.limit = limit

    def user_message(self, language: str = "de") -> str:
        if language == "en":
            return f"Your question is too long ({self.length} characters, at most {self.limit}). Please shorten it."
        return f"Ihre Frage ist mit {self.length} Zeichen zu lang (höchstens {self.limit}). Bitte kürzen Sie sie."


class TooManyTurnsError(InvalidRequestError):
    code = "too_many_turns"

    def __init__(self, turns: int, limit: int) -> None:
        super().__init__(f"the history has {turns} turns; at most {limit} are allowed "
                         "(send only the most recent turns)")
