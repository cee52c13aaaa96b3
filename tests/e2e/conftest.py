"""End-to-end fixtures: the full app over the session's corpus, and a CORS-allowed other origin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.net import free_port
from tests.support.server import LiveServer, start_server


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


