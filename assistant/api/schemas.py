"""Request and response bodies, with the examples that `/docs` shows.

Limits that depend on settings (question length, history turns) are checked in the
routes, so the schema stays static; structural rules (types, roles, ratings) live here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

_QUESTION = "Wann fand der 11. Bundesländerworkshop statt?"
_DOCUMENT = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"
_TITLE = ("11. Bundesländerworkshop der Initiative Stadt.Land.Digital – Kommunen und Start-ups "
          "gemeinsam für digitale Innovationen. Ergebnisdokumentation")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`")
    message: str = Field(description="What went wrong, for people")


class ErrorResponse(BaseModel):
    """The one shape of every error response."""

    error: ErrorDetail
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"error": {"code": "not_found", "message": "unknown document(s): x.pdf"}}]})


# --- asking ------------------------------------------------------------------------------

class HistoryTurn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)
    model_config = ConfigDict(extra="forbid")


class AskRequest(BaseModel):
    """A question, the conversation so far, and optionally the documents to search."""

    question: str = Field(description="The question (limit: SMARTCITY_MAX_QUESTION_CHARS)")
    history: list[HistoryTurn] = Field(
        default_factory=list, description="Earlier turns, oldest first (limit: SMARTCITY_MAX_HISTORY_TURNS)")
    documents: list[str] | None = Field(
        None, max_length=50, description="Only search these files (names from GET /v1/documents)")
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": _QUESTION},
        {"question": "Und wie viele Personen nahmen teil?",
         "history": [{"role": "user", "content": _QUESTION},
                     {"role": "assistant", "content": "Der 11. Bundesländerworkshop fand am 25. April 2023 "
                                                      "in Wismar statt. [1]"}],
         "documents": [_DOCUMENT]},
    ]})


class CitationOut(BaseModel):
    n: int = Field(description="The number used as [n] in the answer text")
    document: str
    title: str
    page: int
    quote: str = Field(description="The exact passage the answer rests on")
    url: str = Field(description="Relative link that opens the PDF at the page")
    score: float


class SuggestionOut(BaseModel):
    document: str
    title: str
    url: str = Field(description="Opens the PDF at the page of the closest section")
    score: float
    section: str = Field("", description="The heading of the closest passage's section")
    page: int | None = None


class AnswerResponse(BaseModel):
    """A cited answer, or an honest refusal with documents to read instead."""

    id: str = Field(description="Answer id, for POST /v1/feedback")
    answer: str
    refused: bool
    mode: str = Field(description="extractive or llm")
    language: str
    citations: list[CitationOut]
    suggestions: list[SuggestionOut]
    partial: bool = Field(False, description="True when only some parts of the question are answered")
    unanswered: list[str] = Field(default_factory=list,
                                  description="The parts of the question the documents do not answer")
    evidence_score: float = Field(description="How well the passages support an answer; below the "
                                              "configured threshold the assistant refuses")
    timings_ms: dict[str, float]
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "2b8d9b956dae423396c7af2aac94e34f",
        "answer": "Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort in der "
                  "Hansestadt Wismar statt. [1]",
        "refused": False, "mode": "extractive", "language": "de",
        "citations": [{"n": 1, "document": _DOCUMENT, "title": _TITLE, "page": 1,
                       "quote": "Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort in "
                                "der Hansestadt Wismar ... statt.",
                       "url": f"/documents/{_DOCUMENT}#page=1", "score": 1.12}],
        "suggestions": [], "evidence_score": 0.871,
        "timings_ms": {"retrieval": 114.2, "answer": 0.9, "total": 124.2},
    }]})


# --- documents ---------------------------------------------------------------------------

class DocumentOut(BaseModel):
    file: str
    title: str
    publisher: str
    year: int | None
    pages: int
    ocr_pages: int = Field(0, description="Pages read by OCR (scanned pages without a text layer)")
    chunks: int
    ingested_at: str
    url: str = Field(description="Where the PDF is served")
    source: Literal["corpus", "upload", "unknown"] = Field(
        description="corpus folder, admin upload, or a file this server cannot serve")
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "file": _DOCUMENT, "title": _TITLE, "publisher": "Stadt.Land.Digital", "year": 2023, "pages": 11,
        "ocr_pages": 0, "chunks": 27, "ingested_at": "2025-01-01T10:00:00+00:00", "url": f"/documents/{_DOCUMENT}",
        "source": "corpus"}]})


class DocumentList(BaseModel):
    documents: list[DocumentOut]


class UploadResponse(BaseModel):
    """The ingest outcome for one uploaded PDF."""

    file: str
    status: Literal["added", "updated", "unchanged"]
    pages: int
    chunks: int
    seconds: float
    document: DocumentOut | None
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "file": "bericht-2024.pdf", "status": "added", "pages": 12, "chunks": 31, "seconds": 4.2,
        "document": None}]})


class DeleteResponse(BaseModel):
    file: str
    removed: bool = Field(description="Removed from the index")
    file_deleted: bool = Field(description="The uploaded copy was deleted (corpus files are never deleted)")


# --- feedback ----------------------------------------------------------------------------

class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=100)
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)
    source: Literal["api", "widget", "ui"] = "api"
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"answer_id": "2b8d9b956dae423396c7af2aac94e34f", "rating": "up"},
        {"answer_id": "2b8d9b956dae423396c7af2aac94e34f", "rating": "down",
         "comment": "Die Seitenangabe stimmt nicht."}]})


class FeedbackCreated(BaseModel):
    id: int


# --- health ------------------------------------------------------------------------------

class Health(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    documents: int
    chunks: int


# --- OpenAI-compatible chat ----------------------------------------------------------------

class ChatMessage(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    model_config = ConfigDict(extra="ignore")


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat completion request this service honours (others are ignored)."""

    model: str = Field("smartcity", max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=500)
    stream: bool = False
    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [
        {"model": "smartcity", "messages": [{"role": "user", "content": _QUESTION}]},
        {"model": "smartcity", "stream": True,
         "messages": [{"role": "user", "content": "Wie verstetige ich einen Makerspace?"}]}]})


