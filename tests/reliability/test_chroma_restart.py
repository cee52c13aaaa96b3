"""Chroma server mode: the Chroma server goes away mid-run and comes back; the app follows.

A real `chroma run` (owned by this test, so it can stop it) on a free port, two generated
PDFs ingested through it, the app on top. While Chroma is down `/ready` and the question
endpoints answer 503 `store_unavailable` in the JSON error shape; once Chroma is back on the
same port and path, the same app process answers again without a restart. One outage ends
with SIGTERM, one with SIGKILL (a crash); questions keep arriving all the time.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from assistant.wiring import Services
from tests.e2e.test_api import assert_error
from tests.reliability.conftest import ChromaProcess, fresh_services, record_result
from tests.support.pdfs import write_pdf
from tests.support.server import start_server
from tests.support.traffic import BackgroundQuestions

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

QUESTION = "Wann eröffnete die Stadt Quellbrunn den Zukunftshafen?"
OTHER_QUESTION = "Wie viele Ladepunkte betreibt das Stadtwerk Lindenau?"


class Traffic(BackgroundQuestions):
    """The question again and again; 503 while Chroma is down is expected, anything else is not."""

    def __init__(self, url: str) -> None:
        super().__init__(url, QUESTION, accepted=(200, 503))


def _wait_until(condition: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.25)
    pytest.fail(f"not within {timeout:.0f}s: {what}")


def _answers(http: httpx.Client) -> None:
    answer = http.post("/v1/ask", json={"question": QUESTION})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["refused"] is False and "4. Oktober 2029" in body["answer"], body
    assert body["citations"][0]["document"] == "zukunftshafen.pdf"
    other = http.post("/v1/ask", json={"question": OTHER_QUESTION}).json()
    assert other["refused"] is False and other["citations"][0]["document"] == "ladepunkte.pdf", other


def _explains_outage(http: httpx.Client) -> None:
    assert http.get("/health").status_code == 200
    assert_error(http.get("/ready"), 503, "store_unavailable")
    # Questions may still be answered from the in-memory snapshot (exact vectors of a small
    # store) until the manifest is due to be re-read (SMARTCITY_RETRIEVAL_REFRESH_SECONDS);
    # after that they get the 503.
    _wait_until(lambda: http.post("/v1/ask", json={"question": QUESTION}).status_code == 503,
                "questions answer 503 once the snapshot is due", timeout=30)
    for response in (http.post("/v1/ask", json={"question": QUESTION}),
                     http.post("/v1/ask/stream", json={"question": QUESTION}),
                     http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})):
        error = assert_error(response, 503, "store_unavailable")
        assert "nicht erreichbar" in error["message"] and "unavailable" in error["message"]
        assert "127.0.0.1" not in error["message"] and "Traceback" not in error["message"]
        assert response.headers.get("retry-after")


def test_app_survives_chroma_going_away_and_coming_back(chroma: ChromaProcess, tmp_path: Path,
                                                         ingested_services: Services) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    write_pdf(pdfs / "zukunftshafen.pdf", [[
        "Der Zukunftshafen Quellbrunn",
        "Die Stadt Quellbrunn eröffnete am 4. Oktober 2029 den Zukunftshafen.",
        "Der Zukunftshafen ist ein Reallabor für autonome Lastenräder im Hafenquartier."]],
        title="Zukunftshafen Quellbrunn")
    write_pdf(pdfs / "ladepunkte.pdf", [[
        "Ladeinfrastruktur in Lindenau",
        "Das Stadtwerk Lindenau betreibt 240 öffentliche Ladepunkte für Elektroautos.",
        "Die Ladepunkte werden mit Strom aus der Bürgersolaranlage versorgt."]],
        title="Ladeinfrastruktur Lindenau")
    services = fresh_services(ingested_services, tmp_path / "data", pdfs, chroma_url=chroma.url)
    report = services.ingestor.ingest([pdfs])
    assert not report.failed and report.to_json()["added"] == 2

    server = start_server(services.settings, services)
    outages = 0
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http, Traffic(server.url) as traffic:
            assert http.get("/ready").json()["documents"] == 2
            _answers(http)
            for how in (signal.SIGTERM, signal.SIGKILL):
                chroma.stop(how)
                outages += 1
                _explains_outage(http)
                served_before = traffic.statuses[200]
                chroma.start()  # same port, same path
                _wait_until(lambda: http.get("/ready").status_code == 200, "/ready is 200 again")
                assert http.get("/ready").json()["documents"] == 2
                _answers(http)
                listed = {d["file"] for d in http.get("/v1/documents").json()["documents"]}
                assert listed == {"zukunftshafen.pdf", "ladepunkte.pdf"}
                _wait_until(lambda served=served_before: traffic.statuses[200] > served,
                            "background questions succeed again")
        assert not traffic.problems, traffic.problems[:5]
        assert traffic.statuses[503] > 0 and traffic.statuses[200] > 0, traffic.statuses
    finally:
        server.stop()
    record_result("chroma_restart", {
        "outages": outages, "stops": ["SIGTERM", "SIGKILL"], "app_restarts": 0,
        "background_questions": dict(traffic.statuses), "unexpected_statuses": len(traffic.problems)})
