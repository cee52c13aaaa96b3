"""FastAPI dependencies: the app's settings and services, and request limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.query import Turn
from assistant.settings import Settings
from assistant.wiring import Services


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]


def check_question(services: Services, question: str, history: list[Turn]) -> str:
    """The stripped question; a 400 naming the limit it breaks (the assistant's own limits)."""
    return services.limits.check(question, history)
