"""`POST /v1/chat/completions` and `GET /v1/models`: the assistant behind an OpenAI-compatible API.

Any OpenAI client (the `openai` package, chat front ends) can talk to it; the model name is
echoed back. Streaming follows OpenAI's format: `data: {chunk}` lines, then `data: [DONE]`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from assistant.answer.types import Answer
from assistant.api import openai_compat
from assistant.api.deps import ServicesDep, SettingsDep, check_question
from assistant.api.errors import describe
from assistant.api.ratelimit import rate_limited
from assistant.api.routes.ask import QUESTION_ERRORS, SSE_EVENT_SCHEMA
from assistant.api.schemas import ChatCompletionRequest
from assistant.api.streaming import SSE_HEADERS, sse_data, start_stream
from assistant.query import Turn
from assistant.wiring import Services

router = APIRouter(tags=["openai"])

_EXAMPLE = {
    "id": "chatcmpl-2b8d9b956dae423396c7af2aac94e34f", "object": "chat.completion", "created": 1735725600,
    "model": "smartcity",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {
        "role": "assistant",
        "content": "Der 11. Bundesländerworkshop fand am 25. April 2023 in Wismar statt. [1]\n\nQuellen:\n"
                   "[1] 11. Bundesländerworkshop der Initiative Stadt.Land.Digital, S. 1 "
                   "(stadt-land-digital_bundeslaenderworkshop-11_2023.pdf)"}}],
    "answer_id": "2b8d9b956dae423396c7af2aac94e34f", "refused": False, "citations": [], "suggestions": [],
}


@router.get("/v1/models", summary="The model names this endpoint answers to")
async def models() -> dict[str, Any]:
    return openai_compat.MODELS


@router.post("/v1/chat/completions", dependencies=[Depends(rate_limited)],
             responses={200: {"description": "A `chat.completion`, or with `stream: true` server-sent "
                                             "`chat.completion.chunk` events ending in `data: [DONE]`",
                              "content": {"application/json": {"example": _EXAMPLE},
                                          "text/event-stream": {"itemSchema": SSE_EVENT_SCHEMA}}},
                        **QUESTION_ERRORS},
             summary="OpenAI-compatible chat completion with citations")
async def chat_completions(body: ChatCompletionRequest, services: ServicesDep,
                           settings: SettingsDep) -> Any:
    """The last user message is the question; earlier messages are the conversation."""
    text, conversation = openai_compat.conversation(body.messages)
    history = services.limits.recent(conversation)  # chat clients resend everything: keep the latest
    question = check_question(services, text, history)
    if not body.stream:
        answer = await run_in_threadpool(services.assistant.ask, question, history)
        await run_in_threadpool(services.feedback.record_answer, question, answer, history)
        return openai_compat.completion(answer, body.model, settings.public_url)
    items = await start_stream(services.assistant.stream(question, history))
    return EventSourceResponse(_chunks(items, question, history, body.model, services, settings.public_url),
                               headers=SSE_HEADERS)


async def _chunks(items: AsyncIterator[str | Answer], question: str, history: list[Turn], model: str,
                  services: Services, public_url: str) -> AsyncIterator[bytes]:
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    try:
        yield sse_data(openai_compat.chunk(completion_id, model, created, {"role": "assistant", "content": ""}))
        async for item in items:
            if isinstance(item, str):
                yield sse_data(openai_compat.chunk(completion_id, model, created, {"content": item}))
                continue
            await run_in_threadpool(services.feedback.record_answer, question, item, history)
            sources = openai_compat.appendix(item, public_url)
            if sources:
                yield sse_data(openai_compat.chunk(completion_id, model, created, {"content": sources}))
            yield sse_data(openai_compat.chunk(completion_id, model, created, {}, "stop",
                                               **openai_compat.answer_fields(item)))
    except Exception as exc:  # noqa: BLE001 - the stream has started: every error becomes an event
        _, code, message = describe(exc)
        yield sse_data({"error": {"code": code, "message": message, "type": code}})
    yield sse_data("[DONE]")
