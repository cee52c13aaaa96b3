"""The one settings object, read from ``SMARTCITY_*`` environment variables (and ``.env``).

Groups map to variable names with one underscore: ``SMARTCITY_LLM_BASE_URL`` sets
``settings.llm.base_url``, ``SMARTCITY_RETRIEVAL_TOP_K`` sets ``settings.retrieval.top_k``.
Settings are read once at the edge (CLI, server) and passed down; nothing deeper reads
the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ingest.errors import SettingsError

ENV_PREFIX = "SMARTCITY_"
EMBEDDING_MODELS = ("multilingual-e5-small",)


class IngestSettings(BaseModel):
    """How PDFs become chunks."""

    chunk_tokens: int = Field(320, ge=64, le=1000, description="Target chunk size in tokens")
    chunk_overlap: int = Field(48, ge=0, le=400, description="Token overlap between chunks")
    embed_batch: int = Field(16, ge=1, le=256, description="Passages per embedding call")
    ocr: bool = Field(True, description="Read pages without a text layer with Tesseract (when installed)")
    ocr_languages: str = Field("deu+eng", pattern=r"^[A-Za-z0-9_]+(\+[A-Za-z0-9_]+)*$",
                               description="Tesseract language models, e.g. deu+eng")
    ocr_max_pages: int = Field(200, ge=0, le=5000, description="Pages OCR'd per document at most "
                                                               "(about 2.3 s each on 2 cores)")
    ocr_dpi: int = Field(300, ge=100, le=600, description="Resolution scanned pages are rendered at for OCR")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> IngestSettings:
        if self.chunk_overlap >= self.chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        return self


class RetrievalSettings(BaseModel):
    """Hybrid search and the refusal threshold."""

    top_k: int = Field(10, ge=1, le=50, description="Passages handed to the answerer")
    candidates: int = Field(40, ge=5, le=500, description="Candidates per retriever before fusion")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant")
    min_evidence: float = Field(
        0.83,
        ge=0.0,
        le=1.0,
        description="Refuse when the answerability score (passage similarity lowered by what is missing, "
                    "assistant/answerability.py) is below this; calibrated on the eval set's dev part",
    )
    answerability: Literal["model", "similarity"] = Field(
        "model", description="How passages are scored for the refusal: the fitted model, or the passage "
                             "similarity alone (for another embedding model, until the model is refitted)"
    )
    merge_neighbours: bool = Field(True, description="Merge adjacent chunks of one passage")
    refresh_seconds: float = Field(
        2.0, ge=0.0, description="How often a reader checks the manifest for new documents"
    )
    exact_max_chunks: int = Field(
        20_000, ge=0, description="Up to this many chunks dense search is exact (vectors in memory); "
                                  "above it Chroma's approximate HNSW index answers"
    )


class AnswerSettings(BaseModel):
    """Which answerer runs and how long its answers may be."""

    mode: Literal["extractive", "llm"] = "extractive"
    max_words: int = Field(120, ge=20, le=1000)
    max_sentences: int = Field(5, ge=1, le=20)


class LLMSettings(BaseModel):
    """Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, hosted)."""

    base_url: str = ""
    model: str = ""
    api_key: SecretStr = SecretStr("not-needed")
    timeout_s: float = Field(60.0, gt=0)
    temperature: float = Field(0.1, ge=0.0, le=2.0)
    max_tokens: int = Field(512, ge=16)
    max_sources: int = Field(6, ge=1, le=20, description="Passages put into the prompt (each up to 2,400 "
                                                          "characters; the context window must hold them)")
    fallback_extractive: bool = Field(
        True, description="Answer extractively when the LLM is unreachable"
    )

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


class Settings(BaseSettings):
    """Everything configurable. See README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    data_dir: Path = Path("data")
    corpus_dir: Path = Path("../shared/corpus")
    chroma_url: str = ""
    embedding_model: Literal[EMBEDDING_MODELS] = "multilingual-e5-small"  # type: ignore[valid-type]

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    public_url: str = ""
    admin_token: SecretStr = SecretStr("")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    rate_limit: str = "30/minute"
    max_question_chars: int = Field(2000, ge=10)
    max_history_turns: int = Field(20, ge=0)
    max_upload_mb: int = Field(50, ge=1)

    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answer: AnswerSettings = Field(default_factory=AnswerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        if value.strip() == "0":
            return "0"
        if not re.fullmatch(r"\s*\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?\s*", value):
            raise ValueError("expected e.g. '30/minute' or '0' to turn it off")
        return value.strip()

    @field_validator("chroma_url")
    @classmethod
    def _check_chroma_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s:]+(:\d+)?/?$", value):
            raise ValueError("expected http(s)://host:port, or empty for the embedded store")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _llm_mode_needs_endpoint(self) -> Settings:
        if self.answer.mode == "llm" and not self.llm.configured:
            raise ValueError(
                "answer mode 'llm' needs SMARTCITY_LLM_BASE_URL and SMARTCITY_LLM_MODEL"
            )
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def keyword_dir(self) -> Path:
        return self.data_dir / "keyword"

    @property
    def feedback_db(self) -> Path:
        return self.data_dir / "feedback.sqlite"

    @property
    def evals_dir(self) -> Path:
        return self.data_dir / "evals"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def write_lock(self) -> Path:
        """The lock file every writer of the store takes (see `KnowledgeBase.writing`)."""
        return self.data_dir / "ingest.lock"


def _env_name(loc: tuple[object, ...]) -> str:
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ENV_PREFIX + "_".join(parts).upper() if parts else ENV_PREFIX + "*"


def load_settings(**overrides: object) -> Settings:
    """Read settings; a bad value raises `SettingsError` naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{_env_name(error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from None
