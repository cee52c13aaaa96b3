"""Fixtures for the reliability and security tests: dedicated servers, fresh stores, a Chroma
server the test owns, and the results file that docs/reliability.md quotes.

The servers here are the real app under uvicorn (`tests.support.server.start_server`). Stores
that a test may fill with hostile or throw-away documents live in their own data directory
and share only the already loaded embedding model with the session's corpus store.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.wiring import Services
from tests.conftest import ARTIFACTS, make_settings
from tests.support.net import ServerProcess, free_port
from tests.support.server import LiveServer, start_server

RESULTS = ARTIFACTS / "reliability.json"


def record_result(section: str, data: dict[str, Any]) -> None:
    """Merge one test's figures into test-artifacts/reliability.json (docs/reliability.md quotes it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {}
    results[section] = {**data, "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}
    fd, temp = tempfile.mkstemp(dir=ARTIFACTS, prefix=".reliability-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=2, ensure_ascii=False, sort_keys=True)
    os.replace(temp, RESULTS)


def fresh_services(base: Services, data_dir: Path, corpus_dir: Path, **overrides: object) -> Services:
    """A `Services` over an empty store in `data_dir`, sharing the loaded embedding model of `base`."""
    settings = make_settings(data_dir, corpus_dir, **overrides)
    return Services(settings, embeddings=base.embeddings)


@pytest.fixture(scope="session")
def reliability_settings(ingested_services: Services) -> Settings:
    """The session's corpus store with the rate limit off (load and fuzzing send many requests)."""
    return ingested_services.settings.model_copy(update={"rate_limit": "0"})


@pytest.fixture(scope="session")
def reliability_server(reliability_settings: Settings, ingested_services: Services) -> Iterator[LiveServer]:
    """A dedicated app over the ingested corpus, shared by the load and fuzz tests."""
    server = start_server(reliability_settings, ingested_services)
    yield server
    server.stop()


class ChromaProcess:
    """`chroma run` on a fixed port and path, which the test may stop and start again."""

    def __init__(self, port: int, path: Path, log: Path) -> None:
        self.port = port
        self.path = path
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.server: ServerProcess | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
        self.server = ServerProcess(
            "chroma", [chroma, "run", "--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.path)],
            self.log)
        self.server.wait_until_ready(f"{self.url}/api/v2/heartbeat", timeout=60)

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        if self.server is not None:
            self.server.stop(how)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaProcess]:
    server = ChromaProcess(free_port(), tmp_path / "chroma-server", tmp_path / "chroma.log")
    server.start()
    yield server
    server.stop(signal.SIGKILL)
