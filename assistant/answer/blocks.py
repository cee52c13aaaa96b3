"""List blocks in a passage: a lead ("Für Verantwortliche bedeutet ...:") and its items.

The reports give their answers to list and how-to questions as blocks like this, and an
answer that quotes the lead and stops, or picks three items out of six, does not answer the
question. So the extractive answerer looks for whole blocks first. A block is found in the
chunk text: items are lines that start with a bullet (the cleaner normalises bullets to
"• ") or runs of lines numbered 1., 2., 3. (a lone "11. Bundesländerworkshop" is an ordinal,
not an item); the lead is the last sentence before the first item when it ends with a colon
(a chunk starts with its section heading, so a heading like "Für Verantwortliche bedeutet
...:" is found the same way).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lines import BULLET, ENUMERATION, ITEM_REST_WORDS
from ingest.sentences import Span, sentence_spans

_MIN_ITEMS = 2
_MAX_RUN_ON_LEAD_WORDS = 12
_NUMBER = re.compile(r"^\(?(\d{1,2})[.)]")


@dataclass(frozen=True)
class ListBlock:
    """A lead (may be empty) and its items, as spans of the chunk text."""

    lead: Span | None
    items: tuple[Span, ...]

    @property
    def start(self) -> int:
        return self.lead.start if self.lead is not None else self.items[0].start


def list_blocks(text: str) -> list[ListBlock]:
    """The list blocks of `text` (at least two items each), in text order."""
    lines = _joined_continuations(_lines(text))
    items = _item_lines(lines)
    blocks: list[ListBlock] = []
    index = 0
    while index < len(lines):
        if index not in items:
            index += 1
            continue
        first = index
        while index < len(lines) and index in items:
            index += 1
        run = tuple(lines[first:index])
        if len(run) < _MIN_ITEMS:
            continue
        blocks.append(ListBlock(_lead(lines, first), run))
    return blocks


def item_text(item: str) -> str:
    """An item without its bullet or number ("• Zeitplan entwickeln: ..." -> "Zeitplan entwickeln: ...")."""
    return ENUMERATION.sub("", BULLET.sub("", item, count=1), count=1).strip()


def is_bullet_item(line: str) -> bool:
    """A line that starts with a bullet glyph (numbers alone may be ordinals: "11. Workshop")."""
    return bool(BULLET.match(line))


def _item_lines(lines: list[Span]) -> set[int]:
    """Indexes of item lines: bulleted lines, and runs of lines numbered 1., 2., 3. ..."""
    items = {index for index, line in enumerate(lines) if is_bullet_item(line.text)}
    index = 0
    while index < len(lines):
        run = [index]
        expected = _number(lines[index].text)
        while expected is not None and run[-1] + 1 < len(lines) and _number(lines[run[-1] + 1].text) == expected + 1:
            expected += 1
            run.append(run[-1] + 1)
        if len(run) >= _MIN_ITEMS and _number(lines[run[0]].text) in (1, 2):
            items.update(run)
        index = run[-1] + 1
    return items


def _joined_continuations(lines: list[Span]) -> list[Span]:
    """An item broken over two lines (a page or column break: "• Informationsangebote ...: über
    Smart-City- und Smart-Region" / "Aktivitäten informieren") is one item again: a short line
    between two items continues the first when it does not end its sentence."""
    joined: list[Span] = []
    for index, line in enumerate(lines):
        previous = joined[-1] if joined else None
        following = lines[index + 1] if index + 1 < len(lines) else None
        if (previous is not None and is_bullet_item(previous.text) and not is_bullet_item(line.text)
                and following is not None and is_bullet_item(following.text)
                and not previous.text.endswith((".", "!", "?", ":", ";")) and not line.text.endswith(":")
                and len(line.text.split()) <= ITEM_REST_WORDS):
            joined[-1] = Span(previous.start, line.end, f"{previous.text} {line.text}")
            continue
        joined.append(line)
    return joined


def _number(line: str) -> int | None:
    match = _NUMBER.match(line)
    return int(match.group(1)) if match and ENUMERATION.match(line) else None


def _lead(lines: list[Span], first_item: int) -> Span | None:
    """The sentence before the first item when it ends with a colon (the list's lead), or when
    it runs on into the items ("Wir wollen" / "1. smarte Stadtplätze gestalten, ...")."""
    if first_item == 0:
        return None
    previous = lines[first_item - 1]
    sentences = sentence_spans(previous.text)
    last = sentences[-1] if sentences else None
    runs_on = (last is not None and not last.text.endswith((".", "!", "?", "“", "\"", ")"))
               and len(last.text.split()) <= _MAX_RUN_ON_LEAD_WORDS and last.text[:1].isupper())
    if last is None or not (last.text.endswith(":") or runs_on):
        return None
    return Span(previous.start + last.start, previous.start + last.end, last.text)


def _lines(text: str) -> list[Span]:
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = offset + (len(line) - len(line.lstrip()))
            spans.append(Span(start, start + len(stripped), stripped))
        offset += len(line) + 1
    return spans
