"""When does the assistant refuse? When the answerability score is below the threshold.

The score comes from an `Assessor` (`assistant.answerability`: the fitted model by default,
or the passage similarity alone); the threshold from settings (`SMARTCITY_RETRIEVAL_MIN_EVIDENCE`).
"""

from __future__ import annotations

from assistant.answerability import AnswerabilityModel, Assessment, Assessor
from assistant.query import Query
from assistant.question import QuestionPart
from vectorstore.hybrid import SearchResult


class RefusalPolicy:
    """Assess the passages for a question, and refuse below `min_evidence`."""

    def __init__(self, min_evidence: float, assessor: Assessor | None = None) -> None:
        self.min_evidence = min_evidence
        self.assessor = assessor or AnswerabilityModel()

    def assess(self, query: Query, part: QuestionPart, evidence: SearchResult) -> Assessment:
        return self.assessor.assess(query, part, evidence)

    def refuses(self, score: float) -> bool:
        return score < self.min_evidence
