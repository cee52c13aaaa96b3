"""Sort a page's running-text lines into headings, paragraphs, list items and captions.

pypdf gives lines, not paragraphs: a block ends where a line stops short of the page's
typical width after a sentence end, a heading starts where `ingest.headings` recognises one,
a bullet or enumeration opens an item, a list lead ("... bedeutet das:") and a field line
("Projekttitel: ...") open blocks of their own, photo credits are dropped and figure captions
kept apart, so that none of them is glued into a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.headings import LineContext, heading_end
from ingest.joining import join_lines
from ingest.lexicon import CREDIT_LINE, FIGURE_CAPTION, INLINE_CREDIT
from ingest.lines import (
    BULLET,
    ENUMERATION,
    FINAL_STOP,
    KICKER,
    SENTENCE_END,
    TIME_ROW,
    URL_ONLY,
    dangling,
    tidy,
    typical_width,
    unfinished,
    visible_length,
)
from ingest.models import Block
from ingest.profile import DocumentProfile


@dataclass(frozen=True)
class PageEdges:
    """The running text around a page: how the previous page ended and the next one begins.

    A heading decision at the top or bottom of a page needs them: "Leben zu füllen" opening a
    page goes on with the item that broke off at "... um Kooperationen mit".
    """

    last_line: str = ""
    last_was_item: bool = False
    next_line: str = ""


def sort_into_blocks(lines: list[str], page: int, profile: DocumentProfile,
                     edges: PageEdges | None = None) -> list[Block]:
    """The blocks of one page's running-text lines, in reading order."""
    edges = edges or PageEdges()
    width = typical_width(lines)
    blocks: list[Block] = []
    current: Block | None = None
    previous_line, after_item, after_credit = edges.last_line, edges.last_was_item, False
    index = 0
    while index < len(lines):
        line = lines[index]
        if CREDIT_LINE.match(line):
            index = _skip_credit(lines, index, width)
            current, previous_line, after_item, after_credit = None, "", False, True
            continue
        caption = _caption_text(line)
        if caption is not None:
            index = _extend_caption(lines, index, caption, width, blocks, page, profile)
            current, previous_line, after_item, after_credit = None, "", False, False
            continue
        if current is not None:
            after_item = current.kind == "item"
        context = LineContext(previous_line, width, after_item, after_credit, edges.next_line,
                              profile.phrases, profile.labels)
        end = heading_end(lines, index, context)
        after_credit = False
        if end is not None:
            text = _join_heading(lines[index:end], profile)
            blocks.append(Block("heading", tidy(text), page, page))
            current, previous_line, after_item = None, lines[end - 1] + ".", False
            index = end
            continue

        starts_item = bool(BULLET.match(line) or ENUMERATION.match(line) or TIME_ROW.match(line)
                           or URL_ONLY.match(line))
        if starts_item and line[:1] in "-–" and previous_line and not (
                FINAL_STOP.search(previous_line) or previous_line.endswith(":")):
            starts_item = False  # a dash that continues the sentence, not a bullet
        if starts_item:
            current = Block("item", BULLET.sub("• ", line, count=1), page, page)
            blocks.append(current)
        elif (current is not None and _continues(current, previous_line, line, width)
              and not _leads_list(lines, index, previous_line)
              and not _is_label_line(line, profile)):
            current.text = join_lines(current.text, line, profile)
        else:
            current = Block("paragraph", line, page, page)
            blocks.append(current)
        previous_line = line
        index += 1
    return blocks


def _join_heading(lines: list[str], profile: DocumentProfile) -> str:
    """A wrapped heading as one line, its line-break hyphens and broken compounds closed."""
    text = ""
    for line in lines:
        text = join_lines(text, re.sub(r"\s+", " ", line).strip(), profile)
    return text


def _is_label_line(line: str, profile: DocumentProfile) -> bool:
    """A line opening with a field label ("Projekttitel: ...", "Herausforderung: ...") opens a block."""
    kicker = KICKER.match(line)
    return bool(kicker) and kicker.group(1) in profile.labels


def _leads_list(lines: list[str], index: int, previous_line: str) -> bool:
    """A sentence ending in a colon right above list items leads them: a block of its own.

    ("Für Verantwortliche bedeutet das:"); the chunker keeps it with its items.
    """
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return (lines[index].endswith(":") and bool(FINAL_STOP.search(previous_line))
            and bool(BULLET.match(following) or ENUMERATION.match(following)))


def _continues(block: Block, previous_line: str, line: str, width: float) -> bool:
    """Does `line` continue `block`, or does a new paragraph start here?"""
    if not previous_line:
        return False
    if previous_line.endswith("-") or line[:1].islower() or line[:1] in ",;)":
        return True
    if dangling(previous_line):
        return True
    if block.kind == "item":
        if URL_ONLY.match(block.text) and " " in line.strip():
            return False  # a link stands alone; URLs wrapped over lines are joined before
        # An item goes on after a full line, even one ending in a colon ("... Kommunen:").
        return len(previous_line) >= 0.7 * width and not SENTENCE_END.search(previous_line.rstrip(":"))
    ends_sentence = bool(SENTENCE_END.search(previous_line))
    return not (ends_sentence and len(previous_line) < 0.85 * width)


def _skip_credit(lines: list[str], index: int, width: float) -> int:
    """Skip a photo/figure credit and the lines it wraps onto; return the next index.

    A credit wraps only when it visibly breaks off (a hyphen, comma or dangling word at the
    end) or the next line goes on in lower case; a short credit like "Quelle: Stadt X" does not.
    """
    text = lines[index]
    index += 1
    extra = 0
    while (index < len(lines) and extra < 3 and not CREDIT_LINE.match(lines[index])
           and (text.endswith(("-", ",")) or dangling(text) or lines[index][:1].islower()
                or lines[index][:1] == "(")):
        text = lines[index]
        index += 1
        extra += 1
    return index


def _extend_caption(lines: list[str], index: int, caption: str, width: float,
                    blocks: list[Block], page: int, profile: DocumentProfile) -> int:
    """Add a caption block, taking in its wrapped second line; return the next index."""
    raw = lines[index]
    index += 1
    wraps = caption.endswith("-") or (unfinished(caption) and index < len(lines) and (
        len(lines[index]) < 0.5 * width or bool(INLINE_CREDIT.search(lines[index]))))
    if wraps and index < len(lines) and not CREDIT_LINE.match(lines[index]):
        raw = lines[index]
        caption = join_lines(caption, _caption_text(raw) or raw, profile)
        index += 1
    if INLINE_CREDIT.search(raw) and index < len(lines) and _credit_wraps(raw, lines[index], width):
        index += 1  # the credit itself wrapped onto the next line
    blocks.append(Block("caption", caption, page, page))
    return index


def _credit_wraps(line: str, following: str, width: float) -> bool:
    """Does the credit at the end of `line` go on in `following` ("... - Kira" / "Kutscher")?

    It does after a line-break hyphen, or when the line ran to the full width and the next
    line is a short name-like fragment.
    """
    if line.endswith("-"):
        return True
    return (visible_length(line) >= 0.85 * width and len(following.split()) <= 5
            and not FINAL_STOP.search(following) and not CREDIT_LINE.match(following)
            and not BULLET.match(following) and following[:1].isupper())


def _caption_text(line: str) -> str | None:
    """Figure/table captions and photo captions ("...  |" followed by a credit line)."""
    if FIGURE_CAPTION.match(line):
        return INLINE_CREDIT.sub("", line).strip()
    if INLINE_CREDIT.search(line):
        return INLINE_CREDIT.sub("", line).strip()
    if line.endswith("|"):
        return line.rstrip("| ").strip()
    return None