# --- feedback review (admin) -----------------------------------------------------------------

class FeedbackOut(BaseModel):
    """One rating with the question, the conversation before it and the answer it rates."""

    id: int = Field(description="Feedback id (`smartcity feedback to-eval --ids`)")
    created_at: str = Field(description="When the feedback was given (UTC, ISO 8601)")
    rating: Literal["up", "down"]
    comment: str
    source: str = Field(description="Where it was given: ui, api or widget")
    answer_id: str
    question: str
    history: list[HistoryTurn] = Field(description="Earlier turns, when the answer was recorded with them")
    answer: str = Field(description="The answer that was rated")
    refused: bool
    mode: str = Field(description="extractive or llm")
    citations: list[CitationOut] = Field(description="The sources the rated answer cited")
    answered_at: str = Field(description="When the answer was given (UTC, ISO 8601)")


class FeedbackList(BaseModel):
    """A page of feedback, newest first."""

    items: list[FeedbackOut]
    total: int = Field(description="How much feedback matches the filters (all pages)")
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null on the last page")
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "items": [{
            "id": 42, "created_at": "2025-03-04T09:12:45+00:00", "rating": "down",
            "comment": "Die Seitenangabe stimmt nicht.", "source": "widget",
            "answer_id": "2b8d9b956dae423396c7af2aac94e34f", "question": _QUESTION, "history": [],
            "answer": "Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort in der "
                      "Hansestadt Wismar statt. [1]",
            "refused": False, "mode": "extractive",
            "citations": [{"n": 1, "document": _DOCUMENT, "title": _TITLE, "page": 1,
                           "quote": "Der 11. Bundesländerworkshop fand am 25. April 2023 im InnovationPort "
                                    "in der Hansestadt Wismar ... statt.",
                           "url": f"/documents/{_DOCUMENT}#page=1", "score": 1.12}],
            "answered_at": "2025-03-04T09:12:30+00:00"}],
        "total": 17, "next_cursor": 42}]})
