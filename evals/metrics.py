"""Answer-quality metrics as pure functions: retrieval, evidence, facts, citations, refusals.

Everything here works on plain values (document names, pages, texts), so each metric can
be checked on small hand-made inputs. Text comparisons go through `normalize`, which
forgives what PDF extraction changes (case, line breaks, typographic quotes and dashes,
hyphenation) but nothing that changes meaning.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.query import content_words
from ingest.sentences import sentence_spans

# --- normalisation ------------------------------------------------------------------------

_QUOTES = str.maketrans({
    "„": '"', "“": '"', "”": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‚": "'", "‘": "'", "’": "'", "‛": "'", "‹": "'", "›": "'", "´": "'", "`": "'", "′": "'",
    "–": "-", "—": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-", "−": "-", "\u00ad": "",
    "…": "...",
})
_HYPHENATION = re.compile(r"(?<=\w)-\s*(?=[a-zäöüß])")
_SPACE = re.compile(r"\s+")
_MARKERS = re.compile(r"\s*\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]")
_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """Casefolded text with one space between words and unified quotes and dashes.

    A hyphen directly before a lower-case letter is dropped ("Verstetigungs- strategie",
    "Verstetigungs-strategie" and "Verstetigungsstrategie" compare equal): it is the one
    place where the PDF text and a hand-copied quote disagree without a change in meaning.
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _SPACE.sub(" ", text)
    text = _HYPHENATION.sub("", text)
    return text.casefold().strip()


def strip_markers(text: str) -> str:
    """The answer without its ``[n]`` citation markers."""
    return _MARKERS.sub("", text)


# --- retrieval ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Retrieved:
    """One retrieved passage: its document, the pages it spans, its text and place in the document."""

    document: str
    page: int
    page_end: int
    text: str = ""
    position: int = 0


def _first_relevant(retrieved: Sequence[Retrieved], relevant: Callable[[Retrieved], bool]) -> int | None:
    return next((rank for rank, hit in enumerate(retrieved, start=1) if relevant(hit)), None)


def _doc_relevant(expected: dict[str, list[int]]) -> Callable[[Retrieved], bool]:
    return lambda hit: hit.document in expected


def _page_relevant(expected: dict[str, list[int]]) -> Callable[[Retrieved], bool]:
    return lambda hit: any(hit.page <= page <= hit.page_end for page in expected.get(hit.document, ()))


def retrieval_metrics(retrieved: Sequence[Retrieved], expected: dict[str, list[int]],
                      ks: Iterable[int] = (1, 5)) -> dict[str, float]:
    """hit@k and MRR at document and page level; `expected` maps document -> pages.

    A passage counts for a page when the page lies within its page..page_end range.
    Also the share of expected documents found in the top max(k) (multi-document questions).
    """
    ks = tuple(ks)
    metrics: dict[str, float] = {}
    for level, relevant in (("doc", _doc_relevant(expected)), ("page", _page_relevant(expected))):
        rank = _first_relevant(retrieved, relevant)
        for k in ks:
            metrics[f"{level}_hit_at_{k}"] = 1.0 if rank is not None and rank <= k else 0.0
        metrics[f"{level}_mrr"] = 1.0 / rank if rank is not None else 0.0
    depth = max(ks)
    found = {hit.document for hit in retrieved[:depth]} & set(expected)
    metrics[f"doc_recall_at_{depth}"] = len(found) / len(expected) if expected else 0.0
    return metrics


def evidence_recall(quotes: Sequence[str], passages: Sequence[str]) -> float:
    """Share of evidence quotes found (normalised) in the retrieved passages taken together.

    Give the passages in document order, so a quote straddling two neighbouring chunks is found.
    """
    if not quotes:
        return 0.0
    haystack = normalize(" \n ".join(passages))
    return sum(1 for quote in quotes if normalize(quote) in haystack) / len(quotes)


# --- facts --------------------------------------------------------------------------------

def fact_recall(facts: Sequence[Sequence[str]], answer: str) -> tuple[bool, float]:
    """(every fact found, share of facts found): a fact is found when any variant is in the answer."""
    if not facts:
        return True, 1.0
    text = normalize(strip_markers(answer))
    found = sum(1 for variants in facts if any(contains_fact(text, variant) for variant in variants))
    return found == len(facts), found / len(facts)


def contains_fact(text: str, variant: str) -> bool:
    """Is `variant` in the normalised `text`? Numbers must stand alone ("43" is not in "1943")."""
    variant = normalize(variant)
    if not variant:
        return False
    before = r"(?<![\d.,])" if variant[0].isdigit() else ""
    after = r"(?![.,]?\d)" if variant[-1].isdigit() else ""
    return re.search(before + re.escape(variant) + after, text) is not None


# --- citations ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerSentence:
    """A sentence of the answer and the citation numbers that follow it."""

    text: str
    markers: tuple[int, ...]


