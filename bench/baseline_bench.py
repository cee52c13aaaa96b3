"""The plain LangChain pipeline (`evals.baseline.BaselinePipeline`) measured the same way as ours.

Same embeddings, same questions, same warm-up and repetitions, in the same run. At scale,
its Chroma collection gets the same synthetic chunks and vectors as our store
(`BaselineMirror`), so both answer over equal data.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.latency import measure_latency
from bench.synthetic import SyntheticDocument

if TYPE_CHECKING:
    from evals.baseline import BaselinePipeline
    from vectorstore.embeddings import E5Embeddings

_WRITE_BATCH = 256
# evals.baseline keeps the corpus key and chunk count here; a matching count makes `build()`
# reuse the persisted collection instead of re-indexing the corpus.
_KEY_FILE = "corpus.json"


def open_baseline(corpus_dir: Path, persist_dir: Path, embeddings: E5Embeddings) -> BaselinePipeline:
    """The plain LangChain pipeline over `corpus_dir`, persisted in `persist_dir`."""
    from evals.baseline import BaselinePipeline

    return BaselinePipeline(corpus_dir, persist_dir, embeddings)


def bench_baseline(pipeline: BaselinePipeline, questions: Sequence[str], repeats: int,
                   warmup: int) -> dict[str, Any]:
    """Build the baseline's index from the PDFs (timed by the pipeline), then warm latency."""
    build = pipeline.build()
    latency = measure_latency(pipeline.answer, questions, repeats=repeats, warmup=warmup)
    return {"build": build, "latency": latency}


class BaselineMirror:
    """Writes synthetic documents into the baseline's Chroma collection (same texts, same vectors)."""

    def __init__(self, persist_dir: Path) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from evals.baseline import COLLECTION

        self.persist_dir = persist_dir
        # The same client settings as the baseline's own client (Chroma refuses two different
        # configurations for one path in a process).
        client = chromadb.PersistentClient(
            path=str(persist_dir / "chroma"),
            settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False))
        self._collection = client.get_collection(COLLECTION)
        self.seconds = 0.0

    def __call__(self, documents: list[SyntheticDocument]) -> None:
        started = time.perf_counter()
        chunks = [chunk for document in documents for chunk in document.chunks]
        vectors = [vector for document in documents for vector in document.vectors]
        for start in range(0, len(chunks), _WRITE_BATCH):
            batch = chunks[start:start + _WRITE_BATCH]
            self._collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=vectors[start:start + _WRITE_BATCH],
                documents=[chunk.text for chunk in batch],
                metadatas=[{"document": chunk.document, "source": chunk.document, "title": chunk.title,
                            "page": chunk.page - 1, "position": chunk.position, "version": chunk.version}
                           for chunk in batch])
        self.seconds += time.perf_counter() - started

    def publish(self) -> int:
        """Record the collection's new size, so the baseline takes it as built; returns it."""
        count = int(self._collection.count())
        key_path = self.persist_dir / _KEY_FILE
        recorded = json.loads(key_path.read_text(encoding="utf-8"))
        recorded["chunks"] = count
        key_path.write_text(json.dumps(recorded), encoding="utf-8")
        return count
