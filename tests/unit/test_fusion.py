"""Reciprocal rank fusion and merging neighbouring chunks of one passage."""

from __future__ import annotations

from dataclasses import replace

from ingest.models import Chunk
from vectorstore.hybrid import Hit, merge_adjacent


def _chunk(position: int, text: str, page: int = 1, version: str = "v1") -> Chunk:
    return Chunk(id=f"a.pdf@{version}#{position}", text=text, document="a.pdf", title="A", publisher="",
                 year=None, page=page, page_end=page, section="", position=position, hash="h", version=version,
                 tokens=len(text.split()))


def test_adjacent_chunks_merge_without_repeating_the_overlap() -> None:
    first = _chunk(3, "Erster Satz steht hier. Der gemeinsame Überlappungssatz steht auch hier.", page=4)
    second = _chunk(4, "Der gemeinsame Überlappungssatz steht auch hier. Dritter Satz folgt.", page=5)
    other = _chunk(9, "Etwas ganz anderes.")
    merged = merge_adjacent([Hit(second, 0.03, dense=0.8), Hit(other, 0.02), Hit(first, 0.01, keyword=3.0)])
    assert len(merged) == 2
    passage = merged[0].chunk
    assert passage.text == ("Erster Satz steht hier. Der gemeinsame Überlappungssatz steht auch hier. "
                            "Dritter Satz folgt.")
    assert (passage.page, passage.page_end) == (4, 5)
    assert passage.page_at(passage.text.index("Dritter")) == 5
    assert merged[0].dense == 0.8 and merged[0].keyword == 3.0


def test_a_short_overlap_at_a_line_break_is_not_repeated_and_keeps_the_line_break() -> None:
    first = _chunk(3, "Dabei wurden Ziele unterschieden:\n• Informationen über Projekte\n\nAktivitäten informieren")
    second = _chunk(4, "Aktivitäten informieren\n\n• digitale Bildung fördern\n• Netzwerke bilden")
    passage = merge_adjacent([Hit(first, 0.02), Hit(second, 0.01)])[0].chunk
    assert passage.text.count("Aktivitäten informieren") == 1
    assert "informieren\n• digitale Bildung" in passage.text


def test_a_joined_passage_knows_the_section_of_each_part() -> None:
    first = replace(_chunk(3, "Berlin will smarte Stadtplätze gestalten."), section="Berlin",
                    section_path="2020 > Berlin")
    second = replace(_chunk(4, "Darmstadt arbeitet an der Smarten Stadt."), section="Darmstadt",
                     section_path="2020 > Darmstadt")
    passage = merge_adjacent([Hit(first, 0.02), Hit(second, 0.01)])[0].chunk
    assert passage.section_at(passage.text.index("Berlin")) == ("Berlin", "2020 > Berlin")
    assert passage.section_at(passage.text.index("Darmstadt")) == ("Darmstadt", "2020 > Darmstadt")
    assert "joined_sections" not in passage.metadata()  # derived per query, never stored


def test_chunks_of_other_versions_or_far_apart_stay_separate() -> None:
    hits = [Hit(_chunk(1, "Eins."), 0.03), Hit(_chunk(2, "Zwei.", version="v2"), 0.02), Hit(_chunk(5, "Fünf."), 0.01)]
    assert len(merge_adjacent(hits)) == 3
