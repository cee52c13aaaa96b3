"""Server-level policies over HTTP: CORS allowlist, rate limit, and a store that is down."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from assistant.wiring import Services
from tests.conftest import make_settings
from tests.e2e.test_api import assert_error
from tests.support.net import free_port
from tests.support.server import start_server

pytestmark = pytest.mark.e2e

QUESTION = "Wann fand der 11. Bundesländerworkshop statt?"


# --- CORS --------------------------------------------------------------------------------------

def test_cors_allows_only_the_configured_origins(live_server: Any, widget_origin_port: int) -> None:
    allowed = f"http://127.0.0.1:{widget_origin_port}"
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        answer = http.post("/v1/ask", json={"question": QUESTION}, headers={"Origin": allowed})
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == allowed
        assert "access-control-allow-credentials" not in answer.headers

        foreign = http.post("/v1/ask", json={"question": QUESTION}, headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in foreign.headers

        preflight = http.options("/v1/ask/stream", headers={
            "Origin": allowed, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == allowed
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "content-type" in preflight.headers["access-control-allow-headers"].lower()

        rejected = http.options("/v1/ask/stream", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert rejected.status_code == 400
        assert "access-control-allow-origin" not in rejected.headers

        errors = http.post("/v1/ask", json={"question": ""}, headers={"Origin": allowed})
        assert errors.status_code == 400 and errors.headers["access-control-allow-origin"] == allowed


# --- rate limit ----------------------------------------------------------------------------------

def test_rate_limit_per_client_with_retry_after(live_settings: Any, ingested_services: Any,
                                                widget_origin_port: int) -> None:
    server = start_server(live_settings.model_copy(update={"rate_limit": "3/minute"}), ingested_services)
    origin = f"http://127.0.0.1:{widget_origin_port}"
    try:
        with httpx.Client(base_url=server.url, timeout=60, headers={"Origin": origin}) as http:
            assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200
            with http.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as stream:
                assert stream.status_code == 200
                stream.read()
            chat = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
            assert chat.status_code == 200

            for method, path, body in [
                ("POST", "/v1/ask", {"question": QUESTION}),
                ("POST", "/v1/ask/stream", {"question": QUESTION}),
                ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": QUESTION}]}),
            ]:
                limited = http.request(method, path, json=body)
                error = assert_error(limited, 429, "rate_limited")
                retry_after = int(limited.headers["retry-after"])
                assert 1 <= retry_after <= 60 and f"{retry_after} s" in error["message"]
                # the widget on another origin can read the status and Retry-After
                assert limited.headers["access-control-allow-origin"] == origin
                assert "retry-after" in limited.headers["access-control-expose-headers"].lower()

            upload = http.post("/v1/documents", files={"file": ("a.pdf", b"%PDF-1.4")},
                               headers={"Authorization": "Bearer test-admin-token-0123456789"})
            assert_error(upload, 429, "rate_limited")

            # cheap endpoints are not limited
            assert http.get("/health").status_code == 200
            assert http.get("/v1/documents").status_code == 200
    finally:
        server.stop()


def test_rate_limit_off_with_zero(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        statuses = {http.post("/v1/ask", json={"question": "Was ist ein Makerspace?"}).status_code
                    for _ in range(8)}
    assert statuses == {200}


# --- store down ------------------------------------------------------------------------------------

def test_the_app_starts_and_explains_when_the_store_is_down(tmp_path: Any, corpus_dir: Any,
                                                            ingested_services: Any) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir, chroma_url=f"http://127.0.0.1:{free_port()}")
    server = start_server(settings, Services(settings))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert http.get("/health").status_code == 200
            not_ready = http.get("/ready")
            assert_error(not_ready, 503, "store_unavailable")
            for response in (http.post("/v1/ask", json={"question": QUESTION}),
                             http.post("/v1/ask/stream", json={"question": QUESTION}),
                             http.get("/v1/documents")):
                error = assert_error(response, 503, "store_unavailable")
                assert "nicht erreichbar" in error["message"] and "unavailable" in error["message"]
                assert "127.0.0.1" not in error["message"]
            assert_error(http.get("/documents/x.pdf"), 503, "store_unavailable")
    finally:
        server.stop()


def test_ready_is_503_for_an_empty_store(tmp_path: Any, corpus_dir: Any) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir)
    server = start_server(settings, Services(settings))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert_error(http.get("/ready"), 503, "no_documents")
            answer = http.post("/v1/ask", json={"question": QUESTION})
            assert answer.status_code == 200 and answer.json()["refused"] is True
    finally:
        server.stop()


# --- LLM down ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fallback", [False, True])
def test_an_unreachable_llm(live_settings: Any, fallback: bool) -> None:
    from assistant.settings import AnswerSettings, LLMSettings

    settings = live_settings.model_copy(update={
        "answer": AnswerSettings(mode="llm"),
        "llm": LLMSettings(base_url=f"http://127.0.0.1:{free_port()}/v1", model="nirgends", timeout_s=5,
                           fallback_extractive=fallback)})
    server = start_server(settings, Services(settings))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            response = http.post("/v1/ask", json={"question": QUESTION})
            if fallback:
                assert response.status_code == 200 and response.json()["mode"] == "extractive"
                assert "25. April 2023" in response.json()["answer"]
            else:
                error = assert_error(response, 503, "llm_unavailable")
                assert "Sprachmodell" in error["message"] and "nirgends" not in error["message"]
                assert_error(http.post("/v1/ask/stream", json={"question": QUESTION}), 503, "llm_unavailable")
    finally:
        server.stop()
