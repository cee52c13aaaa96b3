"""End-to-end fixtures: the real app under uvicorn on a free port, Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("SMARTCITY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


class LiveServer:
    """A uvicorn server running `app` in a background thread."""

    def __init__(self, app: Any, port: int) -> None:
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_server(settings: Settings, services: Services) -> LiveServer:
    from assistant.api.app import create_app

    return LiveServer(create_app(settings, services=services), free_port()).start()


@pytest.fixture(scope="session")
def widget_origin_port() -> int:
    """Port of the 'other origin' page that embeds the widget (allowed by CORS)."""
    return free_port()


@pytest.fixture(scope="session")
def live_settings(ingested_services: Services, widget_origin_port: int) -> Settings:
    return ingested_services.settings.model_copy(
        update={"cors_origins": [f"http://127.0.0.1:{widget_origin_port}"], "rate_limit": "0"})


@pytest.fixture(scope="session")
def live_server(live_settings: Settings, ingested_services: Services) -> Iterator[LiveServer]:
    """The full app (API, UI, widget) over the session's ingested corpus."""
    server = start_server(live_settings, ingested_services)
    yield server
    server.stop()


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
