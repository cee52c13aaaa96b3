"""A list or how-to question gets the whole list, also where it goes on in the next chunk."""

from __future__ import annotations

from assistant.wiring import Services
from tests.support.fakes import HashEmbeddings, publish_passages
from vectorstore.hybrid import HybridRetriever

LIST_START = ("Für Verantwortliche bedeutet die Verstetigung des Makerspace:\n"
              "• Basisfinanzierung sichern\n• Zusatzfinanzierung suchen")
LIST_END = "• Trägerschaft klären\n• Politik einbinden\n\nEin neuer Abschnitt beginnt hier."
ELSEWHERE = "Der Radverkehr in der Innenstadt wird durch neue Fahrradstraßen gefördert."
QUESTION = "Wie gelingt die Verstetigung des Makerspace?"


def test_a_list_cut_at_the_chunk_end_is_completed_from_the_next_chunk(services: Services,
                                                                        embeddings: HashEmbeddings) -> None:
    publish_passages(services.knowledge_base, embeddings, "anker.pdf", [LIST_START, LIST_END, ELSEWHERE])
    retriever = HybridRetriever(services.knowledge_base, embeddings, merge_neighbours=False)
    passage = retriever.search(QUESTION, 1, focus=("Verstetigung",)).hits[0].chunk
    assert passage.text.index("• Zusatzfinanzierung suchen") < passage.text.index("• Trägerschaft klären")
    assert "Fahrradstraßen" not in passage.text  # one chunk further, where the list has ended
    assert (passage.page, passage.page_end) == (1, 2)
    # Other questions get the passage as it ranked.
    assert "Trägerschaft" not in retriever.search(QUESTION, 1).hits[0].chunk.text


def test_a_passage_that_ends_after_its_list_is_left_alone(services: Services, embeddings: HashEmbeddings) -> None:
    publish_passages(services.knowledge_base, embeddings, "anker.pdf",
                     [f"{LIST_START}\n\nDanach folgt ein ganz normaler Absatz ohne Liste.", LIST_END])
    retriever = HybridRetriever(services.knowledge_base, embeddings, merge_neighbours=False)
    assert "Trägerschaft" not in retriever.search(QUESTION, 1, focus=("Verstetigung",)).hits[0].chunk.text
