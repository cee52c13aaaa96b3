"""What the figures were measured on, and the small process/disk probes the parts share."""

from __future__ import annotations

import os
import platform
import threading
from datetime import UTC, datetime
from pathlib import Path

import psutil


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name as the kernel reports it ('unknown' off Linux)."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, object]:
    """Date, CPU, cores, RAM and load: the context every benchmark figure needs."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": psutil.cpu_count(logical=True) or 0,
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "load_avg_1m": round(load[0], 2),
        "omp_env": {name: value for name, value in os.environ.items() if name.startswith("OMP_")},
    }


def dir_size(path: Path) -> int:
    """Bytes of all files under `path` (0 if it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue  # a file removed while walking
    return total


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its children (0 once it is gone)."""
    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for item in processes:
        try:
            total += item.memory_info().rss
        except psutil.Error:
            continue
    return total


def own_rss() -> int:
    return psutil.Process().memory_info().rss


class RssSampler:
    """Polls a process tree's RSS in a background thread and keeps the peak.

    Used as a context manager around the work whose memory peak matters (the HTTP load).
    """

    def __init__(self, pid: int, interval_s: float = 0.1) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak = tree_rss(pid)
        self.last = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.last = tree_rss(self.pid)
            self.peak = max(self.peak, self.last)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.last = tree_rss(self.pid)
        self.peak = max(self.peak, self.last)


def mib(value: int | float) -> float:
    return round(value / 2**20, 1)
