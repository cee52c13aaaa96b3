"""Feedback: `POST /v1/feedback` rates an answer the API gave; `GET /v1/feedback` (admin) reviews ratings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from assistant.api.deps import ServicesDep
from assistant.api.schemas import ErrorResponse, FeedbackCreated, FeedbackList, FeedbackRequest
from assistant.api.security import require_admin
from assistant.feedback import FeedbackFilter

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", status_code=201, response_model=FeedbackCreated,
             responses={404: {"model": ErrorResponse, "description": "No answer with this id"},
                        413: {"model": ErrorResponse, "description": "The JSON body is larger than 1 MiB"},
                        422: {"model": ErrorResponse, "description": "Bad JSON, bad rating or field types"}},
             summary="Rate an answer")
def add_feedback(body: FeedbackRequest, services: ServicesDep) -> FeedbackCreated:
    """`answer_id` is the `id` of an answer from /v1/ask, /v1/ask/stream or /v1/chat/completions."""
    return FeedbackCreated(id=services.feedback.add(body.answer_id, body.rating, body.comment, body.source))


@router.get("/v1/feedback", response_model=FeedbackList, dependencies=[Depends(require_admin)],
            responses={401: {"model": ErrorResponse, "description": "Missing or wrong admin token"},
                       403: {"model": ErrorResponse, "description": "Admin endpoints are disabled"},
                       422: {"model": ErrorResponse, "description": "A query parameter has a bad value"}},
            summary="Review the feedback with its questions and answers (admin)")
def list_feedback(
    services: ServicesDep,
    rating: Annotated[Literal["up", "down"] | None, Query(description="Only thumbs up or only thumbs down")] = None,
    since: Annotated[date | None, Query(description="Only feedback given on or after this day (YYYY-MM-DD, UTC)")
                     ] = None,
    source: Annotated[Literal["ui", "api", "widget"] | None, Query(description="Only feedback from this surface")
                      ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page")] = 50,
    cursor: Annotated[int | None, Query(ge=1, description="`next_cursor` of the previous page")] = None,
) -> FeedbackList:
    """Newest first, the same rows as `smartcity feedback --json`. Pages follow `next_cursor`
    (stable while new feedback arrives); `total` counts every match of the filters."""
    filters = FeedbackFilter(rating=rating, since=since, source=source)
    records = services.feedback.records(filters, limit=limit + 1, before=cursor)
    more = len(records) > limit
    records = records[:limit]
    return FeedbackList.model_validate({
        "items": [record.to_dict() for record in records],
        "total": services.feedback.count(filters),
        "next_cursor": records[-1].id if more else None,
    })
