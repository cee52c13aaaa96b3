"""Bench-only prototypes of changes proposed for the core, so their effect is measured, not guessed.

`PostFilteredStore` is the proposed dense query for large stores: ask Chroma without the
``version $in [...]`` manifest filter (which makes Chroma materialise every matching id
per query, growing with the store), fetch a few extra candidates, and drop chunks whose
version the manifest does not name. Readers still see only published versions: the filter
moves from Chroma into Python, on the same snapshot. Chunks of unpublished versions exist
only briefly during an ingest (or after an interrupted one, until `reconcile`), so the
over-fetch nearly always suffices; when it does not, it falls back to the filtered query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ingest.models import Chunk
from vectorstore.chroma import ChromaStore


class PostFilteredStore:
    """A `ChromaStore` whose `query` filters versions after an unfiltered nearest-neighbour search."""

    def __init__(self, store: ChromaStore, overfetch: int = 10) -> None:
        self._store = store
        self.overfetch = overfetch
        self.fallbacks = 0

    def query(self, vector: np.ndarray, k: int, versions: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        if not versions:
            return self._store.query(vector, k, versions)
        wanted = set(versions)
        found = self._store.query(vector, k + self.overfetch, None)
        kept = [(chunk, score) for chunk, score in found if chunk.version in wanted]
        if len(kept) >= k or len(found) < k + self.overfetch:
            return kept[:k]
        self.fallbacks += 1
        return self._store.query(vector, k, versions)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)
