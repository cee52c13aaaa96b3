"""Liveness (`/health`: the process answers) and readiness (`/ready`: it can answer questions)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from assistant.api.deps import ServicesDep
from assistant.api.errors import ApiError
from assistant.api.schemas import ErrorResponse, Health, Ready
from vectorstore.errors import StoreMismatchError, StoreUnavailableError

router = APIRouter(tags=["health"])


def app_version() -> str:
    try:
        return version("smartcity")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/health", response_model=Health, summary="Liveness: always 200 while the process runs")
async def health() -> Health:
    return Health(version=app_version())


@router.get("/ready", response_model=Ready, summary="Readiness: the store answers and has documents",
            responses={503: {"model": ErrorResponse, "description": "Store unreachable or empty"}})
def ready(services: ServicesDep) -> Ready:
    try:
        services.store.ping()
        documents = services.knowledge_base.snapshot().documents
    except (StoreUnavailableError, StoreMismatchError) as exc:
        raise ApiError(503, exc.code, f"not ready: {exc}", headers={"Retry-After": "10"}) from None
    if not documents:
        raise ApiError(503, "no_documents", "not ready: no document is indexed yet (run `smartcity ingest`)",
                       headers={"Retry-After": "10"})
    return Ready(documents=len(documents), chunks=sum(record.chunks for record in documents))
