"""A size limit on JSON request bodies, answered with the usual JSON error.

Starlette's own body limit answers in plain text when the Content-Length is too large;
this one checks the header first and counts streamed bytes otherwise. The upload endpoint
has its own, larger limit (SMARTCITY_MAX_UPLOAD_MB) and the mounted UI its own rules.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import error_response

# Far above any legal question plus history; keeps a client from making us parse megabytes.
MAX_JSON_BODY = 1024 * 1024
_EXEMPT = ("/v1/documents", "/ui")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_JSON_BODY) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(_EXEMPT):
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            response = error_response(413, "payload_too_large", self._message())
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"the request body is larger than {self.max_bytes // 1024} KiB"
