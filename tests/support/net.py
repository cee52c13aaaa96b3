"""Free ports, waiting for servers, and server processes owned by a test.

A server the suite starts (Chroma, llama.cpp) can die at start or in the middle of the
session: a llama.cpp built for another CPU is killed with SIGILL on its first matrix
multiply. `ServerProcess` keeps the process's output in a log file and turns such a death
into one failure that names the signal and shows the server's last lines, instead of a
"the language model is not reachable" in every test that happens to use it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

_LOG_TAIL_LINES = 40


class ServerDied(RuntimeError):
    """A test-owned server process exited; the message says how and what it printed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def describe_exit(returncode: int) -> str:
    """'killed by SIGILL (illegal instruction)' for -4, 'exited with status 2' for 2."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    try:
        number = signal.Signals(-returncode)
    except ValueError:
        return f"killed by signal {-returncode}"
    description = signal.strsignal(number) or ""
    return f"killed by {number.name} ({description.lower()})" if description else f"killed by {number.name}"


class ServerProcess:
    """A server subprocess whose output goes to `log`; `check()` raises `ServerDied` once it has exited."""

    def __init__(self, name: str, args: list[str], log: Path, url: str = "") -> None:
        self.name = name
        self.url = url  # where clients reach it
        self.args = args
        self.log = log
        self._handle = log.open("ab")  # a restarted server appends
        self.process = subprocess.Popen(args, stdout=self._handle, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output_tail(self, lines: int = _LOG_TAIL_LINES) -> str:
        self._handle.flush()
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check(self) -> None:
        """Raise `ServerDied` (signal or status, and the last lines of output) if the process has ended."""
        returncode = self.process.poll()
        if returncode is None:
            return
        raise ServerDied(
            f"the {self.name} server (pid {self.pid}) {describe_exit(returncode)}; "
            f"its last output ({self.log}):\n{self.output_tail() or '(nothing)'}"
        )

    def wait_until_ready(self, url: str, timeout: float) -> None:
        """Poll `url` until it answers; fail at once, with the server's output, if the process dies."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            self.check()
            try:
                httpx.get(url, timeout=2.0)
                return
            except httpx.HTTPError as exc:
                last = exc
                time.sleep(0.2)
        self.check()
        raise ServerDied(f"the {self.name} server did not answer {url} within {timeout:.0f}s ({last}); "
                         f"its last output ({self.log}):\n{self.output_tail() or '(nothing)'}")

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        """Send `how` (SIGTERM by default), wait, and kill the process if it does not end."""
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self._handle.close()


@contextmanager
def serving(name: str, args: list[str], ready_url: str, log: Path, timeout: float = 60.0,
            url: str = "") -> Iterator[ServerProcess]:
    """Start a server process (clients use `url`), wait until `ready_url` answers, stop it afterwards."""
    server = ServerProcess(name, args, log, url or ready_url)
    try:
        server.wait_until_ready(ready_url, timeout)
        yield server
    finally:
        server.stop()
