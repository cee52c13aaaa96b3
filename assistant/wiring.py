"""Wiring in one place: every part is built here from the settings, once, on first use.

The CLI, the API's lifespan, the evals and the benchmarks take their parts from a
`Services`. Any part can be handed in instead of built (`Services(settings, embeddings=fake)`),
which is how tests swap in fakes and how a second `Services` shares the first one's loaded
model and store (`sharing`). Parts are imported where they are built, so a command loads only
what it uses (an unchanged re-ingest never loads the answer pipeline or the embedding model).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from assistant.limits import QuestionLimits
from assistant.settings import Settings
from ingest.errors import InvalidRequestError, SettingsError
from vectorstore.chroma import ChromaStore
from vectorstore.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from assistant.answer.extractive import ExtractiveAnswerer
    from assistant.feedback import FeedbackStore
    from assistant.pipeline import Assistant, Retriever
    from assistant.refusal import RefusalPolicy
    from ingest.pipeline import Ingestor
    from vectorstore.embeddings import E5Embeddings
    from vectorstore.hybrid import HybridRetriever, SearchMode

T = TypeVar("T")
PARTS = frozenset({"store", "knowledge_base", "embeddings", "ingestor", "extractive", "assistant", "feedback"})
SHARED_PARTS = ("store", "knowledge_base", "embeddings")
ANSWER_MODES = ("extractive", "llm")


class Services:
    """Lazily built, process-wide parts of the assistant for one `Settings`."""

    def __init__(self, settings: Settings, **parts: Any) -> None:
        unknown = set(parts) - PARTS
        if unknown:
            raise TypeError(f"unknown part(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(PARTS))}")
        self.settings = settings
        self._parts: dict[str, Any] = dict(parts)
        self._lock = threading.RLock()  # builders call each other; one thread builds a part

    def sharing(self, settings: Settings, **parts: Any) -> Services:
        """Services for other settings that reuse this one's store, knowledge base and model."""
        shared = {name: getattr(self, name) for name in SHARED_PARTS}
        return Services(settings, **(shared | parts))

    def _part(self, name: str, build: Callable[[], T]) -> T:
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]  # type: ignore[no-any-return]

    @property
    def store(self) -> ChromaStore:
        return self._part("store", lambda: ChromaStore.connect(
            self.settings.chroma_url, self.settings.chroma_dir, self.settings.embedding_model))

    @property
    def knowledge_base(self) -> KnowledgeBase:
        return self._part("knowledge_base", lambda: KnowledgeBase(
            self.store, self.settings.keyword_dir, self.settings.write_lock,
            self.settings.retrieval.refresh_seconds, self.settings.retrieval.exact_max_chunks))

    @property
    def embeddings(self) -> E5Embeddings:
        def build() -> E5Embeddings:
            from vectorstore.embeddings import build_embeddings

            return build_embeddings(self.settings.embedding_model, self.settings.ingest.embed_batch)

        return self._part("embeddings", build)

    @property
    def ingestor(self) -> Ingestor:
        def build() -> Ingestor:
            from ingest.pipeline import Ingestor  # the chunker's imports are only needed to ingest

            ingest = self.settings.ingest
            ocr = None
            if ingest.ocr:
                from ingest.scanning import OnDemandOcr  # Tesseract is looked for when a scan turns up

                ocr = OnDemandOcr(ingest.ocr_languages, ingest.ocr_dpi, ingest.ocr_max_pages)
            return Ingestor(self.knowledge_base, self.embeddings, ingest.chunk_tokens, ingest.chunk_overlap,
                            ocr=ocr, no_ocr_reason="OCR is off (SMARTCITY_INGEST_OCR=false)")

        return self._part("ingestor", build)

    @property
    def extractive(self) -> ExtractiveAnswerer:
        def build() -> ExtractiveAnswerer:
            from assistant.answer.extractive import ExtractiveAnswerer

            answer = self.settings.answer
            return ExtractiveAnswerer(max_words=answer.max_words, max_sentences=answer.max_sentences)

        return self._part("extractive", build)

    @property
    def assistant(self) -> Assistant:
        return self._part("assistant", lambda: self.build_assistant(self.settings.answer.mode))

    @property
    def feedback(self) -> FeedbackStore:
        def build() -> FeedbackStore:
            from assistant.feedback import FeedbackStore

            return FeedbackStore(self.settings.feedback_db)

        return self._part("feedback", build)

    @property
    def limits(self) -> QuestionLimits:
        return QuestionLimits(self.settings.max_question_chars, self.settings.max_history_turns)

    def retriever(self, mode: SearchMode = "hybrid") -> HybridRetriever:
        from vectorstore.hybrid import HybridRetriever

        retrieval = self.settings.retrieval
        return HybridRetriever(self.knowledge_base, self.embeddings, candidates=retrieval.candidates,
                               rrf_k=retrieval.rrf_k, merge_neighbours=retrieval.merge_neighbours, mode=mode)

    def build_assistant(self, mode: str = "extractive", search: SearchMode = "hybrid", *,
                        retriever: Retriever | None = None, refusal: RefusalPolicy | None = None) -> Assistant:
        """An assistant answering in `mode` ('extractive' or 'llm') over `search` retrieval.

        `retriever` and `refusal` replace the configured ones (the evals record retrieval and
        apply refusal thresholds afterwards).
        """
        from assistant.answerability import build_assessor
        from assistant.pipeline import Assistant
        from assistant.refusal import RefusalPolicy

        if mode not in ANSWER_MODES:
            raise InvalidRequestError(f"unknown answer mode {mode!r}: use {' or '.join(ANSWER_MODES)}")
        if mode == "llm" and not self.settings.llm.configured:
            raise SettingsError("answer mode 'llm' needs SMARTCITY_LLM_BASE_URL and SMARTCITY_LLM_MODEL")
        retrieval = self.settings.retrieval
        refusal = refusal or RefusalPolicy(retrieval.min_evidence, build_assessor(retrieval.answerability))
        retriever = retriever or self.retriever(search)
        top_k = self.settings.retrieval.top_k
        if mode == "llm":
            from assistant.answer.llm import LLMAnswerer, LLMCondenser, build_chat_model

            chat_model = build_chat_model(self.settings.llm)
            fallback = self.extractive if self.settings.llm.fallback_extractive else None
            max_sources = min(top_k, self.settings.llm.max_sources)
            return Assistant(retriever, LLMAnswerer(chat_model, max_sources=max_sources), refusal, self.limits,
                             top_k=top_k, condenser=LLMCondenser(chat_model), fallback=fallback)
        return Assistant(retriever, self.extractive, refusal, self.limits, top_k=top_k,
                         part_answerer=self.extractive.for_parts())
