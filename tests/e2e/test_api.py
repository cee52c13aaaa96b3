"""The HTTP API over the real corpus, served by uvicorn, called over HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"
WORKSHOP_QUESTION = "Wann fand der 11. Bundesländerworkshop statt?"
MAKERSPACE_QUESTION = "Wie verstetige ich einen Makerspace?"


@pytest.fixture(scope="module")
def client(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        yield http


def sse_events(response: httpx.Response) -> list[tuple[str, Any]]:
    """Parse a text/event-stream body into (event, JSON data) pairs."""
    events: list[tuple[str, Any]] = []
    name, data = "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return events


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, str]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


# --- health --------------------------------------------------------------------------------

def test_health_and_ready(client: httpx.Client) -> None:
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["documents"] >= 5 and ready.json()["chunks"] > 100


# --- asking --------------------------------------------------------------------------------

def test_ask_answers_with_a_citation_of_the_right_page(client: httpx.Client) -> None:
    response = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["refused"] is False
    assert "25. April 2023" in answer["answer"]
    assert re.fullmatch(r"[0-9a-f]{32}", answer["id"])
    assert {"id", "answer", "refused", "mode", "citations", "suggestions", "timings_ms"} <= set(answer)
    first = answer["citations"][0]
    assert first["document"] == WORKSHOP and first["page"] >= 1
    assert first["url"] == f"/documents/{WORKSHOP}#page={first['page']}"
    assert "25. April 2023" in first["quote"]
    assert f"[{first['n']}]" in answer["answer"]


def test_ask_refuses_what_the_reports_do_not_cover(client: httpx.Client) -> None:
    answer = client.post("/v1/ask", json={"question": "Wer gewann die Fußball-WM 2014?"}).json()
    assert answer["refused"] is True
    assert answer["citations"] == []
    assert answer["suggestions"] and all(s["url"].startswith("/documents/") for s in answer["suggestions"])


def test_ask_uses_the_history_for_a_follow_up(client: httpx.Client) -> None:
    history = [{"role": "user", "content": WORKSHOP_QUESTION},
               {"role": "assistant", "content": "Am 25. April 2023 in Wismar. [1]"}]
    answer = client.post("/v1/ask", json={"question": "Und wo fand er statt?", "history": history}).json()
    assert answer["refused"] is False
    assert answer["citations"][0]["document"] == WORKSHOP


def test_ask_can_be_restricted_to_documents(client: httpx.Client) -> None:
    other = "mpsc_ankerorte-des-digitalen-wandels_studie.pdf"
    answer = client.post("/v1/ask", json={"question": MAKERSPACE_QUESTION, "documents": [other]}).json()
    assert answer["citations"] and {c["document"] for c in answer["citations"]} == {other}


def test_stream_sends_tokens_then_citations_then_done(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ask/stream", json={"question": MAKERSPACE_QUESTION}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response)
    names = [name for name, _ in events]
    assert names[0] == "token" and names[-2:] == ["citations", "done"]
    assert set(names[:-2]) == {"token"} and len(names) > 3
    done = events[-1][1]
    citations = events[-2][1]
    assert "".join(data["text"] for name, data in events if name == "token").strip() == done["answer"].strip()
    assert citations["id"] == done["id"] and citations["citations"] == done["citations"]
    assert done["refused"] is False and done["citations"][0]["url"].startswith("/documents/")


def test_stream_errors_before_the_first_token_are_plain_http_errors(client: httpx.Client) -> None:
    response = client.post("/v1/ask/stream", json={"question": MAKERSPACE_QUESTION, "documents": ["nope.pdf"]})
    assert "nope.pdf" in assert_error(response, 404)["message"]


# --- feedback ------------------------------------------------------------------------------

def test_feedback_on_an_answer(client: httpx.Client, ingested_services: Any) -> None:
    answer = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).json()
    created = client.post("/v1/feedback", json={"answer_id": answer["id"], "rating": "up", "comment": "gut"})
    assert created.status_code == 201 and isinstance(created.json()["id"], int)
    stored = next(entry for entry in ingested_services.feedback.entries() if entry.id == created.json()["id"])
    assert stored.answer_id == answer["id"] and stored.question == WORKSHOP_QUESTION and stored.comment == "gut"


def test_feedback_on_a_streamed_answer(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ask/stream", json={"question": WORKSHOP_QUESTION}) as response:
        answer_id = sse_events(response)[-1][1]["id"]
    assert client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down"}).status_code == 201


def test_feedback_errors(client: httpx.Client) -> None:
    assert_error(client.post("/v1/feedback", json={"answer_id": "0" * 32, "rating": "up"}), 404, "not_found")
    assert_error(client.post("/v1/feedback", json={"answer_id": "x", "rating": "meh"}), 422, "validation_error")


# --- request errors --------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "status", "code"), [
    ({"question": "x" * 2001}, 400, "question_too_long"),
    ({"question": "   "}, 400, "empty_question"),
    ({"question": "Was?", "history": [{"role": "user", "content": "a"}] * 21}, 400, "too_many_turns"),
    ({"question": MAKERSPACE_QUESTION, "documents": ["gibt-es-nicht.pdf"]}, 404, "not_found"),
    ({"question": MAKERSPACE_QUESTION, "documents": ["../etc/passwd"]}, 400, "invalid_document_name"),
    ({"question": 42}, 422, "validation_error"),
    ({"question": "Was?", "history": [{"role": "system", "content": "x"}]}, 422, "validation_error"),
    ({"question": "Was?", "history": "nein"}, 422, "validation_error"),
    ({"questoin": "Tippfehler"}, 422, "validation_error"),
    ({}, 422, "validation_error"),
])
def test_ask_rejects_bad_requests_with_json_errors(client: httpx.Client, body: dict[str, Any], status: int,
                                                   code: str) -> None:
    for path in ("/v1/ask", "/v1/ask/stream"):
        assert_error(client.post(path, json=body), status, code)


def test_malformed_bodies_and_unknown_routes(client: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    assert "JSON" in assert_error(client.post("/v1/ask", content=b'{"question": ', headers=headers), 422)["message"]
    assert_error(client.post("/v1/ask", content=b"\xff\xfe", headers=headers), 422)
    assert_error(client.post("/v1/ask", content=b"question=x", headers={"content-type": "text/plain"}), 422)
    assert_error(client.post("/v1/ask", content=b"[1, 2]", headers=headers), 422)
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    not_allowed = client.put("/v1/ask", json={"question": "x"})
    assert_error(not_allowed, 405, "method_not_allowed")
    assert "POST" in not_allowed.headers["allow"]


def test_oversized_json_body_is_rejected(client: httpx.Client) -> None:
    body = json.dumps({"question": "x", "history": [{"role": "user", "content": "y" * 20_000}] * 60})
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413, "payload_too_large")
    chunked = client.post("/v1/ask", content=iter([body.encode()[i:i + 65536] for i in range(0, len(body), 65536)]),
                          headers={"content-type": "application/json"})
    assert chunked.request.headers.get("transfer-encoding") == "chunked"  # no Content-Length to check
    assert_error(chunked, 413, "payload_too_large")


# --- documents -------------------------------------------------------------------------------

def test_documents_are_listed(client: httpx.Client, corpus_dir: Any) -> None:
    documents = client.get("/v1/documents").json()["documents"]
    files = {document["file"] for document in documents}
    assert {path.name for path in corpus_dir.glob("*.pdf")} <= files
    workshop = next(document for document in documents if document["file"] == WORKSHOP)
    assert workshop["year"] == 2023 and workshop["pages"] == 11 and workshop["chunks"] > 0
    assert workshop["ingested_at"] and workshop["source"] == "corpus"
    assert workshop["url"] == f"/documents/{WORKSHOP}"


def test_a_cited_pdf_is_served_inline(client: httpx.Client, corpus_dir: Any) -> None:
    citation = client.post("/v1/ask", json={"question": WORKSHOP_QUESTION}).json()["citations"][0]
    response = client.get(citation["url"].split("#")[0])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.content == (corpus_dir / WORKSHOP).read_bytes()
    partial = client.get(f"/documents/{WORKSHOP}", headers={"Range": "bytes=0-4"})
    assert partial.status_code == 206 and partial.content == b"%PDF-"
    assert client.head(f"/documents/{WORKSHOP}").status_code == 200


@pytest.mark.parametrize("path", [
    "/documents/..%2F..%2F..%2Fetc%2Fpasswd",
    "/documents/%2e%2e%2fREADME.md",
    "/documents/..%5C..%5Cetc%5Cpasswd",
    "/documents/README.md",
    "/documents/.hidden.pdf",
    "/documents/nicht-im-index.pdf",
    "/documents/%2Fetc%2Fpasswd",
    "/documents/x%00.pdf",
])
def test_only_indexed_pdfs_are_served(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert_error(response, 404)
    assert "root:" not in response.text


def test_raw_path_traversal_is_rejected(live_server: Any) -> None:
    # httpx normalises "..", so send the request line as is.
    import socket

    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as sock:
        sock.sendall(b"GET /documents/../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404") and b"root:" not in reply


# --- headers, docs, widget -------------------------------------------------------------------

def test_security_and_cache_headers(client: httpx.Client) -> None:
    api = client.get("/v1/documents")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in api.headers["content-security-policy"]
    assert client.get("/health").headers["cache-control"] == "no-store"
    widget = client.get("/widget.js")
    assert widget.headers["cache-control"].startswith("public")
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"


def test_openapi_documents_every_endpoint_with_examples(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/v1/ask", "post"), ("/v1/ask/stream", "post"), ("/v1/chat/completions", "post"),
                         ("/v1/documents", "get"), ("/v1/documents", "post"), ("/v1/documents/{file}", "delete"),
                         ("/documents/{file}", "get"), ("/v1/feedback", "post"), ("/health", "get"),
                         ("/ready", "get")]:
        assert method in paths[path], (path, method)
    schemas = spec["components"]["schemas"]
    assert schemas["AskRequest"]["examples"][0]["question"]
    assert schemas["AnswerResponse"]["examples"][0]["citations"]
    assert "HTTPValidationError" not in json.dumps(spec)
    assert "ErrorResponse" in json.dumps(paths["/v1/ask"]["post"]["responses"]["422"])
    assert paths["/v1/documents"]["post"]["security"] == [{"AdminToken": []}]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


def test_docs_need_no_cdn(client: httpx.Client) -> None:
    pytest.importorskip("fastapi_offline")
    docs = client.get("/docs").text
    assert "cdn." not in docs
    script = re.search(r'<script src="([^"]+)"', docs)
    assert script and client.get(script.group(1)).status_code == 200


def test_root_redirects_to_the_ui(client: httpx.Client) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code in (302, 307) and response.headers["location"] in ("/ui/", "/docs")
    assert client.get("/", follow_redirects=True).status_code == 200


def test_widget_script_and_demo_are_served(client: httpx.Client) -> None:
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in script.text and "innerHTML" not in script.text
    demo = client.get("/widget/demo")
    assert demo.status_code == 200 and demo.headers["content-type"].startswith("text/html")
    assert 'src="/widget.js"' in demo.text
    assert "script-src 'self'" in demo.headers["content-security-policy"]
