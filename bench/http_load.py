"""Throughput through the real HTTP server: N concurrent clients, a fixed number of requests.

Each client is a thread sharing one keep-alive `httpx.Client` (loopback only, no proxies);
clients take the next question from the fixed list until the request budget is spent, so
the server always has exactly N requests in flight.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.stats import summarize


def ask_once(client: httpx.Client, base_url: str, question: str) -> tuple[bool, float, str]:
    """POST /v1/ask; (ok, milliseconds, error text). ok means 200 with an `answer` field."""
    started = time.perf_counter()
    try:
        response = client.post(f"{base_url}/v1/ask", json={"question": question})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return False, elapsed, f"HTTP {response.status_code}: {response.text[:200]}"
        if "answer" not in response.json():
            return False, elapsed, "200 without an 'answer' field"
        return True, elapsed, ""
    except (httpx.HTTPError, ValueError) as exc:
        return False, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"


def run_load(base_url: str, questions: Sequence[str], concurrency: int, requests: int,
             timeout_s: float = 120.0) -> dict[str, Any]:
    """Send `requests` questions with `concurrency` clients; throughput, errors and latency."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client_loop(client: httpx.Client) -> None:
        while True:
            with lock:
                index = next(counter)
            if index >= requests:
                return
            ok, elapsed, error = ask_once(client, base_url, questions[index % len(questions)])
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors.append(error)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(trust_env=False, timeout=timeout_s, limits=limits) as client:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="load") as pool:
            for future in [pool.submit(client_loop, client) for _ in range(concurrency)]:
                future.result()
        seconds = time.perf_counter() - started
    return {
        "concurrency": concurrency,
        "requests": requests,
        "ok": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
        "seconds": round(seconds, 3),
        "throughput_rps": round(len(latencies) / seconds, 2) if seconds else 0.0,
        "latency_ms": summarize(latencies),
    }


def first_answer_ms(base_url: str, question: str, timeout_s: float = 120.0) -> float:
    """Latency of the very first question after start (what the first user waits)."""
    with httpx.Client(trust_env=False, timeout=timeout_s) as client:
        ok, elapsed, error = ask_once(client, base_url, question)
    if not ok:
        raise RuntimeError(f"the first question failed: {error}")
    return round(elapsed, 1)
