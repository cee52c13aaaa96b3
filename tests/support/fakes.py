"""In-process fakes for fast tests: real implementations of the interfaces, with predictable output.

In the style of simonw/llm's `MockModel`: nothing here is a mock that records calls and
returns canned objects of the wrong type; each fake does the job of the part it replaces,
cheaply and deterministically, and is handed in through a constructor or as a `Services`
part (`Services(settings, store=..., embeddings=HashEmbeddings())`).

- `HashEmbeddings`: hashed bag-of-words vectors, L2-normalised, so a question that shares
  words with a passage is near it and one that shares none is far from it.
- `chroma_store`: the real `ChromaStore` over a `chromadb.PersistentClient` in a test's own
  folder (an `EphemeralClient` is shared by every client in the process, so tests would see
  each other's data); `unreachable_store`: a `ChromaStore` whose client cannot connect.
- `ScriptedChatModel`: LangChain's `GenericFakeChatModel` (streams word by word) that also
  keeps the prompts it was sent; `UnreachableChatModel`: refuses every call with the error
  an unreachable OpenAI-compatible endpoint gives (`httpx.ConnectError`).
- `raw_document`, `chunks_for`, `publish_passages`: small documents written through
  `KnowledgeBase.replace_document`, without PDFs or the chunker.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

from assistant.settings import Settings, load_settings
from ingest.models import Chunk, DocumentRecord, chunk_id, document_version
from ingest.pdf import RawDocument
from ingest.pipeline import passage_text
from vectorstore.chroma import ChromaStore
from vectorstore.knowledge_base import KnowledgeBase

EMBEDDING_MODEL = "multilingual-e5-small"  # the name the store is built for (settings allow only this one)
ADMIN_TOKEN = "unit-admin-token-0123456789"
_WORD = re.compile(r"\w+")


# --- embeddings ------------------------------------------------------------------------------

class HashEmbeddings(Embeddings):
    """Deterministic embeddings: each lower-cased word adds ±1 to a hashed dimension; L2-normalised.

    Cosine similarity then grows with the words two texts share (collisions in `dimension`
    dimensions add a little noise). A text without words gets a fixed unit vector.
    """

    model_name = "hash-bag-of-words"

    def __init__(self, dimension: int = 64, batch_size: int = 8) -> None:
        self.dimension = dimension
        self.batch_size = batch_size
        self.passages_embedded = 0
        self.questions_embedded = 0

    def vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            index = int.from_bytes(digest[:4], "little") % self.dimension
            vector[index] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if not norm:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.passages_embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([self.vector(text) for text in texts]).astype(np.float32)

    def embed_question(self, text: str) -> np.ndarray:
        self.questions_embedded += 1
        return self.vector(text)

    # LangChain's interface
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_question(text).tolist()


# --- the store -------------------------------------------------------------------------------

def chroma_client(path: Path) -> Any:
    """A real embedded Chroma client of its own, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def chroma_store(path: Path, embedding_model: str = EMBEDDING_MODEL) -> ChromaStore:
    """The real `ChromaStore` over an embedded Chroma in `path` (one folder per test)."""
    return ChromaStore(lambda: chroma_client(path), embedding_model)


def _refuse_connection() -> Any:
    raise ConnectionError("[Errno 111] Connection refused (fake Chroma server)")


def unreachable_store(embedding_model: str = EMBEDDING_MODEL) -> ChromaStore:
    """A `ChromaStore` whose client never connects: every call raises `StoreUnavailableError`."""
    return ChromaStore(_refuse_connection, embedding_model)


def knowledge_base(data_dir: Path, store: ChromaStore | None = None, refresh_seconds: float = 2.0) -> KnowledgeBase:
    """A `KnowledgeBase` laid out like the app's (store, keyword index and lock file in `data_dir`)."""
    return KnowledgeBase(store or chroma_store(data_dir / "chroma"), data_dir / "keyword",
                         data_dir / "ingest.lock", refresh_seconds)


# --- documents -------------------------------------------------------------------------------

