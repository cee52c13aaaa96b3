"""The error envelope (assistant/api/errors.py): one shape for every error, no stack traces, Retry-After."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.answer.llm import LLMAnswerer
from assistant.wiring import Services
from tests.support.fakes import UnreachableChatModel, unreachable_store
from tests.unit.api.conftest import MakeClient, error_of
from tests.unit.conftest import WORKSHOP_QUESTION, assistant_over, serving
from vectorstore.errors import StoreUnavailableError

QUESTION = {"question": WORKSHOP_QUESTION}


@pytest.fixture
def down(make_client: MakeClient, seeded: Services) -> TestClient:
    """The API with the Chroma server down (every store call raises `StoreUnavailableError`)."""
    return make_client(Services(seeded.settings, store=unreachable_store(), embeddings=seeded.embeddings))


def test_an_unknown_path_is_404_in_the_envelope(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "nothing at /v1/nothing-here"}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/ask", QUESTION),
    ("POST", "/v1/ask/stream", QUESTION),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": WORKSHOP_QUESTION}]}),
    ("GET", "/v1/documents", None),
    ("GET", "/documents/makerspace.pdf", None),
])
def test_a_store_that_is_down_is_503_with_retry_after(down: TestClient, method: str, path: str,
                                                      body: dict[str, object] | None) -> None:
    response = down.request(method, path, json=body)
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(StoreUnavailableError.retry_after_s)
    error = error_of(response)
    assert error["code"] == "store_unavailable"
    assert error["message"] == StoreUnavailableError().client_message()  # not the connection detail
    assert "Connection refused" not in response.text


def test_an_llm_that_is_down_without_fallback_is_503_with_retry_after(make_client: MakeClient,
                                                                      seeded: Services) -> None:
    assistant = assistant_over(seeded, LLMAnswerer(UnreachableChatModel()))
    client = make_client(serving(seeded, assistant))
    for path in ("/v1/ask", "/v1/ask/stream"):
        response = client.post(path, json=QUESTION)
        assert response.status_code == 503 and response.headers["retry-after"] == "30"
        error = error_of(response)
        assert error["code"] == "llm_unavailable" and "ConnectError" not in error["message"]


def test_a_public_error_shows_its_detail_and_a_private_one_the_user_messages(client: TestClient,
                                                                             down: TestClient) -> None:
    public = error_of(client.post("/v1/ask", json={"question": "x" * 2001}))["message"]
    assert public == "the question has 2001 characters; at most 2000 are allowed"
    private = error_of(down.post("/v1/ask", json=QUESTION))["message"]
    assert " / " in private and "Dokumentensuche" in private and "document search" in private
