"""Synthetic documents for the scale benchmark, made from the real corpus.

A synthetic chunk is a real chunk with its sentences reordered, one or two sentences of
another chunk of the same report mixed in, numbers varied and place names swapped, so the
keyword index sees realistic German text with realistic term statistics. Its vector is the
real chunk's vector plus small Gaussian noise, renormalised: the vector distribution stays
that of the corpus (clusters by topic) without paying for embedding 100k passages.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from ingest.models import Chunk, DocumentRecord, chunk_id
from ingest.sentences import split_sentences

# Places named in the corpus, and others they are swapped for.
CORPUS_PLACES = (
    "Berlin", "Hamburg", "Leipzig", "München", "Jena", "Iserlohn", "Kassel", "Köln", "Mannheim",
    "Rostock", "Lübeck", "Darmstadt", "Gelsenkirchen", "Gütersloh", "Paderborn", "Dortmund",
    "Regensburg", "Zwönitz", "Süderbrarup", "Hagenow", "Barleben", "Eichenzell", "Lemgo",
    "Osnabrück", "Freiburg", "Wismar", "Kaiserslautern", "Detmold", "Ulm", "Konstanz",
    "Pforzheim", "Menden", "Kempten", "Lohmar", "Mayen-Koblenz", "Bad Belzig", "Wiesenburg",
)
OTHER_PLACES = (
    "Bamberg", "Cottbus", "Erfurt", "Flensburg", "Göttingen", "Halle", "Heilbronn", "Ingolstadt",
    "Kiel", "Landshut", "Magdeburg", "Neuss", "Oldenburg", "Potsdam", "Rosenheim", "Schwerin",
    "Trier", "Wolfsburg", "Würzburg", "Zwickau", "Aurich", "Bautzen", "Coburg", "Dessau",
    "Emden", "Fulda", "Görlitz", "Hameln", "Itzehoe", "Jever", "Kleve", "Lahr", "Meißen",
    "Neuruppin", "Passau", "Quedlinburg", "Rheine", "Soest", "Tübingen", "Uelzen", "Weimar",
)
_PLACE = re.compile(r"\b(" + "|".join(re.escape(place) for place in CORPUS_PLACES) + r")\b")
_NUMBER = re.compile(r"(?<![\d.,])\d{1,6}(?![\d])")


def vary_numbers(text: str, rng: random.Random) -> str:
    """Change numbers a little: years move by a few years, other numbers by up to ±40 %."""
    def change(match: re.Match[str]) -> str:
        value = int(match.group())
        if 1950 <= value <= 2050:
            return str(value + rng.randint(-3, 3))
        if value < 2:
            return match.group()
        return str(max(1, round(value * rng.uniform(0.6, 1.4))))
    return _NUMBER.sub(change, text)


def swap_places(text: str, rng: random.Random) -> str:
    """Replace each place of the corpus with another town (consistently within the text)."""
    chosen: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        return chosen.setdefault(match.group(), rng.choice(OTHER_PLACES))
    return _PLACE.sub(swap, text)


def vary_text(text: str, donor: str, rng: random.Random) -> str:
    """A plausible new passage from `text`: sentences reordered, one or two from `donor`."""
    sentences = split_sentences(text) or [text]
    donors = split_sentences(donor)
    if len(sentences) > 2:
        for _ in range(max(1, len(sentences) // 3)):  # local swaps keep the passage readable
            index = rng.randrange(len(sentences) - 1)
            sentences[index], sentences[index + 1] = sentences[index + 1], sentences[index]
    if donors:
        for _ in range(rng.randint(1, 2)):
            sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(donors))
        if len(sentences) > 3:
            sentences.pop(rng.randrange(len(sentences)))
    return swap_places(vary_numbers(" ".join(sentences), rng), rng)


def perturb(vectors: np.ndarray, rng: np.random.Generator, sigma: float) -> np.ndarray:
    """Unit vectors near `vectors`: add N(0, sigma²) noise per dimension and renormalise."""
    noisy = np.asarray(vectors, dtype=np.float32) + rng.normal(0.0, sigma, vectors.shape).astype(np.float32)
    norms = np.linalg.norm(noisy, axis=1, keepdims=True)
    return noisy / np.where(norms == 0, 1.0, norms)


@dataclass
class SyntheticDocument:
    record: DocumentRecord
    chunks: list[Chunk]
    vectors: np.ndarray


class SyntheticCorpus:
    """Makes synthetic documents of `chunks_per_document` chunks from real chunks and vectors.

    Each synthetic document imitates one real report (its chunks come from that report), so
    documents stay topically coherent, as real ones are.
    """

    def __init__(self, chunks: Sequence[Chunk], vectors: np.ndarray, chunks_per_document: int = 100,
                 sigma: float = 0.015, seed: int = 42) -> None:
        if len(chunks) != len(vectors) or not chunks:
            raise ValueError("need one vector per chunk, and at least one chunk")
        self.chunks_per_document = chunks_per_document
        self.sigma = sigma
        self._rng = random.Random(seed)
        self._np_rng = np.random.default_rng(seed)
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self._by_document: dict[str, list[int]] = {}
        for index, chunk in enumerate(chunks):
            self._by_document.setdefault(chunk.document, []).append(index)
        self._chunks = list(chunks)
        self._documents = sorted(self._by_document)
        self._made = 0

    def documents(self, total_chunks: int) -> Iterator[SyntheticDocument]:
        """Documents until `total_chunks` synthetic chunks have been made."""
        made = 0
        while made < total_chunks:
            size = min(self.chunks_per_document, total_chunks - made)
            yield self._document(size)
            made += size

    def _document(self, size: int) -> SyntheticDocument:
        self._made += 1
        number = self._made
        source = self._documents[number % len(self._documents)]
        pool = self._by_document[source]
        bases = [self._rng.choice(pool) for _ in range(size)]
        version = hashlib.sha256(f"synthetic-{number}-{self._rng.random()}".encode()).hexdigest()
        template = self._chunks[pool[0]]
        file = f"synthetic-{number:05d}-{source}"
        title = f"{template.title.split(' – ')[0]} – Variante {number}"
        chunks = []
        for position, base_index in enumerate(bases):
            base = self._chunks[base_index]
            donor = self._chunks[self._rng.choice(pool)]
            text = vary_text(base.text, donor.text, self._rng)
            chunks.append(replace(
                base, id=chunk_id(file, version, position), text=text, document=file, title=title,
                position=position, version=version, page_breaks="", page_end=base.page,
                hash=hashlib.sha256(text.encode()).hexdigest()[:16]))
        vectors = perturb(self._vectors[bases], self._np_rng, self.sigma)
        record = DocumentRecord(
            file=file, version=version, title=title, publisher=template.publisher,
            year=template.year, pages=max(chunk.page for chunk in chunks), chunks=len(chunks),
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"))
        return SyntheticDocument(record, chunks, vectors)
