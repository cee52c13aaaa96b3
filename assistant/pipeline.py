"""The answer pipeline: question (+ history) -> retrieval -> refusal check -> cited answer.

`Assistant` wires three seams together: a retriever (`search`), an answerer (extractive or
LLM, `answer`/`stream`) and an optional condenser that rewrites follow-ups with an LLM.
It knows nothing about HTTP or UIs.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Protocol

from assistant.answer.types import Answer, Draft, Suggestion, document_url
from assistant.errors import InvalidRequestError, LLMUnavailableError, NotFoundError
from assistant.language import detect_language
from assistant.prompts import load_prompt
from assistant.query import Query, Turn, resolve_query
from assistant.refusal import RefusalPolicy, evidence_score
from vectorstore.hybrid import HybridRetriever, SearchResult

log = logging.getLogger(__name__)
_SUGGESTIONS = 3


class Answerer(Protocol):
    mode: str

    def answer(self, query: Query, evidence: SearchResult) -> Draft: ...

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]: ...


class Condenser(Protocol):
    def condense(self, question: str, history: Sequence[Turn], language: str) -> str: ...


class Assistant:
    """`ask` returns an `Answer`; `stream` yields text pieces and then the `Answer`."""

    def __init__(self, retriever: HybridRetriever, answerer: Answerer, refusal: RefusalPolicy,
                 top_k: int = 6, condenser: Condenser | None = None,
                 fallback: Answerer | None = None) -> None:
        self.retriever = retriever
        self.answerer = answerer
        self.refusal = refusal
        self.top_k = top_k
        self.condenser = condenser
        self.fallback = fallback

    @property
    def mode(self) -> str:
        return self.answerer.mode

    def ask(self, question: str, history: Sequence[Turn] = (), documents: list[str] | None = None) -> Answer:
        answer: Answer | None = None
        for item in self.stream(question, history, documents):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[Turn] = (),
               documents: list[str] | None = None) -> Iterator[str | Answer]:
        started = time.perf_counter()
        question = question.strip()
        if not question:
            raise InvalidRequestError("the question is empty")
        language = detect_language(question)
        query, timings = self._query(question, history, language)
        evidence = self._retrieve(query.search_text, documents, timings)

        score = evidence_score(query, evidence.hits, evidence.keyword_index)
        timings["evidence_score"] = score
        if self.refusal.refuses(score):
            yield from self._refuse(question, query, evidence, language, timings, started)
            return

        answer_started = time.perf_counter()
        answerer = self.answerer
        draft: Draft | None = None
        try:
            for item in answerer.stream(query, evidence):
                if isinstance(item, Draft):
                    draft = item
                else:
                    yield item
        except LLMUnavailableError:
            if self.fallback is None:
                raise
            log.warning("LLM unavailable; answering extractively")
            answerer = self.fallback
            for item in answerer.stream(query, evidence):
                if isinstance(item, Draft):
                    draft = item
                else:
                    yield item
        assert draft is not None
        timings["answer"] = _ms(answer_started)
        if draft.refused or not draft.citations:
            yield from self._refuse(question, query, evidence, language, timings, started)
            return
        timings["total"] = _ms(started)
        yield Answer(id=uuid.uuid4().hex, answer=draft.text, citations=draft.citations, refused=False,
                     mode=answerer.mode, language=language, timings_ms=timings, query=query.search_text)

    # --- steps --------------------------------------------------------------------------
    def _query(self, question: str, history: Sequence[Turn], language: str) -> tuple[Query, dict[str, float]]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = resolve_query(question, history, language)
        if self.condenser is not None and query.context:
            try:
                query = Query(self.condenser.condense(question, history, language), "", language)
            except LLMUnavailableError:
                log.warning("LLM unavailable for condensing; using keyword follow-up resolution")
        timings["query"] = _ms(started)
        return query, timings

    def _retrieve(self, query: str, documents: list[str] | None, timings: dict[str, float]) -> SearchResult:
        started = time.perf_counter()
        if documents is not None:
            known = {record.file for record in self.retriever.knowledge_base.snapshot().documents}
            unknown = sorted(set(documents) - known)
            if unknown:
                raise NotFoundError(f"unknown document(s): {', '.join(unknown)}")
        evidence = self.retriever.search(query, self.top_k, documents)
        timings.update({f"retrieval_{name}": value for name, value in evidence.timings_ms.items()})
        timings["retrieval"] = _ms(started)
        return evidence

    def _refuse(self, question: str, query: Query, evidence: SearchResult, language: str,
                timings: dict[str, float], started: float) -> Iterator[str | Answer]:
        text = load_prompt("refusal", language)
        yield text
        timings["total"] = _ms(started)
        yield Answer(id=uuid.uuid4().hex, answer=text, citations=[], refused=True, mode=self.mode,
                     language=language, timings_ms=timings, suggestions=_suggestions(evidence),
                     query=query.search_text)


def _suggestions(evidence: SearchResult) -> list[Suggestion]:
    """The documents of the best passages, as further reading."""
    seen: dict[str, Suggestion] = {}
    for hit in evidence.hits:
        chunk = hit.chunk
        if chunk.document not in seen:
            seen[chunk.document] = Suggestion(chunk.document, chunk.title,
                                              document_url(chunk.document, chunk.page), round(hit.fused, 4))
        if len(seen) == _SUGGESTIONS:
            break
    return list(seen.values())


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