def answer_sentences(answer: str) -> list[AnswerSentence]:
    """Split an answer into sentences; a ``[n]`` marker belongs to the sentence before it."""
    plain_parts: list[str] = []
    marks: list[tuple[int, tuple[int, ...]]] = []  # (offset in plain text, numbers)
    position = 0
    length = 0
    for match in _MARKERS.finditer(answer):
        piece = answer[position:match.start()]
        plain_parts.append(piece)
        length += len(piece)
        numbers = tuple(int(number) for number in re.findall(r"\d+", match.group()))
        marks.append((length, numbers))
        position = match.end()
    plain_parts.append(answer[position:])
    plain = "".join(plain_parts)
    spans = sentence_spans(plain)
    sentences: list[list[int]] = [[] for _ in spans]
    for offset, numbers in marks:
        owner = None
        for index, span in enumerate(spans):
            if span.start < offset:
                owner = index
            else:
                break
        if owner is not None:
            sentences[owner].extend(numbers)
    result: list[AnswerSentence] = []
    for span, numbers in zip(spans, sentences, strict=True):
        if not _WORD.search(span.text):
            continue  # a stray "." left behind a marker
        result.append(AnswerSentence(span.text, tuple(dict.fromkeys(numbers))))
    return result


def cited_sentence_share(answer: str) -> float:
    """Share of the answer's claims followed by a citation marker.

    An uncited sentence ending in ':' only announces what follows (a lead or a list intro)
    and is not counted as a claim.
    """
    sentences = [s for s in answer_sentences(answer) if s.markers or not s.text.rstrip().endswith(":")]
    if not sentences:
        return 0.0
    return sum(1 for sentence in sentences if sentence.markers) / len(sentences)


def word_overlap(sentence: str, quote: str) -> float:
    """Share of the sentence's content words that also occur in the quote."""
    words = set(content_words(normalize(sentence)))
    if not words:
        return 1.0
    return len(words & set(content_words(normalize(quote)))) / len(words)


def quoted_from(quote: str, text: str, min_piece: int = 15) -> bool:
    """Is `quote` verbatim from `text` (after `normalize`)?

    A substring, or passages of the text joined in order (the answerers quote the chosen
    sentences of one passage joined by spaces, also when they are not adjacent). Each joined
    piece must be at least `min_piece` characters long, so that words picked from all over
    the text do not pass as a quote.
    """
    quote, text = normalize(quote), normalize(text)
    if not quote:
        return False
    if quote in text:
        return True
    start = 0
    while start < len(quote):
        low, high = start, len(quote)  # the longest piece quote[start:end] found in text
        while low < high:
            middle = (low + high + 1) // 2
            if quote[start:middle] in text:
                low = middle
            else:
                high = middle - 1
        piece = quote[start:low].strip()
        if len(piece) < min(min_piece, len(quote[start:].strip())) or low == start:
            return False
        start = low
        while start < len(quote) and quote[start] == " ":
            start += 1
    return True


@dataclass(frozen=True)
class CitedSource:
    """A citation as the metric needs it: number, document, page and quote."""

    n: int
    document: str
    page: int
    quote: str


def citation_support(citation: CitedSource, answer: Sequence[AnswerSentence],
                     passages: Sequence[Retrieved], min_overlap: float = 0.5) -> bool:
    """Is the citation's quote verbatim from the cited passage, and does it back every sentence citing it?

    The cited passage is a retrieved passage of the cited document whose pages include the
    cited page; "backs" means at least `min_overlap` of the sentence's content words occur in
    the quote. A citation that no sentence uses supports nothing.
    """
    if not normalize(citation.quote):
        return False
    in_source = any(
        passage.document == citation.document and passage.page <= citation.page <= passage.page_end
        and quoted_from(citation.quote, passage.text)
        for passage in passages
    )
    if not in_source:
        return False
    citing = [sentence for sentence in answer if citation.n in sentence.markers]
    return bool(citing) and all(word_overlap(sentence.text, citation.quote) >= min_overlap
                                for sentence in citing)


def citation_precision(answer: str, citations: Sequence[CitedSource], passages: Sequence[Retrieved],
                       min_overlap: float = 0.5) -> float | None:
    """Share of citations that support what cites them; None for an answer without citations."""
    if not citations:
        return None
    sentences = answer_sentences(answer)
    supported = sum(1 for citation in citations
                    if citation_support(citation, sentences, passages, min_overlap))
    return supported / len(citations)


def answer_words(answer: str) -> int:
    return len(strip_markers(answer).split())


# --- aggregation --------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100, numpy's linear interpolation); None for no values."""
    return float(np.percentile(values, q)) if len(values) else None


def mean(values: Iterable[float | None]) -> float | None:
    present = [float(value) for value in values if value is not None]
    return sum(present) / len(present) if present else None


