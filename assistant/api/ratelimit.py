"""Per-client rate limit for the expensive endpoints (questions and uploads).

A moving window in process memory (the `limits` library): each replica counts on its own,
so N replicas behind a load balancer allow up to N times the limit in total. The client is
`request.client.host`; behind a reverse proxy uvicorn rewrites it from X-Forwarded-For
only for proxies listed in FORWARDED_ALLOW_IPS (see docs/deployment.md), so clients
cannot pick their own key by sending the header.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from assistant.api.errors import ApiError


class RateLimiter:
    """`check(key)` counts one hit and raises a 429 `ApiError` with Retry-After when over."""

    def __init__(self, rate: str) -> None:
        self.item: RateLimitItem | None = None if rate.strip() == "0" else parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, key: str) -> None:
        if self.item is None or self._limiter.hit(self.item, "smartcity", key):
            return
        reset_at, _ = self._limiter.get_window_stats(self.item, "smartcity", key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429, "rate_limited",
            f"Zu viele Anfragen – bitte in {retry_after} s erneut versuchen. / "
            f"Too many requests – please retry in {retry_after} s (limit {self.item}).",
            headers={"Retry-After": str(retry_after)},
        )


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def rate_limited(request: Request) -> None:
    """Dependency for the endpoints that cost compute."""
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.check(client_key(request))
