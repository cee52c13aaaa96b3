"""Translation between OpenAI's chat completion format and the assistant's answers.

Chat clients send the whole conversation each time: the last user message is the question,
earlier user/assistant messages become the history (only the most recent turns are kept),
system prompts are ignored. Citations travel twice: as a "Quellen:" block at the end of the
message text (for clients that only show text) and as an extra `citations` field.

The answer is Markdown (paragraphs, "- " lists, **bold** part headings) and goes into
`content` unchanged. The appendix follows it after a blank line, so it never continues a
list item, and reads both as plain text and as Markdown: one source per line (a Markdown
hard line break, two trailing spaces, ends each line but the last).
"""

from __future__ import annotations

import re
import time
from typing import Any

from assistant.answer.types import Answer
from assistant.api.errors import ApiError
from assistant.api.schemas import ChatMessage
from assistant.query import Turn

_LABELS = {
    "de": {"sources": "Quellen", "page": "S.", "further": "Weiterlesen"},
    "en": {"sources": "Sources", "page": "p.", "further": "Further reading"},
}
# Ends each source line but the last: a hard line break in Markdown, invisible as plain text.
_LINE_BREAK = "  \n"
# Our own appended blocks, stripped again when a client sends an answer back as history.
_APPENDIX = re.compile(r"\n\n(?:Quellen|Sources|Weiterlesen|Further reading):\n.*\Z", re.DOTALL)


def message_text(message: ChatMessage) -> str:
    """Plain text of a message whose content is a string or a list of parts."""
    if message.content is None:
        return ""
    if isinstance(message.content, str):
        return message.content
    return "\n".join(str(part.get("text", "")) for part in message.content if part.get("type") == "text")


def conversation(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """(question, whole history) from an OpenAI message list; the last message must be the user's."""
    if messages[-1].role != "user":
        raise ApiError(400, "invalid_request", "the last message must have role 'user'")
    history = [
        Turn(message.role, _APPENDIX.sub("", message_text(message)).strip())
        for message in messages[:-1] if message.role in ("user", "assistant")
    ]
    history = [turn for turn in history if turn.content]
    return message_text(messages[-1]), history


def appendix(answer: Answer, public_url: str = "") -> str:
    """The text block listing the sources (or, for a refusal, documents to read instead)."""
    labels = _LABELS.get(answer.language, _LABELS["de"])
    base = public_url.rstrip("/")
    lines: list[str] = []
    if answer.refused:
        for suggestion in answer.suggestions:
            where = f"{base}{suggestion.url}" if base else suggestion.document
            lines.append(f"- {suggestion.title} ({where})")
        return f"\n\n{labels['further']}:\n" + "\n".join(lines) if lines else ""
    for citation in answer.citations:
        where = f" – {base}{citation.url}" if base else f" ({citation.document})"
        lines.append(f"[{citation.n}] {citation.title}, {labels['page']} {citation.page}{where}")
    return f"\n\n{labels['sources']}:\n" + _LINE_BREAK.join(lines) if lines else ""


def citations(answer: Answer) -> list[dict[str, object]]:
    return [citation.to_dict() for citation in answer.citations]


def completion(answer: Answer, model: str, public_url: str = "") -> dict[str, Any]:
    """A complete `chat.completion` object."""
    return {
        "id": f"chatcmpl-{answer.id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": answer.answer + appendix(answer, public_url)},
            "finish_reason": "stop",
        }],
        **answer_fields(answer),
    }


def answer_fields(answer: Answer) -> dict[str, Any]:
    """Our fields next to OpenAI's: the answer id, refusal, partial answer, citations, suggestions."""
    return {
        "answer_id": answer.id,
        "refused": answer.refused,
        "partial": answer.partial,
        "unanswered": list(answer.unanswered),
        "citations": citations(answer),
        "suggestions": [suggestion.to_dict() for suggestion in answer.suggestions],
    }


def chunk(completion_id: str, model: str, created: int, delta: dict[str, Any],
          finish_reason: str | None = None, **extra: Any) -> dict[str, Any]:
    """One `chat.completion.chunk`; extra fields ride on the final chunk."""
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        **extra,
    }


MODELS = {"object": "list", "data": [{"id": "smartcity", "object": "model", "created": 0, "owned_by": "smartcity"}]}
