"""Session-wide fixtures: the programme corpus ingested once, a real Chroma server on demand.

The corpus is embedded once per test session into one data directory that every layer
shares (`ingested_services`); unit tests use small generated PDFs instead.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings, load_settings
from assistant.wiring import Services
from tests.support.llama import TestModelMissing, llama_cpp_server
from tests.support.net import ServerDied, ServerProcess, free_port, serving

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("SMARTCITY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]



ADMIN_TOKEN = "test-admin-token-0123456789"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    for name in list(os.environ):
        if name.startswith("SMARTCITY_") and not name.startswith("SMARTCITY_TEST_"):
            del os.environ[name]  # tests configure themselves explicitly


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = (ROOT / ".." / "shared" / "corpus").resolve()
    if not path.is_dir():
        pytest.fail(f"the programme corpus is missing at {path}")
    return path


def make_settings(data_dir: Path, corpus: Path, **overrides: object) -> Settings:
    """Settings for tests: explicit values, nothing from the environment or .env."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "corpus_dir": corpus,
        "admin_token": ADMIN_TOKEN,
        "rate_limit": "0",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture(scope="session")
def session_settings(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Settings:
    data_dir = tmp_path_factory.mktemp("corpus-store")
    seed = os.environ.get("SMARTCITY_TEST_SEED_STORE")
    if seed:  # developer shortcut: start from a copy of an already ingested store
        shutil.copytree(seed, data_dir, dirs_exist_ok=True)
    return make_settings(data_dir, corpus_dir)


@pytest.fixture(scope="session")
def ingested_services(session_settings: Settings) -> Services:
    """The whole programme corpus, embedded once for the session."""
    services = Services(session_settings)
    report = services.ingestor.ingest([session_settings.corpus_dir])
    assert not report.failed, report.failed
    return services


@pytest.fixture
def small_settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    """A fresh, empty data dir for tests that ingest their own small PDFs."""
    return make_settings(tmp_path / "data", corpus_dir)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` on a free port, stopped after the session."""
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    url = f"http://127.0.0.1:{port}"
    with serving("chroma", [chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                 f"{url}/api/v2/heartbeat", path.parent / "chroma-server.log"):
        yield url


@pytest.fixture(scope="session")
def llm_server_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real OpenAI-compatible server: llama.cpp serving SmolLM2-135M on a free port.

    Its answers are poor; tests check the protocol and our citation handling, not wisdom.
    A server that dies at start fails here at once with its exit signal and output.
    """
    log = tmp_path_factory.mktemp("llm") / "server.log"
    try:
        with llama_cpp_server(log) as server:
            yield server
    except (TestModelMissing, ServerDied) as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def llm_server(llm_server_process: ServerProcess) -> Iterator[str]:
    """The llama.cpp server's `/v1` URL; the test fails with the server's signal and output if it died.

    Checked before the test (an earlier test may have crashed it) and after it (this test did):
    a SIGILL from a build for another CPU then reads as such, not as an unreachable LLM.
    """
    _fail_if_died(llm_server_process)
    yield llm_server_process.url
    _fail_if_died(llm_server_process)


def _fail_if_died(server: ServerProcess) -> None:
    try:
        server.check()
    except ServerDied as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
