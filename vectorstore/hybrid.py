"""Hybrid search: dense (Chroma) plus keyword (BM25), fused by reciprocal rank fusion.

Only chunks of document versions in the manifest are returned. Adjacent chunks of one
passage that both rank are merged into one hit, so the answerer sees the passage whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ingest.models import Chunk
from vectorstore.embeddings import E5Embeddings
from vectorstore.keyword import KeywordIndex
from vectorstore.knowledge_base import KnowledgeBase

SearchMode = Literal["hybrid", "dense", "keyword"]
_UNPUBLISHED_MARGIN = 10


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

    def __init__(self, knowledge_base: KnowledgeBase, embeddings: E5Embeddings, candidates: int = 40,
                 rrf_k: int = 60, merge_neighbours: bool = True, mode: SearchMode = "hybrid") -> None:
        self.knowledge_base = knowledge_base
        self.embeddings = embeddings
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.merge_neighbours = merge_neighbours
        self.mode = mode

    def search(self, query: str, k: int, documents: list[str] | None = None) -> SearchResult:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        snapshot = self.knowledge_base.snapshot()
        versions = snapshot.versions_of(documents)
        timings["manifest"] = _ms(started)
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
            timings["keyword"] = _ms(started)

        dense_ranked: list[tuple[Chunk, float]] = []
        if self.mode in ("hybrid", "dense"):
            started = time.perf_counter()
            vector = self.embeddings.embed_question(query)
            timings["embed"] = _ms(started)
            started = time.perf_counter()
            dense_ranked = self._dense(vector, versions, restricted=documents is not None)
            timings["dense"] = _ms(started)

        started = time.perf_counter()
        hits = self._fuse(dense_ranked, keyword_ranked, k)
        if self.merge_neighbours:
            hits = merge_adjacent(hits)
        timings["fusion"] = _ms(started)
        return SearchResult(hits[:k], snapshot.keyword, timings)

    def _dense(self, vector: np.ndarray, versions: list[str], restricted: bool) -> list[tuple[Chunk, float]]:
        """Nearest published chunks.

        A metadata filter on every query makes Chroma scan metadata (measured: 75 ms instead of
        7 ms at 10k chunks), so only a document filter uses one. Otherwise a few extra
        candidates are fetched and chunks of unpublished versions (an ingest in progress or
        interrupted) are dropped here.
        """
        store = self.knowledge_base.store
        if restricted:
            return store.query(vector, self.candidates, versions)
        published = set(versions)
        nearest = store.query(vector, self.candidates + _UNPUBLISHED_MARGIN, None)
        return [(chunk, score) for chunk, score in nearest if chunk.version in published][: self.candidates]

    def _fuse(self, dense_ranked: list[tuple[Chunk, float]], keyword_ranked: list[tuple[str, float]],
              k: int) -> list[Hit]:
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
        ranked = sorted(scores, key=lambda cid: -scores[cid])[: max(k * 2, k + 4)]
        missing = [cid for cid in ranked if cid not in chunks]
        chunks.update({chunk.id: chunk for chunk in self.knowledge_base.store.get_chunks(missing)})
        hits: list[Hit] = []
        for cid in ranked:
            if cid not in chunks:
                continue  # the keyword index may name a chunk deleted a moment ago
            dense_rank, dense = dense_info.get(cid, (None, None))
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


def _join_chunks(first: Chunk, second: Chunk) -> Chunk:
    """One passage from two consecutive chunks, without repeating their overlap."""
    overlap = _overlap_length(first.text, second.text)
    tail = second.text[overlap:].lstrip()
    separator = "\n\n" if overlap == 0 else ("" if not tail else " ")
    text = first.text + separator + tail if tail else first.text
    shift = len(first.text) + len(separator) - overlap
    breaks = [item for item in first.page_breaks.split(";") if item]
    tail_page = second.page_at(overlap)
    if tail and tail_page != first.page_at(len(first.text) - 1):
        breaks.append(f"{len(first.text) + len(separator)}:{tail_page}")
    for item in filter(None, second.page_breaks.split(";")):
        offset, page = item.split(":")
        if int(offset) > overlap:  # breaks inside the dropped overlap are already in `first`
            breaks.append(f"{int(offset) + shift}:{page}")
    return replace(first, id=f"{first.id}+{second.position}", text=text, page_end=second.page_end,
                   tokens=first.tokens + second.tokens, page_breaks=";".join(breaks))


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
    return 0


def _max(a: float | None, b: float | None) -> float | None:
    values = [value for value in (a, b) if value is not None]
    return max(values) if values else None


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
