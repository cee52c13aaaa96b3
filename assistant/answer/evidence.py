"""Score the sentences of retrieved passages against a question.

Shared by the extractive answerer (which sentences to quote) and the LLM answerer (which
sentences of a cited source to quote); the refusal policy uses the weighted question words.
A sentence's score combines how much of the question's weighted terms it covers (IDF from
the keyword index, stems and compound parts) with how well its passage ranked.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from assistant.query import Query
from ingest.lexicon import ADVICE as _ADVICE
from ingest.lexicon import CONTINUATION_OPENER as _CONTINUES
from ingest.lexicon import NUMBER_QUESTION as _WANTS_NUMBER
from ingest.models import SECTION_PATH_SEPARATOR, Chunk
from ingest.sentences import Span, sentence_spans
from vectorstore.hybrid import Hit
from vectorstore.keyword import KeywordIndex

_DIGIT = re.compile(r"\d")
_CONTEXT_WEIGHT = 0.35
FOCUS_WEIGHT = 2.5
_COVERAGE_WEIGHT = 0.7
_PRIOR_WEIGHT = 0.3
_NUMBER_BONUS = 0.12
_ENUMERATION_BONUS = 0.12
_ADVICE_BONUS = 0.05  # dev: 0.05 how-to fact pass 0.04 -> 0.08; 0.1 and 0.2 the same plus a false refusal
_SEPARATOR = re.compile(r",\s|\s(?:und|sowie|oder|bzw\.)\s")
_CARRY_OVER = 0.8
_VERBLESS_FRAGMENT = re.compile(r"^[^.!?]{0,80}$")
_URL = re.compile(r"https?://|www\.", re.I)


@dataclass(frozen=True)
class ScoredSentence:
    """A sentence of a retrieved passage with its relevance to the question.

    `matches` holds, per question word, how far (0..1) this sentence matches it.
    """

    hit: Hit
    span: Span
    coverage: float
    score: float
    matches: tuple[float, ...] = ()

    @property
    def text(self) -> str:
        return self.span.text


@lru_cache(maxsize=16384)
def _analysed(keyword: KeywordIndex, text: str) -> tuple[tuple[Span, frozenset[str]], ...]:
    return tuple((span, frozenset(keyword.analyzer.terms(span.text))) for span in sentence_spans(text))


@dataclass(frozen=True)
class QueryWord:
    """One content word of the question: its stem, its compound parts, and its weight."""

    stem: str
    parts: tuple[str, ...]
    weight: float
    carried: bool = False  # carried over from an earlier turn or the situation, not the question's own

    def match(self, terms: frozenset[str]) -> float:
        if self.stem in terms:
            return 1.0
        if not self.parts:
            return 0.0
        return 0.7 * sum(part in terms for part in self.parts) / len(self.parts)


def query_words(keyword: KeywordIndex, query: Query, focus: Collection[str] = ()) -> list[QueryWord]:
    """The query's content words, weighted by IDF (a compound unknown to the corpus by its parts);
    words carried over from earlier turns weigh `_CONTEXT_WEIGHT` as much, the question's focus
    (what it asks about, see `assistant.question`) `FOCUS_WEIGHT` times as much: in "Mit welchen
    Partnern arbeitet der Makerspace in Kempten?" the rare names find the passage, but the
    sentences that answer are the ones about partners."""
    focused = {stem for word in focus for stem in keyword.analyzer.terms(word)}
    result: dict[str, QueryWord] = {}
    for text, factor in ((query.question, 1.0), (query.context, _CONTEXT_WEIGHT)):
        for stem, *parts in keyword.query_groups(text):
            if stem in result:
                continue
            known_parts = tuple(part for part in parts if keyword.known(part))
            if not keyword.known(stem) and known_parts:
                weight = sum(keyword.idf(part) for part in known_parts) / len(known_parts)
            else:
                weight = keyword.idf(stem)
            boost = FOCUS_WEIGHT if stem in focused or any(part in focused for part in parts) else 1.0
            result[stem] = QueryWord(stem, known_parts, weight * factor * boost, carried=factor < 1.0)
    return list(result.values())


def wants_number(question: str) -> bool:
    return bool(_WANTS_NUMBER.search(question))


def score_sentences(query: Query | str, hits: list[Hit], keyword: KeywordIndex,
                    focus: Collection[str] = (), enumerations: bool = False,
                    value: re.Pattern[str] | None = None, advice: bool = False) -> list[ScoredSentence]:
    """Every sentence of every hit, scored; best first.

    With `enumerations` (a list question) a sentence that enumerates ("A, B, C und D") scores
    up to `_ENUMERATION_BONUS` more: reports often give a list in running text. With `value`
    (the kind of value a number question wants) a sentence that gives one goes on about the
    sentence before it, like a continuation ("... das Labor langfristig zu verstetigen. Die
    Abschätzung zeigt, dass das jährliche Budget von rund 400.000 € ..."). With `advice` (a
    how-to question) a sentence that recommends ("sollten", "Handlungsempfehlung:") scores
    `_ADVICE_BONUS` more: the question asks what to do, not how things are.
    """
    if isinstance(query, str):
        query = Query(query)
    wanted = query_words(keyword, query, focus)
    total = sum(word.weight for word in wanted) or 1.0
    shares = tuple(word.weight / total for word in wanted)
    numeric = wants_number(query.question)
    scored: list[ScoredSentence] = []
    for rank, hit in enumerate(hits):
        prior = 1.0 / (1.0 + 0.3 * rank)
        previous: ScoredSentence | None = None
        headings = _headings(hit.chunk)
        # A follow-up's own words decide the sentence; the topic it carries over ("dort" = the
        # project asked about before) only has to be what the passage is about.
        passage = _passage_terms(keyword, hit.chunk) if any(word.carried for word in wanted) else frozenset()
        for span, terms in _analysed(keyword, hit.chunk.text):
            if span.text in headings:
                continue  # the headings that head the chunk are no answer
            matches = tuple(max(word.match(terms), word.match(passage)) if word.carried else word.match(terms)
                            for word in wanted)
            gives_value = value is not None and bool(value.search(span.text))
            if previous is not None and (_CONTINUES.match(span.text) or gives_value):
                # "Das entspricht ...", "Diese Zahl ...": the sentence goes on about the last one.
                matches = tuple(max(own, _CARRY_OVER * before)
                                for own, before in zip(matches, previous.matches, strict=True))
            coverage = sum(share * match for share, match in zip(shares, matches, strict=True))
            base = _PRIOR_WEIGHT * prior + (_NUMBER_BONUS if numeric and _DIGIT.search(span.text) else 0.0)
            if enumerations:
                base += _ENUMERATION_BONUS * min(len(_SEPARATOR.findall(span.text)), 4) / 4
            if advice and _ADVICE.search(span.text):
                base += _ADVICE_BONUS
            shape = _shape_factor(span.text)
            score = (_COVERAGE_WEIGHT * coverage + base) * shape
            previous = ScoredSentence(hit, span, coverage, score, matches)
            scored.append(previous)
    scored.sort(key=lambda sentence: -sentence.score)
    return scored


def _passage_terms(keyword: KeywordIndex, chunk: Chunk) -> frozenset[str]:
    """The terms of a passage and of its headings."""
    return frozenset(term for _, terms in _analysed(keyword, chunk.text) for term in terms) | frozenset(
        keyword.analyzer.terms(" ".join(_headings(chunk))))


def _headings(chunk: Chunk) -> frozenset[str]:
    """The chunk's own section heading and the titles of its section path."""
    titles = {chunk.section} if chunk.section else set()
    titles.update(title for title in chunk.section_path.split(SECTION_PATH_SEPARATOR) if title)
    for _, section, path in chunk.joined_sections:  # a joined passage has the later chunks' headings too
        titles.update(title for title in (section, *path.split(SECTION_PATH_SEPARATOR)) if title)
    return frozenset(titles)


def _shape_factor(text: str) -> float:
    """Down-weight what reads badly as an answer: fragments, headings, link lists, table rows."""
    tokens = text.split()
    words = len(tokens)
    if words < 5:
        return 0.5
    factor = 1.0
    if _URL.search(text):
        factor *= 0.4
    if _VERBLESS_FRAGMENT.match(text) and not text.endswith((".", "!", "?", ":", "“")) and words < 12:
        factor *= 0.6
    lowercase = sum(token[:1].islower() for token in tokens)
    if words >= 8 and lowercase / words < 0.2:
        factor *= 0.5  # a flattened table row or a list of names
    if words > 70:
        factor *= 0.8
    return factor
