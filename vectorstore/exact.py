"""Exact nearest neighbours for stores small enough to hold their vectors in memory.

Chroma's HNSW index is approximate, and which neighbours it misses depends on the history
of the index: on the 478-chunk corpus store it missed 24 of the 6,000 exact top-50
neighbours of 120 eval questions after the store had been reopened and used, and 7 of 60
questions got a different hybrid top 10 than from a freshly ingested store with identical
vectors. Candidates feed rank fusion, so one missed neighbour can change an answer (and
flip the eval gate). Below `RetrievalSettings.exact_max_chunks` the snapshot therefore keeps
every published chunk and its vector in memory and dense search is a matrix-vector product:
exact, deterministic, no round trip to Chroma, and at 20k chunks x 384 dims about 30 MB of
vectors (plus the texts) and a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.models import Chunk


@dataclass(frozen=True)
class ExactVectors:
    """Every published chunk and its L2-normalised vector, row by row."""

    chunks: tuple[Chunk, ...]
    matrix: np.ndarray  # (n, dim) float32
    by_id: dict[str, Chunk] = field(init=False, repr=False, compare=False)

    rows: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {chunk.id: chunk for chunk in self.chunks})
        object.__setattr__(self, "rows", {chunk.id: row for row, chunk in enumerate(self.chunks)})

    @classmethod
    def build(cls, chunks: Sequence[Chunk], vectors: np.ndarray) -> ExactVectors:
        if not chunks:
            return cls((), np.zeros((0, 0), dtype=np.float32))
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return cls(tuple(chunks), matrix / np.where(norms == 0, 1.0, norms))

    @property
    def ids(self) -> list[str]:
        return [chunk.id for chunk in self.chunks]

    def similarities(self, vector: np.ndarray) -> np.ndarray:
        """Cosine similarity of every chunk (row order) to `vector`."""
        if not self.chunks:
            return np.zeros(0, dtype=np.float32)
        return self.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)

    def nearest(self, vector: np.ndarray, k: int, allowed: Collection[str] | None = None,
                scores: np.ndarray | None = None) -> list[tuple[Chunk, float]]:
        """The `k` most similar chunks with their cosine similarity, best first (ties by row order).

        `scores` are `similarities(vector)` when the caller has them already.
        """
        if not self.chunks or k <= 0:
            return []
        scores = self.similarities(vector) if scores is None else scores
        if allowed is not None:
            mask = np.fromiter((chunk.document in allowed for chunk in self.chunks), dtype=bool,
                               count=len(self.chunks))
            scores = np.where(mask, scores, -np.inf)
        count = min(k, int(np.isfinite(scores).sum()))
        if count == 0:
            return []
        top = np.argpartition(-scores, count - 1)[:count]
        order = top[np.lexsort((top, -scores[top]))]  # by score, then by row: deterministic
        return [(self.chunks[row], float(scores[row])) for row in order]
