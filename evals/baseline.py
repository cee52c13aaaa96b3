"""A plain LangChain RAG pipeline, the yardstick the evals and benchmarks compare against.

It is the typical tutorial setup: `PyPDFLoader` page documents, `RecursiveCharacterTextSplitter`
(1000 characters, 200 overlap), a `langchain_chroma.Chroma` similarity search. It shares
only what must be equal for a fair comparison: the same embeddings, the same extractive
answerer and the same refusal policy. Everything our pipeline adds (cleaning, token-bounded
sentence-aligned chunks, BM25, fusion, neighbour merging) is absent here on purpose.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.pipeline import Assistant, Retriever
from assistant.query import Turn
from assistant.refusal import RefusalPolicy
from assistant.settings import RetrievalSettings
from ingest.chunk import count_tokens
from ingest.models import Chunk
from ingest.pdf import file_sha256
from vectorstore.hybrid import Hit, SearchResult
from vectorstore.keyword import KeywordIndex

# The same refusal threshold as the assistant's default, so both refuse alike.
DEFAULT_MIN_EVIDENCE = RetrievalSettings().min_evidence

if TYPE_CHECKING:
    from assistant.answer.types import Answer
    from vectorstore.embeddings import E5Embeddings

log = logging.getLogger(__name__)

COLLECTION = "baseline"
_KEY_FILE = "corpus.json"
_ADD_BATCH = 128


class BaselinePipeline:
    """`build()` once, then `search(query, k)` and `answer(question)` like our pipeline."""

    def __init__(self, corpus_dir: Path, persist_dir: Path, embeddings: E5Embeddings,
                 chunk_size: int = 1000, chunk_overlap: int = 200, *, top_k: int = 6,
                 min_evidence: float = DEFAULT_MIN_EVIDENCE, max_words: int = 120,
                 max_sentences: int = 5) -> None:
        self.corpus_dir = corpus_dir
        self.persist_dir = persist_dir
        self.embeddings = embeddings
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.top_k = top_k
        self.min_evidence = min_evidence
        self.max_words = max_words
        self.max_sentences = max_sentences
        self._store: Any = None
        self._keyword: KeywordIndex | None = None
        self._assistant: Assistant | None = None

    # --- building -----------------------------------------------------------------------
    def corpus_files(self) -> list[Path]:
        return sorted(self.corpus_dir.glob("*.pdf"))

    def corpus_key(self) -> str:
        """Identifies the corpus and the settings the persisted index was built from."""
        parts = [f"{path.name}:{file_sha256(path)}" for path in self.corpus_files()]
        parts.append(f"chunks={self.chunk_size}/{self.chunk_overlap}")
        parts.append(f"model={self.embeddings.model_name}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]

    def build(self) -> dict[str, Any]:
        """Load, split and embed the corpus; reuse the persisted index for the same corpus.

        Returns timings (load_s, split_s, embed_s, keyword_s, total_s) and sizes (pages,
        chunks); ``reused`` tells whether the persisted index was taken as it was.
        """
        started = time.perf_counter()
        key = self.corpus_key()
        key_path = self.persist_dir / _KEY_FILE
        store = self._vector_store()
        recorded = _read_json(key_path)
        stored = len(store.get(include=[])["ids"])
        if recorded.get("key") == key and stored and stored == recorded.get("chunks"):
            load_started = time.perf_counter()
            chunks = self._stored_chunks(store)
            load_s = time.perf_counter() - load_started
            timings = {"load_s": load_s, "split_s": 0.0, "embed_s": 0.0,
                       "pages": recorded.get("pages", 0), "chunks": len(chunks), "reused": True}
        else:
            chunks, timings = self._index_corpus(store)
            key_path.write_text(json.dumps({"key": key, "pages": timings["pages"],
                                            "chunks": timings["chunks"]}), encoding="utf-8")
            timings["reused"] = False
        keyword_started = time.perf_counter()
        self._keyword = KeywordIndex.build(f"baseline-{key}", [chunk.id for chunk in chunks],
                                           [chunk.text for chunk in chunks])
        timings["keyword_s"] = time.perf_counter() - keyword_started
        timings["total_s"] = time.perf_counter() - started
        return {name: round(value, 3) if isinstance(value, float) else value
                for name, value in timings.items()}

    def _index_corpus(self, store: Any) -> tuple[list[Chunk], dict[str, Any]]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # langchain-community's sunset note
            from langchain_community.document_loaders import PyPDFLoader
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        started = time.perf_counter()
        pages = []
        versions: dict[str, str] = {}
        for path in self.corpus_files():
            versions[path.name] = file_sha256(path)
            pages.extend(PyPDFLoader(str(path)).load())
        load_s = time.perf_counter() - started

        started = time.perf_counter()
        splitter = RecursiveCharacterTextSplitter(chunk_size=self.chunk_size,
                                                  chunk_overlap=self.chunk_overlap)
        documents = splitter.split_documents(pages)
        positions: dict[str, int] = {}
        ids: list[str] = []
        for document in documents:
            file = Path(str(document.metadata.get("source", "unknown.pdf"))).name
            position = positions.get(file, 0)
            positions[file] = position + 1
            document.metadata.update({"document": file, "version": versions.get(file, ""),
                                      "position": position})
            document.metadata = {name: value for name, value in document.metadata.items()
                                 if isinstance(value, str | int | float | bool)}
            ids.append(f"{file}@{versions.get(file, '')[:16]}#{position}")
        split_s = time.perf_counter() - started

        started = time.perf_counter()
        existing = store.get(include=[])["ids"]
        if existing:
            store.delete(ids=existing)
        for start in range(0, len(documents), _ADD_BATCH):
            store.add_documents(documents[start:start + _ADD_BATCH], ids=ids[start:start + _ADD_BATCH])
        embed_s = time.perf_counter() - started
        chunks = [_to_chunk(chunk_id, document.page_content, document.metadata)
                  for chunk_id, document in zip(ids, documents, strict=True)]
        return chunks, {"load_s": load_s, "split_s": split_s, "embed_s": embed_s,
                        "pages": len(pages), "chunks": len(chunks)}

    def _vector_store(self) -> Any:
        if self._store is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
            from langchain_chroma import Chroma

            self.persist_dir.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(
                path=str(self.persist_dir / "chroma"),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False))
            self._store = Chroma(collection_name=COLLECTION, embedding_function=self.embeddings,
                                 client=client,
                                 collection_configuration={"hnsw": {"space": "cosine"}})
        return self._store

    def _stored_chunks(self, store: Any, page: int = 5000) -> list[Chunk]:
        """Every stored chunk, read in pages (one unpaged `get()` fails beyond ~32k chunks)."""
        chunks: list[Chunk] = []
        while True:
            result = store.get(include=["documents", "metadatas"], limit=page, offset=len(chunks))
            if not result["ids"]:
                break
            chunks.extend(_to_chunk(chunk_id, text, meta or {})
                          for chunk_id, text, meta in zip(result["ids"], result["documents"],
                                                          result["metadatas"], strict=True))
        return sorted(chunks, key=lambda chunk: (chunk.document, chunk.position))

    # --- querying -----------------------------------------------------------------------
    def search(self, query: str, k: int, documents: Sequence[str] | None = None) -> SearchResult:
        """The `k` most similar chunks as `Hit`s (the similarity is both `fused` and `dense`)."""
        if self._keyword is None:
            self.build()
        assert self._keyword is not None
        started = time.perf_counter()
        where = {"document": {"$in": list(documents)}} if documents is not None else None
        found = self._vector_store().similarity_search_with_score(query, k=k, filter=where)
        hits = []
        for rank, (document, distance) in enumerate(found, start=1):
            similarity = 1.0 - float(distance)
            chunk = _to_chunk(str(document.id), document.page_content, document.metadata)
            hits.append(Hit(chunk, fused=similarity, dense=similarity, dense_rank=rank))
        timings = {"dense": round((time.perf_counter() - started) * 1000, 2)}
        return SearchResult(hits, self._keyword, timings)

    @property
    def retriever(self) -> Retriever:
        """This pipeline's retrieval behind the retriever seam `Assistant` takes."""
        return _Retriever(self)

    @property
    def assistant(self) -> Assistant:
        """Our `Assistant` over this pipeline's retrieval: same answerer, same refusal policy."""
        if self._assistant is None:
            answerer = ExtractiveAnswerer(max_words=self.max_words, max_sentences=self.max_sentences)
            self._assistant = Assistant(self.retriever, answerer, RefusalPolicy(self.min_evidence),
                                        top_k=self.top_k)
        return self._assistant

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        return self.assistant.ask(question, history)


class _Retriever:
    """The retriever seam `Assistant` expects (search only; no document filter by name check)."""

    def __init__(self, pipeline: BaselinePipeline) -> None:
        self.pipeline = pipeline

    def search(self, query: str, k: int, documents: Sequence[str] | None = None,
               focus: Sequence[str] = ()) -> SearchResult:
        return self.pipeline.search(query, k, documents)  # a plain pipeline looks at the question only


def _to_chunk(chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
    """A LangChain document (PyPDFLoader metadata: 0-based ``page``) as our `Chunk`."""
    document = str(metadata.get("document") or Path(str(metadata.get("source", ""))).name)
    page = int(metadata.get("page", 0)) + 1
    return Chunk(
        id=chunk_id,
        text=text,
        document=document,
        title=str(metadata.get("title") or document),
        publisher=str(metadata.get("author") or ""),
        year=None,
        page=page,
        page_end=page,
        section="",
        position=int(metadata.get("position", 0)),
        hash=hashlib.sha256(text.encode()).hexdigest()[:16],
        version=str(metadata.get("version", "")),
        tokens=count_tokens(text),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
