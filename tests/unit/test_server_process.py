"""The suite's own server supervision: a server that dies is reported with its signal and output."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support.net import ServerDied, ServerProcess, describe_exit, free_port, serving


def test_exit_descriptions_name_the_signal() -> None:
    assert describe_exit(-signal.SIGILL) == "killed by SIGILL (illegal instruction)"
    assert describe_exit(-signal.SIGKILL).startswith("killed by SIGKILL")
    assert describe_exit(2) == "exited with status 2"


def test_a_server_that_dies_at_start_fails_at_once_with_its_output(tmp_path: Path) -> None:
    crash = ("import os, signal, sys; print('ggml: loading model', flush=True); "
             "os.kill(os.getpid(), signal.SIGILL)")
    started = time.monotonic()
    with pytest.raises(ServerDied) as error, \
            serving("llama.cpp", [sys.executable, "-c", crash], "http://127.0.0.1:9/never", tmp_path / "log",
                    timeout=60):
        pass
    assert time.monotonic() - started < 20  # not the 60 s readiness timeout
    message = str(error.value)
    assert "SIGILL (illegal instruction)" in message
    assert "ggml: loading model" in message


def test_a_server_killed_later_is_reported_by_check(tmp_path: Path) -> None:
    port = free_port()
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with serving("http", args, f"http://127.0.0.1:{port}/", tmp_path / "log") as server:
        server.check()  # alive: no error
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        with pytest.raises(ServerDied, match=r"http server \(pid \d+\) killed by SIGKILL"):
            server.check()


def test_restarting_a_server_appends_to_its_log(tmp_path: Path) -> None:
    log = tmp_path / "log"
    for run in ("first", "second"):
        server = ServerProcess("echo", [sys.executable, "-c", f"print('{run}')"], log)
        server.process.wait(timeout=10)
        server.stop()
    assert log.read_text().split() == ["first", "second"]
