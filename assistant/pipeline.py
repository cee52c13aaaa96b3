"""The answer pipeline: question (+ history) -> retrieval -> refusal check -> cited answer.

`Assistant` wires three seams together, each passed in through the constructor: a
retriever (`search`), an answerer (extractive or LLM, `answer`/`stream`) and an optional
condenser that rewrites follow-ups with an LLM. It knows nothing about HTTP or UIs.

A compound question ("Wie viele ... und wann ...?") is answered part by part: each part
gets its own retrieval (its answer is often in another report), its own refusal decision
and its own answer; a part the documents do not answer is named in `Answer.unanswered`.

What `stream` yields continues into the final answer: an answerer's text is passed on only
up to its last citation marker (`_CitedPrefix`), so a reply that ends up uncited (and is
refused) or is cut off by a failing LLM is never shown half.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Generator, Iterator, Sequence
from dataclasses import replace
from typing import Protocol

from assistant.answer.merge import merge_parts
from assistant.answer.types import Answer, Draft, Suggestion, document_url
from assistant.errors import LLMUnavailableError
from assistant.language import detect_language
from assistant.limits import QuestionLimits
from assistant.prompts import load_prompt
from assistant.query import Query, Turn, resolve_query
from assistant.question import QuestionPart, analyse, classify
from assistant.refusal import RefusalPolicy
from vectorstore.hybrid import SearchResult
from vectorstore.timing import elapsed_ms

log = logging.getLogger(__name__)
_JOINING_WORD = re.compile(r"^\s*(?:und|sowie|and)\s+", re.I)
_SUGGESTIONS = 3
_MARKER_END = re.compile(r"\[\d{1,3}\][.!?:;)]?")


class Retriever(Protocol):
    """Finds the passages for a query; raises `UnknownDocumentError` for documents it does not hold.

    `focus` names what the question asks about (`QuestionPart.focus`); a retriever may use it
    to look for that aspect on its own, or ignore it.
    """

    def search(self, query: str, k: int, documents: Sequence[str] | None = None,
               focus: Sequence[str] = ()) -> SearchResult: ...


class Answerer(Protocol):
    mode: str

    def answer(self, query: Query, evidence: SearchResult) -> Draft: ...

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]: ...


class Condenser(Protocol):
    def condense(self, question: str, history: Sequence[Turn], language: str) -> str: ...


class Assistant:
    """`ask` returns an `Answer`; `stream` yields text pieces and then the `Answer`."""

    def __init__(self, retriever: Retriever, answerer: Answerer, refusal: RefusalPolicy,
                 limits: QuestionLimits | None = None, top_k: int = 6, condenser: Condenser | None = None,
                 fallback: Answerer | None = None, part_answerer: Answerer | None = None) -> None:
        """`part_answerer` answers each part of a compound question (a shorter budget, so that
        the whole answer stays short); the `answerer` itself when not given."""
        self.retriever = retriever
        self.answerer = answerer
        self.part_answerer = part_answerer or answerer
        self.refusal = refusal
        self.limits = limits or QuestionLimits()
        self.top_k = top_k
        self.condenser = condenser
        self.fallback = fallback

    @property
    def mode(self) -> str:
        return self.answerer.mode

    def ask(self, question: str, history: Sequence[Turn] = (), documents: Sequence[str] | None = None) -> Answer:
        """The finished answer (nothing is shown on the way, so a failing LLM may fall back at any point)."""
        *_, answer = self._run(question, history, documents, live=False)
        if not isinstance(answer, Answer):  # pragma: no cover - _run always ends with the Answer
            raise TypeError("the answer stream did not end with an Answer")
        return answer

    def stream(self, question: str, history: Sequence[Turn] = (),
               documents: Sequence[str] | None = None) -> Iterator[str | Answer]:
        """Text pieces as they are ready (each continues what came before), then the `Answer`."""
        return self._run(question, history, documents, live=True)

    def _run(self, question: str, history: Sequence[Turn], documents: Sequence[str] | None,
             live: bool) -> Iterator[str | Answer]:
        started = time.perf_counter()
        question = self.limits.check(question, history)
        language = detect_language(question)
        analysis = analyse(question)
        if analysis.compound:
            yield from self._compound([part.text for part in analysis.parts], history, documents, language,
                                      started)
            return
        query, timings = self._query(question, history, language)
        evidence = self._retrieve(query.search_text, documents, timings, _aspect_focus(analysis.parts[0]))
        assessment = self.refusal.assess(query, analysis.parts[0], evidence)
        score, signals = assessment.score, [assessment.signals.to_dict()]
        if self.refusal.refuses(score):
            yield from self._refuse(query, evidence, language, timings, started, score, signals)
            return

        answer_started = time.perf_counter()
        answerer = self.answerer
        shown = _CitedPrefix() if live else None
        try:
            draft = yield from _drafted(answerer.stream(query, evidence), shown)
        except LLMUnavailableError:
            if self.fallback is None or (shown is not None and shown.released):
                raise  # no fallback, or part of the reply is on screen already
            log.warning("LLM unavailable; answering extractively")
            answerer = self.fallback
            shown = _CitedPrefix() if live else None
            draft = yield from _drafted(answerer.stream(query, evidence), shown)
        timings["answer"] = elapsed_ms(answer_started)
        if draft.refused or not draft.citations:
            yield from self._refuse(query, evidence, language, timings, started, score, signals)
            return
        if shown is not None:
            rest = shown.rest(draft.text)
            if rest:
                yield rest
        timings["total"] = elapsed_ms(started)
        yield Answer(id=uuid.uuid4().hex, answer=draft.text, citations=draft.citations, refused=False,
                     mode=answerer.mode, language=language, timings_ms=timings, query=query.search_text,
                     evidence_score=score, signals=signals)

    def _compound(self, parts: list[str], history: Sequence[Turn], documents: Sequence[str] | None,
                  language: str, started: float) -> Iterator[str | Answer]:
        """Each part retrieved, checked and answered on its own; one answer naming what is missing."""
        timings: dict[str, float] = {}
        answered: list[tuple[str, Draft | None]] = []
        scores: list[float] = []
        signals: list[dict[str, float]] = []
        evidences: list[SearchResult] = []
        queries: list[str] = []
        quoted: set[str] = set()
        mode = self.mode
        for index, part in enumerate(parts):
            # A later part may lean on an earlier one ("..., und wie viele gibt es dort?"); the "Und"
            # that joined the two questions does not make it a follow-up.
            context = [*history, *(Turn("user", earlier) for earlier in parts[:index])]
            own = _JOINING_WORD.sub("", part) if index else part
            query, part_timings = self._query(own, context, language)
            query = replace(query, quoted=frozenset(quoted))
            shape = classify(part)
            evidence = self._retrieve(query.search_text, documents, part_timings, _aspect_focus(shape))
            assessment = self.refusal.assess(query, shape, evidence)
            score = assessment.score
            signals.append(assessment.signals.to_dict())
            for name, value in part_timings.items():
                timings[name] = round(timings.get(name, 0.0) + value, 2)
            scores.append(score)
            evidences.append(evidence)
            queries.append(query.search_text)
            if self.refusal.refuses(score):
                answered.append((part, None))
                continue
            try:
                draft = self.part_answerer.answer(query, evidence)
            except LLMUnavailableError:
                if self.fallback is None:
                    raise
                log.warning("LLM unavailable; answering this part extractively")
                draft = self.fallback.answer(query, evidence)
                mode = self.fallback.mode
            answered.append((part, draft if draft.citations and not draft.refused else None))
            quoted.update(citation.quote for citation in draft.citations)
        merged = merge_parts(answered, load_prompt("refusal_part", language))
        score = max(scores)
        query_text = " | ".join(queries)
        if merged.refused:
            best = evidences[scores.index(score)]
            yield from self._refuse(Query(query_text, "", language), best, language, timings, started, score,
                                    signals)
            return
        yield merged.text
        timings["total"] = elapsed_ms(started)
        unanswered = [part for part, draft in answered if draft is None]
        yield Answer(id=uuid.uuid4().hex, answer=merged.text, citations=merged.citations, refused=False,
                     mode=mode, language=language, timings_ms=timings, query=query_text,
                     evidence_score=score, unanswered=unanswered, signals=signals)

    # --- steps --------------------------------------------------------------------------
    def _query(self, question: str, history: Sequence[Turn], language: str) -> tuple[Query, dict[str, float]]:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        query = resolve_query(question, history, language)
        if self.condenser is not None and query.followup:  # a situation told up front needs no rewrite
            try:
                query = Query(self.condenser.condense(question, history, language), "", language)
            except LLMUnavailableError:
                log.warning("LLM unavailable for condensing; using keyword follow-up resolution")
        timings["query"] = elapsed_ms(started)
        return query, timings

    def _retrieve(self, query: str, documents: Sequence[str] | None, timings: dict[str, float],
                  focus: Sequence[str] = ()) -> SearchResult:
        started = time.perf_counter()
        evidence = self.retriever.search(query, self.top_k, documents, focus=focus)
        timings.update({f"retrieval_{name}": value for name, value in evidence.timings_ms.items()})
        timings["retrieval"] = elapsed_ms(started)
        return evidence

    def _refuse(self, query: Query, evidence: SearchResult, language: str, timings: dict[str, float],
                started: float, score: float, signals: list[dict[str, float]]) -> Iterator[str | Answer]:
        text = load_prompt("refusal", language)
        yield text
        timings["total"] = elapsed_ms(started)
        yield Answer(id=uuid.uuid4().hex, answer=text, citations=[], refused=True, mode=self.mode,
                     language=language, timings_ms=timings, suggestions=_suggestions(evidence),
                     query=query.search_text, evidence_score=score, signals=signals)


class _CitedPrefix:
    """Holds an answerer's text back until a citation marker ends a stretch of it.

    Only text up to the last marker is released, so what a reader sees always belongs to
    the final answer: an uncited reply (refused at the end) shows nothing, and a reply that
    is cut off shows only its cited part.
    """

    def __init__(self) -> None:
        self.pending = ""
        self.released = ""

    def feed(self, piece: str) -> str:
        self.pending += piece
        ends = [match.end() for match in _MARKER_END.finditer(self.pending)]
        if not ends:
            return ""
        ready, self.pending = self.pending[:ends[-1]], self.pending[ends[-1]:]
        self.released += ready
        return ready

    def rest(self, final: str) -> str:
        """What is left to show of `final` once the answerer is done."""
        if final.startswith(self.released):
            return final[len(self.released):]
        log.warning("the final answer does not continue what was streamed")
        return ""


def _aspect_focus(part: QuestionPart) -> tuple[str, ...]:
    """What retrieval should look for besides the question as a whole: a how-to or list
    question's answer sits in a section about its action or class, which the question's
    rarest word (the object) does not find. Other questions are best found as they are."""
    if part.shape not in ("howto", "list"):
        return ()
    return part.focus or ("",)


def _drafted(items: Iterator[str | Draft], shown: _CitedPrefix | None) -> Generator[str, None, Draft]:
    """Pass an answerer's text pieces on (through `shown` when live) and return its finished draft."""
    draft: Draft | None = None
    for item in items:
        if isinstance(item, Draft):
            draft = item
        elif shown is not None:
            ready = shown.feed(item)
            if ready:
                yield ready
    if draft is None:
        raise TypeError("the answerer's stream ended without a draft")
    return draft


def _suggestions(evidence: SearchResult) -> list[Suggestion]:
    """What the reports cover nearby: the documents of the best passages, each with the section
    of its best passage, linked to that passage's page."""
    seen: dict[str, Suggestion] = {}
    for hit in evidence.hits:
        chunk = hit.chunk
        if chunk.document not in seen:
            seen[chunk.document] = Suggestion(chunk.document, chunk.title, document_url(chunk.document, chunk.page),
                                              round(hit.fused, 4), section=chunk.section, page=chunk.page)
        if len(seen) == _SUGGESTIONS:
            break
    return list(seen.values())
