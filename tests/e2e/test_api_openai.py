"""The OpenAI-compatible endpoint, driven by the official `openai` client against the live server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"
QUESTION = "Wann fand der 11. Bundesländerworkshop statt?"


@pytest.fixture(scope="module")
def openai_client(live_server: Any) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=f"{live_server.url}/v1", api_key="not-needed", max_retries=0, timeout=60)


def test_chat_completion_with_citations(openai_client: Any) -> None:
    response = openai_client.chat.completions.create(
        model="smartcity", messages=[{"role": "system", "content": "Antworte knapp."},
                                     {"role": "user", "content": QUESTION}])
    assert response.object == "chat.completion" and response.model == "smartcity"
    choice = response.choices[0]
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text = choice.message.content
    assert "25. April 2023" in text
    answer, sources = text.split("\n\nQuellen:\n")
    assert "[1]" in answer
    assert sources.startswith("[1] 11. Bundesländerworkshop") and ", S. " in sources and WORKSHOP in sources
    extra = response.model_extra
    assert extra["citations"][0]["document"] == WORKSHOP and extra["refused"] is False
    assert response.id == f"chatcmpl-{extra['answer_id']}"


def test_streamed_chat_completion(openai_client: Any, live_server: Any) -> None:
    stream = openai_client.chat.completions.create(
        model="mein-modell", stream=True,
        messages=[{"role": "user", "content": [{"type": "text", "text": "Wie verstetige ich einen Makerspace?"}]}])
    chunks = list(stream)
    assert {chunk.model for chunk in chunks} == {"mein-modell"}
    assert len({chunk.id for chunk in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert "Makerspace" in text and "\n\nQuellen:\n[1] " in text
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert all(chunk.choices[0].finish_reason is None for chunk in chunks[:-1])
    citations = final.model_extra["citations"]
    assert citations and citations[0]["url"].startswith("/documents/")
    # the streamed answer is recorded: feedback can refer to it
    feedback = httpx.post(f"{live_server.url}/v1/feedback",
                          json={"answer_id": final.model_extra["answer_id"], "rating": "up"})
    assert feedback.status_code == 201


def test_raw_stream_ends_with_done(live_server: Any) -> None:
    body = {"model": "smartcity", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with httpx.stream("POST", f"{live_server.url}/v1/chat/completions", json=body, timeout=60) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    assert '"chat.completion.chunk"' in lines[0]


def test_conversation_history_resolves_a_follow_up(openai_client: Any) -> None:
    first = openai_client.chat.completions.create(model="smartcity", messages=[{"role": "user", "content": QUESTION}])
    follow_up = openai_client.chat.completions.create(model="smartcity", messages=[
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "Und wo fand er statt?"}])
    assert follow_up.model_extra["citations"][0]["document"] == WORKSHOP
    assert "Wismar" in follow_up.choices[0].message.content


def test_a_refusal_lists_further_reading(openai_client: Any) -> None:
    response = openai_client.chat.completions.create(
        model="smartcity", messages=[{"role": "user", "content": "Wer gewann die Fußball-WM 2014?"}])
    assert response.model_extra["refused"] is True and response.model_extra["citations"] == []
    assert "\n\nWeiterlesen:\n- " in response.choices[0].message.content


def test_errors_reach_the_client_as_openai_errors(openai_client: Any) -> None:
    from openai import BadRequestError, UnprocessableEntityError

    with pytest.raises(BadRequestError, match="role 'user'"):
        openai_client.chat.completions.create(model="smartcity", messages=[{"role": "assistant", "content": "Hallo"}])
    with pytest.raises(BadRequestError, match="at most 2000"):
        openai_client.chat.completions.create(model="smartcity", messages=[{"role": "user", "content": "x" * 2001}])
    with pytest.raises(UnprocessableEntityError):
        openai_client.chat.completions.create(model="smartcity", messages=[])


def test_models_are_listed(openai_client: Any) -> None:
    assert [model.id for model in openai_client.models.list()] == ["smartcity"]
