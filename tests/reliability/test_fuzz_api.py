"""Property-based API fuzzing from the app's own OpenAPI schema (schemathesis + hypothesis).

Every operation gets generated requests, valid and invalid, sent over HTTP to the real
server: no response may be a 5xx, and each must match what the schema declares (status
code, content type, body schema, headers). The admin operations are fuzzed only with a wrong
token, so nothing can be uploaded or deleted; the token check runs before the body is read.

Each operation's strategy is run with hypothesis directly (`operation.as_strategy()` + `@given`):
schemathesis' own pytest loader (`schemathesis.pytest.from_fixture`) fails under pytest 9
(`'Function' object has no attribute '_nodeid'`). Examples are derandomized, so CI runs the
same requests every time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.conftest import record_result
from tests.support.server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
STREAM_CHECKS = [check for check in CHECKS if check is not response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                         suppress_health_check=list(HealthCheck))
WRONG_TOKEN = {"Authorization": "Bearer not-the-admin-token"}
_STATUSES: dict[str, Counter[int]] = {}


OPERATIONS = [
    ("POST", "/v1/ask"), ("POST", "/v1/ask/stream"), ("POST", "/v1/chat/completions"), ("GET", "/v1/models"),
    ("GET", "/v1/documents"), ("GET", "/documents/{file}"), ("POST", "/v1/feedback"), ("GET", "/health"),
    ("GET", "/ready"),
]
ADMIN_OPERATIONS = [("POST", "/v1/documents"), ("DELETE", "/v1/documents/{file}"), ("GET", "/v1/feedback")]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# Invalid requests need something to break: a body. (The one path parameter is any file name.)
WITH_BODY = {("POST", "/v1/ask"), ("POST", "/v1/ask/stream"), ("POST", "/v1/chat/completions"),
             ("POST", "/v1/feedback")}
PUBLIC_CASES = [(method, path, mode) for method, path in OPERATIONS for mode in MODES
                if mode is GenerationMode.POSITIVE or (method, path) in WITH_BODY]
ADMIN_CASES = [(method, path, mode) for method, path in ADMIN_OPERATIONS for mode in MODES]


@pytest.fixture(scope="module")
def api_schema(reliability_server: LiveServer) -> Iterator[Any]:
    loaded = schemathesis.openapi.from_url(f"{reliability_server.url}/openapi.json")
    yield loaded
    total = sum(sum(counts.values()) for counts in _STATUSES.values())
    record_result("fuzz", {
        "max_examples_per_operation_and_mode": MAX_EXAMPLES, "operations": len(_STATUSES), "requests": total,
        "server_errors": sum(n for counts in _STATUSES.values() for status, n in counts.items() if status >= 500),
        "statuses": {label: dict(sorted(counts.items())) for label, counts in sorted(_STATUSES.items())}})


def _operations(schema: Any) -> set[tuple[str, str]]:
    return {(operation.method.upper(), operation.path)
            for result in schema.get_all_operations() for operation in [result.ok()]}


def test_every_operation_is_fuzzed(api_schema: Any) -> None:
    """A new endpoint must be added to the lists above (or it would go unfuzzed)."""
    assert _operations(api_schema) == set(OPERATIONS) | set(ADMIN_OPERATIONS)


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str] | None = None,
          expect: int | None = None) -> None:
    """Run up to MAX_EXAMPLES generated requests against the live server and check each response."""
    label = f"{operation.method.upper()} {operation.path}"

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if headers:
            case.headers = {**(case.headers or {}), **headers}
        response = case.call(timeout=120)
        _STATUSES.setdefault(label, Counter())[response.status_code] += 1
        streamed = _content_type(response).startswith("text/event-stream")
        # the event schema of streams has its own test below, so that it does not hide other failures
        case.validate_response(response, checks=STREAM_CHECKS if streamed else CHECKS)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text[:300])

    run()


def _ids(cases: list[tuple[str, str, GenerationMode]]) -> list[str]:
    return [f"{method} {path} {mode.value}" for method, path, mode in cases]


@pytest.mark.parametrize(("method", "path", "mode"), PUBLIC_CASES, ids=_ids(PUBLIC_CASES))
def test_public_operations_never_fail_and_match_the_schema(api_schema: Any, method: str, path: str,
                                                          mode: GenerationMode) -> None:
    _fuzz(api_schema[path][method], mode)


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/ask/stream", {"question": "Wie verstetige ich einen Makerspace?"}),
    ("/v1/chat/completions", {"stream": True, "messages": [{"role": "user", "content": "Was ist ein Makerspace?"}]}),
])
def test_streamed_events_match_the_documented_schema(api_schema: Any, path: str, body: dict[str, Any]) -> None:
    """Open API 3.1 has no place for an event's schema, so the `schema` of text/event-stream is read
    as the schema of each event (Open API 3.2 calls it `itemSchema`): declaring the stream as
    `{"type": "string"}` says every event is a string, while each is an object with `event` and `data`."""
    case = api_schema[path]["POST"].Case(body=body, media_type="application/json")
    response = case.call(timeout=120)
    assert response.status_code == 200 and _content_type(response).startswith("text/event-stream")
    case.validate_response(response, checks=[response_schema_conformance])


@pytest.mark.parametrize(("method", "path", "mode"), ADMIN_CASES, ids=_ids(ADMIN_CASES))
def test_admin_operations_with_a_wrong_token_are_refused(api_schema: Any, method: str, path: str,
                                                         mode: GenerationMode) -> None:
    _fuzz(api_schema[path][method], mode, headers=WRONG_TOKEN, expect=401)


def _content_type(response: Any) -> str:
    values = response.headers.get("content-type") or [""]  # schemathesis keeps header values as lists
    return str(values[0])


JSON_OPERATIONS = ["/v1/ask", "/v1/ask/stream", "/v1/chat/completions", "/v1/feedback"]
BAD_BODIES = {
    "undecodable": b'{"question": "\xff\xfe\xfa"}',  # not UTF-8: FastAPI answers 400, not 422
    "over_1_MiB": b'{"question": "' + b"x" * (1024 * 1024 + 16) + b'"}',  # BodyLimitMiddleware: 413
}


@pytest.mark.parametrize("kind", sorted(BAD_BODIES))
@pytest.mark.parametrize("path", JSON_OPERATIONS)
def test_body_errors_have_a_documented_status(api_schema: Any, reliability_server: LiveServer, path: str,
                                              kind: str) -> None:
    """The fuzzer's finding made exact: what the body parser and the size limit answer is declared."""
    documented = set(api_schema[path]["POST"].definition.raw["responses"])
    response = httpx.post(f"{reliability_server.url}{path}", content=BAD_BODIES[kind],
                          headers={"content-type": "application/json"}, timeout=60)
    assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}, response.text[:300]
    assert str(response.status_code) in documented, (
        f"{path} answers {response.status_code} {response.json()['error']['code']} "
        f"but documents only {sorted(documented)}")
