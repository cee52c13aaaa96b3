"""The default answerer, no LLM needed: the best sentences of the retrieved passages, cited.

It picks sentences by relevance to the question (not only by position), keeps sentences of
one passage together and in document order, stays within a word budget, and puts the
passage's marker after each sentence. Sentences are quoted verbatim, so numbers, dates and
names survive intact. A sentence that announces a list (ends with ":") brings its items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.answer.evidence import ScoredSentence, score_sentences
from assistant.answer.types import Citation, Draft, document_url
from assistant.prompts import load_prompt
from assistant.query import Query
from vectorstore.hybrid import Hit, SearchResult

_MIN_RELATIVE_SCORE = 0.6
_LIST_ITEMS = 6
_LIST_ITEM = re.compile(r"^(?:[•▪●◦‣■\-–]|\d{1,2}[.)]|[a-z]\))\s")


@dataclass
class _Group:
    hit: Hit
    sentences: list[ScoredSentence]


class ExtractiveAnswerer:
    """`answer(query, evidence) -> Draft`; `stream` yields the same text in pieces."""

    mode = "extractive"

    def __init__(self, max_words: int = 120, max_sentences: int = 5) -> None:
        self.max_words = max_words
        self.max_sentences = max_sentences

    def answer(self, query: Query, evidence: SearchResult) -> Draft:
        groups = self._select(query, evidence)
        citations: list[Citation] = []
        parts: list[str] = []
        for n, group in enumerate(groups, start=1):
            ordered = sorted(group.sentences, key=lambda sentence: sentence.span.start)
            chunk = group.hit.chunk
            page = chunk.page_at(ordered[0].span.start)
            citations.append(Citation(
                n=n,
                document=chunk.document,
                title=chunk.title,
                page=page,
                quote=" ".join(sentence.text for sentence in ordered),
                url=document_url(chunk.document, page),
                score=round(max(sentence.score for sentence in ordered), 4),
            ))
            parts.extend(_with_marker(sentence.text, n) for sentence in ordered)
        lead = load_prompt("extractive_lead", query.language) if query.language != "de" and parts else ""
        text = " ".join(parts)
        return Draft(text=f"{lead}\n{text}" if lead else text, citations=citations)

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]:
        """Text pieces (one per sentence), then the finished draft."""
        draft = self.answer(query, evidence)
        pieces = re.split(r"(?<=\]) ", draft.text)
        for index, piece in enumerate(pieces):
            yield piece if index == len(pieces) - 1 else piece + " "
        yield draft

    def _select(self, query: Query, evidence: SearchResult) -> list[_Group]:
        ranked = score_sentences(query, evidence.hits, evidence.keyword_index)
        if not ranked or ranked[0].coverage <= 0:
            return []
        best = ranked[0].score
        chosen: list[ScoredSentence] = []
        words = 0
        for sentence in ranked:
            if len(chosen) >= self.max_sentences or sentence.score < _MIN_RELATIVE_SCORE * best:
                break
            if sentence.coverage <= 0 or _duplicate(sentence, chosen):
                continue
            length = len(sentence.text.split())
            if chosen and words + length > self.max_words:
                continue
            chosen.append(sentence)
            words += length
            words += self._add_list_items(sentence, ranked, chosen, words)
        groups: dict[str, _Group] = {}
        for sentence in chosen:
            key = sentence.hit.chunk.id
            groups.setdefault(key, _Group(sentence.hit, [])).sentences.append(sentence)
        return list(groups.values())

    def _add_list_items(self, lead: ScoredSentence, ranked: list[ScoredSentence],
                        chosen: list[ScoredSentence], words: int) -> int:
        """A sentence ending in ':' announces a list: bring the items that follow it."""
        if not lead.text.endswith(":"):
            return 0
        following = sorted(
            (s for s in ranked if s.hit.chunk.id == lead.hit.chunk.id and s.span.start > lead.span.start),
            key=lambda sentence: sentence.span.start,
        )
        items = []
        for sentence in following[:_LIST_ITEMS]:
            if not _LIST_ITEM.match(sentence.text):
                break
            items.append(sentence)
        added = 0
        for sentence in items or following[:1]:
            length = len(sentence.text.split())
            if words + added + length > self.max_words * 1.5 or _duplicate(sentence, chosen):
                break
            chosen.append(sentence)
            added += length
        return added


def _with_marker(sentence: str, n: int) -> str:
    return f"{sentence} [{n}]"


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _duplicate(sentence: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    """Overlapping chunks repeat sentences; merged neighbours may contain them twice."""
    text = _normalise(sentence.text)
    for other in chosen:
        other_text = _normalise(other.text)
        if text in other_text or other_text in text:
            return True
    return False
