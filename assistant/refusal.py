"""When is the evidence too weak to answer? A threshold on one evidence score.

The score mixes the best sentence's coverage of the question's weighted terms with the top
passage's dense similarity (multilingual-e5 similarities cluster high, so they are
rescaled). The threshold lives in settings (`SMARTCITY_RETRIEVAL_MIN_EVIDENCE`) and is
calibrated on the eval set (`smartcity eval` reports the best value).
"""

from __future__ import annotations

from assistant.answer.evidence import ScoredSentence, best_coverage
from vectorstore.hybrid import Hit

_DENSE_FLOOR = 0.74
_DENSE_SPAN = 0.14


def evidence_score(hits: list[Hit], sentences: list[ScoredSentence]) -> float:
    """0..1: how well the retrieved passages cover the question."""
    if not hits:
        return 0.0
    top_dense = max((hit.dense for hit in hits if hit.dense is not None), default=None)
    coverage = best_coverage(sentences)
    if top_dense is None:
        return coverage
    dense = min(1.0, max(0.0, (top_dense - _DENSE_FLOOR) / _DENSE_SPAN))
    return round(0.6 * coverage + 0.4 * dense, 4)


class RefusalPolicy:
    """Refuse below `min_evidence`."""

    def __init__(self, min_evidence: float) -> None:
        self.min_evidence = min_evidence

    def refuses(self, score: float) -> bool:
        return score < self.min_evidence
