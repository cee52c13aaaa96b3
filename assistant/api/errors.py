"""Every error the API returns has one shape: ``{"error": {"code", "message"}}``.

FastAPI's default handlers (404/405 from routing, 422 from validation) are replaced, our
own `SmartCityError` classes carry their status, code and message (`describe` reads them),
and anything unexpected becomes a generic 500 whose details stay in the server log. Clients
never see a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import SmartCityError

log = logging.getLogger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
INTERNAL_MESSAGE = SmartCityError().client_message()


class ApiError(SmartCityError):
    """An HTTP-level refusal of the API layer itself (auth, rate limit, uploads): status per instance."""

    public = True

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code
        self.headers = headers or {}


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=headers)


def describe(exc: Exception) -> tuple[int, str, str]:
    """Status, code and client-safe message for any exception (also used inside streams).

    Our own errors carry all three; anything else is a bug, logged with its traceback and
    answered with a generic 500.
    """
    if not isinstance(exc, SmartCityError):
        log.error("unexpected error", exc_info=exc)
        return 500, "internal_error", INTERNAL_MESSAGE
    if exc.http_status >= 500:
        log.warning("%s: %s", type(exc).__name__, exc)
    return exc.http_status, exc.code, exc.client_message()


def _headers(exc: SmartCityError) -> dict[str, str] | None:
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.retry_after_s is not None:
        headers.setdefault("Retry-After", str(exc.retry_after_s))
    return headers or None


def _validation_message(exc: RequestValidationError) -> str:
    """One readable line per problem: where it is and what is wrong, never the input."""
    parts: list[str] = []
    for error in exc.errors()[:5]:
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        if error.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
            continue
        parts.append(f"{location or 'body'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _smartcity_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SmartCityError)
    status, code, message = describe(exc)
    return error_response(status, code, message, _headers(exc))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        # A body that is not (UTF-8) JSON: the same answer as any other malformed body.
        return error_response(422, "validation_error", "body: the request body is not valid JSON")
    code = _STATUS_CODES.get(exc.status_code, "error")
    if exc.status_code == 404:
        message = f"nothing at {request.url.path}"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "validation_error", _validation_message(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", INTERNAL_MESSAGE)


def install_error_handlers(app: FastAPI) -> None:
    """Replace FastAPI's default error responses with the JSON error envelope."""
    app.add_exception_handler(SmartCityError, _smartcity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
