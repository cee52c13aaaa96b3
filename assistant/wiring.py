"""Wiring in one place: every part is built here from the settings, once, on first use.

The CLI, the API's lifespan, the evals and the benchmarks take their parts from a
`Services`; tests build parts directly or hand a `Services` small real inputs. Parts are
imported where they are built, so a command loads only what it uses (an unchanged re-ingest
never loads the answer pipeline or the embedding model).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from assistant.settings import Settings
from vectorstore.chroma import ChromaStore
from vectorstore.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from assistant.answer.extractive import ExtractiveAnswerer
    from assistant.feedback import FeedbackStore
    from assistant.pipeline import Assistant
    from ingest.pipeline import Ingestor
    from vectorstore.embeddings import E5Embeddings
    from vectorstore.hybrid import HybridRetriever, SearchMode


class Services:
    """Lazily built, process-wide parts of the assistant for one `Settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def store(self) -> ChromaStore:
        return ChromaStore.connect(self.settings.chroma_url, self.settings.chroma_dir,
                                   self.settings.embedding_model)

    @cached_property
    def knowledge_base(self) -> KnowledgeBase:
        return KnowledgeBase(self.store, self.settings.keyword_dir, self.settings.retrieval.refresh_seconds)

    @cached_property
    def embeddings(self) -> E5Embeddings:
        from vectorstore.embeddings import build_embeddings

        return build_embeddings(self.settings.embedding_model, self.settings.ingest.embed_batch)

    @cached_property
    def ingestor(self) -> Ingestor:
        from ingest.pipeline import Ingestor  # the chunker's imports are only needed to ingest

        ingest = self.settings.ingest
        return Ingestor(self.knowledge_base, self.embeddings, ingest.chunk_tokens, ingest.chunk_overlap,
                        lock_file=self.settings.data_dir / "ingest.lock")

    def retriever(self, mode: SearchMode = "hybrid") -> HybridRetriever:
        from vectorstore.hybrid import HybridRetriever

        retrieval = self.settings.retrieval
        return HybridRetriever(self.knowledge_base, self.embeddings, candidates=retrieval.candidates,
                               rrf_k=retrieval.rrf_k, merge_neighbours=retrieval.merge_neighbours, mode=mode)

    @cached_property
    def extractive(self) -> ExtractiveAnswerer:
        from assistant.answer.extractive import ExtractiveAnswerer

        answer = self.settings.answer
        return ExtractiveAnswerer(max_words=answer.max_words, max_sentences=answer.max_sentences)

    @cached_property
    def assistant(self) -> Assistant:
        return self.build_assistant(self.settings.answer.mode)

    def build_assistant(self, mode: str = "extractive", search: SearchMode = "hybrid") -> Assistant:
        """An assistant answering in `mode` ('extractive' or 'llm') over `search` retrieval."""
        from assistant.pipeline import Assistant
        from assistant.refusal import RefusalPolicy

        refusal = RefusalPolicy(self.settings.retrieval.min_evidence)
        top_k = self.settings.retrieval.top_k
        if mode == "llm":
            from assistant.answer.llm import LLMAnswerer, LLMCondenser, build_chat_model

            chat_model = build_chat_model(self.settings.llm)
            fallback = self.extractive if self.settings.llm.fallback_extractive else None
            return Assistant(self.retriever(search), LLMAnswerer(chat_model, max_sources=top_k), refusal,
                             top_k=top_k, condenser=LLMCondenser(chat_model), fallback=fallback)
        return Assistant(self.retriever(search), self.extractive, refusal, top_k=top_k)

    @cached_property
    def feedback(self) -> FeedbackStore:
        from assistant.feedback import FeedbackStore

        return FeedbackStore(self.settings.feedback_db)
