"""Settle a document's outline: which heading blocks head sections, where, and at which level.

A page alone cannot tell a heading from a heading-shaped line; the document can. Lines
labelling an entry ("Projekttitel: ...", "Große Großstadt • Berlin") repeat in its form,
a list lead ("Zentrale Ziele des Programms") stands right above list items, table cells and
name lists come as runs of one-line "headings". Those become paragraphs again.

The rest get levels: "3" / "3.3" / "3.3.1" are levels 1/2/3 when the numbers run in
sequence ("61 Kommunen legen ..." after chapter 3 is a sentence, not section 61); an
unnumbered heading sits one level below the last numbered one, and one more where the
document groups its entries under that heading (a heading right above another, "Großstädte"
/ "Berlin", more than once). Front and back matter ("Anhang", "Literatur") are chapters. A
title repeated as on a cover heads nothing.

Some layouts emit a chapter title after the text it heads (in this corpus "1 Digitalisierung
..." comes after sections 1.1 and 1.2, a summary's title after the summary): such a title
moves to where its chapter starts, and takes that page, so that the sections nest under it.
"""

from __future__ import annotations

from collections import Counter

from ingest.headings import numbering
from ingest.lexicon import MATTER_HEADINGS
from ingest.lines import FINAL_STOP, KICKER, LABEL_REPEATS
from ingest.models import Block

_RUN = 3  # this many one-line headings in a row are a list or table, not an outline


def settle_sections(blocks: list[Block]) -> list[Block]:
    """The blocks with false headings turned into paragraphs and every heading given a level."""
    _demote_labels(blocks)
    _demote_runs(blocks)
    _demote_repeated_titles(blocks)
    _demote_list_leads(blocks)
    numbers = _valid_numbers(blocks)
    blocks = _place_late_titles(blocks, numbers)
    _assign_levels(blocks, numbers)
    return blocks


def _demote(block: Block) -> None:
    block.kind = "paragraph"
    block.level = 0


def _demote_labels(blocks: list[Block]) -> None:
    """Field labels of repeated entries ("Projekttitel: ...", "Kleinere Großstadt • Hessen")."""
    kickers = Counter(match.group(1) for block in blocks if block.kind in ("heading", "paragraph")
                      for match in [KICKER.match(block.text)] if match)
    for block in blocks:
        if block.kind != "heading" or numbering(block.text):
            continue
        match = KICKER.match(block.text)
        if _is_label(block) or (match and kickers[match.group(1)] >= LABEL_REPEATS):
            _demote(block)


def _demote_list_leads(blocks: list[Block]) -> None:
    """A heading right above list items leads the list; it stays with its items.

    Unless the list ends at the next heading: then it titles a group of the outline
    ("Netzwerkstadt: Einbezug der Akteure" over criteria K 6 to K 8, "Stadtnetzwerk: ..." next).
    """
    for index, block in enumerate(blocks[:-1]):
        if block.kind != "heading" or blocks[index + 1].kind != "item" or numbering(block.text):
            continue
        after = next((b for b in blocks[index + 1:] if b.kind not in ("item", "caption", "footnote")), None)
        if after is None or after.kind != "heading":
            _demote(block)


def _demote_runs(blocks: list[Block]) -> None:
    """Runs of unnumbered headings with nothing between them are lists, tables or figures.

    A run that ends above an entry's label line ("Gemeinde Barleben" / "Kleine Kleinstadt •
    Sachsen-Anhalt") ends in real headings: the entry's and its group's.
    """
    run: list[Block] = []
    for block in [*blocks, Block("paragraph", "", 0, 0)]:
        if block.kind == "heading" and not numbering(block.text):
            run.append(block)
            continue
        if block.kind in ("caption", "footnote") and run:
            continue
        if len(run) >= _RUN:
            keep = 2 if _is_label(block) else 1 if _running_text(block) and not _parallel(run) else 0
            for heading in run[:len(run) - keep]:
                _demote(heading)
        run = []


def _parallel(run: list[Block]) -> bool:
    """"Staffel 1" / "Staffel 2" / "Staffel 3": the labels of a chart, down to the last."""
    return len({heading.text.split()[0] for heading in run if heading.text.split()}) < len(run)


def _running_text(block: Block) -> bool:
    """A paragraph of sentences (not a table row or a figure's label)."""
    return block.kind == "paragraph" and len(block.text) >= 80 and bool(FINAL_STOP.search(block.text))


def _demote_repeated_titles(blocks: list[Block]) -> None:
    """A heading repeating an earlier line is the document's title set again, as on a cover.

    It heads no section, and neither does a heading among the title lines set with it (the
    blocks up to the next sentence: "Bericht zur ...", "14. Juni 2022, Berlin", "Ergebnis-
    dokumentation").
    """
    seen: set[str] = set()
    cover = False
    for block in blocks:
        key = block.text.casefold()
        if block.kind == "heading" and (key in seen or cover):
            _demote(block)
            cover = True
        elif cover and FINAL_STOP.search(block.text):
            cover = False
        seen.add(key)


def _is_label(block: Block | None) -> bool:
    """"Große Großstadt • Berlin": an entry's fields set apart by a mid-line bullet."""
    return block is not None and " • " in block.text


