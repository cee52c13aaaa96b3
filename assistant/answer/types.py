"""What an answer is made of: text with ``[n]`` markers, citations, and suggestions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import quote


def document_url(document: str, page: int | None = None) -> str:
    """Link that opens the served PDF, at a page when one is given."""
    url = f"/documents/{quote(document)}"
    return f"{url}#page={page}" if page else url


@dataclass(frozen=True)
class Citation:
    """One numbered source: the exact sentences the answer uses, on their page."""

    n: int
    document: str
    title: str
    page: int
    quote: str
    url: str
    score: float

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Suggestion:
    """Where the reports come closest when the assistant cannot answer: a document, the section
    of its best passage and the page that section starts on (`url` opens it there)."""

    document: str
    title: str
    url: str
    score: float
    section: str = ""
    page: int | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Draft:
    """An answerer's output before the pipeline adds ids, timings and suggestions."""

    text: str
    citations: list[Citation]
    refused: bool = False


@dataclass
class Answer:
    """The pipeline's result, as the CLI, the API and the UI show it."""

    id: str
    answer: str
    citations: list[Citation]
    refused: bool
    mode: str
    language: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    suggestions: list[Suggestion] = field(default_factory=list)
    query: str = ""
    evidence_score: float = 0.0  # what the refusal policy compared with its threshold
    unanswered: list[str] = field(default_factory=list)  # parts of the question the documents do not answer
    signals: list[dict[str, float]] = field(default_factory=list)  # answerability signals, one per part

    @property
    def partial(self) -> bool:
        """Answered, but not every part of the question: `unanswered` names the rest."""
        return not self.refused and bool(self.unanswered)

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "answer": self.answer,
            "refused": self.refused,
            "mode": self.mode,
            "language": self.language,
            "citations": [citation.to_dict() for citation in self.citations],
            "suggestions": [suggestion.to_dict() for suggestion in self.suggestions],
            "partial": self.partial,
            "unanswered": self.unanswered,
            "evidence_score": self.evidence_score,
            "timings_ms": self.timings_ms,
        }
