"""Join text the layout broke apart: words over line breaks, sentences over page breaks.

A line-break hyphen is undone unless the document writes the word with a hyphen elsewhere
(„Start-ups“) or the hyphen elides a compound part („Bau- und Verkehrsplanung“); a compound
broken without a hyphen („Stadt“/„entwicklung“) is closed when the document knows it whole.
"""

from __future__ import annotations

import re

from ingest.lexicon import CONJUNCTIONS, PREPOSITIONS
from ingest.lines import FINAL_STOP, SENTENCE_END, dangling, opens_lowercase, tidy
from ingest.models import Block
from ingest.profile import DocumentProfile


def join_lines(left: str, right: str, profile: DocumentProfile) -> str:
    """Join two lines of one paragraph, undoing line-break hyphenation where the text says so."""
    if not left:
        return right
    if not right:
        return left
    vocabulary = profile.vocabulary
    first = right.split(maxsplit=1)[0]
    head_match = re.search(r"([A-Za-zÄÖÜäöüß]+(?:-[A-Za-zÄÖÜäöüß]+)*)-$", left)
    if head_match:
        first_word = re.match(r"[A-Za-zÄÖÜäöüß]+", first)
        if first.rstrip(".,;:").lower() in CONJUNCTIONS:
            return f"{left} {right}"  # "Bau- und Verkehrsplanung"
        if not first_word or not first[:1].islower():
            return left + right  # "Smart-City-" + "Strategie", "Ex-Post-" + "Evaluation"
        last_part = head_match.group(1).split("-")[-1]
        tail = first_word.group(0)
        hyphenated = f"{last_part}-{tail}".lower()
        closed = f"{last_part}{tail}".lower()
        if vocabulary[hyphenated] > vocabulary[closed]:
            return left + right  # "Start-" + "ups"
        if (not vocabulary[closed] and tail in PREPOSITIONS
                and profile.lowercase_words[tail] >= 3 and len(last_part) >= 4):
            return f"{left} {right}"  # "Informations- durch Bildungsangebote"
        return left[:-1] + right
    last_word = re.search(r"([A-Za-zÄÖÜäöüß]+)$", left)
    first_word = re.match(r"([a-zäöüß]+)", right)
    if last_word and first_word and len(last_word.group(1)) >= 3:
        closed = (last_word.group(1) + first_word.group(1)).lower()
        # "Stadt" + "entwicklung": the layout broke a compound without a hyphen.
        if (vocabulary[closed] >= 2
                and profile.lowercase_words[first_word.group(1)] < vocabulary[closed]):
            return left + right
    return f"{left} {right}"


def join_across_pages(blocks: list[Block], page_blocks: list[Block],
                      profile: DocumentProfile) -> None:
    """Append a page's blocks, continuing the last paragraph when the sentence runs on."""
    if blocks and page_blocks:
        last = next((b for b in reversed(blocks) if b.kind != "caption"), None)
        first = next((b for b in page_blocks if b.kind != "caption"), None)
        if (last is not None and first is not None and last.kind in ("paragraph", "item")
                and first.kind == "paragraph" and _runs_on(last, first.text)):
            continue_block(last, first, profile)
            page_blocks = [b for b in page_blocks if b is not first]
    blocks.extend(page_blocks)


def continue_block(block: Block, continuation: Block, profile: DocumentProfile) -> None:
    """Append `continuation` (from a later page) to `block`, remembering where its page starts.

    Joining may drop a line-break hyphen or add a space, and tidying may drop a space before
    punctuation, but it never changes the continuation's own (already tidy) text: so it is
    the joined text's tail, and its page starts where that tail does.
    """
    joined = tidy(join_lines(block.text, continuation.text, profile))
    if continuation.text:
        if joined.endswith(continuation.text):
            start = len(joined) - len(continuation.text)
        else:  # not expected: keep the break at the join
            start = min(len(block.text), len(joined) - 1)
        shifted = tuple((start + offset, page) for offset, page in continuation.page_breaks)
        block.page_breaks = (*block.page_breaks, (start, continuation.page), *shifted)
    block.text = joined
    block.page_end = continuation.page_end


def _runs_on(last: Block, right: str) -> bool:
    """Does the page's first paragraph continue the previous page's last block?"""
    left = last.text
    if left.endswith("-") or (not FINAL_STOP.search(left) and opens_lowercase(right)):
        return True
    if dangling(left) or left.endswith(",") or re.search(r"\s[a-zäöüß]+$", left):
        return last.kind == "paragraph" or dangling(left)
    # A paragraph that stops without any punctuation was cut by the page break.
    return last.kind == "paragraph" and not SENTENCE_END.search(left) and not right[:1].isupper()
