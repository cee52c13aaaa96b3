"""The API in process: `create_app(settings, services, ui=False)` under FastAPI's `TestClient`.

Each client runs the app's lifespan (warm-up included) and is closed after the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.fakes import ADMIN_TOKEN, HashEmbeddings
from tests.support.pdfs import write_pdf
from vectorstore.chroma import ChromaStore

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
CORPUS_PDF = "werkstatt.pdf"
CORPUS_LINES = ["Die Smart-City-Werkstatt fand im Rathaus von Beispielhausen statt.",
                "Es nahmen viele Fachleute aus der Verwaltung teil."]

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(settings: Settings, store: ChromaStore, embeddings: HashEmbeddings) -> Iterator[MakeClient]:
    """`make_client(services=None, raise_server_exceptions=True, **setting_overrides)`.

    Without `services`, the app gets the test's store and fake embeddings under settings with
    the overrides applied.
    """
    with ExitStack() as stack:
        def make(services: Services | None = None, raise_server_exceptions: bool = True,
                 **overrides: Any) -> TestClient:
            configured = settings.model_copy(update=overrides) if overrides else settings
            parts = services or Services(configured, store=store, embeddings=embeddings)
            app = create_app(parts.settings, parts, ui=False)
            return stack.enter_context(TestClient(app, raise_server_exceptions=raise_server_exceptions))

        yield make


@pytest.fixture
def client(make_client: MakeClient, seeded: Services) -> TestClient:
    """The API over the two small documents of the unit tier."""
    return make_client(seeded)


@pytest.fixture
def corpus_pdf(seeded: Services) -> Path:
    """A real PDF in the corpus folder, ingested through the real pipeline (fake embeddings)."""
    path = write_pdf(seeded.settings.corpus_dir / CORPUS_PDF, [CORPUS_LINES], title="Werkstattbericht")
    report = seeded.ingestor.ingest([path])
    assert [outcome.status for outcome in report.outcomes] == ["added"]
    return path


def sse_events(body: str) -> list[tuple[str | None, str]]:
    """(event name, data) of each server-sent event in `body`."""
    events: list[tuple[str | None, str]] = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name: str | None = None
        data: list[str] = []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        events.append((name, "\n".join(data)))
    return events


def error_of(response: Any) -> dict[str, str]:
    """The error envelope's inner object; fails unless the body has exactly that shape."""
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body["error"]  # type: ignore[no-any-return]


def json_events(body: str) -> list[tuple[str | None, Any]]:
    return [(name, json.loads(data)) for name, data in sse_events(body)]
