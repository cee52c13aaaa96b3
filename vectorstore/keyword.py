"""BM25 keyword index (bm25s) over the chunks of the documents in the manifest.

The index is derived data: it is built from the store's chunks for one exact set of document
versions (its fingerprint) and saved under ``keyword/<fingerprint>/``. A process loads the
saved index matching the manifest; only when none matches (first start, or an ingest was
killed before it saved one) does it build and save it. It is never built per query.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from ingest.lexicon import QUERY_LONG_FORMS
from vectorstore.german import GermanAnalyzer, vocabulary_of

log = logging.getLogger(__name__)
_KEEP_GENERATIONS = 2
# Bump when the analysis changes, so saved indexes built with the old analysis are rebuilt.
ANALYSIS_VERSION = 3
_MIN_SPELLING_SIMILARITY = 0.84
_MIN_RUN_TOGETHER_PART = 3  # "startups" = "start" + "ups" (the corpus writes "Start-ups")
_GROUP_CACHE = 4096  # questions read before the memo starts afresh
_RARE = 2  # a word in at most this many chunks may be a run-together spelling of two common ones


@dataclass(frozen=True)
class KeywordHit:
    chunk_id: str
    score: float


class KeywordIndex:
    """Search chunk ids by BM25 over German terms (stems plus compound parts)."""

    def __init__(self, fingerprint: str, ids: list[str], retriever: bm25s.BM25 | None,
                 analyzer: GermanAnalyzer, document_frequency: dict[str, int]) -> None:
        self.fingerprint = fingerprint
        self.ids = ids
        self._retriever = retriever
        self.analyzer = analyzer
        self._document_frequency = document_frequency
        self._position = {chunk_id: index for index, chunk_id in enumerate(ids)}
        self._corrections: dict[str, str | None] = {}
        self._groups: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._by_initial: dict[str, list[str]] = {}
        for term in document_frequency:
            if len(term) >= 4 and not term[0].isdigit():
                self._by_initial.setdefault(term[0], []).append(term)

    # --- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, fingerprint: str, ids: list[str], texts: list[str]) -> KeywordIndex:
        """Index `texts` (one per chunk id); an empty corpus gives an index that finds nothing."""
        analyzer = GermanAnalyzer(vocabulary_of(texts))
        corpus_terms = [analyzer.terms(text) for text in texts]
        document_frequency: Counter[str] = Counter()
        for terms in corpus_terms:
            document_frequency.update(set(terms))
        retriever = None
        if ids:
            logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
            retriever = bm25s.BM25()
            retriever.index(corpus_terms, show_progress=False)
        return cls(fingerprint, ids, retriever, analyzer, dict(document_frequency))

    def save(self, root: Path) -> Path:
        """Write atomically to ``root/<fingerprint>`` and drop older generations."""
        root.mkdir(parents=True, exist_ok=True)
        target = root / _directory_name(self.fingerprint)
        if target.exists():
            return target
        staging = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
        try:
            if self._retriever is not None:
                self._retriever.save(str(staging / "bm25"), show_progress=False)
            meta = {
                "fingerprint": self.fingerprint,
                "ids": self.ids,
                "vocabulary": dict(self.analyzer.decompounder.vocabulary),
                "document_frequency": self._document_frequency,
            }
            (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            os.replace(staging, target)
        except FileExistsError:
            pass  # another process saved the same generation first
        except OSError as exc:
            if not target.exists():
                raise
            log.debug("keyword index %s already saved (%s)", self.fingerprint, exc)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _prune_generations(root, keep=target.name)
        return target

    @classmethod
    def load(cls, root: Path, fingerprint: str) -> KeywordIndex | None:
        """The saved index for `fingerprint`, or None when there is none (or it is damaged)."""
        directory = root / _directory_name(fingerprint)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            retriever = None
            if meta["ids"]:
                retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=False, show_progress=False)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("keyword index %s unreadable (%s); it will be rebuilt", fingerprint, exc)
            return None
        analyzer = GermanAnalyzer(Counter(meta["vocabulary"]))
        return cls(fingerprint, meta["ids"], retriever, analyzer, meta["document_frequency"])

    # --- searching ----------------------------------------------------------------------
    def query_groups(self, text: str) -> list[tuple[str, ...]]:
        """Memoised `_query_groups`: one question is read by retrieval, sentence scoring and the
        answerability check, each several times."""
        cached = self._groups.get(text)
        if cached is None:
            if len(self._groups) >= _GROUP_CACHE:
                self._groups.clear()
            cached = self._groups[text] = tuple(self._query_groups(text))
        return list(cached)

    def _query_groups(self, text: str) -> list[tuple[str, ...]]:
        """The question's term groups, as users type them matched to how the documents write:
        abbreviations also stand for their long form ("BaWü" -> Baden-Württemberg), a word
        written together that the documents hyphenate gets its parts ("startups" -> start, ups),
        and a misspelt word is mapped to the closest known term."""
        groups: list[tuple[str, ...]] = []
        for group in self.analyzer.term_groups(self._with_long_forms(text), drop_question_words=True):
            full = group[0]
            if len(group) == 1 and self._document_frequency.get(full, 0) <= _RARE:
                parts = self.run_together_parts(full)
                if parts:
                    group = (full, *parts)
            if not self.known(full) and len(group) == 1:
                corrected = self.correct(full)
                if corrected is not None:
                    group = (corrected, *group[1:])
            groups.append(group)
        return groups

    def _with_long_forms(self, text: str) -> str:
        """`text` with the long form of each abbreviation the lexicon knows; the abbreviation
        stays too where the documents use it ("NRW Nordrhein-Westfalen")."""
        def expand(match: re.Match[str], long_form: str) -> str:
            short = match.group(0)
            kept = all(self.known(term) for term in self.analyzer.terms(short))
            return f"{short} {long_form}" if kept else long_form

        for pattern, long_form in QUERY_LONG_FORMS:
            text = pattern.sub(lambda match, long_form=long_form: expand(match, long_form), text)
        return text

    def run_together_parts(self, term: str) -> tuple[str, ...]:
        """The terms of two words of the documents, each more frequent than `term`, that it is
        written together from ("startups": the documents write "Start-ups"), if any."""
        best: tuple[int, tuple[str, ...]] = (self._document_frequency.get(term, 0), ())
        if not term.isalpha():
            return ()
        words = self.analyzer.decompounder.vocabulary
        for cut in range(_MIN_RUN_TOGETHER_PART, len(term) - _MIN_RUN_TOGETHER_PART + 1):
            head, tail = term[:cut], term[cut:]
            # The vocabulary holds words of four letters or more; one shorter part must be a term.
            if min(len(head), len(tail)) < 4 and max(len(head), len(tail)) < 5:
                continue
            if not all(words.get(part) or (len(part) < 4 and self.known(part)) for part in (head, tail)):
                continue
            stems = tuple(self.analyzer.terms(head)[:1] + self.analyzer.terms(tail)[:1])
            frequency = min((self._document_frequency.get(stem, 0) for stem in stems), default=0)
            if len(stems) == 2 and frequency > best[0]:
                best = (frequency, stems)
        return best[1]

    def query_terms(self, text: str) -> list[str]:
        return list(dict.fromkeys(term for group in self.query_groups(text) for term in group))

    def known(self, term: str) -> bool:
        return term in self._document_frequency

    def correct(self, term: str) -> str | None:
        """The known term closest in spelling to an unknown one ("modelprojekt" -> "modellprojekt")."""
        if term in self._corrections:
            return self._corrections[term]
        best: str | None = None
        if len(term) >= 5 and not term[0].isdigit():
            candidates = [known for known in self._by_initial.get(term[0], ())
                          if abs(len(known) - len(term)) <= 2]
            scored = [(difflib.SequenceMatcher(None, term, known).ratio(), known) for known in candidates]
            scored = [item for item in scored if item[0] >= _MIN_SPELLING_SIMILARITY]
            if scored:
                best = max(scored)[1]
        self._corrections[term] = best
        return best

    def search(self, text: str, k: int, allowed_ids: set[str] | None = None) -> list[KeywordHit]:
        """Best `k` chunks for `text`; `allowed_ids` restricts the search (document filter)."""
        return self.search_terms(self.query_terms(text), k, allowed_ids)

    def search_terms(self, terms: list[str], k: int, allowed_ids: set[str] | None = None) -> list[KeywordHit]:
        """Best `k` chunks for index terms already analysed (`query_groups`): stemming them again
        would change them ("verstet" -> "verst")."""
        if self._retriever is None or not terms:
            return []
        scores = np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
        if allowed_ids is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for chunk_id in allowed_ids:
                position = self._position.get(chunk_id)
                if position is not None:
                    mask[position] = True
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        ranked = sorted(top, key=lambda index: -scores[index])
        return [KeywordHit(self.ids[i], float(scores[i])) for i in ranked if scores[i] > 0]

    def idf(self, term: str) -> float:
        """BM25 inverse document frequency of a (stemmed) term; unknown terms weigh most."""
        n = max(1, len(self.ids))
        df = self._document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def __len__(self) -> int:
        return len(self.ids)


def index_directory(root: Path, fingerprint: str) -> Path:
    """Where the index for `fingerprint` is saved under `root`."""
    return root / _directory_name(fingerprint)


def _directory_name(fingerprint: str) -> str:
    return f"{fingerprint}-a{ANALYSIS_VERSION}"


def _prune_generations(root: Path, keep: str) -> None:
    generations = sorted(
        (path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for path in generations[_KEEP_GENERATIONS:]:
        if path.name != keep:
            shutil.rmtree(path, ignore_errors=True)
