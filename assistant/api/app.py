"""The HTTP application: API under /v1, PDFs under /documents, the chat UI at /ui, the widget.

`create_app(settings, services)` builds it; `smartcity serve` runs it under uvicorn. Models
and indexes load once, in the lifespan, not per request. A store that is down at startup
does not stop the app: `/ready` answers 503 until the store is back.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from assistant.api.bodylimit import BodyLimitMiddleware
from assistant.api.errors import install_error_handlers
from assistant.api.ratelimit import RateLimiter
from assistant.api.routes import ask, documents, feedback, health, openai, widget
from assistant.api.schemas import ErrorResponse
from assistant.api.security import SecurityHeadersMiddleware
from assistant.settings import Settings
from assistant.wiring import Services
from ingest.errors import SmartCityError

log = logging.getLogger(__name__)

_DESCRIPTION = """\
Zitierte Antworten zu den Smart-City-Programmen (MPSC, Stadt.Land.Digital) aus den
Programmberichten – mit Quellenangabe (Dokument, Seite, Zitat) oder einer ehrlichen Absage.

Cited answers about the German Smart City programmes from the programme reports.

* Questions: `POST /v1/ask`, streamed: `POST /v1/ask/stream`, OpenAI-compatible:
  `POST /v1/chat/completions`
* Errors always look like `{"error": {"code": "...", "message": "..."}}`.
* Admin endpoints need `Authorization: Bearer <SMARTCITY_ADMIN_TOKEN>`.
"""
_TAGS = [
    {"name": "ask", "description": "Questions and cited answers"},
    {"name": "openai", "description": "OpenAI-compatible chat completions"},
    {"name": "documents", "description": "The indexed reports (upload and delete need the admin token)"},
    {"name": "feedback", "description": "Ratings of answers"},
    {"name": "health", "description": "Liveness and readiness probes"},
]


def create_app(settings: Settings, services: Services | None = None, *, ui: bool = True) -> FastAPI:
    """The whole app for `settings`; `services` lets the caller share already built parts.

    `ui=False` leaves out the Gradio chat UI at /ui: API only, e.g. behind another front end.
    """
    parts = services or Services(settings)
    app = FastAPI(title="Smart City Assistant", version=health.app_version(), description=_DESCRIPTION,
                  openapi_tags=_TAGS, lifespan=_lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.services = parts
    app.state.rate_limiter = RateLimiter(settings.rate_limit)
    install_error_handlers(app)
    invalid: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorResponse, "description": "Not valid JSON, or not matching the schema"}}
    for module in (ask, openai, documents, feedback, health, widget):
        app.include_router(module.router, responses=invalid)
    _install_docs(app)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost, so error responses carry CORS headers too; Starlette's own class and added
    # before the UI is mounted, so that Gradio leaves CORS to this policy. (A rejected
    # preflight is answered in plain text by Starlette; browsers do not show it anyway.)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"],
                       expose_headers=["Retry-After"], max_age=600)
    if ui:
        _mount_ui(app, parts, settings)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)  # browsers ask for it; nothing to log as a 404

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(warm_up, app.state.services)
    yield


def warm_up(services: Services) -> None:
    """Load the model, the store, the keyword index and the assistant once, before traffic."""
    services.embeddings.embed_question("Aufwärmen")
    services.assistant  # noqa: B018 - builds the retriever and answerer
    services.feedback  # noqa: B018 - creates the SQLite schema
    try:
        services.store.ping()
        snapshot = services.knowledge_base.snapshot()
    except SmartCityError as exc:  # the store is down or does not match the settings
        log.error("store not available at startup (%s); /ready answers 503 until it is", exc)
        return
    log.info("ready: %d documents, keyword index %s", len(snapshot.documents), snapshot.keyword.fingerprint)


def _install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs, from bundled assets when `fastapi-offline` is installed (no CDN)."""
    static = _offline_assets()
    if static is not None:
        app.mount("/docs-static", StaticFiles(directory=static), name="docs-static")
        js, css, icon = "/docs-static/swagger-ui-bundle.js", "/docs-static/swagger-ui.css", "/docs-static/favicon.png"
    else:
        log.info("fastapi-offline is not installed: /docs loads Swagger UI from a CDN")
        js = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
        css = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
        icon = "https://fastapi.tiangolo.com/img/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} – API",
                                   swagger_js_url=f"{root}{js}" if js.startswith("/") else js,
                                   swagger_css_url=f"{root}{css}" if css.startswith("/") else css,
                                   swagger_favicon_url=f"{root}{icon}" if icon.startswith("/") else icon)


def _offline_assets() -> Path | None:
    try:
        import fastapi_offline
    except ImportError:
        return None
    static = Path(fastapi_offline.__file__).parent / "static"
    return static if (static / "swagger-ui-bundle.js").is_file() else None


def _mount_ui(app: FastAPI, services: Services, settings: Settings) -> None:
    """Mount the Gradio chat UI at /ui (Gradio itself is imported only in `ui`, the edge)."""
    from ui.gradio_app import mount_ui

    mount_ui(app, services, settings, path="/ui")