def _valid_numbers(blocks: list[Block]) -> dict[int, tuple[int, ...]]:
    """The section numbers (by block id) that run in sequence; the others are not numbers."""
    numbers: dict[int, tuple[int, ...]] = {}
    chapter = 0
    opened: set[int] = set()  # chapters whose sections came first (their title comes late)
    for block in blocks:
        number = numbering(block.text) if block.kind == "heading" else None
        if number is None:
            continue
        first = chapter == 0 and number[0] <= 9  # an excerpt may open with any chapter
        if len(number) == 1:
            if number[0] != chapter + 1 and number[0] not in opened and not first:
                continue
        elif (number[0] not in (chapter, chapter + 1) and not first) or any(part > 30 for part in number):
            continue
        else:
            opened.add(number[0])
        numbers[id(block)] = number
        chapter = max(chapter, number[0])
    return numbers


def _place_late_titles(blocks: list[Block], numbers: dict[int, tuple[int, ...]]) -> list[Block]:
    """Move titles emitted after the text they head to where that text starts."""
    blocks = list(blocks)
    for block in [b for b in blocks if len(numbers.get(id(b), ())) == 1]:
        index = blocks.index(block)
        first = next((other for other in blocks[:index] if other.kind == "heading"
                      and numbers.get(id(other), ())[:1] == numbers[id(block)]), None)
        if first is not None:  # its sections came first: it heads them from their page on
            _move(blocks, block, _page_start(blocks, first.page))
        elif any(other.kind == "heading" for other in blocks[_page_start(blocks, block.page):index]):
            _move(blocks, block, _page_start(blocks, block.page))  # the page's subheadings are its
    for block in [b for b in blocks if b.kind == "heading" and id(b) not in numbers]:
        if _titles_its_page(blocks, blocks.index(block)):
            _move(blocks, block, _page_start(blocks, block.page))
    return blocks


def _titles_its_page(blocks: list[Block], index: int) -> bool:
    """An unnumbered heading closing a page that has no other heading, a heading next.

    Nothing follows it on its page and the next page opens another section: it can only
    title the text above it.
    """
    heading = blocks[index]
    after = [block for block in blocks[index + 1:] if block.kind not in ("caption", "footnote")]
    start = _page_start(blocks, heading.page)
    return (bool(after) and after[0].kind == "heading" and after[0].page > heading.page
            and not any(block.kind == "heading" for block in blocks[start:index]))


def _page_start(blocks: list[Block], page: int) -> int:
    """The index of the first block that starts on `page`."""
    return next((index for index, block in enumerate(blocks) if block.page >= page), len(blocks))


def _move(blocks: list[Block], block: Block, target: int) -> None:
    """Put `block` before `blocks[target]`, on that block's page."""
    source = blocks.index(block)
    if target >= source:
        return
    blocks.pop(source)
    block.page = block.page_end = blocks[target].page
    blocks.insert(target, block)


def _assign_levels(blocks: list[Block], numbers: dict[int, tuple[int, ...]]) -> None:
    """Numbered headings by their number; the others below the last numbered one (see module)."""
    after = _following_blocks(blocks)
    headings = [block for block in blocks if block.kind == "heading"]
    base, index = 0, 0
    while index < len(headings):
        if _opens_part(headings[index], numbers):
            opener = headings[index]
            opener.level = base = len(numbers[id(opener)]) if id(opener) in numbers else 1
            index += 1
        end = next((other for other in range(index, len(headings))
                    if _opens_part(headings[other], numbers)), len(headings))
        _level_part(headings[index:end], base, after, numbers)
        index = end


def _level_part(part: list[Block], base: int, after: dict[int, Block | None],
                numbers: dict[int, tuple[int, ...]]) -> None:
    """Levels for the unnumbered headings below one numbered heading (at level `base`).

    They sit one level below it, unless the part groups entries: a heading stacked right
    above another one more than once ("Mittelstädte" / "Bamberg") makes groups at `base + 1`
    with their entries below; when entries show by a label line ("Große Großstadt • Berlin"),
    a heading without one heads a part of the entry above it.
    """
    stacked = {id(heading) for heading in part if _unnumbered_heading(after[id(heading)], numbers)}
    grouping = len(stacked) >= 2
    labelled = grouping and any(_is_label(after[id(heading)]) for heading in part)
    in_group = False
    for heading in part:
        if grouping and id(heading) in stacked:
            heading.level, in_group = base + 1, True
        elif in_group and labelled and not _is_label(after[id(heading)]):
            heading.level = base + 3
        else:
            heading.level = base + (2 if in_group else 1)


def _opens_part(block: Block, numbers: dict[int, tuple[int, ...]]) -> bool:
    return id(block) in numbers or block.text.lower().rstrip(":") in MATTER_HEADINGS


def _unnumbered_heading(block: Block | None, numbers: dict[int, tuple[int, ...]]) -> bool:
    return block is not None and block.kind == "heading" and id(block) not in numbers


def _following_blocks(blocks: list[Block]) -> dict[int, Block | None]:
    """For each block (by id), the next block that is not a caption or a footnote."""
    following: dict[int, Block | None] = {}
    upcoming: Block | None = None
    for block in reversed(blocks):
        following[id(block)] = upcoming
        if block.kind not in ("caption", "footnote"):
            upcoming = block
    return following
