"""The store as writers and readers see it: only document versions in the manifest count.

Write protocol for one document (survives SIGKILL at any point):
  1. write the new version's chunks (ids ``file@version#n``) to Chroma,
  2. publish the version in the manifest (one atomic upsert),
  3. delete the old version's chunks.
Readers filter every search by the manifest's versions, so they see a document fully old,
fully new, or not at all. `reconcile` (before each ingest) drops chunks of unpublished
versions. The keyword index is derived from the published chunks and keyed by a fingerprint
of the manifest, so it can never disagree with it.

Writers (an ingest run, an upload, a deletion) take `writing()`, a lock file in the data
directory: runs in other processes (`smartcity ingest` next to a server) wait for each other.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ingest.models import Chunk, DocumentRecord
from vectorstore.chroma import ChromaStore
from vectorstore.errors import UnknownDocumentError
from vectorstore.exact import ExactVectors
from vectorstore.keyword import KeywordIndex, index_directory
from vectorstore.outline import Outline

if TYPE_CHECKING:
    from ingest.pdf import RawDocument

log = logging.getLogger(__name__)


def manifest_fingerprint(records: list[DocumentRecord]) -> str:
    """A short id for an exact set of document versions."""
    joined = "\n".join(f"{record.file}@{record.version}" for record in sorted(records, key=lambda r: r.file))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Snapshot:
    """What a reader trusts right now: the manifest and the indexes derived from it.

    `keyword` is the BM25 index; `vectors` every published vector for exact dense search
    when the store is small enough (else None, and dense search asks Chroma's HNSW index);
    `outline` the documents' sections, from the same chunks (None with `vectors`).
    """

    documents: list[DocumentRecord]
    keyword: KeywordIndex
    vectors: ExactVectors | None = None
    outline: Outline | None = None
    taken_at: float = field(default_factory=time.monotonic)

    @property
    def versions(self) -> list[str]:
        return [record.version for record in self.documents]

    def versions_of(self, files: Sequence[str] | None) -> list[str]:
        if files is None:
            return self.versions
        wanted = set(files)
        return [record.version for record in self.documents if record.file in wanted]

    def record(self, file: str) -> DocumentRecord | None:
        return next((record for record in self.documents if record.file == file), None)


class KnowledgeBase:
    """Consistent writes to, and manifest-filtered reads from, Chroma plus the keyword index."""

    def __init__(self, store: ChromaStore, keyword_dir: Path, lock_file: Path,
                 refresh_seconds: float = 2.0, exact_max_chunks: int = 20_000) -> None:
        self.store = store
        self.keyword_dir = keyword_dir
        self.lock_file = lock_file
        self.refresh_seconds = refresh_seconds
        self.exact_max_chunks = exact_max_chunks
        self._snapshot: Snapshot | None = None
        self._building = threading.Lock()  # held while a keyword index is built
        self._writer = threading.RLock()  # one writer thread in this process ...
        self._writer_depth = 0  # ... holding the file lock once, however deeply it nests

    # --- writing ------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive write access across threads and processes (re-entrant in one thread)."""
        with self._writer:
            if self._writer_depth:
                self._writer_depth += 1
                try:
                    yield
                finally:
                    self._writer_depth -= 1
                return
            self.lock_file.parent.mkdir(parents=True, exist_ok=True)
            with self.lock_file.open("a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._writer_depth = 1
                try:
                    yield
                finally:
                    self._writer_depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def documents(self) -> list[DocumentRecord]:
        """The manifest as stored right now (writers decide on it; readers use `snapshot`)."""
        return self.store.documents()

    def replace_document(self, document: RawDocument, chunks: list[Chunk], vectors: np.ndarray) -> DocumentRecord:
        """Make `document` the published version of its file, replacing any older one."""
        with self.writing():
            return self._replace(document, chunks, vectors)

    def _replace(self, document: RawDocument, chunks: list[Chunk], vectors: np.ndarray) -> DocumentRecord:
        self.store.add_chunks(chunks, vectors)
        record = DocumentRecord(
            file=document.file,
            version=document.version,
            title=document.title,
            publisher=document.publisher,
            year=document.year,
            pages=document.page_count,
            chunks=len(chunks),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            ocr_pages=len(document.ocr_pages),
        )
        self.store.publish(record, _mean_vector(vectors))
        self.store.delete_chunks_except(document.file, document.version)
        self.invalidate()
        return record

    def remove_document(self, file: str) -> None:
        """Unpublish first (readers stop trusting it), then delete its chunks.

        Raises `UnknownDocumentError` when the manifest does not hold `file` (checked under the
        write lock, so two deletions or a deletion during an ingest cannot race).
        """
        with self.writing():
            if file not in {record.file for record in self.store.documents()}:
                raise UnknownDocumentError(f"no document named {file!r}")
            self.store.unpublish(file)
            self.store.delete_chunks_except(file, version="")
            self.invalidate()

    def reconcile(self) -> None:
        """Drop chunks of versions the manifest does not name (an interrupted ingest's)."""
        with self.writing():
            self.store.delete_chunks_not_in([record.version for record in self.store.documents()])

    def refresh_keyword_index(self) -> KeywordIndex:
        """Build (or load) and save the keyword index for the current manifest."""
        return self.snapshot(force=True).keyword

    def keyword_index_saved(self) -> bool:
        """Is the keyword index for the current manifest on disk (no need to load it)?"""
        fingerprint = manifest_fingerprint(self.store.documents())
        return (index_directory(self.keyword_dir, fingerprint) / "meta.json").exists()

    def invalidate(self) -> None:
        """Re-read the manifest on the next search (the old snapshot serves until then)."""
        current = self._snapshot
        if current is not None:
            self._snapshot = replace(current, taken_at=float("-inf"))

    # --- reading ------------------------------------------------------------------------
    def snapshot(self, force: bool = False) -> Snapshot:
        """The current manifest and keyword index, re-read at most every `refresh_seconds`.

        Building a keyword index for a new manifest can take a while on a large store; one
        thread builds it while the others keep answering from the previous snapshot.
        """
        current = self._snapshot
        if current is not None and not force:
            fresh = time.monotonic() - current.taken_at < self.refresh_seconds
            if fresh or self._building.locked():
                return current  # fresh, or another thread is building its successor
        documents = self.store.documents()
        fingerprint = manifest_fingerprint(documents)
        if current is not None and current.keyword.fingerprint == fingerprint:
            snapshot = replace(current, documents=documents, taken_at=time.monotonic())
        else:
            with self._building:  # one build per manifest; a thread that raced here reuses it
                latest = self._snapshot
                if latest is not None and latest.keyword.fingerprint == fingerprint:
                    snapshot = replace(latest, documents=documents, taken_at=time.monotonic())
                else:
                    snapshot = self._derive(documents, fingerprint)
        self._snapshot = snapshot
        return snapshot

    def _derive(self, documents: list[DocumentRecord], fingerprint: str) -> Snapshot:
        """The keyword index (from disk when saved) and, for a small store, the exact vectors."""
        exact = sum(record.chunks for record in documents) <= self.exact_max_chunks
        keyword = KeywordIndex.load(self.keyword_dir, fingerprint)
        if keyword is not None and not exact:
            return Snapshot(documents, keyword)
        started = time.perf_counter()
        chunks, vectors = self.store.all_chunks([record.version for record in documents], vectors=exact)
        if keyword is None:
            keyword = KeywordIndex.build(fingerprint, [chunk.id for chunk in chunks], [chunk.text for chunk in chunks])
            try:
                keyword.save(self.keyword_dir)
            except OSError as exc:
                log.warning("could not save the keyword index (%s); it stays in memory", exc)
        exact_vectors = ExactVectors.build(chunks, vectors) if vectors is not None else None
        outline = Outline.build(chunks, keyword.analyzer) if vectors is not None else None
        log.info("indexes %s derived from %d chunks in %.2fs (exact vectors and outline: %s)", fingerprint,
                 len(chunks), time.perf_counter() - started, exact_vectors is not None)
        return Snapshot(documents, keyword, exact_vectors, outline)


def _mean_vector(vectors: np.ndarray) -> np.ndarray:
    """The manifest entry's vector (Chroma stores one per record): the document's mean direction."""
    if len(vectors) == 0:
        return np.zeros(vectors.shape[-1] if vectors.ndim == 2 else 1, dtype=np.float32)
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean
