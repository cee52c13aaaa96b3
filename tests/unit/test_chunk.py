"""Chunking: token limits, sentence-end cuts, pages, sections, versioned ids."""

from __future__ import annotations

import re

from ingest.chunk import chunk_document, count_tokens
from ingest.clean import Block, clean_document
from ingest.models import PROCESSING_REVISION, Chunk
from ingest.pdf import RawDocument


def _document() -> RawDocument:
    return RawDocument(file="bericht.pdf", sha256="ab" * 32, title="Bericht – Untertitel", publisher="Amt",
                       year=2024, pages=["", "", "", ""])


def _blocks() -> list[Block]:
    sentence = ("Die Kommune betreibt seit dem 25. April 2023 einen Makerspace mit 40 Besucherinnen "
                "und Besuchern pro Tag, der von der Bibliothek getragen wird. ")
    return [
        Block("heading", "1 Einleitung", 1, 1),
        Block("paragraph", sentence * 12, 1, 1),
        Block("paragraph", sentence * 9, 2, 3),
        Block("heading", "2 Verstetigung", 3, 3),
        Block("paragraph", "Die Verstetigung beginnt früh. " * 30, 3, 3),
        Block("item", "• erstens", 4, 4),
        Block("item", "• zweitens", 4, 4),
    ]


def test_chunks_respect_the_token_limit_and_end_at_sentences() -> None:
    chunks = chunk_document(_document(), _blocks(), chunk_tokens=120, overlap_tokens=20)
    assert len(chunks) > 4
    for chunk in chunks:
        assert chunk.tokens == count_tokens(chunk.text) <= 120
        assert re.search(r"[.!?]$|zweitens$|erstens$", chunk.text), chunk.text[-40:]
        assert not chunk.text.startswith(("rstens", "ommune"))


def test_chunks_carry_versioned_ids_pages_and_sections() -> None:
    chunks = chunk_document(_document(), _blocks(), chunk_tokens=120, overlap_tokens=20)
    version = f"r{PROCESSING_REVISION}-{'ab' * 32}"
    assert chunks[0].id == f"bericht.pdf@{version[:20]}#0"
    assert {chunk.version for chunk in chunks} == {version}
    assert [chunk.position for chunk in chunks] == list(range(len(chunks)))
    assert chunks[0].section == "1 Einleitung" and chunks[0].page == 1
    verstetigung = [chunk for chunk in chunks if "Verstetigung beginnt" in chunk.text]
    assert verstetigung and all(chunk.section == "2 Verstetigung" for chunk in verstetigung)
    assert chunks[-1].page_end == 4
    assert all(chunk.title == "Bericht – Untertitel" and chunk.year == 2024 for chunk in chunks)


def test_page_of_a_sentence_inside_a_chunk_spanning_pages() -> None:
    chunks = chunk_document(_document(), _blocks(), chunk_tokens=400, overlap_tokens=0)
    spanning = next(chunk for chunk in chunks if chunk.page != chunk.page_end)
    assert spanning.page_breaks
    offset, page = spanning.page_breaks.split(";")[0].split(":")
    assert spanning.page_at(0) == spanning.page
    assert spanning.page_at(int(offset)) == int(page)


def test_metadata_round_trip() -> None:
    chunk = chunk_document(_document(), _blocks(), chunk_tokens=120, overlap_tokens=20)[0]
    again = Chunk.from_record(chunk.id, chunk.text, chunk.metadata())
    assert again == chunk
    assert all(value is not None for value in chunk.metadata().values())


# --- pages of sentences inside a block, sections ------------------------------------------

def _report_page(number: int, body: list[str]) -> str:
    return "\n".join(["Bericht über Ankerorte", f"Seite {number}", *body])


def test_a_sentence_after_a_page_break_inside_a_block_is_on_the_next_page() -> None:
    # One paragraph over two pages: its first sentence runs over the page break, the next
    # one starts on page 2, in the same block.
    pages = [
        _report_page(1, ["Der Experimentierraum wurde im April 2024 eröffnet und", "bietet Angebote für alle Alters-"]),
        _report_page(2, ["gruppen an. Danach folgte ein zweiter Raum für die Jugend.", "Ein neuer Absatz."]),
        _report_page(3, ["Schluss."]),
    ]
    document = RawDocument(file="raum.pdf", sha256="cd" * 32, title="Raum", publisher="", year=None, pages=pages)
    blocks = clean_document(pages)
    chunks = chunk_document(document, blocks, chunk_tokens=400, overlap_tokens=0)
    chunk = next(chunk for chunk in chunks if "Altersgruppen" in chunk.text)
    assert chunk.page == 1
    assert chunk.page_at(chunk.text.index("Der Experimentierraum")) == 1  # starts on page 1
    assert chunk.page_at(chunk.text.index("Danach folgte")) == 2  # starts on page 2, same block
    # A chunk that starts after the break (here: cut at sentence ends) starts on page 2.
    small = chunk_document(document, blocks, chunk_tokens=12, overlap_tokens=0)
    later = next(chunk for chunk in small if chunk.text.startswith("Danach folgte"))
    assert (later.page, later.page_end, later.page_at(0)) == (2, 2, 2)


def _outlined_blocks() -> list[Block]:
    return [
        Block("heading", "3 Erfolgsfaktoren", 1, 1, level=1),
        Block("heading", "3.3 Verstetigen und absichern", 1, 1, level=2),
        Block("paragraph", "Die Verstetigung beginnt früh.", 1, 1),
        Block("heading", "Frühzeitige Verstetigungsstrategie", 2, 2, level=3),
        Block("paragraph", "Die Ankerorte sind befristet gefördert.", 2, 2),
        Block("paragraph", "Für Verantwortliche bedeutet eine frühzeitige Verstetigungsstrategie:", 2, 2),
        Block("item", "• Verstetigung im Konzept berücksichtigen", 2, 2),
        Block("item", "• Politik früh einbinden", 2, 2),
        Block("heading", "4 Ausblick", 3, 3, level=1),
        Block("paragraph", "Die Orte bleiben wichtig.", 3, 3),
    ]


def test_chunks_carry_the_path_of_their_section_and_its_nearest_heading() -> None:
    chunks = chunk_document(_document(), _outlined_blocks(), chunk_tokens=200, overlap_tokens=0)
    paths = [(chunk.section, chunk.section_path) for chunk in chunks]
    assert paths == [
        ("3.3 Verstetigen und absichern", "3 Erfolgsfaktoren > 3.3 Verstetigen und absichern"),
        ("Frühzeitige Verstetigungsstrategie",
         "3 Erfolgsfaktoren > 3.3 Verstetigen und absichern > Frühzeitige Verstetigungsstrategie"),
        ("4 Ausblick", "4 Ausblick"),
    ]
    again = Chunk.from_record(chunks[1].id, chunks[1].text, chunks[1].metadata())
    assert again == chunks[1]


def test_a_list_lead_stays_in_the_chunk_of_its_items() -> None:
    # Chunks too small for the lead and all its items: the lead still goes with the first item.
    chunks = chunk_document(_document(), _outlined_blocks(), chunk_tokens=36, overlap_tokens=0)
    lead = next(chunk for chunk in chunks if "Für Verantwortliche" in chunk.text)
    assert "• Verstetigung im Konzept berücksichtigen" in lead.text
    assert lead.section == "Frühzeitige Verstetigungsstrategie"
