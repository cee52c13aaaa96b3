"""German text analysis for keyword search: words, stop words, compounds, stems.

Compounds are split with the corpus's own vocabulary (Koehn & Knight 2003: a split counts
when its parts occur as words of their own), so "Verstetigungsstrategie" also yields
"verstetigung" and "strategie". Learning from the indexed text keeps this light (a dictionary
lookup per word) and lets it adapt to new documents; the stems come from Snowball.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

from ingest.lexicon import GERMAN_STOPWORDS, NUMBER_WORDS, QUESTION_WORDS

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-zäöüß]+", re.I)
_LINKING_ELEMENTS = ("", "s", "es", "n", "en", "e", "er")
_MIN_PART = 4
_MIN_COMPOUND = 8


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german")


def words(text: str) -> list[str]:
    """Lower-cased words and numbers, hyphenated compounds split at the hyphens."""
    return [match.group(0).lower() for match in _TOKEN.finditer(text)]


class Decompounder:
    """Split compounds into parts that occur as words in the given vocabulary."""

    def __init__(self, vocabulary: Counter[str]) -> None:
        self.vocabulary = vocabulary
        self._cache: dict[str, tuple[str, ...]] = {}

    def parts(self, word: str) -> tuple[str, ...]:
        """The parts of `word` (empty when it is not a compound the vocabulary can explain)."""
        cached = self._cache.get(word)
        if cached is None:
            cached = self._split(word, depth=0)
            self._cache[word] = cached
        return cached

    def _split(self, word: str, depth: int) -> tuple[str, ...]:
        if len(word) < _MIN_COMPOUND or not word.isalpha() or depth > 2:
            return ()
        best: tuple[str, ...] = ()
        best_score = 0.0
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            head_word = self._known_head(head)
            if head_word is None:
                continue
            tail_parts: tuple[str, ...]
            if self.vocabulary.get(tail, 0) > 0:
                tail_parts = (tail,)
            else:
                tail_parts = self._split(tail, depth + 1)
                if not tail_parts:
                    continue
            parts = (head_word, *tail_parts)
            score = math.exp(sum(math.log(self.vocabulary.get(p, 1)) for p in parts) / len(parts))
            if score > best_score:
                best, best_score = parts, score
        return best

    def _known_head(self, head: str) -> str | None:
        for link in _LINKING_ELEMENTS:
            if link and not head.endswith(link):
                continue
            stem = head[: len(head) - len(link)] if link else head
            if len(stem) >= _MIN_PART and self.vocabulary.get(stem, 0) > 0:
                return stem
        return None


class GermanAnalyzer:
    """Text -> index terms: words, minus stop words, plus compound parts, stemmed."""

    def __init__(self, vocabulary: Counter[str] | None = None) -> None:
        self.decompounder = Decompounder(vocabulary or Counter())
        self._term_cache: dict[str, tuple[str, ...]] = {}

    def terms(self, text: str, *, drop_question_words: bool = False) -> list[str]:
        """All index terms of `text`: each word's stem followed by its compound parts' stems."""
        return [term for group in self.term_groups(text, drop_question_words=drop_question_words)
                for term in group]

    def term_groups(self, text: str, *, drop_question_words: bool = False) -> list[tuple[str, ...]]:
        """Per content word: (stem of the whole word, stems of its compound parts...)."""
        groups: list[tuple[str, ...]] = []
        for word in words(text):
            if word in GERMAN_STOPWORDS or (drop_question_words and word in QUESTION_WORDS):
                continue
            if len(word) < 2 and not word.isdigit():
                continue
            groups.append(self._word_terms(word))
        return groups

    def _word_terms(self, word: str) -> tuple[str, ...]:
        cached = self._term_cache.get(word)
        if cached is None:
            variants = [word, *self.decompounder.parts(word)] if not word[0].isdigit() else [word]
            masculine = _masculine_form(word)
            if masculine:
                variants.insert(1, masculine)
            number = NUMBER_WORDS.get(word)
            if number:
                variants.append(number)
            stems = ([variant if variant.isdigit() else _stemmer().stemWord(variant) for variant in variants]
                     if not word[0].isdigit() else variants)
            cached = tuple(dict.fromkeys(stems))
            self._term_cache[word] = cached
        return cached


def _masculine_form(word: str) -> str | None:
    """'einwohnerinnen' -> 'einwohner': gender-inclusive forms also match the plain noun."""
    if len(word) > 9 and word.endswith("erinnen"):
        return word[:-5]
    if len(word) > 8 and word.endswith("erin"):
        return word[:-2]
    return None


def vocabulary_of(texts: Iterable[str]) -> Counter[str]:
    """Word counts over `texts`, the decompounder's evidence of which words exist."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word in words(text) if word.isalpha() and len(word) >= _MIN_PART)
    return counts
