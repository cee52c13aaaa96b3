"""Admin authentication and the security/caching headers on every response."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.api.errors import ApiError

bearer = HTTPBearer(auto_error=False, description="SMARTCITY_ADMIN_TOKEN",
                    scheme_name="AdminToken")


async def require_admin(request: Request,
                        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    """Admin endpoints: off without SMARTCITY_ADMIN_TOKEN, else the exact bearer token."""
    token = request.app.state.settings.admin_token
    expected = token.get_secret_value() if isinstance(token, SecretStr) else str(token or "")
    if not expected:
        raise ApiError(403, "admin_disabled",
                       "Admin-Endpunkte sind abgeschaltet (SMARTCITY_ADMIN_TOKEN ist nicht gesetzt). / "
                       "Admin endpoints are disabled (SMARTCITY_ADMIN_TOKEN is not set).")
    challenge = {"WWW-Authenticate": 'Bearer realm="smartcity-admin"'}
    if credentials is None:
        raise ApiError(401, "unauthorized", "missing 'Authorization: Bearer <admin token>' header",
                       headers=challenge)
    if not hmac.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "invalid admin token",
                       headers={"WWW-Authenticate": 'Bearer realm="smartcity-admin", error="invalid_token"'})


_COMMON = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "SAMEORIGIN",
}
_API_CSP = "default-src 'none'; frame-ancestors 'none'"
_DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
             "img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


def _policy(path: str) -> tuple[str | None, str | None]:
    """(Cache-Control, Content-Security-Policy) defaults for a path; None leaves it alone."""
    if path.startswith("/v1/") or path in ("/health", "/ready"):
        return "no-store", _API_CSP
    if path.startswith("/documents/"):
        return "no-cache", None  # revalidated by ETag: an upload may replace a file of the same name
    if path == "/widget.js" or path.startswith("/widget/"):
        return "public, max-age=300", (_DEMO_CSP if path == "/widget/demo" else None)
    if path in ("/docs", "/openapi.json", "/docs/oauth2-redirect"):
        return "no-cache", None
    return None, None


class SecurityHeadersMiddleware:
    """Adds nosniff, referrer and frame policies, and per-path cache/CSP defaults.

    A pure ASGI middleware (not BaseHTTPMiddleware) so streamed responses pass unbuffered;
    headers a route sets itself win.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache_control, csp = _policy(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _COMMON.items():
                    headers.setdefault(name, value)
                if cache_control:
                    headers.setdefault("cache-control", cache_control)
                if csp:
                    headers.setdefault("content-security-policy", csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)

