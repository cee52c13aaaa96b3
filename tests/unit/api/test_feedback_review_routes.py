"""`GET /v1/feedback` (assistant/api/routes/feedback.py): admin only, filters, pages, the OpenAPI description."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.wiring import Services
from tests.unit.api.conftest import ADMIN, MakeClient, error_of
from tests.unit.test_feedback_review import ANSWERED, CITATION, HISTORY, QUESTION, REFUSED, seed_feedback


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    return seed_feedback(services.feedback)


@pytest.fixture
def client(make_client: MakeClient, services: Services) -> TestClient:
    return make_client(services)


def listed(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/feedback", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


def test_the_feedback_is_listed_with_its_answers_newest_first(client: TestClient, ids: dict[str, int]) -> None:
    body = listed(client)
    assert (body["total"], body["next_cursor"]) == (3, None)
    refused, down, up = body["items"]
    assert [refused["id"], down["id"], up["id"]] == [ids["down_api"], ids["down_widget"], ids["up_ui"]]
    assert {key: down[key] for key in ("rating", "comment", "source", "answer_id", "question", "refused")} == {
        "rating": "down", "comment": "Die Seitenangabe für Wismar stimmt nicht.", "source": "widget",
        "answer_id": ANSWERED, "question": QUESTION, "refused": False}
    assert down["citations"] == [CITATION.to_dict()] and down["created_at"] == "2025-02-01T23:59:59+00:00"
    assert refused["answer_id"] == REFUSED and refused["citations"] == []
    assert refused["history"] == [{"role": turn.role, "content": turn.content} for turn in HISTORY]


@pytest.mark.parametrize("params, expected", [
    ({"rating": "down"}, ["down_api", "down_widget"]),
    ({"source": "ui"}, ["up_ui"]),
    ({"since": "2025-02-01"}, ["down_api", "down_widget"]),
    ({"rating": "down", "since": "2025-02-02", "source": "api"}, ["down_api"]),
    ({"source": "widget", "rating": "up"}, []),
])
def test_filters_are_query_parameters(client: TestClient, ids: dict[str, int], params: dict[str, str],
                                      expected: list[str]) -> None:
    body = listed(client, **params)
    assert [item["id"] for item in body["items"]] == [ids[name] for name in expected]
    assert body["total"] == len(expected)


def test_pages_follow_the_cursor(client: TestClient, services: Services, ids: dict[str, int]) -> None:
    first = listed(client, limit=2)
    assert [item["id"] for item in first["items"]] == [ids["down_api"], ids["down_widget"]]
    assert (first["total"], first["next_cursor"]) == (3, ids["down_widget"])
    services.feedback.add(ANSWERED, "up")  # new feedback does not shift the pages already handed out
    second = listed(client, limit=2, cursor=first["next_cursor"])
    assert [item["id"] for item in second["items"]] == [ids["up_ui"]]
    assert (second["total"], second["next_cursor"]) == (4, None)


def test_an_empty_store_lists_nothing(client: TestClient) -> None:
    assert listed(client) == {"items": [], "total": 0, "next_cursor": None}


@pytest.mark.parametrize("params", [{"rating": "meh"}, {"since": "01.02.2025"}, {"source": "email"},
                                    {"limit": 0}, {"limit": 501}, {"cursor": 0}, {"cursor": "x"}])
def test_bad_query_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/v1/feedback", params=params, headers=ADMIN)
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_listing_without_the_admin_token_is_401(client: TestClient, ids: dict[str, int]) -> None:
    response = client.get("/v1/feedback")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert QUESTION not in response.text


def test_listing_with_a_wrong_token_is_401(client: TestClient, ids: dict[str, int]) -> None:
    response = client.get("/v1/feedback", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthorized", "message": "invalid admin token"}


def test_listing_is_off_without_an_admin_token_setting(make_client: MakeClient, ids: dict[str, int]) -> None:
    client = make_client(admin_token=SecretStr(""))
    response = client.get("/v1/feedback", headers=ADMIN)
    assert response.status_code == 403
    assert error_of(response)["code"] == "admin_disabled"


def test_rating_still_needs_no_token(client: TestClient, services: Services, ids: dict[str, int]) -> None:
    response = client.post("/v1/feedback", json={"answer_id": ANSWERED, "rating": "up"})
    assert response.status_code == 201
    assert services.feedback.count() == 4


def test_the_route_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/v1/feedback"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "rating", "since", "source", "limit", "cursor"}
    assert operation["security"] == [{"AdminToken": []}]
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/FeedbackList")
    assert "admin" in operation["summary"]
    listing = schema["components"]["schemas"]["FeedbackList"]
    assert listing["examples"][0]["items"][0]["rating"] == "down"
    assert "post" in schema["paths"]["/v1/feedback"]  # rating is still there, without security
    assert "security" not in schema["paths"]["/v1/feedback"]["post"]
