"""Chroma access: the chunk collection and the manifest of document versions.

Both live in Chroma so that several app replicas sharing one Chroma server also share the
manifest. Embedded (`PersistentClient`) by default, `HttpClient` when a URL is configured.
Embeddings are always passed in; Chroma's default embedding function never runs. Every
call maps connection failures to `StoreUnavailableError` and reconnects on the next call,
so a restarted Chroma server is picked up without restarting the app.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlparse

import httpx
import numpy as np

from ingest.models import Chunk, DocumentRecord
from vectorstore.errors import StoreMismatchError, StoreUnavailableError

log = logging.getLogger(__name__)

CHUNKS = "smartcity_chunks"
DOCUMENTS = "smartcity_documents"
_WRITE_BATCH = 256
_READ_PAGE = 2000

P = ParamSpec("P")
R = TypeVar("R")


def _store_errors(method: Callable[P, R]) -> Callable[P, R]:
    """Turn connection failures into `StoreUnavailableError` and forget the stale client."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        try:
            return method(*args, **kwargs)
        except (httpx.HTTPError, ConnectionError) as exc:
            store._forget_client()  # type: ignore[attr-defined]
            raise StoreUnavailableError(f"Chroma is not reachable: {exc}") from None
        except ValueError as exc:
            if "connect" not in str(exc).lower():
                raise
            store._forget_client()  # type: ignore[attr-defined]
            raise StoreUnavailableError(f"Chroma is not reachable: {exc}") from None

    return wrapper


