"""Turn extracted PDF page texts into clean blocks (headings, paragraphs, list items, captions).

Every rule is learned from the document's own pages rather than written for one file
(`ingest.profile`). Each page then loses what is not running text (`ingest.noise`), gives up
its footnotes (`ingest.footnotes`), and is sorted into blocks (`ingest.blocks`), knowing how
the pages around it end and begin; blocks that run on over a page break are joined and keep
where each later page starts (`ingest.joining`). Last, the document's headings are settled
into an outline (`ingest.sections`).
"""

from __future__ import annotations

from ingest.blocks import PageEdges, sort_into_blocks
from ingest.footnotes import split_footnotes, strip_footnote_markers
from ingest.joining import join_across_pages, join_lines
from ingest.lexicon import CREDIT_LINE, FIGURE_CAPTION
from ingest.lines import split_lines, tidy
from ingest.models import Block, BlockKind
from ingest.noise import drop_duplicate_urls, drop_page_furniture, is_chart_residue
from ingest.profile import DocumentProfile, learn_profile
from ingest.sections import settle_sections

# Block, BlockKind, DocumentProfile and join_lines are re-exported: callers import them here.
__all__ = ["Block", "BlockKind", "DocumentProfile", "clean_document", "join_lines"]


def clean_document(page_texts: list[str]) -> list[Block]:
    """The blocks of one document: its pages cleaned, joined where text runs on, outlined."""
    pages = [split_lines(text) for text in page_texts]
    profile = learn_profile(pages)
    running = [_running_lines(lines, profile) for lines in pages]
    blocks: list[Block] = []
    for number, (lines, footnotes) in enumerate(running, start=1):
        edges = _edges(blocks, _first_running_line(running[number:]))
        page_blocks = sort_into_blocks(lines, number, profile, edges)
        page_blocks.extend(Block("footnote", text, number, number) for text in footnotes)
        for block in page_blocks:
            block.text = tidy(strip_footnote_markers(block.text, profile))
        join_across_pages(blocks, page_blocks, profile)
    return settle_sections([block for block in blocks if block.text.strip()])


def _running_lines(lines: list[str], profile: DocumentProfile) -> tuple[list[str], list[str]]:
    """A page's running-text lines and, apart, its footnotes."""
    lines = drop_page_furniture(lines, profile)
    lines, footnotes = split_footnotes(lines, profile)
    lines = drop_duplicate_urls(lines)
    return [line for line in lines if not is_chart_residue(line)], footnotes


def _first_running_line(pages: list[tuple[list[str], list[str]]]) -> str:
    """The first line of running text on the pages that follow (credits and captions aside)."""
    return next((line for lines, _ in pages for line in lines
                 if not CREDIT_LINE.match(line) and not FIGURE_CAPTION.match(line)), "")


def _edges(blocks: list[Block], next_line: str) -> PageEdges:
    """How the running text so far ends (captions and footnotes aside), and what comes next."""
    last = next((block for block in reversed(blocks) if block.kind not in ("caption", "footnote")), None)
    if last is None:
        return PageEdges(next_line=next_line)
    text = last.text + "." if last.kind == "heading" else last.text  # a heading ends like a sentence
    return PageEdges(text, last.kind == "item", next_line)
