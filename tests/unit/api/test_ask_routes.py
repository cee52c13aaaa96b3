"""`POST /v1/ask` and `POST /v1/ask/stream` (assistant/api/routes/ask.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from fastapi.testclient import TestClient

from assistant.answer.llm import LLMAnswerer
from assistant.answer.types import Draft
from assistant.query import Query
from assistant.wiring import Services
from tests.support.fakes import DroppingChatModel, scripted_chat
from tests.unit.api.conftest import MakeClient, error_of, json_events
from tests.unit.conftest import (
    MAKERSPACE,
    MIN_EVIDENCE,
    MOBILITY,
    UNRELATED_QUESTION,
    WORKSHOP_QUESTION,
    assistant_over,
    serving,
)
from vectorstore.hybrid import SearchResult

ANSWER_FIELDS = {"id", "answer", "refused", "mode", "language", "citations", "suggestions", "partial",
                 "unanswered", "evidence_score", "timings_ms"}


# --- POST /v1/ask ----------------------------------------------------------------------------

def test_ask_answers_with_citations(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ANSWER_FIELDS
    assert body["refused"] is False and body["mode"] == "extractive" and body["language"] == "de"
    assert "40 Fachleute" in body["answer"] and "[1]" in body["answer"]
    [citation] = body["citations"]
    assert citation["document"] == MAKERSPACE and citation["page"] == 2
    assert citation["url"] == f"/documents/{MAKERSPACE}#page=2"
    assert body["evidence_score"] >= MIN_EVIDENCE and body["timings_ms"]["total"] > 0


def test_ask_records_the_answer_for_feedback(client: TestClient, seeded: Services) -> None:
    answer_id = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).json()["id"]
    assert client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"}).status_code == 201
    assert seeded.feedback.entries()[0].question == WORKSHOP_QUESTION


def test_ask_refuses_with_suggestions(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": UNRELATED_QUESTION}).json()
    assert body["refused"] is True and body["citations"] == []
    assert body["answer"] == "Dazu finde ich in den vorliegenden Dokumenten keine Angabe."
    assert {suggestion["document"] for suggestion in body["suggestions"]} == {MAKERSPACE, MOBILITY}
    assert body["evidence_score"] < MIN_EVIDENCE


def test_ask_within_chosen_documents(client: TestClient) -> None:
    body = client.post("/v1/ask", json={"question": "Wo messen Sensoren die Luftqualität?",
                                        "documents": [MOBILITY]}).json()
    assert body["refused"] is False
    assert {citation["document"] for citation in body["citations"]} == {MOBILITY}


def test_ask_resolves_a_follow_up_from_the_history(client: TestClient) -> None:
    history = [{"role": "user", "content": "Was passierte bei der Smart-City-Werkstatt in Wismar?"},
               {"role": "assistant", "content": "Es nahmen Fachleute teil. [1]"}]
    body = client.post("/v1/ask", json={"question": "Und wie viele Fachleute nahmen teil?",
                                        "history": history}).json()
    assert body["refused"] is False and "40 Fachleute" in body["answer"]


@pytest.mark.parametrize(("question", "code"), [("", "empty_question"), ("   \n", "empty_question"),
                                                ("x" * 2001, "question_too_long")])
def test_ask_rejects_an_empty_or_too_long_question(client: TestClient, question: str, code: str) -> None:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 400
    assert error_of(response)["code"] == code


def test_the_too_long_message_names_the_limit(client: TestClient) -> None:
    message = error_of(client.post("/v1/ask", json={"question": "x" * 2001}))["message"]
    assert "2001" in message and "2000" in message


def test_ask_rejects_too_many_turns(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(max_history_turns=2)
    turns = [{"role": "user", "content": "Frage"}, {"role": "assistant", "content": "Antwort"}]
    assert client.post("/v1/ask", json={"question": WORKSHOP_QUESTION, "history": turns}).status_code == 200
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION, "history": turns + turns[:1]})
    assert response.status_code == 400
    assert error_of(response)["code"] == "too_many_turns"


@pytest.mark.parametrize("name", ["../makerspace.pdf", "sub/makerspace.pdf", ".hidden.pdf", "a\\b.pdf", ""])
def test_ask_rejects_a_bad_document_name(client: TestClient, name: str) -> None:
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION, "documents": [name]})
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_document_name"


def test_ask_about_an_unknown_document_is_404(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION, "documents": [MAKERSPACE, "nope.pdf"]})
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "unknown document(s): nope.pdf"}


@pytest.mark.parametrize("body", ['{"question": ', "not json", '{"question": "\xff"'])
def test_ask_with_malformed_json_is_422(client: TestClient, body: str) -> None:
    response = client.post("/v1/ask", content=body.encode("utf-8", "surrogateescape"),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error" and "JSON" in error["message"]


@pytest.mark.parametrize(("body", "where"), [
    ({}, "question"),
    ({"question": 42}, "question"),
    ({"question": "Frage", "colour": "blau"}, "colour"),
    ({"question": "Frage", "history": [{"role": "system", "content": "x"}]}, "history.0.role"),
    ({"question": "Frage", "documents": "makerspace.pdf"}, "documents"),
])
def test_ask_with_a_body_off_the_schema_is_422_naming_the_field(client: TestClient, body: dict[str, object],
                                                                where: str) -> None:
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error" and where in error["message"]


def test_a_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    response = client.post("/v1/ask", content=b'{"question": "' + b"x" * (1024 * 1024) + b'"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_ask_is_rate_limited_with_retry_after(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(rate_limit="2/minute")
    for _ in range(2):
        assert client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).status_code == 200
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION})
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_get_on_ask_is_405_in_the_envelope(client: TestClient) -> None:
    response = client.get("/v1/ask")
    assert response.status_code == 405
    assert error_of(response) == {"code": "method_not_allowed", "message": "GET is not allowed on /v1/ask"}


# --- POST /v1/ask/stream ---------------------------------------------------------------------

def test_the_stream_sends_tokens_then_citations_then_the_answer(client: TestClient) -> None:
    response = client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-store"
    events = json_events(response.text)
    names = [name for name, _ in events]
    assert names[-2:] == ["citations", "done"] and set(names[:-2]) == {"token"} and len(names) >= 3
    done = events[-1][1]
    assert set(done) == ANSWER_FIELDS
    assert "".join(data["text"] for name, data in events if name == "token") == done["answer"]
    citations = events[-2][1]
    assert citations == {key: done[key] for key in ("id", "refused", "citations", "suggestions")}
    assert done["citations"][0]["document"] == MAKERSPACE


def test_a_streamed_answer_is_recorded_for_feedback(client: TestClient) -> None:
    done = json_events(client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION}).text)[-1][1]
    assert client.post("/v1/feedback", json={"answer_id": done["id"], "rating": "down"}).status_code == 201


def test_a_streamed_refusal(client: TestClient) -> None:
    events = json_events(client.post("/v1/ask/stream", json={"question": UNRELATED_QUESTION}).text)
    assert events[-1][1]["refused"] is True and events[-2][1]["suggestions"]


def test_errors_before_the_stream_starts_are_json_responses(client: TestClient) -> None:
    response = client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION, "documents": ["nope.pdf"]})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert error_of(client.post("/v1/ask/stream", json={"question": " "}))["code"] == "empty_question"


def test_an_llm_failing_before_a_cited_sentence_is_a_503_and_shows_nothing(make_client: MakeClient,
                                                                              seeded: Services) -> None:
    """Uncited text is held back, so a reply that breaks off before its first marker never reaches the reader."""
    assistant = assistant_over(seeded, LLMAnswerer(DroppingChatModel()))
    client = make_client(serving(seeded, assistant))
    response = client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION})
    assert response.status_code == 503 and response.headers.get("retry-after")
    assert error_of(response)["code"] == "llm_unavailable" and "ReadTimeout" not in response.text


def test_the_tokens_of_a_refused_llm_answer_add_up_to_the_refusal(make_client: MakeClient,
                                                                  seeded: Services) -> None:
    uncited = "Das steht so nicht da, aber vermutlich 40."
    assistant = assistant_over(seeded, LLMAnswerer(scripted_chat(uncited)))
    client = make_client(serving(seeded, assistant))
    events = json_events(client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION}).text)
    done = events[-1][1]
    assert done["refused"] is True
    assert "".join(data["text"] for name, data in events if name == "token") == done["answer"]


class _BrokenAnswerer:
    """Starts an answer, then fails with a bug (not one of our errors)."""

    mode = "extractive"

    def answer(self, query: Query, evidence: SearchResult) -> Draft:  # pragma: no cover - not called
        raise NotImplementedError

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]:
        yield "Der Anfang. [1] "
        raise RuntimeError("secret internals /srv/app/db.py")


def test_a_bug_mid_stream_becomes_a_generic_error_event(make_client: MakeClient, seeded: Services) -> None:
    assistant = assistant_over(seeded, _BrokenAnswerer())
    client = make_client(serving(seeded, assistant))
    response = client.post("/v1/ask/stream", json={"question": WORKSHOP_QUESTION})
    name, error = json_events(response.text)[-1]
    assert name == "error" and error["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text


class _ExplodingRetriever:
    def search(self, query: str, k: int, documents: Sequence[str] | None = None,
               focus: Sequence[str] = ()) -> SearchResult:
        raise RuntimeError("secret internals /srv/app/db.py")


def test_a_bug_before_any_output_is_a_generic_500(make_client: MakeClient, seeded: Services) -> None:
    assistant = assistant_over(seeded, _BrokenAnswerer(), retriever=_ExplodingRetriever())
    client = make_client(serving(seeded, assistant), raise_server_exceptions=False)
    for path in ("/v1/ask", "/v1/ask/stream"):
        response = client.post(path, json={"question": WORKSHOP_QUESTION})
        assert response.status_code == 500
        error = error_of(response)
        assert error["code"] == "internal_error" and "secret" not in response.text
