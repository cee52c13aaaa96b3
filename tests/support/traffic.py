"""Questions asked over HTTP in a background loop while a test breaks something underneath."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Collection
from typing import Any, Self

import httpx


class BackgroundQuestions:
    """Posts one question to `/v1/ask` again and again; counts statuses and collects problems.

    `accepted` are the statuses a test tolerates (others are problems); subclasses look at
    each successful answer in `check_answer`.
    """

    def __init__(self, url: str, question: str, accepted: Collection[int] = (200,),
                 pause_s: float = 0.05) -> None:
        self.url = url
        self.question = question
        self.accepted = frozenset(accepted)
        self.pause_s = pause_s
        self.statuses: Counter[int] = Counter()
        self.problems: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def check_answer(self, answer: dict[str, Any]) -> None:
        """Hook for a test's own invariant on each 200 answer."""

    def _loop(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as http:
            while not self._stop.is_set():
                try:
                    response = http.post("/v1/ask", json={"question": self.question})
                except httpx.HTTPError as exc:
                    self.problems.append(f"{type(exc).__name__}: {exc}")
                    continue
                self.statuses[response.status_code] += 1
                if response.status_code not in self.accepted:
                    self.problems.append(f"{response.status_code}: {response.text[:200]}")
                elif response.status_code == 200:
                    self.check_answer(response.json())
                time.sleep(self.pause_s)
