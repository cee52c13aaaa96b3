"""A document's outline as data: its sections, nested, with their pages and chunks.

Built from the chunks alone (each carries its `section_path`), so it can be rebuilt from
the store for any published version without re-reading the PDF. A section spans its own
chunks and those of its subsections, like an entry of a table of contents; a heading right
above a subheading (a chapter title before its first section) still gets its entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from ingest.models import SECTION_PATH_SEPARATOR, Chunk


@dataclass(frozen=True)
class Section:
    """One entry of the outline; `level` 1 is a chapter, each step down the path adds one."""

    path: str  # the titles from the chapter down to this section, SECTION_PATH_SEPARATOR between
    title: str
    level: int
    first_page: int
    last_page: int
    first_position: int  # the position of the section's first chunk in the document
    last_position: int  # ... and of its last, subsections included

    @property
    def pages_label(self) -> str:
        if self.first_page == self.last_page:
            return f"S. {self.first_page}"
        return f"S. {self.first_page}–{self.last_page}"


def document_outline(chunks: Iterable[Chunk]) -> list[Section]:
    """The sections of one document, in reading order, from its chunks (in any order).

    Text before the first heading belongs to no section and is left out.
    """
    sections: dict[str, Section] = {}
    for chunk in sorted(chunks, key=lambda chunk: chunk.position):
        titles = chunk.section_path.split(SECTION_PATH_SEPARATOR) if chunk.section_path else []
        for depth in range(1, len(titles) + 1):
            path = SECTION_PATH_SEPARATOR.join(titles[:depth])
            known = sections.get(path)
            if known is None:
                sections[path] = Section(path, titles[depth - 1], depth, chunk.page, chunk.page_end,
                                         chunk.position, chunk.position)
            else:
                sections[path] = replace(known, first_page=min(known.first_page, chunk.page),
                                         last_page=max(known.last_page, chunk.page_end),
                                         last_position=chunk.position)
    return list(sections.values())


def outline_text(sections: Iterable[Section]) -> str:
    """The outline as an indented table of contents, one section a line."""
    return "\n".join(f"{'  ' * (section.level - 1)}{section.title}  ({section.pages_label}, "
                     f"chunks {section.first_position}–{section.last_position})" for section in sections)
