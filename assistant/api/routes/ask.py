"""Questions: `POST /v1/ask` (one JSON answer) and `POST /v1/ask/stream` (server-sent events)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer.types import Answer
from assistant.api import files
from assistant.api.deps import ServicesDep, SettingsDep, check_question
from assistant.api.errors import ApiError, describe
from assistant.api.ratelimit import rate_limited
from assistant.api.schemas import AnswerResponse, AskRequest, ErrorResponse
from assistant.api.streaming import SSE_HEADERS, sse_event, start_stream
from assistant.query import Turn
from assistant.wiring import Services

log = logging.getLogger(__name__)
router = APIRouter(tags=["ask"])

# One server-sent event (OpenAPI 3.2 `itemSchema`: the schema of each streamed item).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["data"],
    "properties": {"event": {"type": "string"}, "data": {"type": "string"}, "id": {"type": "string"}},
}

QUESTION_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Empty or too long question, too many history turns, bad document name",
        404: "A document in `documents` is not in the index",
        413: "The JSON body is larger than 1 MiB",
        422: "The body is not valid JSON or does not match the schema",
        429: "Rate limit reached; see the Retry-After header",
        503: "The document store (or the LLM without fallback) is unavailable",
    }.items()
}
_STREAM_DOC = """\
Server-sent events, in this order:

* `token` – `{"text": "..."}`, one piece of the answer text (many events)
* `citations` – `{"id", "refused", "citations": [...], "suggestions": [...]}`
* `done` – the complete answer, as returned by `POST /v1/ask`

An error after the stream has started arrives as an `error` event `{"code", "message"}`;
errors before that are ordinary JSON error responses.
"""


def _request_parts(body: AskRequest, services: Services) -> tuple[str, list[Turn], list[str] | None]:
    history = [Turn(turn.role, turn.content) for turn in body.history]
    question = check_question(services, body.question, history)
    if body.documents is not None:
        for name in body.documents:
            if not files.is_plain_name(name):
                raise ApiError(400, "invalid_document_name", f"not a document file name: {name!r}")
    return question, history, body.documents


@router.post("/v1/ask", response_model=AnswerResponse, responses=QUESTION_ERRORS,
             dependencies=[Depends(rate_limited)],
             summary="Ask a question and get a cited answer")
def ask(body: AskRequest, services: ServicesDep,
        settings: SettingsDep) -> dict[str, object]:
    """Answers from the indexed reports, with `[n]` markers pointing into `citations`;
    `refused` is true when the documents do not answer the question."""
    question, history, documents = _request_parts(body, services)
    answer = services.assistant.ask(question, history, documents)
    services.feedback.record_answer(question, answer, history)
    return answer.to_dict()


@router.post("/v1/ask/stream", responses={
    200: {"description": _STREAM_DOC, "content": {"text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}}},
    **QUESTION_ERRORS}, dependencies=[Depends(rate_limited)],
    summary="Ask a question; the answer streams as server-sent events")
async def ask_stream(body: AskRequest, services: ServicesDep,
                     settings: SettingsDep) -> EventSourceResponse:
    question, history, documents = _request_parts(body, services)
    items = await start_stream(services.assistant.stream(question, history, documents))
    return EventSourceResponse(_events(items, question, history, services), headers=SSE_HEADERS)


async def _events(items: AsyncIterator[str | Answer], question: str, history: list[Turn],
                  services: Services) -> AsyncIterator[bytes]:
    try:
        async for item in items:
            if isinstance(item, str):
                yield sse_event("token", {"text": item})
                continue
            await run_in_threadpool(services.feedback.record_answer, question, item, history)
            payload = item.to_dict()
            yield sse_event("citations", {key: payload[key] for key in ("id", "refused", "citations", "suggestions")})
            yield sse_event("done", payload)
    except Exception as exc:  # noqa: BLE001 - the stream has started: every error becomes an event
        _, code, message = describe(exc)
        yield sse_event("error", {"code": code, "message": message})
