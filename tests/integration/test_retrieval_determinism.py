"""Dense retrieval is exact and the same from a fresh store and from one reopened and used.

Chroma's HNSW index is approximate, and which neighbours it misses depends on the index's
history (on the corpus store it missed 24 of 6,000 exact top-50 neighbours after a reopen).
Below `exact_max_chunks` the snapshot holds every vector and dense search is exact
(vectorstore/exact.py). Real embedded Chroma with 1,500 synthetic chunks (far above the
size where Chroma moves vectors from its brute-force buffer into the HNSW graph), random
unit vectors so the comparison with numpy's brute force is exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.support.fakes import chroma_store, chunks_for, knowledge_base, raw_document
from vectorstore.hybrid import HybridRetriever
from vectorstore.knowledge_base import KnowledgeBase

pytestmark = pytest.mark.integration

DIMENSION = 64
DOCUMENTS = 3
CHUNKS_PER_DOCUMENT = 500
QUERIES = 40
TOP = 20


class _Vectors:
    """A question embedder that maps a question to a fixed random unit vector."""

    def __init__(self, questions: dict[str, np.ndarray]) -> None:
        self.questions = questions

    def embed_question(self, text: str) -> np.ndarray:
        return self.questions[text]


def _unit(rng: np.random.Generator, rows: int) -> np.ndarray:
    vectors = rng.normal(size=(rows, DIMENSION)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _publish(kb: KnowledgeBase, file: str, vectors: np.ndarray, revision: str = "1") -> dict[str, np.ndarray]:
    document = raw_document(file, [f"Seite {page} von {file}" for page in range(1, 11)], revision=revision)
    chunks = chunks_for(document, [f"Abschnitt {n} von {file} ({revision})" for n in range(len(vectors))])
    kb.replace_document(document, chunks, vectors)
    return {chunk.id: vector for chunk, vector in zip(chunks, vectors, strict=True)}


def _dense_ids(kb: KnowledgeBase, questions: dict[str, np.ndarray]) -> list[list[str]]:
    retriever = HybridRetriever(kb, _Vectors(questions), candidates=TOP, mode="dense", merge_neighbours=False)
    return [[hit.chunk.id for hit in retriever.search(question, TOP).hits] for question in questions]


def test_dense_search_is_exact_and_survives_a_reopen(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    documents = {f"bericht-{index}.pdf": _unit(rng, CHUNKS_PER_DOCUMENT) for index in range(DOCUMENTS)}
    questions = {f"Frage {n}": vector for n, vector in enumerate(_unit(rng, QUERIES))}

    fresh = knowledge_base(tmp_path / "fresh", refresh_seconds=0)
    published: dict[str, np.ndarray] = {}
    for file, vectors in documents.items():
        published |= _publish(fresh, file, vectors)
    assert fresh.snapshot().vectors is not None  # small enough for exact search
    ids = list(published)
    matrix = np.stack([published[chunk_id] for chunk_id in ids])
    brute_force = [[ids[row] for row in np.argsort(-(matrix @ vector), kind="stable")[:TOP]]
                   for vector in questions.values()]
    expected = _dense_ids(fresh, questions)
    assert expected == brute_force

    # The same documents in a store that is used: one document replaced by another version
    # and back again, queried in between, then reopened with a new Chroma client.
    used_dir = tmp_path / "used"
    used = knowledge_base(used_dir, refresh_seconds=0)
    for file, vectors in documents.items():
        _publish(used, file, vectors)
    _publish(used, "bericht-1.pdf", _unit(rng, CHUNKS_PER_DOCUMENT), revision="2")
    _dense_ids(used, questions)
    _publish(used, "bericht-1.pdf", documents["bericht-1.pdf"])
    reopened = KnowledgeBase(chroma_store(used_dir / "chroma"), used_dir / "keyword", used_dir / "ingest.lock", 0)
    assert _dense_ids(reopened, questions) == expected
