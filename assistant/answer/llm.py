"""LLM answer mode: any OpenAI-compatible chat endpoint through LangChain, streamed.

Sources go into the prompt as numbered, delimited data; the model must cite ``[n]``.
Markers that point at no source are removed (also while streaming); each cited source's
quote is the sentence(s) in it that best support the answer sentences citing it. An
endpoint that is down, slow or failing raises `LLMUnavailableError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from assistant.answer.evidence import score_sentences
from assistant.answer.types import Citation, Draft, document_url
from assistant.errors import LLMUnavailableError
from assistant.prompts import load_prompt, render_prompt
from assistant.query import Query, Turn
from ingest.sentences import split_sentences
from vectorstore.hybrid import Hit, SearchResult

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import LLMSettings

_MARKER = re.compile(r"\[(\d{1,2}(?:\s*[,;]\s*\d{1,2})*)\]")
_MAX_SOURCE_CHARS = 2400


def build_chat_model(settings: LLMSettings) -> BaseChatModel:
    """A streaming LangChain chat model for the configured OpenAI-compatible endpoint."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,
        timeout=settings.timeout_s,
        max_retries=1,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        streaming=True,
    )


def _llm_errors() -> tuple[type[BaseException], ...]:
    import httpx
    import openai

    return (openai.APIError, httpx.HTTPError, ConnectionError, TimeoutError)


class LLMAnswerer:
    """Answers from the numbered sources with a chat model; cites with ``[n]``."""

    mode = "llm"

    def __init__(self, chat_model: BaseChatModel, max_sources: int = 6) -> None:
        self.chat_model = chat_model
        self.max_sources = max_sources

    def answer(self, query: Query, evidence: SearchResult) -> Draft:
        *_, draft = self.stream(query, evidence)
        if not isinstance(draft, Draft):  # pragma: no cover - stream always ends with the draft
            raise TypeError("the LLM answer stream did not end with a draft")
        return draft

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]:
        hits = evidence.hits[: self.max_sources]
        language = query.language
        messages = self._messages(query.asked, hits, language)
        markers = _MarkerFilter(len(hits))
        pieces: list[str] = []
        try:
            for chunk in self.chat_model.stream(messages):
                piece = markers.feed(_content(chunk))
                if piece:
                    pieces.append(piece)
                    yield piece
        except _llm_errors() as exc:
            raise LLMUnavailableError(f"the language model is not reachable: {type(exc).__name__}") from None
        except ValueError:
            # LangChain's "No generation chunks were returned": the endpoint answered with an
            # empty stream (e.g. a prompt over its context window). Nothing to cite: refused.
            if pieces:
                raise
        tail = markers.flush()
        if tail:
            pieces.append(tail)
            yield tail
        yield self._draft("".join(pieces).strip(), hits, evidence, language)

    def _messages(self, question: str, hits: list[Hit], language: str) -> list[Any]:
        from langchain_core.messages import HumanMessage, SystemMessage

        sources = "\n\n".join(
            render_prompt("source", language, n=n, title=hit.chunk.title, page=hit.chunk.pages_label,
                          section=_attribute(hit.chunk.section_path or hit.chunk.section),
                          text=_as_data(hit.chunk.text[:_MAX_SOURCE_CHARS]))
            for n, hit in enumerate(hits, start=1)
        )
        return [
            SystemMessage(content=load_prompt("answer_system", language)),
            HumanMessage(content=render_prompt("answer_user", language, sources=sources, question=question)),
        ]

    def _draft(self, text: str, hits: list[Hit], evidence: SearchResult, language: str) -> Draft:
        refusal = load_prompt("refusal", language)
        if not text or refusal.rstrip(".") in text:
            return Draft(text=refusal, citations=[], refused=True)
        cited = _cited_sentences(text, len(hits))
        if not cited:
            return Draft(text=text, citations=[], refused=False)
        # Sources keep the numbers the model saw: the text streamed to the reader already
        # carries them, so renumbering would make the final answer differ from what was shown.
        citations: list[Citation] = []
        for n in sorted(cited):
            hit = hits[n - 1]
            claim = " ".join(cited[n])
            best = score_sentences(claim, [hit], evidence.keyword_index)
            quote_spans = sorted((s.span for s in best[:2] if s.coverage > 0), key=lambda span: span.start)
            if not quote_spans:
                quote_spans = [best[0].span] if best else []
            page = hit.chunk.page_at(quote_spans[0].start) if quote_spans else hit.chunk.page
            citations.append(Citation(
                n=n, document=hit.chunk.document, title=hit.chunk.title, page=page,
                quote=" ".join(span.text for span in quote_spans), url=document_url(hit.chunk.document, page),
                score=round(best[0].score, 4) if best else 0.0,
            ))
        return Draft(text=text, citations=citations)


class LLMCondenser:
    """Rewrites a follow-up into a standalone question with the chat model."""

    def __init__(self, chat_model: BaseChatModel) -> None:
        self.chat_model = chat_model

    def condense(self, question: str, history: Sequence[Turn], language: str) -> str:
        from langchain_core.messages import HumanMessage

        transcript = "\n".join(f"{turn.role}: {turn.content}" for turn in history[-6:])
        prompt = render_prompt("condense", language, history=transcript, question=question)
        try:
            reply = self.chat_model.invoke([HumanMessage(content=prompt)])
        except _llm_errors() as exc:
            raise LLMUnavailableError(f"the language model is not reachable: {type(exc).__name__}") from None
        condensed = _content(reply).strip().splitlines()
        return condensed[0].strip() if condensed and condensed[0].strip() else question


class _MarkerFilter:
    """Drops ``[n]`` markers that name no source, also when a marker arrives split in pieces."""

    def __init__(self, sources: int) -> None:
        self.sources = sources
        self._pending = ""

    def feed(self, text: str) -> str:
        self._pending += text
        out = ""
        while self._pending:
            start = self._pending.find("[")
            if start < 0:
                out, self._pending = out + self._pending, ""
                break
            out += self._pending[:start]
            self._pending = self._pending[start:]
            end = self._pending.find("]")
            if end < 0:
                if len(self._pending) > 12:  # not a marker after all
                    out, self._pending = out + self._pending[0], self._pending[1:]
                    continue
                break
            out += self._clean(self._pending[: end + 1])
            self._pending = self._pending[end + 1:]
        return out

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return rest

    def _clean(self, marker: str) -> str:
        match = _MARKER.fullmatch(marker)
        if not match:
            return marker
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1))]
        return "".join(f"[{n}]" for n in numbers if 1 <= n <= self.sources)


def _cited_sentences(text: str, sources: int) -> dict[int, list[str]]:
    cited: dict[int, list[str]] = {}
    for sentence in split_sentences(text):
        for number in (int(n) for n in re.findall(r"\[(\d{1,2})\]", sentence)):
            if 1 <= number <= sources:
                cited.setdefault(number, []).append(_MARKER.sub("", sentence))
    return cited


def _attribute(text: str) -> str:
    """A value that cannot close or open the source tag it sits in."""
    return re.sub(r'["<>]', "", text)[:200]


def _as_data(text: str) -> str:
    """Keep a source from closing its own delimiter."""
    return re.sub(r"</?\s*(quelle|source)\b[^>]*>", "", text, flags=re.I)


def _content(message: Any) -> str:
    content = getattr(message, "content", "")
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)
