"""`ChromaStore` (vectorstore/chroma.py) over a real embedded Chroma in the test's folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.models import Chunk, DocumentRecord
from tests.support.fakes import (
    EMBEDDING_MODEL,
    HashEmbeddings,
    chroma_client,
    chroma_store,
    chunks_for,
    raw_document,
    unreachable_store,
)
from vectorstore.chroma import ChromaStore
from vectorstore.errors import StoreMismatchError, StoreUnavailableError

PASSAGES = ["Fahrradstraßen in der Innenstadt", "Sensoren messen die Luftqualität", "Ein Makerspace am Marktplatz"]


def written(store: ChromaStore, embeddings: HashEmbeddings, file: str = "a.pdf", revision: str = "1",
            passages: list[str] = PASSAGES) -> tuple[list[Chunk], np.ndarray]:
    chunks = chunks_for(raw_document(file, passages, revision=revision))
    vectors = embeddings.embed_passages([chunk.text for chunk in chunks])
    store.add_chunks(chunks, vectors)
    return chunks, vectors


def record(file: str, version: str, title: str = "Titel", year: int | None = 2024) -> DocumentRecord:
    return DocumentRecord(file, version, title, "Amt", year, pages=3, chunks=3, ingested_at="2025-01-01T00:00:00+00:00")


# --- chunks --------------------------------------------------------------------------------

def test_added_chunks_come_back_unchanged(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    chunks, _ = written(store, embeddings)
    assert store.count_chunks() == 3
    assert store.get_chunks([chunk.id for chunk in chunks]) == chunks


def test_chunks_without_a_year_or_section_round_trip(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    document = raw_document("b.pdf", ["Ohne Jahr"], year=None)
    [chunk] = chunks_for(document)
    store.add_chunks([chunk], embeddings.embed_passages([chunk.text]))
    [back] = store.get_chunks([chunk.id])
    assert back == chunk and back.year is None and back.section == ""


def test_adding_the_same_chunks_again_is_idempotent(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    written(store, embeddings)
    written(store, embeddings)
    assert store.count_chunks() == 3


def test_get_chunks_keeps_the_order_asked_for_and_skips_unknown_ids(store: ChromaStore,
                                                                    embeddings: HashEmbeddings) -> None:
    chunks, _ = written(store, embeddings)
    asked = [chunks[2].id, "nope@r2-x#0", chunks[0].id]
    assert [chunk.id for chunk in store.get_chunks(asked)] == [chunks[2].id, chunks[0].id]
    assert store.get_chunks([]) == []


def test_query_finds_the_nearest_chunk_by_cosine_similarity(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    chunks, vectors = written(store, embeddings)
    results = store.query(vectors[1], k=3)
    assert [chunk.id for chunk, _ in results][0] == chunks[1].id
    assert results[0][1] == pytest.approx(1.0, abs=1e-4)
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True) and len(results) == 3


def test_query_can_be_restricted_to_versions(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    a_chunks, vectors = written(store, embeddings, "a.pdf")
    b_chunks, _ = written(store, embeddings, "b.pdf", passages=["Ganz anderer Text über Wärmepumpen"])
    results = store.query(vectors[0], k=5, versions=[b_chunks[0].version])
    assert [chunk.id for chunk, _ in results] == [b_chunks[0].id]
    assert {chunk.version for chunk, _ in store.query(vectors[0], k=5)} == {a_chunks[0].version, b_chunks[0].version}


def test_all_texts_returns_the_chunks_of_the_given_versions(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    a_chunks, _ = written(store, embeddings, "a.pdf")
    written(store, embeddings, "b.pdf")
    ids, texts = store.all_texts([a_chunks[0].version])
    assert sorted(zip(ids, texts, strict=True)) == sorted((chunk.id, chunk.text) for chunk in a_chunks)
    assert store.all_texts([]) == ([], [])


def test_all_chunks_returns_the_stored_vectors(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    chunks, vectors = written(store, embeddings)
    found, stored = store.all_chunks([chunks[0].version], vectors=True)
    assert stored is not None
    order = [found.index(chunk) for chunk in chunks]
    np.testing.assert_allclose(stored[order], vectors, atol=1e-6)


def test_delete_chunks_except_keeps_only_the_named_version(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    old, _ = written(store, embeddings, "a.pdf", revision="1")
    new, _ = written(store, embeddings, "a.pdf", revision="2")
    other, _ = written(store, embeddings, "b.pdf")
    store.delete_chunks_except("a.pdf", new[0].version)
    assert store.get_chunks([chunk.id for chunk in old]) == []
    assert store.count_chunks() == len(new) + len(other)
    store.delete_chunks_except("a.pdf", "")  # every version of a.pdf
    assert store.count_chunks() == len(other)


def test_delete_chunks_not_in_drops_unnamed_versions(store: ChromaStore, embeddings: HashEmbeddings) -> None:
    kept, _ = written(store, embeddings, "a.pdf")
    written(store, embeddings, "b.pdf")
    store.delete_chunks_not_in([kept[0].version])
    assert store.count_chunks() == len(kept)
    store.delete_chunks_not_in([])
    assert store.count_chunks() == 0


# --- the manifest --------------------------------------------------------------------------

def test_publish_and_unpublish_edit_the_manifest(store: ChromaStore) -> None:
    vector = np.ones(8, dtype=np.float32) / np.sqrt(8)
    b, a = record("b.pdf", "r2-b"), record("a.pdf", "r2-a", year=None)
    store.publish(b, vector)
    store.publish(a, vector)
    assert store.documents() == [a, b]  # sorted by file; a missing year stays None
    newer = record("b.pdf", "r2-b2", title="Neuer Titel")
    store.publish(newer, vector)  # one upsert replaces the entry
    assert store.documents() == [a, newer]
    store.unpublish("a.pdf")
    assert store.documents() == [newer]
    store.unpublish("a.pdf")  # unpublishing twice is harmless
    assert store.documents() == [newer]


def test_an_empty_store_has_no_documents_and_answers_ping(store: ChromaStore) -> None:
    store.ping()
    assert store.documents() == [] and store.count_chunks() == 0


def test_the_store_is_persistent_in_its_folder(tmp_path: Path, embeddings: HashEmbeddings) -> None:
    chunks, _ = written(chroma_store(tmp_path / "chroma"), embeddings)
    again = chroma_store(tmp_path / "chroma")
    assert again.count_chunks() == len(chunks)
    assert chroma_store(tmp_path / "elsewhere").count_chunks() == 0  # stores in other folders are separate


def test_a_store_built_for_another_embedding_model_is_refused(tmp_path: Path, embeddings: HashEmbeddings) -> None:
    written(chroma_store(tmp_path / "chroma"), embeddings)
    other = chroma_store(tmp_path / "chroma", embedding_model="another-model")
    with pytest.raises(StoreMismatchError, match="another-model") as raised:
        other.documents()
    assert EMBEDDING_MODEL in str(raised.value)
    assert raised.value.http_status == 503 and raised.value.exit_code == 2


# --- an unreachable store ------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda store: store.ping(),
    lambda store: store.documents(),
    lambda store: store.count_chunks(),
    lambda store: store.get_chunks(["a@r2-x#0"]),
    lambda store: store.query(np.ones(8, dtype=np.float32), 3),
    lambda store: store.unpublish("a.pdf"),
])
def test_an_unreachable_store_raises_store_unavailable(call: Any) -> None:
    with pytest.raises(StoreUnavailableError, match="not reachable") as raised:
        call(unreachable_store())
    assert raised.value.http_status == 503 and raised.value.retry_after_s


def test_a_store_that_comes_back_is_used_again_without_a_restart(tmp_path: Path) -> None:
    attempts: list[int] = []

    def flaky_client() -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("Connection refused")
        return chroma_client(tmp_path / "chroma")

    store = ChromaStore(flaky_client, EMBEDDING_MODEL)
    with pytest.raises(StoreUnavailableError):
        store.documents()
    assert store.documents() == []
    assert len(attempts) == 2


def test_a_client_lost_mid_call_is_forgotten_and_reconnected(store: ChromaStore, embeddings: HashEmbeddings,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    written(store, embeddings)
    chunks, _ = store._collections()

    def dropped(*args: object, **kwargs: object) -> int:
        raise ConnectionError("connection reset by peer")

    monkeypatch.setattr(chunks, "count", dropped)
    with pytest.raises(StoreUnavailableError):
        store.count_chunks()
    assert store.count_chunks() == 3  # a fresh client and collection on the next call
