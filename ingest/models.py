"""The chunk: the unit everything downstream stores, searches, merges and cites.

Kept apart from the chunker so that readers (search, answers) need not import the splitter.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


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

    def metadata(self) -> dict[str, Any]:
        """Flat metadata for the vector store (no None values)."""
        data = asdict(self)
        data.pop("id")
        data.pop("text")
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

    @classmethod
    def from_record(cls, chunk_id: str, text: str, metadata: dict[str, Any]) -> Chunk:
        fields = {name: metadata.get(name) for name in cls.__dataclass_fields__ if name not in ("id", "text")}
        fields["year"] = fields["year"] or None
        fields["section"] = fields["section"] or ""
        fields["publisher"] = fields["publisher"] or ""
        fields["page_breaks"] = fields["page_breaks"] or ""
        return cls(id=chunk_id, text=text, **fields)  # type: ignore[arg-type]

    @property
    def pages_label(self) -> str:
        return f"S. {self.page}" if self.page == self.page_end else f"S. {self.page}–{self.page_end}"


# What a PDF becomes depends on the bytes and on how they are processed. Bump this when a
# change to reading, cleaning or chunking changes the chunks: every stored document then
# counts as changed and the next ingest re-processes it under the usual write protocol.
PROCESSING_REVISION = 2


def document_version(sha256: str) -> str:
    """The version readers trust: the file's sha256 as processed by this revision ("r2-3fa4…")."""
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
