"""A document's outline, built from its chunks: nested sections with pages and chunk positions."""

from __future__ import annotations

from ingest.chunk import chunk_document
from ingest.models import Block
from ingest.outline import Section, document_outline, outline_text
from ingest.pdf import RawDocument


def _chunks() -> list:
    document = RawDocument(file="bericht.pdf", sha256="ef" * 32, title="Bericht", publisher="", year=None,
                           pages=["", "", "", ""])
    blocks = [
        Block("paragraph", "Vorbemerkung ohne Überschrift.", 1, 1),
        Block("heading", "3 Erfolgsfaktoren", 1, 1, level=1),
        Block("heading", "3.3 Verstetigen und absichern", 1, 1, level=2),
        Block("paragraph", " ".join(f"Die Verstetigung beginnt im Jahr {2000 + n}." for n in range(20)), 1, 2,
              page_breaks=((400, 2),)),
        Block("heading", "Frühzeitige Verstetigungsstrategie", 3, 3, level=3),
        Block("paragraph", "Die Ankerorte sind befristet gefördert.", 3, 3),
        Block("heading", "4 Ausblick", 4, 4, level=1),
        Block("paragraph", "Die Orte bleiben wichtig.", 4, 4),
    ]
    return chunk_document(document, blocks, chunk_tokens=60, overlap_tokens=0)


def test_the_outline_nests_sections_with_their_pages_and_chunks() -> None:
    chunks = _chunks()
    outline = document_outline(reversed(chunks))  # any order: positions say where chunks are
    assert [(section.level, section.title) for section in outline] == [
        (1, "3 Erfolgsfaktoren"),
        (2, "3.3 Verstetigen und absichern"),
        (3, "Frühzeitige Verstetigungsstrategie"),
        (1, "4 Ausblick"),
    ]
    chapter, section, factor, outlook = outline
    # The chapter has no text of its own before 3.3, and spans all of it.
    assert (chapter.first_page, chapter.last_page) == (1, 3)
    assert (chapter.first_position, chapter.last_position) == (section.first_position, factor.last_position)
    assert (section.first_page, section.last_page) == (1, 3)  # its subsection included
    assert (factor.first_page, factor.last_page, factor.first_position) == (3, 3, factor.last_position)
    assert factor.path == "3 Erfolgsfaktoren > 3.3 Verstetigen und absichern > Frühzeitige Verstetigungsstrategie"
    assert (outlook.first_page, outlook.last_page, outlook.last_position) == (4, 4, len(chunks) - 1)
    assert chunks[0].section_path == "" and chapter.first_position == 1  # text before any heading: no section


def test_the_outline_reads_as_a_table_of_contents() -> None:
    text = outline_text(document_outline(_chunks()))
    lines = text.splitlines()
    assert lines[0].startswith("3 Erfolgsfaktoren  (S. 1–3, chunks 1–")
    assert lines[2].startswith("    Frühzeitige Verstetigungsstrategie  (S. 3,")
    assert Section("a", "a", 1, 2, 2, 0, 0).pages_label == "S. 2"
