"""Secrets stay secret: the admin token check, and no token or LLM key in logs or error bodies.

Extends tests/e2e/test_api_admin.py (missing/wrong tokens, three admin requests' logs) with:
the comparison going through `hmac.compare_digest` for every shape of wrong token, and a
whole request cycle - server start, admin calls, questions in LLM mode while the LLM is
unreachable or rejects the key and repeats it in its error - captured at DEBUG from every
logger, uvicorn's access log included.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assistant.api import security
from assistant.settings import AnswerSettings, LLMSettings
from assistant.wiring import Services
from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_api import assert_error
from tests.reliability.conftest import record_result
from tests.reliability.llm_doubles import EchoingFailure
from tests.support.net import free_port
from tests.support.server import LiveServer, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

QUESTION = "Wann fand der 11. Bundesländerworkshop statt?"
# loggers that do not propagate to the root logger, so caplog would miss them
_OWN_HANDLERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "uvicorn.asgi")


@contextmanager
def uvicorn_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """uvicorn's own loggers (access log included) at DEBUG into `caplog` as well.

    Entered after the server is built: uvicorn's Config re-applies its logging config and
    would drop a handler added before.
    """
    loggers = [logging.getLogger(name) for name in _OWN_HANDLERS]
    saved = [(logger.level, logger.disabled) for logger in loggers]
    for logger in loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    try:
        yield
    finally:
        for logger, (level, disabled) in zip(loggers, saved, strict=True):
            logger.removeHandler(caplog.handler)
            logger.setLevel(level)
            logger.disabled = disabled


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(repr(record.exc_info[1]))
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


# --- the token comparison ------------------------------------------------------------------------

WRONG_TOKENS: dict[str, bytes] = {
    "empty": b"Bearer",
    "prefix of the token": f"Bearer {ADMIN_TOKEN[:-1]}".encode(),
    "token plus one character": f"Bearer {ADMIN_TOKEN}0".encode(),
    "same length, last character differs": f"Bearer {ADMIN_TOKEN[:-1]}X".encode(),
    "same length, first character differs": f"Bearer X{ADMIN_TOKEN[1:]}".encode(),
    "different case": f"Bearer {ADMIN_TOKEN.upper()}".encode(),
    "token inside a longer string": f"Bearer x{ADMIN_TOKEN}x".encode(),
    "non-ASCII": "Bearer tökén-ß-€".encode(),
    "8 KB": b"Bearer " + b"A" * 8192,
    "lower-case scheme": f"bearer {ADMIN_TOKEN}x".encode(),
}


def test_every_wrong_token_is_compared_in_constant_time(reliability_server: LiveServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Functional tests cannot see timing; this shows every comparison goes through compare_digest."""
    calls: list[tuple[type, type]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((type(a), type(b)))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", spy)
    with httpx.Client(base_url=reliability_server.url, timeout=60) as http:
        for label, header in WRONG_TOKENS.items():
            before = len(calls)
            response = http.delete("/v1/documents/gibt-es-nicht.pdf", headers={"Authorization": header})
            assert response.status_code == 401, label
            error = assert_error(response, 401, "unauthorized")
            assert ADMIN_TOKEN not in response.text and "tök" not in error["message"], label
            compared = len(calls) - before
            # an empty credential is refused before any comparison (nothing to compare)
            assert compared == (0 if label == "empty" else 1), (label, compared)
        right = http.delete("/v1/documents/gibt-es-nicht.pdf", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert_error(right, 404, "not_found")
    assert calls and all(types == (bytes, bytes) for types in calls), calls


# --- no secret in logs or error bodies ----------------------------------------------------------

def _llm_server(ingested_services: Services, base_url: str, api_key: str) -> LiveServer:
    """The app in LLM mode without fallback, over the session's corpus store."""
    settings = ingested_services.settings.model_copy(update={
        "rate_limit": "0", "admin_token": SecretStr(ADMIN_TOKEN), "answer": AnswerSettings(mode="llm"),
        "llm": LLMSettings(base_url=base_url, model="secret-model", api_key=SecretStr(api_key), timeout_s=5,
                           fallback_extractive=False)})
    services = ingested_services.sharing(settings, feedback=ingested_services.feedback)
    return start_server(settings, services)


def _request_cycle(http: httpx.Client, wrong_token: str) -> list[httpx.Response]:
    """Admin calls with right and wrong tokens, and every kind of question."""
    responses = [
        http.delete("/v1/documents/gibt-es-nicht.pdf", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}),
        http.delete("/v1/documents/gibt-es-nicht.pdf", headers={"Authorization": f"Bearer {wrong_token}"}),
        http.post("/v1/documents", files={"file": ("x.pdf", b"kein pdf")},
                  headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}),
        http.post("/v1/documents", files={"file": ("x.pdf", b"%PDF-1.4")},
                  headers={"Authorization": f"Bearer {wrong_token}"}),
        http.post("/v1/ask", json={"question": QUESTION}),
        http.post("/v1/ask", json={"question": "Und wo?", "history": [
            {"role": "user", "content": QUESTION}, {"role": "assistant", "content": "Am 25. April 2023. [1]"}]}),
        http.post("/v1/ask/stream", json={"question": QUESTION}),
        http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}),
        http.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": QUESTION}]}),
        http.get("/ready"),
    ]
    return responses


