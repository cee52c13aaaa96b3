"""When is the evidence too weak to answer? A threshold on one evidence score.

Measured on the eval set (see `smartcity eval`'s threshold sweep and the issue notes), two
signals separate answerable from unanswerable questions best:
- how close the best passage is to the question (multilingual-e5 cosine similarity), and
- how much of the question's weight lies on words the corpus does not contain at all
  (after spelling correction and compound splitting): "Personalausweis", "Glasfaser".
Lexical coverage of the best sentence did not separate them (AUC 0.49) and is not used.
English questions meet a German vocabulary, so only the similarity counts for them, and
since cross-lingual similarities run lower (answerable English questions scored ~0.03 below
German ones in the eval set), they get a small offset.
The threshold lives in settings (`SMARTCITY_RETRIEVAL_MIN_EVIDENCE`).
"""

from __future__ import annotations

from assistant.answer.evidence import query_words
from assistant.query import Query
from vectorstore.hybrid import Hit
from vectorstore.keyword import KeywordIndex

UNKNOWN_WORD_PENALTY = 0.04
CROSS_LINGUAL_OFFSET = 0.015


def unknown_share(query: Query, keyword: KeywordIndex) -> float:
    """Share of the question's term weight on words the corpus never uses."""
    words = query_words(keyword, Query(query.question, "", query.language))
    total = sum(word.weight for word in words)
    if not total:
        return 0.0
    return sum(word.weight for word in words if not keyword.known(word.stem) and not word.parts) / total


def evidence_score(query: Query, hits: list[Hit], keyword: KeywordIndex) -> float:
    """Best passage similarity, lowered when the question asks about things the corpus never names."""
    if not hits:
        return 0.0
    similarities = [hit.dense for hit in hits if hit.dense is not None]
    if not similarities:  # keyword-only retrieval (an eval variant): a lexical proxy
        return round(1.0 - unknown_share(query, keyword), 4)
    if query.language == "en":
        return round(max(similarities) + CROSS_LINGUAL_OFFSET, 4)
    return round(max(similarities) - UNKNOWN_WORD_PENALTY * unknown_share(query, keyword), 4)


class RefusalPolicy:
    """Refuse below `min_evidence`."""

    def __init__(self, min_evidence: float) -> None:
        self.min_evidence = min_evidence

    def refuses(self, score: float) -> bool:
        return score < self.min_evidence