# Per-item metrics averaged over the items where they apply (None = does not apply).
MEAN_METRICS = (
    "doc_hit_at_1", "doc_hit_at_5", "doc_mrr", "doc_recall_at_5",
    "page_hit_at_1", "page_hit_at_5", "page_mrr",
    "evidence_recall", "fact_ceiling", "fact_pass", "fact_recall",
    "citation_precision", "cited_sentence_share", "answer_words", "partial_marked",
    "judge_correctness", "judge_faithfulness",
)


def aggregate(items: Sequence[dict[str, object]]) -> dict[str, Any]:
    """Means of the per-item metrics plus refusal rates and latency percentiles.

    Each item is a dict with ``answerable`` (bool), ``refused`` (bool), ``latency_ms``,
    ``wall_ms`` and the per-item metrics of `MEAN_METRICS` (None where they do not apply).
    """
    answerable = [item for item in items if item["answerable"]]
    unanswerable = [item for item in items if not item["answerable"]]
    result: dict[str, Any] = {"items": len(items)}
    counts: dict[str, int] = {}
    for name in MEAN_METRICS:
        present = [item.get(name) for item in items if item.get(name) is not None]
        result[name] = mean(present)  # type: ignore[arg-type]
        counts[name] = len(present)
    counts["refusal_accuracy"] = len(unanswerable)
    counts["false_refusal_rate"] = len(answerable)
    result["counts"] = counts  # how many items each mean is over (the gate allows one item of slack)
    result["refusal_accuracy"] = mean(float(bool(item["refused"])) for item in unanswerable)
    result["false_refusal_rate"] = mean(float(bool(item["refused"])) for item in answerable)
    latencies = [float(item["latency_ms"]) for item in items if item.get("latency_ms") is not None]
    walls = [float(item["wall_ms"]) for item in items if item.get("wall_ms") is not None]
    result["latency_p50_ms"] = percentile(latencies, 50)
    result["latency_p95_ms"] = percentile(latencies, 95)
    result["wall_p50_ms"] = percentile(walls, 50)
    result["wall_p95_ms"] = percentile(walls, 95)
    return result


def aggregate_by_category(items: Sequence[dict[str, object]]) -> dict[str, dict[str, Any]]:
    """``{"overall": ..., "<category>": ...}``, each from `aggregate`."""
    return {"overall": aggregate(items), **aggregate_by(items, "category")}


def aggregate_by(items: Sequence[dict[str, object]], key: str) -> dict[str, dict[str, Any]]:
    """`aggregate` per value of `key` (items without a value are left out), sorted by value."""
    groups: dict[str, list[dict[str, object]]] = {}
    for item in items:
        if item.get(key):
            groups.setdefault(str(item[key]), []).append(item)
    return {value: aggregate(groups[value]) for value in sorted(groups)}


# --- refusal threshold --------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdPoint:
    threshold: float
    refusal_accuracy: float
    false_refusal_rate: float

    @property
    def objective(self) -> float:
        return self.refusal_accuracy - 2.0 * self.false_refusal_rate


def refusal_sweep(scores: Sequence[tuple[float, bool, bool]],
                  thresholds: Sequence[float]) -> list[ThresholdPoint]:
    """Refusal accuracy and false-refusal rate per threshold.

    `scores` holds (evidence score, answerable, refused anyway): an item is refused at a
    threshold when its score is below it, or when the answerer refused regardless.
    """
    answerable = [(score, forced) for score, is_answerable, forced in scores if is_answerable]
    unanswerable = [(score, forced) for score, is_answerable, forced in scores if not is_answerable]
    points: list[ThresholdPoint] = []
    for threshold in thresholds:
        refused_neg = sum(1 for score, forced in unanswerable if forced or score < threshold)
        refused_pos = sum(1 for score, forced in answerable if forced or score < threshold)
        points.append(ThresholdPoint(
            round(threshold, 4),
            refused_neg / len(unanswerable) if unanswerable else 0.0,
            refused_pos / len(answerable) if answerable else 0.0,
        ))
    return points


def best_threshold(points: Sequence[ThresholdPoint]) -> ThresholdPoint | None:
    """The threshold maximising refusal accuracy - 2 x false-refusal rate.

    Among equally good neighbouring thresholds the middle one is taken, so the value does
    not sit on the edge where one more item flips.
    """
    if not points:
        return None
    best = max(point.objective for point in points)
    runs: list[list[ThresholdPoint]] = []
    previous = -2
    for index, point in enumerate(points):
        if math.isclose(point.objective, best, abs_tol=1e-9):
            if index == previous + 1 and runs:
                runs[-1].append(point)
            else:
                runs.append([point])
            previous = index
    first = runs[0]
    return first[(len(first) - 1) // 2]
