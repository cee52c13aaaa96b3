"""Score the sentences of retrieved passages against a question.

Shared by the extractive answerer (which sentences to quote), the refusal policy (is there
any evidence at all?) and the LLM answerer (which sentences of a cited source to quote).
A sentence's score combines how much of the question's weighted terms it covers (IDF from
the keyword index, stems and compound parts) with how well its passage ranked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.sentences import Span, sentence_spans
from vectorstore.hybrid import Hit
from vectorstore.keyword import KeywordIndex

_WANTS_NUMBER = re.compile(
    r"\b(wie ?viele?|wieviele?|anzahl|wann|seit wann|bis wann|welche[ms]? jahr|jahr|höhe|betrag|"
    r"budget|summe|kosten|kostet|euro|mio|millionen|prozent|datum|termin|dauer|wie lange|zahl|"
    r"how many|how much|when|what year|which year|date|amount|number|budget|cost|percent)\b",
    re.I,
)
_DIGIT = re.compile(r"\d")
_VERBLESS_FRAGMENT = re.compile(r"^[^.!?]{0,80}$")


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a retrieved passage with its relevance to the question."""

    hit_rank: int
    hit: Hit
    span: Span
    coverage: float
    score: float

    @property
    def text(self) -> str:
        return self.span.text


@lru_cache(maxsize=16384)
def _analysed(keyword: KeywordIndex, text: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    return tuple((span, frozenset(keyword.analyzer.terms(span.text))) for span in sentence_spans(text))


@dataclass(frozen=True)
class _QueryWord:
    """One content word of the question: its stem, its compound parts, and its weight."""

    stem: str
    parts: tuple[str, ...]
    weight: float

    def match(self, terms: frozenset[str]) -> float:
        if self.stem in terms:
            return 1.0
        if not self.parts:
            return 0.0
        return 0.7 * sum(part in terms for part in self.parts) / len(self.parts)


def query_words(keyword: KeywordIndex, question: str) -> list[_QueryWord]:
    """The question's content words, weighted by IDF (a compound unknown to the corpus by its parts)."""
    result: dict[str, _QueryWord] = {}
    for stem, *parts in keyword.query_groups(question):
        if stem in result:
            continue
        known_parts = tuple(part for part in parts if keyword.known(part))
        if not keyword.known(stem) and known_parts:
            weight = sum(keyword.idf(part) for part in known_parts) / len(known_parts)
        else:
            weight = keyword.idf(stem)
        result[stem] = _QueryWord(stem, known_parts, weight)
    return list(result.values())


def wants_number(question: str) -> bool:
    return bool(_WANTS_NUMBER.search(question))


def score_sentences(question: str, hits: list[Hit], keyword: KeywordIndex) -> list[ScoredSentence]:
    """Every sentence of every hit, scored; best first."""
    wanted = query_words(keyword, question)
    total = sum(word.weight for word in wanted) or 1.0
    numeric = wants_number(question)
    scored: list[ScoredSentence] = []
    for rank, hit in enumerate(hits):
        prior = 1.0 / (1.0 + 0.3 * rank)
        for span, terms in _analysed(keyword, hit.chunk.text):
            coverage = sum(word.weight * word.match(terms) for word in wanted) / total
            score = 0.7 * coverage + 0.3 * prior
            if numeric and _DIGIT.search(span.text):
                score += 0.12
            score *= _shape_factor(span.text)
            scored.append(ScoredSentence(rank, hit, span, coverage, score))
    scored.sort(key=lambda sentence: -sentence.score)
    return scored


def _shape_factor(text: str) -> float:
    """Down-weight fragments (headings, labels) and run-on table rows."""
    words = len(text.split())
    if words < 5:
        return 0.5
    if _VERBLESS_FRAGMENT.match(text) and not text.endswith((".", "!", "?", ":", "“")) and words < 12:
        return 0.7
    if words > 70:
        return 0.8
    return 1.0


def best_coverage(sentences: list[ScoredSentence]) -> float:
    return max((sentence.coverage for sentence in sentences), default=0.0)
