"""Hybrid search: dense (Chroma) plus keyword (BM25), fused by reciprocal rank fusion.

Only chunks of document versions in the manifest are returned. Adjacent chunks of one
passage that both rank are merged into one hit, so the answerer sees the passage whole.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ingest.lines import ITEM_REST_WORDS, LIST_ITEM_START
from ingest.models import Chunk
from ingest.models import chunk_id as make_chunk_id
from vectorstore.embeddings import QuestionEmbedder
from vectorstore.errors import UnknownDocumentError
from vectorstore.keyword import KeywordIndex
from vectorstore.knowledge_base import KnowledgeBase, Snapshot
from vectorstore.timing import elapsed_ms

SearchMode = Literal["hybrid", "dense", "keyword"]
_UNPUBLISHED_MARGIN = 10
_OUTLINE_SECTIONS = 3  # sections whose headings best match the question's aspects
_MAX_ASPECTS = 4
_FOCUS_BOOST = 2.0
_MIN_OVERLAP = 12  # characters two chunks must share to count as overlapping


@dataclass(frozen=True)
class Hit:
    """A chunk with its scores: cosine similarity, BM25 score, fused RRF score and ranks."""

    chunk: Chunk
    fused: float
    dense: float | None = None
    keyword: float | None = None
    dense_rank: int | None = None
    keyword_rank: int | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    keyword_index: KeywordIndex
    timings_ms: dict[str, float]


class HybridRetriever:
    """`search(query, k, documents) -> SearchResult`; the retriever seam of the pipeline."""

    def __init__(self, knowledge_base: KnowledgeBase, embeddings: QuestionEmbedder, candidates: int = 40,
                 rrf_k: int = 60, merge_neighbours: bool = True, mode: SearchMode = "hybrid",
                 aspect_weight: float = 1.0, outline_weight: float = 0.7) -> None:
        self.knowledge_base = knowledge_base
        self.embeddings = embeddings
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.merge_neighbours = merge_neighbours
        self.mode = mode
        self.aspect_weight = aspect_weight
        self.outline_weight = outline_weight

    def search(self, query: str, k: int, documents: Sequence[str] | None = None,
               focus: Sequence[str] = ()) -> SearchResult:
        """The `k` best passages for `query`, only from `documents` when given.

        `focus` names what the question asks about (its action or the class of thing it wants,
        see `assistant.question`): it gets candidates of its own, from the keyword index and
        from the sections whose headings are about it, so that the rarest word of the question
        does not decide alone.
        Raises `UnknownDocumentError` when `documents` names a file the manifest does not hold:
        the snapshot searched is the one source of truth for what exists.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        snapshot = self.knowledge_base.snapshot()
        if documents is not None:
            unknown = sorted(set(documents) - {record.file for record in snapshot.documents})
            if unknown:
                raise UnknownDocumentError(f"unknown document(s): {', '.join(unknown)}")
        versions = snapshot.versions_of(documents)
        timings["manifest"] = elapsed_ms(started)
        if not versions:
            return SearchResult([], snapshot.keyword, timings)

        keyword_ranked: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "keyword"):
            started = time.perf_counter()
            allowed = None
            if documents is not None:
                wanted = set(documents)
                allowed = {cid for cid in snapshot.keyword.ids if cid.split("@", 1)[0] in wanted}
            keyword_ranked = [(hit.chunk_id, hit.score)
                              for hit in snapshot.keyword.search(query, self.candidates, allowed)]
            timings["keyword"] = elapsed_ms(started)

        dense_ranked: list[tuple[Chunk, float]] = []
        similarities: np.ndarray | None = None
        if self.mode in ("hybrid", "dense"):
            started = time.perf_counter()
            vector = self.embeddings.embed_question(query)
            timings["embed"] = elapsed_ms(started)
            started = time.perf_counter()
            if snapshot.vectors is not None:
                similarities = snapshot.vectors.similarities(vector)
            dense_ranked = self._dense(vector, snapshot, documents, similarities)
            timings["dense"] = elapsed_ms(started)

        aspects: list[tuple[list[str], float]] = []
        if focus and self.mode == "hybrid":
            started = time.perf_counter()
            aspects = self._aspects(snapshot, query, focus, documents, similarities)
            timings["aspects"] = elapsed_ms(started)

        started = time.perf_counter()
        hits = self._fuse(dense_ranked, keyword_ranked, k, snapshot, aspects, similarities)
        if self.merge_neighbours:
            hits = merge_adjacent(hits)
        if focus:
            hits = self._with_lists_completed(hits[:k], snapshot)
        timings["fusion"] = elapsed_ms(started)
        return SearchResult(hits[:k], snapshot.keyword, timings)

    def _aspects(self, snapshot: Snapshot, query: str, focus: Sequence[str], documents: Sequence[str] | None,
                 similarities: np.ndarray | None) -> list[tuple[list[str], float]]:
        """Extra rankings so that every aspect of the question finds passages, not only its rarest word.

        Each content word of the question (an aspect: the action, the object, the place ...)
        gets a BM25 ranking of its own, weighted by its share of the question's IDF weight; the
        `focus` words (what the question asks about) count `_FOCUS_BOOST` times. The outline adds
        the chunks of the sections whose headings name the aspects, best first by similarity
        to the whole question.
        """
        keyword = snapshot.keyword
        groups = keyword.query_groups(query)
        if len(groups) < 2:
            return []
        focused = {stem for word in focus for stem in keyword.analyzer.terms(word)}
        weights = [keyword.idf(group[0]) * (_FOCUS_BOOST if set(group) & focused else 1.0) for group in groups]
        total = sum(weights) or 1.0
        wanted = set(documents) if documents is not None else None
        allowed = None if wanted is None else {cid for cid in keyword.ids if cid.split("@", 1)[0] in wanted}
        rankings: list[tuple[list[str], float]] = []
        ordered = sorted(zip(groups, weights, strict=True), key=lambda item: -item[1])[:_MAX_ASPECTS]
        for group, weight in ordered:
            ids = [hit.chunk_id for hit in keyword.search_terms(list(dict.fromkeys(group)), self.candidates, allowed)]
            rankings.append((ids, self.aspect_weight * weight / total))
        if snapshot.outline is None or snapshot.vectors is None or similarities is None:
            return rankings
        stems = [group[0] for group, _ in ordered]
        sections = [section for section, _ in
                    snapshot.outline.matching(stems, [weight for _, weight in ordered])[:_OUTLINE_SECTIONS]
                    if wanted is None or section.document in wanted]
        ids = list(dict.fromkeys(cid for section in sections for cid in section.chunk_ids
                                 if cid in snapshot.vectors.rows))
        ids.sort(key=lambda cid: -float(similarities[snapshot.vectors.rows[cid]]))
        rankings.append((ids[: self.candidates], self.outline_weight))
        return rankings

    def _with_lists_completed(self, hits: list[Hit], snapshot: Snapshot) -> list[Hit]:
        """A list or how-to question wants the whole list: a passage that ends inside one is
        joined with the next chunk of its document, where the list goes on (fetched in one go)."""
        wanted: dict[int, str] = {}
        for index, hit in enumerate(hits):
            if ends_in_list(hit.chunk.text):
                last = int(hit.chunk.id.rsplit("+", 1)[1]) if "+" in hit.chunk.id else hit.chunk.position
                wanted[index] = make_chunk_id(hit.chunk.document, hit.chunk.version, last + 1)
        if not wanted:
            return hits
        if snapshot.vectors is not None:
            found = {cid: snapshot.vectors.by_id[cid] for cid in wanted.values() if cid in snapshot.vectors.by_id}
        else:
            found = {chunk.id: chunk for chunk in self.knowledge_base.store.get_chunks(list(wanted.values()))}
        return [replace(hit, chunk=_join_chunks(hit.chunk, found[wanted[index]]))
                if index in wanted and wanted[index] in found else hit for index, hit in enumerate(hits)]

    def _dense(self, vector: np.ndarray, snapshot: Snapshot, documents: Sequence[str] | None,
               similarities: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """Nearest published chunks: exact from the snapshot's vectors when it has them, else HNSW.

        A metadata filter on every HNSW query makes Chroma scan metadata (measured: 75 ms instead
        of 7 ms at 10k chunks), so only a document filter uses one. Otherwise a few extra
        candidates are fetched and chunks of unpublished versions (an ingest in progress or
        interrupted) are dropped here.
        """
        versions = snapshot.versions_of(documents)
        store = self.knowledge_base.store
        if snapshot.vectors is not None:
            return snapshot.vectors.nearest(vector, self.candidates, None if documents is None else set(documents),
                                            similarities)
        if documents is not None:
            return store.query(vector, self.candidates, versions)
        published = set(versions)
        nearest_hnsw = store.query(vector, self.candidates + _UNPUBLISHED_MARGIN, None)
        return [(chunk, score) for chunk, score in nearest_hnsw if chunk.version in published][: self.candidates]

    def _fuse(self, dense_ranked: list[tuple[Chunk, float]], keyword_ranked: list[tuple[str, float]],
              k: int, snapshot: Snapshot, aspects: Sequence[tuple[list[str], float]] = (),
              similarities: np.ndarray | None = None) -> list[Hit]:
        scores: dict[str, float] = {}
        dense_info: dict[str, tuple[int, float]] = {}
        keyword_info: dict[str, tuple[int, float]] = {}
        chunks: dict[str, Chunk] = {}
        for rank, (chunk, similarity) in enumerate(dense_ranked, start=1):
            scores[chunk.id] = scores.get(chunk.id, 0.0) + 1.0 / (self.rrf_k + rank)
            dense_info[chunk.id] = (rank, similarity)
            chunks[chunk.id] = chunk
        for rank, (chunk_id, score) in enumerate(keyword_ranked, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (self.rrf_k + rank)
            keyword_info[chunk_id] = (rank, score)
        for ids, weight in aspects:
            for rank, chunk_id in enumerate(ids, start=1):
                scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (self.rrf_k + rank)
        ranked = sorted(scores, key=lambda cid: -scores[cid])[: max(k * 2, k + 4)]
        missing = [cid for cid in ranked if cid not in chunks]
        if snapshot.vectors is not None:  # the snapshot holds every published chunk already
            chunks.update({cid: snapshot.vectors.by_id[cid] for cid in missing if cid in snapshot.vectors.by_id})
        else:
            chunks.update({chunk.id: chunk for chunk in self.knowledge_base.store.get_chunks(missing)})
        hits: list[Hit] = []
        for cid in ranked:
            if cid not in chunks:
                continue  # the keyword index may name a chunk deleted a moment ago
            dense_rank, dense = dense_info.get(cid, (None, None))
            if dense is None and similarities is not None and snapshot.vectors is not None:
                dense = float(similarities[snapshot.vectors.rows[cid]])  # exact: every chunk has one
            keyword_rank, keyword = keyword_info.get(cid, (None, None))
            hits.append(Hit(chunks[cid], scores[cid], dense, keyword, dense_rank, keyword_rank))
        return hits


def merge_adjacent(hits: list[Hit]) -> list[Hit]:
    """Merge hits on neighbouring chunks of one document version into the better-ranked hit."""
    merged: list[Hit] = []
    for hit in hits:
        partner_index = next(
            (index for index, kept in enumerate(merged)
             if kept.chunk.version == hit.chunk.version
             and abs(kept.chunk.position - hit.chunk.position) == 1
             and "+" not in kept.chunk.id),
            None,
        )
        if partner_index is None:
            merged.append(hit)
            continue
        kept = merged[partner_index]
        first, second = sorted((kept.chunk, hit.chunk), key=lambda chunk: chunk.position)
        merged[partner_index] = replace(kept, chunk=_join_chunks(first, second),
                                        dense=_max(kept.dense, hit.dense),
                                        keyword=_max(kept.keyword, hit.keyword))
    return merged


def ends_in_list(text: str) -> bool:
    """Does `text` end in a list item, so that the list may go on in the next chunk? The last
    line may be the rest of the item, broken off by the page ("Aktivitäten informieren")."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return False
    if LIST_ITEM_START.match(lines[-1]):
        return True
    fragment = len(lines[-1].split()) <= ITEM_REST_WORDS and not lines[-1].endswith((".", "!", "?", ":"))
    return len(lines) > 1 and fragment and bool(LIST_ITEM_START.match(lines[-2]))


def _join_chunks(first: Chunk, second: Chunk) -> Chunk:
    """One passage from two consecutive chunks, without repeating their overlap."""
    overlap = _overlap_length(first.text, second.text)
    rest = second.text[overlap:]
    tail = rest.lstrip()
    start = overlap + len(rest) - len(tail)  # where the kept tail starts in `second`
    gap = rest[: len(rest) - len(tail)]  # the overlap ends a line: the kept tail starts a new one
    separator = "\n\n" if overlap == 0 else ("" if not tail else ("\n" if "\n" in gap else " "))
    text = first.text + separator + tail if tail else first.text
    shift = len(first.text) + len(separator) - start  # `second` offset -> offset in `text`
    breaks = [item for item in first.page_breaks.split(";") if item]
    tail_page = second.page_at(start)
    if tail and tail_page != first.page_at(len(first.text) - 1):
        breaks.append(f"{len(first.text) + len(separator)}:{tail_page}")
    for item in filter(None, second.page_breaks.split(";")):
        offset, page = item.split(":")
        if int(offset) > start:  # breaks inside the dropped overlap are already in `first`
            breaks.append(f"{int(offset) + shift}:{page}")
    joined = first.joined_sections
    if tail:
        later = tuple((offset + shift, section, path) for offset, section, path in second.joined_sections)
        joined = (*joined, (len(first.text) + len(separator), second.section, second.section_path), *later)
    return replace(first, id=f"{first.id}+{second.position}", text=text, page_end=second.page_end,
                   tokens=first.tokens + second.tokens, page_breaks=";".join(breaks), joined_sections=joined)


def _overlap_length(left: str, right: str) -> int:
    """Length of the longest prefix of `right` that ends `left` (the chunk overlap)."""
    probe = right[:40]
    if len(probe) < 20:
        return 0
    index = left.find(probe)
    while index != -1:
        if right.startswith(left[index:]):
            return len(left) - index
        index = left.find(probe, index + 1)
    # An overlap shorter than the probe (a chunk that starts a new section repeats a line or two).
    return next((length for length in range(min(len(probe), len(left)), _MIN_OVERLAP - 1, -1)
                 if left.endswith(right[:length])), 0)


def _max(a: float | None, b: float | None) -> float | None:
    values = [value for value in (a, b) if value is not None]
    return max(values) if values else None