def raw_document(file: str, pages: Sequence[str], title: str = "Testbericht", publisher: str = "Testamt",
                 year: int | None = 2024, revision: str = "1") -> RawDocument:
    """A read PDF as the ingest pipeline sees it; `revision` changes its hash (a new version)."""
    sha = hashlib.sha256(f"{file}\n{revision}\n{''.join(pages)}".encode()).hexdigest()
    return RawDocument(file=file, sha256=sha, title=title, publisher=publisher, year=year, pages=list(pages))


def chunks_for(document: RawDocument, passages: Sequence[str] | None = None) -> list[Chunk]:
    """One chunk per passage (default: per page), on consecutive pages of `document`."""
    texts = list(passages) if passages is not None else list(document.pages)
    last_page = max(document.page_count, 1)
    return [
        Chunk(id=chunk_id(document.file, document.version, position), text=text, document=document.file,
              title=document.title, publisher=document.publisher, year=document.year,
              page=min(position + 1, last_page), page_end=min(position + 1, last_page),
              section="", position=position, hash=hashlib.sha256(text.encode()).hexdigest()[:16],
              version=document.version, tokens=len(text.split()))
        for position, text in enumerate(texts)
    ]


def publish_passages(kb: KnowledgeBase, embeddings: HashEmbeddings, file: str, passages: Sequence[str],
                     title: str = "Testbericht", revision: str = "1") -> DocumentRecord:
    """Write `passages` as a document (one page each) through the real write protocol."""
    document = raw_document(file, passages, title=title, revision=revision)
    chunks = chunks_for(document)
    vectors = embeddings.embed_passages([passage_text(chunk) for chunk in chunks])
    return kb.replace_document(document, chunks, vectors)


def unpublished_version(file: str) -> str:
    return document_version(hashlib.sha256(f"unpublished {file}".encode()).hexdigest())


# --- chat models -----------------------------------------------------------------------------

class ScriptedChatModel(GenericFakeChatModel):
    """Replies with the scripted messages in turn (streamed word by word); keeps what it was sent."""

    received: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        self.received.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)


def scripted_chat(*replies: str) -> ScriptedChatModel:
    """A chat model answering `replies` in order (the last one repeats)."""
    return ScriptedChatModel(messages=_replies(replies))


def _replies(replies: Iterable[str]) -> Iterator[AIMessage | str]:
    items = list(replies)
    yield from items[:-1]
    while True:
        yield items[-1]


class UnreachableChatModel(BaseChatModel):
    """An OpenAI-compatible endpoint that is down: every call fails as httpx does on a refused connection."""

    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "unreachable-fake"

    def _fail(self) -> None:
        self.calls += 1
        raise httpx.ConnectError("[Errno 111] Connection refused (fake LLM endpoint)")

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        self._fail()
        raise AssertionError("unreachable")  # pragma: no cover

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self._fail()
        yield from ()  # pragma: no cover


class DroppingChatModel(UnreachableChatModel):
    """An endpoint that streams the first words of `text`, then times out (the connection drops mid-answer)."""

    text: str = "Im Jahr 2023 nahmen"

    @property
    def _llm_type(self) -> str:
        return "dropping-fake"

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for token in re.split(r"(\s)", self.text):
            yield ChatGenerationChunk(message=AIMessageChunk(content=token))
        self.calls += 1
        raise httpx.ReadTimeout("the read operation timed out (fake LLM endpoint)")


# --- settings --------------------------------------------------------------------------------

def unit_settings(data_dir: Path, corpus_dir: Path | None = None, **overrides: object) -> Settings:
    """Explicit settings for unit tests: nothing from the environment's .env, no rate limit, admin on."""
    values: dict[str, object] = {
        "data_dir": data_dir,
        "corpus_dir": corpus_dir or data_dir.parent / "corpus",
        "admin_token": ADMIN_TOKEN,
        "rate_limit": "0",
        "_env_file": None,
    }
    values.update(overrides)
    return load_settings(**values)
