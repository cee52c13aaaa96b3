"""Admin endpoints over HTTP: auth, upload -> ask -> delete, and every upload rejection.

Uploads go into the session's shared store, so each test deletes what it uploads.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_api import assert_error
from tests.support.pdfs import encrypted_pdf, pdf_bytes
from tests.support.server import start_server

pytestmark = pytest.mark.e2e

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"


def fact_pdf(date: str) -> bytes:
    """A small report with one distinctive fact no corpus document contains."""
    return pdf_bytes([
        ["Kapitel 1: Der Zukunftshafen Quellbrunn",
         f"Die Stadt Quellbrunn eröffnete am {date} den Zukunftshafen Quellbrunn.",
         "Der Zukunftshafen ist ein Reallabor für autonome Lastenräder im Hafenquartier.",
         "Betrieben wird er von der Quellbrunner Hafengenossenschaft.",
         "Das Reallabor erprobt die Zustellung von Paketen mit autonomen Lastenrädern."],
        ["Kapitel 2: Finanzierung",
         "Die Finanzierung des Zukunftshafens Quellbrunn sichert ein Fonds der Hafengenossenschaft.",
         "Die Stadt stellt die Flächen im Hafenquartier kostenfrei zur Verfügung."],
    ], title="Zukunftshafen Quellbrunn – Jahresbericht", author="Stadt Quellbrunn", keywords="Reallabor, 2031")


@pytest.fixture(scope="module")
def client(live_server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=120) as http:
        yield http


@pytest.fixture
def cleanup(client: httpx.Client) -> Iterator[list[str]]:
    """Names to delete after the test, whatever happens in it."""
    names: list[str] = []
    yield names
    for name in names:
        client.delete(f"/v1/documents/{name}", headers=AUTH)


def upload(client: httpx.Client, name: str, content: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post("/v1/documents", files={"file": (name, content, "application/pdf")},
                       headers=AUTH if headers is None else headers)


# --- auth ------------------------------------------------------------------------------------

def test_admin_endpoints_need_the_token(client: httpx.Client) -> None:
    missing = upload(client, "x.pdf", b"%PDF-1.4", headers={})
    assert_error(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert_error(upload(client, "x.pdf", b"%PDF-1.4", headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(upload(client, "x.pdf", b"%PDF-1.4", headers={"Authorization": f"Basic {ADMIN_TOKEN}"}), 401)
    assert_error(upload(client, "x.pdf", b"%PDF-1.4", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}), 401)
    assert_error(client.delete(f"/v1/documents/{WORKSHOP}"), 401)
    assert_error(client.delete(f"/v1/documents/{WORKSHOP}", headers={"Authorization": "Bearer nope"}), 401)
    assert client.get("/v1/documents").json()["documents"], "nothing may have been deleted"
    assert_error(client.delete("/v1/documents/gibt-es-nicht.pdf", headers=AUTH), 404, "not_found")


def test_admin_endpoints_are_off_without_a_token(live_settings: Any, ingested_services: Any) -> None:
    server = start_server(live_settings.model_copy(update={"admin_token": SecretStr("")}), ingested_services)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer anything"}):
                error = assert_error(http.delete(f"/v1/documents/{WORKSHOP}", headers=headers), 403, "admin_disabled")
                assert "SMARTCITY_ADMIN_TOKEN" in error["message"]
                assert_error(upload(http, "x.pdf", b"%PDF-1.4", headers=headers), 403, "admin_disabled")
            assert WORKSHOP in {d["file"] for d in http.get("/v1/documents").json()["documents"]}
    finally:
        server.stop()


def test_tokens_never_reach_the_logs(client: httpx.Client) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error", "assistant", "fastapi")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        client.delete("/v1/documents/gibt-es-nicht.pdf", headers=AUTH)
        client.delete("/v1/documents/gibt-es-nicht.pdf", headers={"Authorization": "Bearer secret-guess-123"})
        upload(client, "x.pdf", b"kein pdf")
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
    lines = [record.getMessage() for record in records]
    assert any("/v1/documents" in line for line in lines), "the access log was not captured"
    assert not any(ADMIN_TOKEN in line or "secret-guess-123" in line for line in lines)


# --- upload, ask, delete -----------------------------------------------------------------------

def test_upload_ask_replace_and_delete(client: httpx.Client, live_settings: Any, cleanup: list[str]) -> None:
    name = f"Zukunftshafen Quellbrunn {uuid.uuid4().hex[:6]}.pdf"
    cleanup.append(name)
    created = upload(client, name, fact_pdf("17. März 2031"))
    assert created.status_code == 201, created.text
    outcome = created.json()
    assert outcome["file"] == name and outcome["status"] == "added"
    assert outcome["pages"] == 2 and outcome["chunks"] >= 1
    assert outcome["document"]["source"] == "upload" and outcome["document"]["title"].startswith("Zukunftshafen")
    assert (live_settings.uploads_dir / name).is_file()

    listed = {d["file"]: d for d in client.get("/v1/documents").json()["documents"]}
    assert listed[name]["source"] == "upload"

    question = "Wann eröffnete die Stadt Quellbrunn den Zukunftshafen?"
    answer = client.post("/v1/ask", json={"question": question}).json()
    assert answer["refused"] is False and "17. März 2031" in answer["answer"]
    citation = answer["citations"][0]
    assert citation["document"] == name and citation["page"] == 1
    pdf = client.get(citation["url"].split("#")[0])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.content == (live_settings.uploads_dir / name).read_bytes()

    replaced = upload(client, name, fact_pdf("3. Mai 2032"))
    assert replaced.status_code == 201 and replaced.json()["status"] == "updated"
    answer = client.post("/v1/ask", json={"question": question}).json()
    assert "3. Mai 2032" in answer["answer"] and "17. März 2031" not in answer["answer"]

    deleted = client.delete(f"/v1/documents/{name}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json() == {"file": name, "removed": True, "file_deleted": True}
    assert not (live_settings.uploads_dir / name).exists()
    assert name not in {d["file"] for d in client.get("/v1/documents").json()["documents"]}
    assert_error(client.get(citation["url"].split("#")[0]), 404)
    after = client.post("/v1/ask", json={"question": question}).json()
    assert all(c["document"] != name for c in after["citations"]) and "2032" not in after["answer"]
    assert_error(client.delete(f"/v1/documents/{name}", headers=AUTH), 404)


def test_upload_names_are_sanitised(client: httpx.Client, live_settings: Any, cleanup: list[str]) -> None:
    token = uuid.uuid4().hex[:6]
    response = upload(client, f"../../etc/Bericht <{token}>;rm -rf.PDF", fact_pdf("1. Juni 2030"))
    assert response.status_code == 201, response.text
    name = response.json()["file"]
    cleanup.append(name)
    assert name == f"Bericht _{token}_rm -rf.pdf"
    assert (live_settings.uploads_dir / name).is_file()
    assert not list(live_settings.data_dir.parent.glob("etc*"))


# --- rejected uploads ----------------------------------------------------------------------------

def _uploads(settings: Any) -> set[Path]:
    folder = settings.uploads_dir
    return {path for path in folder.rglob("*") if path.is_file()} if folder.exists() else set()


def test_rejected_uploads_leave_nothing_behind(client: httpx.Client, live_settings: Any, tmp_path: Path) -> None:
    before = _uploads(live_settings)
    assert_error(upload(client, "notiz.pdf", b"Hallo, ich bin kein PDF."), 415, "not_a_pdf")
    assert_error(upload(client, "leer.pdf", b""), 415, "not_a_pdf")
    broken = upload(client, "kaputt.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 2000)
    assert "kaputt.pdf" in assert_error(broken, 422, "bad_document")["message"]
    locked = encrypted_pdf(tmp_path / "geheim.pdf", [["Vertraulich: Quellbrunn"]]).read_bytes()
    assert_error(upload(client, "geheim.pdf", locked), 422, "bad_document")
    assert _uploads(live_settings) == before
    files = {d["file"] for d in client.get("/v1/documents").json()["documents"]}
    assert not {"notiz.pdf", "leer.pdf", "kaputt.pdf", "geheim.pdf"} & files


def test_malformed_upload_requests(client: httpx.Client) -> None:
    assert_error(client.post("/v1/documents", headers=AUTH, data={"note": "no file"}, files={"other": ("a", b"x")}),
                 400, "missing_file")
    assert_error(client.post("/v1/documents", headers=AUTH, json={"file": "x"}), 415)
    assert_error(client.post("/v1/documents", headers=AUTH,
                             files=[("file", ("a.pdf", b"%PDF-1")), ("file", ("b.pdf", b"%PDF-1"))]), 400)


def test_a_corpus_document_cannot_be_overwritten(client: httpx.Client, corpus_dir: Path) -> None:
    error = assert_error(upload(client, WORKSHOP, fact_pdf("1. Januar 2030")), 409, "conflict")
    assert WORKSHOP in error["message"]
    served = client.get(f"/documents/{WORKSHOP}")
    assert served.content == (corpus_dir / WORKSHOP).read_bytes()


def test_oversized_uploads_are_rejected(live_settings: Any, ingested_services: Any) -> None:
    server = start_server(live_settings.model_copy(update={"max_upload_mb": 1}), ingested_services)
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            error = assert_error(upload(http, "gross.pdf", big), 413, "upload_too_large")
            assert "1 MB" in error["message"]
            boundary = "grenze123"
            head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gross.pdf\"\r\n"
                    "Content-Type: application/pdf\r\n\r\n").encode()
            tail = f"\r\n--{boundary}--\r\n".encode()

            def body() -> Iterator[bytes]:  # chunked: no Content-Length to check up front
                yield head
                for start in range(0, len(big), 256 * 1024):
                    yield big[start:start + 256 * 1024]
                yield tail

            chunked = http.post("/v1/documents", content=body(),
                                headers={**AUTH, "content-type": f"multipart/form-data; boundary={boundary}"})
            assert_error(chunked, 413, "upload_too_large")
    finally:
        server.stop()
    assert not (live_settings.uploads_dir / "gross.pdf").exists()
