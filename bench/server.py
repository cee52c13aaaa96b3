"""The real server as a user starts it: `smartcity serve --no-ingest` in its own process.

Cold start is the time from launching the command until `GET /ready` answers 200: imports,
settings, store, keyword index and whatever the app warms before it declares itself ready.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

from bench.ingest_bench import smartcity_command


class ServerProcess:
    """One `smartcity serve` process on loopback; a context manager that always stops it."""

    def __init__(self, data_dir: Path, corpus_dir: Path, port: int, log_path: Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.corpus_dir = corpus_dir
        self.port = port
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self._env = dict(os.environ if env is None else env)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: object = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process.pid

    def start(self, timeout_s: float = 180.0) -> float:
        """Launch and wait for `/ready` == 200; returns the cold start time in seconds."""
        env = self._env | {
            "SMARTCITY_DATA_DIR": str(self.data_dir),
            "SMARTCITY_CORPUS_DIR": str(self.corpus_dir),
            "SMARTCITY_RATE_LIMIT": "0",
            "SMARTCITY_HOST": "127.0.0.1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "ANONYMIZED_TELEMETRY": "False",
        }
        command = [*smartcity_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--no-ingest"]
        log = self.log_path.open("wb")
        self._log = log
        started = time.perf_counter()
        self._process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready(started, timeout_s)
        return time.perf_counter() - started

    def _wait_ready(self, started: float, timeout_s: float) -> None:
        assert self._process is not None
        with httpx.Client(trust_env=False, timeout=2.0) as client:
            while time.perf_counter() - started < timeout_s:
                if self._process.poll() is not None:
                    raise RuntimeError(f"the server exited with {self._process.returncode} before it was "
                                       f"ready; see {self.log_path}: {self.log_tail()}")
                try:
                    if client.get(f"{self.base_url}/ready").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass  # not listening yet
                time.sleep(0.05)
        raise TimeoutError(f"the server was not ready within {timeout_s:.0f}s; see {self.log_path}")

    def log_tail(self, chars: int = 800) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
