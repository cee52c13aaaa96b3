"""`POST /v1/feedback` (assistant/api/routes/feedback.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.wiring import Services
from tests.unit.api.conftest import error_of
from tests.unit.conftest import WORKSHOP_QUESTION


@pytest.fixture
def answer_id(client: TestClient) -> str:
    return str(client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).json()["id"])


def test_feedback_is_stored_with_rating_comment_and_source(client: TestClient, seeded: Services,
                                                           answer_id: str) -> None:
    response = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down",
                                                 "comment": "Seite stimmt nicht.", "source": "widget"})
    assert response.status_code == 201
    [entry] = seeded.feedback.entries()
    assert response.json() == {"id": entry.id}
    assert (entry.answer_id, entry.rating, entry.comment, entry.source, entry.question) == (
        answer_id, "down", "Seite stimmt nicht.", "widget", WORKSHOP_QUESTION)


def test_feedback_on_an_unknown_answer_is_404(client: TestClient) -> None:
    response = client.post("/v1/feedback", json={"answer_id": "does-not-exist", "rating": "up"})
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": "no answer with id 'does-not-exist'"}


@pytest.mark.parametrize("body", [
    {"rating": "up"},
    {"answer_id": "", "rating": "up"},
    {"answer_id": "x", "rating": "meh"},
    {"answer_id": "x", "rating": "up", "source": "email"},
    {"answer_id": "x", "rating": "up", "comment": "x" * 2001},
    {"answer_id": "x", "rating": "up", "stars": 5},
])
def test_feedback_off_the_schema_is_422(client: TestClient, seeded: Services, body: dict[str, object]) -> None:
    response = client.post("/v1/feedback", json=body)
    assert response.status_code == 422 and error_of(response)["code"] == "validation_error"
    assert seeded.feedback.count() == 0
