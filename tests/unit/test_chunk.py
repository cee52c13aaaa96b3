"""Chunking: token limits, sentence-end cuts, pages, sections, versioned ids."""

from __future__ import annotations

import re

from ingest.chunk import chunk_document, count_tokens
from ingest.clean import Block
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
