"""Fixtures of the unit tier: a real Chroma store in the test's folder, fake embeddings, two small documents.

Everything is in process and fast; nothing loads the embedding model or the corpus.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.answerability import SimilarityScore
from assistant.pipeline import Answerer, Assistant, Retriever
from assistant.refusal import RefusalPolicy
from assistant.settings import Settings
from assistant.wiring import Services
from tests.support.fakes import HashEmbeddings, chroma_store, publish_passages, unit_settings
from vectorstore.chroma import ChromaStore
from vectorstore.knowledge_base import KnowledgeBase

# With `HashEmbeddings` a question that shares most of its words with a passage scores ~0.35-0.45;
# one that shares none scores near 0. The unit tier's threshold sits between.
MIN_EVIDENCE = 0.3

MAKERSPACE = "makerspace.pdf"
MAKERSPACE_TITLE = "Makerspace-Bericht"
MAKERSPACE_PASSAGES = [
    "Die Kommune plant eine langfristige Verstetigungsstrategie für den Makerspace am Marktplatz. "
    "Dafür werden Personal, Räume und Finanzierung gesichert.",
    "Im Jahr 2023 nahmen 40 Fachleute an der Smart-City-Werkstatt in Wismar teil. "
    "Die Ergebnisse fließen in die Planung ein.",
]
MOBILITY = "mobilitaet.pdf"
MOBILITY_TITLE = "Mobilitätsbericht"
MOBILITY_PASSAGES = [
    "Der Radverkehr in der Innenstadt wird durch neue Fahrradstraßen und Abstellanlagen gefördert.",
    "Sensoren messen die Luftqualität an zwölf Kreuzungen der Stadt.",
]
# Answered from MAKERSPACE_PASSAGES[1] (page 2), and one the documents know nothing about.
WORKSHOP_QUESTION = "Wie viele Fachleute nahmen an der Smart-City-Werkstatt teil?"
UNRELATED_QUESTION = "Was kostet ein Personalausweis beim Bürgeramt?"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """An empty corpus folder of the test's own."""
    path = tmp_path / "corpus"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path, corpus: Path) -> Settings:
    # Hashed bag-of-words vectors are not e5's: the refusal scores them by similarity alone.
    return unit_settings(data_dir, corpus, retrieval={"min_evidence": MIN_EVIDENCE, "answerability": "similarity"})


@pytest.fixture
def embeddings() -> HashEmbeddings:
    return HashEmbeddings()


@pytest.fixture
def store(settings: Settings) -> ChromaStore:
    return chroma_store(settings.chroma_dir)


@pytest.fixture
def services(settings: Settings, store: ChromaStore, embeddings: HashEmbeddings) -> Services:
    """The app's real parts over an empty store, with fake embeddings."""
    return Services(settings, store=store, embeddings=embeddings)


@pytest.fixture
def kb(services: Services) -> KnowledgeBase:
    return services.knowledge_base


def seed(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    """The two small documents of the unit tier, through the real write protocol."""
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, title=MAKERSPACE_TITLE)
    publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES, title=MOBILITY_TITLE)


def assistant_over(services: Services, answerer: Answerer, retriever: Retriever | None = None,
                   min_evidence: float = MIN_EVIDENCE, **kwargs: Any) -> Assistant:
    """An assistant over `services`' store that answers with `answerer` and refuses on similarity alone
    (the fitted answerability model is calibrated for the real embeddings, not the hash fake)."""
    return Assistant(retriever or services.retriever(), answerer, RefusalPolicy(min_evidence, SimilarityScore()),
                     **kwargs)


def serving(services: Services, assistant: Assistant) -> Services:
    """`services` with `assistant` in place of the configured one (for the API and UI)."""
    return services.sharing(services.settings, assistant=assistant)


@pytest.fixture
def seeded(services: Services, embeddings: HashEmbeddings) -> Services:
    """`services` with the two small documents published."""
    seed(services.knowledge_base, embeddings)
    return services
