"""Running the synchronous answer pipeline as an async stream, off the event loop.

The first item is taken before the HTTP response starts, so errors that happen before any
output (unknown document, store down, ...) still become proper status codes; errors after
that travel inside the stream.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

from fastapi.sse import format_sse_event
from starlette.concurrency import run_in_threadpool

T = TypeVar("T")
_END: Any = object()

SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def start_stream(iterator: Iterator[T]) -> AsyncIterator[T]:
    """Take the first item now (raising any early error), then yield every item."""
    first = await run_in_threadpool(next, iterator, _END)

    async def items() -> AsyncIterator[T]:
        try:
            item = first
            while item is not _END:
                yield item
                item = await run_in_threadpool(next, iterator, _END)
        finally:
            _close(iterator)

    return items()


def _close(iterator: Iterator[Any]) -> None:
    """Close an abandoned generator (client gone); a running one is left to finish."""
    close = getattr(iterator, "close", None)
    if close is None:
        return
    with contextlib.suppress(ValueError):  # "generator already executing" in a worker thread
        close()


def sse_event(event: str, data: Any) -> bytes:
    """One named server-sent event with a JSON payload."""
    return format_sse_event(data_str=json.dumps(data, ensure_ascii=False), event=event)


def sse_data(data: Any) -> bytes:
    """An unnamed event (the OpenAI streaming format)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return format_sse_event(data_str=text)