class ChromaStore:
    """Chunks and manifest in Chroma; cosine space; our vectors only."""

    def __init__(self, client_factory: Callable[[], Any], embedding_model: str) -> None:
        self._client_factory = client_factory
        self._embedding_model = embedding_model
        self._client: Any = None
        self._chunks: Any = None
        self._documents: Any = None

    @classmethod
    def connect(cls, chroma_url: str, path: Path, embedding_model: str) -> ChromaStore:
        """Embedded store under `path`, or the Chroma server at `chroma_url` if given."""
        return cls(functools.partial(_make_client, chroma_url, path), embedding_model)

    # --- connection ---------------------------------------------------------------------
    def _forget_client(self) -> None:
        self._client = self._chunks = self._documents = None

    def _collections(self) -> tuple[Any, Any]:
        if self._chunks is None or self._documents is None:
            client = self._client_factory()
            metadata = {"embedding_model": self._embedding_model, "schema": 1}
            config = {"hnsw": {"space": "cosine"}}
            chunks = client.get_or_create_collection(
                CHUNKS, embedding_function=None, configuration=config, metadata=metadata)
            documents = client.get_or_create_collection(
                DOCUMENTS, embedding_function=None, configuration=config, metadata=metadata)
            built_with = (chunks.metadata or {}).get("embedding_model")
            if built_with and built_with != self._embedding_model:
                raise StoreMismatchError(
                    f"the store was built with {built_with!r}, settings name "
                    f"{self._embedding_model!r}; use another SMARTCITY_DATA_DIR or re-ingest")
            self._client, self._chunks, self._documents = client, chunks, documents
        return self._chunks, self._documents

    @_store_errors
    def ping(self) -> None:
        """Raise `StoreUnavailableError` unless the store answers."""
        self._collections()
        self._client.heartbeat()

    # --- manifest -----------------------------------------------------------------------
    @_store_errors
    def documents(self) -> list[DocumentRecord]:
        """The manifest: one trusted version per document, sorted by file name."""
        _, documents = self._collections()
        result = documents.get(include=["metadatas"])
        records = [DocumentRecord.from_metadata(meta) for meta in result["metadatas"] or []]
        return sorted(records, key=lambda record: record.file)

    @_store_errors
    def publish(self, record: DocumentRecord, vector: np.ndarray) -> None:
        """Make `record.version` the trusted version of its document (one atomic upsert)."""
        _, documents = self._collections()
        documents.upsert(ids=[record.file], embeddings=vector.reshape(1, -1),
                         metadatas=[record.metadata()], documents=[record.title])

    @_store_errors
    def unpublish(self, file: str) -> None:
        _, documents = self._collections()
        documents.delete(ids=[file])

    # --- chunks -------------------------------------------------------------------------
    @_store_errors
    def add_chunks(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Write chunks with their vectors (idempotent: ids carry the version)."""
        collection, _ = self._collections()
        for start in range(0, len(chunks), _WRITE_BATCH):
            batch = chunks[start:start + _WRITE_BATCH]
            collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=vectors[start:start + _WRITE_BATCH],
                documents=[chunk.text for chunk in batch],
                metadatas=[chunk.metadata() for chunk in batch],
            )

    @_store_errors
    def delete_chunks_except(self, document: str, version: str) -> None:
        """Remove every chunk of `document` that is not of `version`."""
        collection, _ = self._collections()
        collection.delete(where={"$and": [{"document": document}, {"version": {"$ne": version}}]})

    @_store_errors
    def delete_chunks_not_in(self, versions: Sequence[str]) -> None:
        """Drop chunks whose version the manifest does not name (after an interrupted ingest)."""
        collection, _ = self._collections()
        if versions:
            collection.delete(where={"version": {"$nin": list(versions)}})
        elif collection.count():
            for ids in self._id_pages(collection, None):
                collection.delete(ids=ids)

    @_store_errors
    def count_chunks(self) -> int:
        collection, _ = self._collections()
        return int(collection.count())

    @_store_errors
    def query(self, vector: np.ndarray, k: int,
              versions: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        """Nearest chunks by cosine similarity, optionally only of the given versions."""
        collection, _ = self._collections()
        where = {"version": {"$in": list(versions)}} if versions else None
        result = collection.query(query_embeddings=vector.reshape(1, -1), n_results=k, where=where,
                                  include=["documents", "metadatas", "distances"])
        return [
            (Chunk.from_record(chunk_id, text, meta), 1.0 - float(distance))
            for chunk_id, text, meta, distance in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0],
                result["distances"][0], strict=True)
        ]

    @_store_errors
    def get_chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked for; unknown ids are skipped."""
        if not ids:
            return []
        collection, _ = self._collections()
        result = collection.get(ids=list(ids), include=["documents", "metadatas"])
        found = {chunk_id: Chunk.from_record(chunk_id, text, meta)
                 for chunk_id, text, meta in zip(result["ids"], result["documents"],
                                                 result["metadatas"], strict=True)}
        return [found[chunk_id] for chunk_id in ids if chunk_id in found]

    @_store_errors
    def all_texts(self, versions: Sequence[str]) -> tuple[list[str], list[str]]:
        """Ids and texts of every chunk of the given versions (for the keyword index)."""
        chunks, _ = self.all_chunks(versions)
        return [chunk.id for chunk in chunks], [chunk.text for chunk in chunks]

    @_store_errors
    def all_chunks(self, versions: Sequence[str], vectors: bool = False) -> tuple[list[Chunk], np.ndarray | None]:
        """Every chunk of the given versions, and their vectors when asked (the derived indexes' input)."""
        chunks: list[Chunk] = []
        parts: list[np.ndarray] = []
        if not versions:
            return chunks, np.zeros((0, 0), dtype=np.float32) if vectors else None
        collection, _ = self._collections()
        include = ["documents", "metadatas", "embeddings"] if vectors else ["documents", "metadatas"]
        while True:
            result = collection.get(where={"version": {"$in": list(versions)}}, include=include,
                                    limit=_READ_PAGE, offset=len(chunks))
            if not result["ids"]:
                break
            chunks.extend(Chunk.from_record(chunk_id, text, meta) for chunk_id, text, meta
                          in zip(result["ids"], result["documents"], result["metadatas"], strict=True))
            if vectors:
                parts.append(np.asarray(result["embeddings"], dtype=np.float32))
        if not vectors:
            return chunks, None
        return chunks, np.vstack(parts) if parts else np.zeros((0, 0), dtype=np.float32)

    @staticmethod
    def _id_pages(collection: Any, where: dict[str, Any] | None) -> Iterator[list[str]]:
        while True:
            result = collection.get(where=where, include=[], limit=_READ_PAGE)
            if not result["ids"]:
                return
            yield result["ids"]


def _make_client(chroma_url: str, path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        parsed = urlparse(chroma_url)
        return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1",
                                   port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                                   ssl=parsed.scheme == "https", settings=chroma_settings)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
