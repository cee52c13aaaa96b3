"""`POST /v1/feedback`: thumbs up/down (and a comment) on an answer the API gave."""

from __future__ import annotations

from fastapi import APIRouter

from assistant.api.deps import ServicesDep
from assistant.api.schemas import ErrorResponse, FeedbackCreated, FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", status_code=201, response_model=FeedbackCreated,
             responses={404: {"model": ErrorResponse, "description": "No answer with this id"},
                        413: {"model": ErrorResponse, "description": "The JSON body is larger than 1 MiB"},
                        422: {"model": ErrorResponse, "description": "Bad JSON, bad rating or field types"}},
             summary="Rate an answer")
def add_feedback(body: FeedbackRequest, services: ServicesDep) -> FeedbackCreated:
    """`answer_id` is the `id` of an answer from /v1/ask, /v1/ask/stream or /v1/chat/completions."""
    return FeedbackCreated(id=services.feedback.add(body.answer_id, body.rating, body.comment, body.source))
