"""The bench's prototype of the post-filtered dense query keeps only manifest versions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.proposals import PostFilteredStore
from ingest.models import Chunk


def _chunk(n: int, version: str) -> Chunk:
    return Chunk(id=f"doc.pdf@{version}#{n}", text=f"Text {n}", document="doc.pdf", title="Doc", publisher="",
                 year=None, page=1, page_end=1, section="", position=n, hash="h", version=version, tokens=3)


class _FakeStore:
    """Nearest chunks in a fixed order; records how it was asked."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.calls: list[tuple[int, tuple[str, ...] | None]] = []

    def query(self, vector: np.ndarray, k: int, versions: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        self.calls.append((k, tuple(versions) if versions else None))
        allowed = [chunk for chunk in self.chunks if not versions or chunk.version in versions]
        return [(chunk, 1.0 - index / 100) for index, chunk in enumerate(allowed[:k])]

    def count_chunks(self) -> int:
        return len(self.chunks)


def test_unpublished_versions_are_dropped_after_an_unfiltered_query() -> None:
    chunks = [_chunk(0, "new"), _chunk(1, "stale"), _chunk(2, "new"), _chunk(3, "new")]
    fake = _FakeStore(chunks)
    store = PostFilteredStore(fake, overfetch=2)  # type: ignore[arg-type]
    found = store.query(np.zeros(3), 2, ["new"])
    assert [chunk.id for chunk, _ in found] == ["doc.pdf@new#0", "doc.pdf@new#2"]
    assert fake.calls == [(4, None)]  # one query, no filter handed to the store
    assert store.fallbacks == 0


def test_falls_back_to_the_filtered_query_when_overfetch_is_not_enough() -> None:
    chunks = [_chunk(n, "stale") for n in range(5)] + [_chunk(9, "new")]
    fake = _FakeStore(chunks)
    store = PostFilteredStore(fake, overfetch=1)  # type: ignore[arg-type]
    found = store.query(np.zeros(3), 2, ["new"])
    assert [chunk.id for chunk, _ in found] == ["doc.pdf@new#9"]
    assert fake.calls == [(3, None), (2, ("new",))]
    assert store.fallbacks == 1


def test_other_store_methods_pass_through() -> None:
    store = PostFilteredStore(_FakeStore([_chunk(0, "v")]))  # type: ignore[arg-type]
    assert store.count_chunks() == 1
