"""The documents' outline as a retrieval signal: which sections a question's words are about.

A question about continuing, financing or opening something is answered in the section
about that ("3.3 Verstetigen und absichern > Geschäftsmodelle und Finanzierung"), even when
the thing it names (a makerspace) is rarer elsewhere and wins both the dense and the
keyword ranking. The outline is derived from the published chunks (each document's
`ingest.outline.document_outline`, from their `section_path`), like the keyword index, so it
can never disagree with the manifest. A section holds its subsections' chunks too, like an
entry of a table of contents.

Headings are matched on stems, loosely: German derivations share a long prefix but not
always a Snowball stem ("finanzieren" -> "finanzi", "Finanzierung" -> "finanzier").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.models import Chunk
from ingest.outline import document_outline
from vectorstore.german import GermanAnalyzer

_MIN_PREFIX = 5
_PREFIX_SHARE = 0.7


@dataclass(frozen=True)
class Section:
    """One section of one document version: its heading path, the terms of it, its chunks."""

    document: str
    path: str
    terms: frozenset[str]
    chunk_ids: tuple[str, ...]


class Outline:
    """All sections of the published documents, searchable by the stems of their headings."""

    def __init__(self, sections: Sequence[Section]) -> None:
        self.sections = tuple(sections)

    @classmethod
    def build(cls, chunks: Iterable[Chunk], analyzer: GermanAnalyzer) -> Outline:
        by_document: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_document.setdefault(chunk.document, []).append(chunk)
        sections: list[Section] = []
        for document, document_chunks in by_document.items():
            ordered = sorted(document_chunks, key=lambda chunk: chunk.position)
            for entry in document_outline(ordered):
                ids = tuple(chunk.id for chunk in ordered
                            if entry.first_position <= chunk.position <= entry.last_position)
                sections.append(Section(document, entry.path, frozenset(analyzer.terms(entry.title)), ids))
        return cls(sections)

    def matching(self, stems: Sequence[str], weights: Sequence[float]) -> list[tuple[Section, float]]:
        """Sections whose headings contain some of `stems`, best first.

        The score is the summed weight of the matched stems over the square root of the
        heading's length in terms: "3.3 Verstetigen und absichern" is more about continuing
        than a chapter heading that lists three phases ("Konzipieren, betreiben, verstetigen").
        The heading's own words count, not its parents' (the parent has an entry of its own).
        """
        scored: list[tuple[Section, float]] = []
        for section in self.sections:
            matched = sum(weight for stem, weight in zip(stems, weights, strict=True)
                          if any(similar_stems(stem, term) for term in section.terms))
            if matched > 0:
                scored.append((section, matched / math.sqrt(max(1, len(section.terms)))))
        scored.sort(key=lambda item: -item[1])
        return scored


def similar_stems(left: str, right: str) -> bool:
    """The same stem, or one a long prefix of the other ("finanzi" ~ "finanzier", "verstet" ~ "verstetig")."""
    if left == right:
        return True
    short, long_ = sorted((left, right), key=len)
    return len(short) >= _MIN_PREFIX and long_.startswith(short) and len(short) >= _PREFIX_SHARE * len(long_)
