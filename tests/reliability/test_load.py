"""A bounded burst of mixed traffic against the real server: nothing fails, no feedback is lost.

300 requests, 16 at a time, over loopback: questions (JSON and streamed), the document list,
PDF downloads and feedback on the answers just given. Latencies are reported (printed and
written to test-artifacts/reliability.json), not asserted: speed belongs in the benchmarks.
"""

from __future__ import annotations

import json
import random
import statistics
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest

from assistant.wiring import Services
from tests.reliability.conftest import record_result
from tests.support.server import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REQUESTS = 300
CONCURRENCY = 16
MIX = {"ask": 90, "stream": 60, "documents": 45, "pdf": 45, "feedback": 60}
QUESTIONS = [
    "Wann fand der 11. Bundesländerworkshop statt?",
    "Wie verstetige ich einen Makerspace?",
    "Welche Erfolgsfaktoren gibt es für den Betrieb eines Stadtlabors?",
    "Wie hoch ist das durchschnittliche Fördervolumen je Modellprojekt in der Strategiephase?",
    "Wer gewann die Fußball-WM 2014?",  # refused, still a 200
    "What is a makerspace used for?",
]


@dataclass
class Outcome:
    kind: str
    status: int
    seconds: float
    problem: str = ""


class Burst:
    """Runs the tasks and keeps what is needed to check them afterwards."""

    def __init__(self, http: httpx.Client, corpus_dir: Path, token: str) -> None:
        self.http = http
        self.corpus_dir = corpus_dir
        self.token = token
        self.answer_ids: list[str] = []
        self.first_answer = threading.Event()
        self.lock = threading.Lock()
        self.feedback_sent: dict[str, str] = {}  # comment -> answer id, for 201 responses
        self.pdfs = sorted(path.name for path in corpus_dir.glob("*.pdf"))

    def run(self, index: int, kind: str) -> Outcome:
        started = time.perf_counter()
        try:
            status, problem = getattr(self, f"_{kind}")(index)
        except httpx.HTTPError as exc:
            status, problem = 0, f"{type(exc).__name__}: {exc}"
        return Outcome(kind, status, time.perf_counter() - started, problem)

    def _remember(self, answer_id: str) -> None:
        with self.lock:
            self.answer_ids.append(answer_id)
        self.first_answer.set()

    def _ask(self, index: int) -> tuple[int, str]:
        response = self.http.post("/v1/ask", json={"question": QUESTIONS[index % len(QUESTIONS)]})
        if response.status_code != 200:
            return response.status_code, response.text[:300]
        body = response.json()
        self._remember(body["id"])
        if not body["refused"] and not body["citations"]:
            return 200, "an answer without citations"
        return 200, ""

    def _stream(self, index: int) -> tuple[int, str]:
        question = QUESTIONS[(index + 3) % len(QUESTIONS)]
        with self.http.stream("POST", "/v1/ask/stream", json={"question": question}) as response:
            if response.status_code != 200:
                response.read()
                return response.status_code, response.text[:300]
            events = [line.removeprefix("event: ") for line in response.iter_lines() if line.startswith("event:")]
            if "error" in events or events[-2:] != ["citations", "done"]:
                return 200, f"stream ended with {events[-3:]}"
        return 200, ""

    def _documents(self, index: int) -> tuple[int, str]:
        response = self.http.get("/v1/documents")
        if response.status_code != 200:
            return response.status_code, response.text[:300]
        files = {document["file"] for document in response.json()["documents"]}
        return 200, "" if set(self.pdfs) <= files else f"documents missing from the list: {set(self.pdfs) - files}"

    def _pdf(self, index: int) -> tuple[int, str]:
        name = self.pdfs[index % len(self.pdfs)]
        response = self.http.get(f"/documents/{name}")
        if response.status_code != 200:
            return response.status_code, response.text[:300]
        same = response.content == (self.corpus_dir / name).read_bytes()
        return 200, "" if same else f"{name} arrived altered ({len(response.content)} bytes)"

    def _feedback(self, index: int) -> tuple[int, str]:
        if not self.first_answer.wait(timeout=300):
            return 0, "no answer id to rate"
        with self.lock:
            answer_id = self.answer_ids[index % len(self.answer_ids)]
        comment = f"load-{self.token}-{index}"
        response = self.http.post("/v1/feedback", json={
            "answer_id": answer_id, "rating": "up" if index % 2 else "down", "comment": comment})
        if response.status_code != 201:
            return response.status_code, response.text[:300]
        with self.lock:
            self.feedback_sent[comment] = answer_id
        return 201, ""


def _plan(seed: int = 9) -> list[str]:
    """CONCURRENCY questions first (so feedback has ids to rate), then the shuffled rest."""
    kinds = [kind for kind, count in MIX.items() for _ in range(count)]
    assert len(kinds) == REQUESTS
    for _ in range(CONCURRENCY):
        kinds.remove("ask")
    random.Random(seed).shuffle(kinds)
    return ["ask"] * CONCURRENCY + kinds


def _summary(seconds: list[float]) -> dict[str, float]:
    return {"n": len(seconds), "p50_ms": round(statistics.median(seconds) * 1000, 1),
            "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1)}


def test_mixed_burst_has_no_errors_and_loses_no_feedback(reliability_server: LiveServer,
                                                         ingested_services: Services, corpus_dir: Path) -> None:
    token = uuid.uuid4().hex[:10]
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(base_url=reliability_server.url, timeout=300, limits=limits) as http:
        burst = Burst(http, corpus_dir, token)
        plan = _plan()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            outcomes = list(pool.map(burst.run, range(len(plan)), plan))
        wall = time.perf_counter() - started
        ready = http.get("/ready")

    statuses = Counter(outcome.status for outcome in outcomes)
    failures = [outcome for outcome in outcomes if outcome.problem or outcome.status >= 500 or outcome.status == 0]
    by_kind = {kind: _summary([o.seconds for o in outcomes if o.kind == kind]) for kind in MIX}
    overall = _summary([outcome.seconds for outcome in outcomes])

    stored = [entry for entry in ingested_services.feedback.entries(limit=1_000_000)
              if entry.comment.startswith(f"load-{token}-")]
    figures = {"requests": len(outcomes), "concurrency": CONCURRENCY, "wall_s": round(wall, 1),
               "throughput_rps": round(len(outcomes) / wall, 1), "statuses": dict(statuses),
               "errors": len(failures), "server_errors": sum(1 for o in outcomes if o.status >= 500),
               "feedback_posted": MIX["feedback"], "feedback_stored": len(stored),
               "latency": {"all": overall, **by_kind}}
    record_result("load", figures)
    print("\nload:", json.dumps(figures, ensure_ascii=False))

    assert not failures, [(f.kind, f.status, f.problem) for f in failures[:10]]
    assert len(outcomes) == REQUESTS and set(statuses) <= {200, 201}, statuses
    assert ready.status_code == 200, ready.text
    # every feedback row that was acknowledged is stored, with the answer it was given for
    assert len(burst.feedback_sent) == MIX["feedback"]
    assert {entry.comment: entry.answer_id for entry in stored} == burst.feedback_sent
    assert {entry.answer_id for entry in stored} <= set(burst.answer_ids)
