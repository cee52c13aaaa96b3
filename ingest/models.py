"""The shared records of the bottom layer: text blocks, chunks, a document's manifest entry.

A block is what cleaning hands to the chunker. The chunk is the unit everything downstream
stores, searches, merges and cites; a document record says which version of a document
readers may trust. Kept apart from the chunker so that readers (search, answers) need not
import the splitter.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "item", "caption", "footnote"]
# Joins the titles of a chunk's `section_path`, from the chapter down to its own section.
SECTION_PATH_SEPARATOR = " > "


@dataclass
class Block:
    """A unit of running text on a page; `page_end` differs when it continues on the next page.

    A block joined over a page break keeps in `page_breaks` the offsets in `text` where each
    later page starts, so that every sentence of it can be cited on its own page. A heading
    knows its `level` in the document's outline (1 = chapter; 0 = not a heading).
    """

    kind: BlockKind
    text: str
    page: int
    page_end: int
    page_breaks: tuple[tuple[int, int], ...] = ()  # (offset in text, page starting there)
    level: int = 0

    def page_at(self, offset: int) -> int:
        """The physical page of the character at `offset` in `text`."""
        page = self.page
        for start, number in self.page_breaks:
            if start > offset:
                break
            page = number
        return page


@dataclass(frozen=True)
class Chunk:
    """A passage of one document version, with everything a citation needs."""

    id: str
    text: str
    document: str
    title: str
    publisher: str
    year: int | None
    page: int
    page_end: int
    section: str
    position: int
    hash: str
    version: str
    tokens: int
    page_breaks: str = ""  # "offset:page;..." where text from a later page starts
    section_path: str = ""  # the headings from the chapter down to `section`, joined by SECTION_PATH_SEPARATOR
    ocr: bool = False  # some of its text was read from a scanned page by OCR
    # A passage joined from consecutive chunks (never stored): where each later chunk's text
    # starts, with that chunk's section and section path.
    joined_sections: tuple[tuple[int, str, str], ...] = ()

    def metadata(self) -> dict[str, Any]:
        """Flat metadata for the vector store (no None values)."""
        data = asdict(self)
        data.pop("id")
        data.pop("text")
        data.pop("joined_sections")
        data["year"] = self.year or 0
        return data

    def page_at(self, offset: int) -> int:
        """The physical page of the character at `offset` in `text`."""
        page = self.page
        for item in filter(None, self.page_breaks.split(";")):
            start, number = item.split(":")
            if int(start) > offset:
                break
            page = int(number)
        return page

    def section_at(self, offset: int) -> tuple[str, str]:
        """The section and section path of the character at `offset` (a joined passage may span two)."""
        section, path = self.section, self.section_path
        for start, later_section, later_path in self.joined_sections:
            if start > offset:
                break
            section, path = later_section, later_path
        return section, path

    @classmethod
    def from_record(cls, chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
        fields = {name: metadata.get(name) for name in cls.__dataclass_fields__
                  if name not in ("id", "text", "joined_sections")}
        fields["year"] = fields["year"] or None
        fields["section"] = fields["section"] or ""
        fields["publisher"] = fields["publisher"] or ""
        fields["page_breaks"] = fields["page_breaks"] or ""
        fields["section_path"] = fields["section_path"] or ""
        fields["ocr"] = bool(fields["ocr"])
        return cls(id=chunk_id, text=text, **fields)  # type: ignore[arg-type]

    @property
    def pages_label(self) -> str:
        return f"S. {self.page}" if self.page == self.page_end else f"S. {self.page}–{self.page_end}"


@dataclass(frozen=True)
class DocumentRecord:
    """One manifest entry: the version of a document that readers may trust."""

    file: str
    version: str
    title: str
    publisher: str
    year: int | None
    pages: int
    chunks: int
    ingested_at: str
    ocr_pages: int = 0  # pages read by OCR (scans)

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        data["year"] = self.year or 0
        return data

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> DocumentRecord:
        return cls(
            file=str(metadata["file"]),
            version=str(metadata["version"]),
            title=str(metadata.get("title") or metadata["file"]),
            publisher=str(metadata.get("publisher") or ""),
            year=int(metadata["year"]) if metadata.get("year") else None,
            pages=int(metadata.get("pages") or 0),
            chunks=int(metadata.get("chunks") or 0),
            ingested_at=str(metadata.get("ingested_at") or ""),
            ocr_pages=int(metadata.get("ocr_pages") or 0),
        )


# What a PDF becomes depends on the bytes and on how they are processed. Bump this when a
# change to reading, cleaning or chunking changes the chunks: every stored document then
# counts as changed and the next ingest re-processes it under the usual write protocol.
PROCESSING_REVISION = 4


def document_version(sha256: str) -> str:
    """The version readers trust: the file's sha256 as processed by this revision ("r3-3fa4…")."""
    return f"r{PROCESSING_REVISION}-{sha256}"


def is_current_version(version: str) -> bool:
    """Was this stored version made by the current processing revision?"""
    return version.startswith(f"r{PROCESSING_REVISION}-")


def chunk_id(document: str, version: str, position: int) -> str:
    """Ids carry the version, so old and new chunks of a document never collide."""
    return f"{document}@{version[:20]}#{position}"


def file_sha256(path: Path) -> str:
    """The document version: the sha256 of its bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
