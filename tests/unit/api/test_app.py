"""The application (assistant/api/app.py): routes, middleware, startup, docs, and the UI switch."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from assistant.api import app as app_module
from assistant.api import routes as routes_package
from assistant.api.app import create_app
from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.fakes import EMBEDDING_MODEL, chroma_client
from tests.unit.api.conftest import MakeClient
from tests.unit.conftest import WORKSHOP_QUESTION
from vectorstore.chroma import ChromaStore

# Every route of the app, each tested in tests/unit/api/test_<module>_routes.py; a new route must be added here.
ROUTES = {
    ("POST", "/v1/ask"), ("POST", "/v1/ask/stream"),
    ("POST", "/v1/chat/completions"), ("GET", "/v1/models"),
    ("GET", "/v1/documents"), ("POST", "/v1/documents"), ("DELETE", "/v1/documents/{file}"),
    ("GET", "/documents/{file}"), ("HEAD", "/documents/{file}"),
    ("POST", "/v1/feedback"), ("GET", "/v1/feedback"),
    ("GET", "/health"), ("GET", "/ready"),
    ("GET", "/widget.js"), ("GET", "/widget/demo"), ("GET", "/widget/demo.css"),
    ("GET", "/docs"), ("GET", "/"), ("GET", "/favicon.ico"),
}


def _api_routes(routes: list[Any]) -> set[tuple[str, str]]:
    return {(method, route.path) for route in routes if isinstance(route, APIRoute) for method in route.methods}


def test_the_app_has_exactly_the_tested_routes(settings: Settings, services: Services) -> None:
    app = create_app(settings, services, ui=False)
    found = _api_routes(app.routes)  # the app's own
    for module in pkgutil.iter_modules(routes_package.__path__):  # and every router module's
        found |= _api_routes(importlib.import_module(f"{routes_package.__name__}.{module.name}").router.routes)
    assert found == ROUTES


def test_without_the_ui_the_api_serves_alone(client: TestClient) -> None:
    assert client.get("/ui/").status_code == 404
    assert client.get("/health").status_code == 200


def test_the_ui_is_mounted_unless_switched_off(settings: Settings, services: Services,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    mounted: list[object] = []
    monkeypatch.setattr(app_module, "_mount_ui", lambda app, parts, config: mounted.append(app))
    default = create_app(settings, services)  # (the real UI is tested end to end, with Gradio)
    create_app(settings, services, ui=False)
    assert mounted == [default]


def test_the_root_redirects_to_the_ui_and_the_favicon_is_empty(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/ui/"
    assert client.get("/favicon.ico").status_code == 204


def test_the_api_docs_are_served_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/ask/stream", "/v1/chat/completions", "/v1/feedback"} <= set(schema["paths"])
    assert "/widget.js" not in schema["paths"]


# --- headers ---------------------------------------------------------------------------------

def test_api_responses_carry_the_security_headers(client: TestClient) -> None:
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_allowed_origins_get_cors_headers_even_on_errors(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(cors_origins=["https://portal.example"])
    allowed = {"Origin": "https://portal.example"}
    response = client.post("/v1/ask", json={"question": ""}, headers=allowed)
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "https://portal.example"
    preflight = client.options("/v1/ask", headers=allowed | {"Access-Control-Request-Method": "POST",
                                                             "Access-Control-Request-Headers": "Content-Type"})
    assert preflight.status_code == 200 and "POST" in preflight.headers["access-control-allow-methods"]
    other = client.post("/v1/ask", json={"question": ""}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


# --- startup with the store down -------------------------------------------------------------

class _FlakyClientFactory:
    """Chroma that refuses the first `failures` connections, then works."""

    def __init__(self, settings: Settings, failures: int) -> None:
        self.settings = settings
        self.failures = failures

    def __call__(self) -> Any:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Connection refused")
        return chroma_client(self.settings.chroma_dir)


def test_a_store_down_at_startup_does_not_stop_the_app(make_client: MakeClient, seeded: Services) -> None:
    factory = _FlakyClientFactory(seeded.settings, failures=1)
    store = ChromaStore(factory, EMBEDDING_MODEL)
    client = make_client(Services(seeded.settings, store=store, embeddings=seeded.embeddings))  # warm-up fails
    assert factory.failures == 0
    assert client.get("/ready").json()["documents"] == 2  # the store is back: no restart needed
    assert client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).json()["refused"] is False
