"""`GET /health` and `GET /ready` (assistant/api/routes/health.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.api.routes.health import app_version
from assistant.wiring import Services
from tests.support.fakes import chroma_store, publish_passages, unreachable_store
from tests.unit.api.conftest import MakeClient, error_of
from tests.unit.conftest import MAKERSPACE_PASSAGES, MOBILITY_PASSAGES


def test_health_answers_while_the_process_runs(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": app_version()}
    assert response.headers["cache-control"] == "no-store"


def test_health_answers_even_when_the_store_is_down(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(Services(seeded.settings, store=unreachable_store(), embeddings=seeded.embeddings))
    assert client.get("/health").status_code == 200


def test_ready_counts_documents_and_chunks(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "documents": 2,
                               "chunks": len(MAKERSPACE_PASSAGES) + len(MOBILITY_PASSAGES)}


def test_ready_is_503_while_the_store_is_empty(make_client: MakeClient) -> None:
    response = make_client().get("/ready")
    assert response.status_code == 503
    assert error_of(response)["code"] == "no_documents"
    assert response.headers["retry-after"] == "10"


def test_ready_is_503_while_the_store_is_down(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(Services(seeded.settings, store=unreachable_store(), embeddings=seeded.embeddings))
    response = client.get("/ready")
    assert response.status_code == 503
    error = error_of(response)
    assert error["code"] == "store_unavailable" and error["message"].startswith("not ready: ")
    assert response.headers["retry-after"] == "10"


def test_ready_is_503_for_a_store_built_with_another_model(make_client: MakeClient, seeded: Services) -> None:
    other = chroma_store(seeded.settings.chroma_dir, embedding_model="another-model")
    client = make_client(Services(seeded.settings, store=other, embeddings=seeded.embeddings))
    response = client.get("/ready")
    assert response.status_code == 503
    assert error_of(response)["code"] == "store_mismatch"


def test_ready_follows_the_store_as_documents_arrive(make_client: MakeClient, services: Services) -> None:
    client = make_client(services)
    assert client.get("/ready").status_code == 503
    publish_passages(services.knowledge_base, services.embeddings, "neu.pdf", MAKERSPACE_PASSAGES)  # type: ignore[arg-type]
    assert client.get("/ready").json()["documents"] == 1
