"""The real app under uvicorn on a free port, in a background thread (for e2e and reliability tests)."""

from __future__ import annotations

import threading
import time
from typing import Any

from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.net import free_port


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
