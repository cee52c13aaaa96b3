"""What the staff UI does, without Gradio: answers, documents and feedback as display-ready values."""

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.answer.types import Answer
from assistant.query import Turn
from ingest.errors import InvalidRequestError, NotFoundError, SmartCityError
from ui.render import (
    MSG_EMPTY_STORE,
    MSG_FEEDBACK_FAILED,
    MSG_THANKS,
    MSG_UNEXPECTED,
    Rating,
    _notice_message,
    error_message,
    render_answer,
    render_notice,
    render_pending,
    render_question,
)

if TYPE_CHECKING:
    from assistant.settings import Settings
    from assistant.wiring import Services
    from ingest.models import DocumentRecord

log = logging.getLogger(__name__)


@dataclass
class Conversation:
    """One browser session's chat: what is shown, what the pipeline sees, which answer is where."""

    messages: list[dict[str, str]] = field(default_factory=list)  # Chatbot messages (HTML content)
    turns: list[Turn] = field(default_factory=list)  # plain text of earlier turns, for follow-ups
    answers: dict[int, str] = field(default_factory=dict)  # message index -> answer id


@dataclass(frozen=True)
class FeedbackTarget:
    """The answer a thumb was clicked on, waiting for an optional comment."""

    answer_id: str
    rating: Rating
    number: int  # 1-based position among the assistant's answers, for the panel title


class ChatController:
    """Answers, documents and feedback for the UI; returns display-ready values."""

    def __init__(self, services: "Services", settings: "Settings") -> None:
        self.services = services
        self.settings = settings
        self.base_url = settings.public_url.rstrip("/")

    # documents
    def documents(self) -> tuple[list["DocumentRecord"], str]:
        """The indexed documents, and a notice when there are none or the store is down."""
        try:
            records = list(self.services.knowledge_base.snapshot().documents)
        except SmartCityError as exc:  # the store is down or does not match the settings
            return [], render_notice(error_message(exc), "error")
        return records, "" if records else render_notice(MSG_EMPTY_STORE, "info")

    # asking
    def check_question(self, question: str) -> str:
        """An error notice for a question that cannot be sent, else ''."""
        try:
            self.services.limits.check(question)
        except InvalidRequestError as exc:
            return render_notice(exc.user_message("de"), "info" if not question.strip() else "error")
        return ""

    def answer(self, question: str, conversation: Conversation,
               documents: Sequence[str] | None) -> Iterator[Conversation]:
        """Append the question and stream the answer into `conversation`, yielding after each step."""
        text = question.strip()
        messages = conversation.messages
        messages.append({"role": "user", "content": render_question(text)})
        messages.append({"role": "assistant", "content": render_pending("")})
        yield conversation
        try:
            records, notice = self.documents()
            if not records:
                messages[-1] = {"role": "assistant", "content": notice}
                yield conversation
                return
            history = self.services.limits.recent(conversation.turns)
            result: Answer | None = None
            partial = ""
            chosen = list(documents or []) or None
            for item in self.services.assistant.stream(text, history=history, documents=chosen):
                if isinstance(item, Answer):
                    result = item
                else:
                    partial += item
                    messages[-1] = {"role": "assistant", "content": render_pending(partial)}
                    yield conversation
        except SmartCityError as exc:
            log.warning("UI question failed: %s", exc)
            messages[-1] = _notice_message(error_message(exc))
            yield conversation
            return
        except Exception:  # the last line of defence: a message instead of a traceback
            log.exception("unexpected error while answering in the UI")
            messages[-1] = _notice_message(MSG_UNEXPECTED)
            yield conversation
            return
        if result is None:  # the pipeline always ends with an Answer; be safe anyway
            log.error("the assistant stream ended without an answer")
            messages[-1] = _notice_message(MSG_UNEXPECTED)
            yield conversation
            return
        messages[-1] = {"role": "assistant", "content": render_answer(result, self.base_url)}
        self._record(text, result, history)
        conversation.turns += [Turn("user", text), Turn("assistant", result.answer)]
        conversation.answers[len(messages) - 1] = result.id
        yield conversation

    def _record(self, question: str, answer: Answer, history: Sequence[Turn]) -> None:
        try:
            self.services.feedback.record_answer(question, answer, history)
        except sqlite3.Error:
            log.exception("could not record answer %s for feedback", answer.id)

    # feedback
    def feedback_target(self, conversation: Conversation, index: int,
                        liked: object) -> FeedbackTarget | None:
        """Which answer a thumb click refers to, or None (user message, error notice, un-click)."""
        answer_id = conversation.answers.get(index)
        if answer_id is None or not isinstance(liked, bool):
            return None
        number = sorted(conversation.answers).index(index) + 1
        return FeedbackTarget(answer_id, "up" if liked else "down", number)

    def send_feedback(self, target: FeedbackTarget, rating: Rating, comment: str) -> tuple[bool, str]:
        """Store the rating with its comment; (stored?, notice)."""
        try:
            self.services.feedback.add(target.answer_id, rating, comment.strip(), source="ui")
        except (NotFoundError, sqlite3.Error):
            log.exception("could not store UI feedback for answer %s", target.answer_id)
            return False, render_notice(MSG_FEEDBACK_FAILED, "error")
        return True, render_notice(MSG_THANKS, "ok")
