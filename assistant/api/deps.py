"""FastAPI dependencies: the app's settings and services, and request limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.api.errors import ApiError
from assistant.query import Turn
from assistant.settings import Settings
from assistant.wiring import Services


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServicesDep = Annotated[Services, Depends(get_services)]


def check_question(settings: Settings, question: str, history: list[Turn]) -> str:
    """The stripped question, or a 400 naming the limit it breaks."""
    stripped = question.strip()
    if not stripped:
        raise ApiError(400, "empty_question", "the question is empty")
    if len(stripped) > settings.max_question_chars:
        raise ApiError(400, "question_too_long",
                       f"the question has {len(stripped)} characters; at most "
                       f"{settings.max_question_chars} are allowed")
    if len(history) > settings.max_history_turns:
        raise ApiError(400, "too_many_turns",
                       f"the history has {len(history)} turns; at most {settings.max_history_turns} "
                       "are allowed (send only the most recent turns)")
    return stripped