@pytest.mark.parametrize("llm", ["unreachable", "rejects the key (401)", "fails (500)"])
def test_no_secret_reaches_logs_or_error_bodies(ingested_services: Services, caplog: pytest.LogCaptureFixture,
                                                llm: str) -> None:
    api_key = f"sk-test-SECRET-{uuid.uuid4().hex}"
    wrong_token = f"guess-{uuid.uuid4().hex}"
    secrets = [api_key, api_key.removeprefix("sk-"), ADMIN_TOKEN, wrong_token]
    failure = {"rejects the key (401)": EchoingFailure(401), "fails (500)": EchoingFailure(500)}.get(llm)
    with caplog.at_level(logging.DEBUG):  # every logger that propagates, from server start to stop
        if failure is None:
            responses = _cycle(caplog, ingested_services, f"http://127.0.0.1:{free_port()}/v1", api_key, wrong_token)
        else:
            with failure:
                responses = _cycle(caplog, ingested_services, failure.base_url, api_key, wrong_token)
    logs = _log_text(caplog)
    if failure is not None:  # the key really went out, and came back inside the provider's error
        assert failure.keys_seen and set(failure.keys_seen) == {api_key}

    assert "/v1/ask" in logs and '"POST /v1/documents HTTP/1.1" 401' in logs, "the access log was not captured"
    assert any(record.name.startswith("openai") for record in caplog.records), "the LLM client's DEBUG log is missing"
    for secret in secrets:
        assert secret not in logs, f"a secret is in the logs ({llm})"
        for response in responses:
            assert secret not in response.text and secret not in str(response.headers), response.request.url
    statuses = [response.status_code for response in responses]
    assert statuses[:4] == [404, 401, 415, 401], statuses
    llm_errors = [response for response in responses[4:9] if response.status_code == 503]
    assert len(llm_errors) == 5, statuses  # the streamed chat completion, too, fails before it starts
    for response in llm_errors:
        error = assert_error(response, 503, "llm_unavailable")
        assert "secret-model" not in error["message"] and "127.0.0.1" not in error["message"]
    record_result(f"secrets_{llm.split()[0]}", {"requests": len(responses), "log_records_checked": len(caplog.records),
                                                "secrets_found": 0})


def _cycle(caplog: pytest.LogCaptureFixture, ingested_services: Services, base_url: str, api_key: str,
           wrong_token: str) -> list[httpx.Response]:
    server = _llm_server(ingested_services, base_url, api_key)
    try:
        with uvicorn_logged(caplog), httpx.Client(base_url=server.url, timeout=60) as http:
            return _request_cycle(http, wrong_token)
    finally:
        server.stop()
