"""German-aware sentence splitting, fast enough to run on every answer.

Used twice: chunking cuts only at sentence ends, and the extractive answerer picks whole
sentences. Abbreviations ("z. B.", "u. a.", "Mio.", "Dr.") and ordinals ("25. April",
"11. Bundesländerworkshop") do not end a sentence; line breaks (list items, headings) do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.lexicon import ABBREVIATIONS, SENTENCE_STARTERS

_BOUNDARY = re.compile(r"[.!?…]+[“”\"»)\]]*(?=\s+[\"„“»(\[•–\-A-ZÄÖÜ0-9])")
_LAST_TOKEN = re.compile(r"(\S+)$")


@dataclass(frozen=True)
class Span:
    """A sentence and where it sits in the text it was cut from."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order."""
    return [span.text for span in sentence_spans(text)]


def sentence_spans(text: str) -> list[Span]:
    """Sentences with their character offsets; line breaks always end a sentence."""
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        for start, end in _line_spans(line):
            piece = line[start:end]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append(Span(offset + start + lead, offset + start + lead + len(stripped), stripped))
        offset += len(line) + 1
    return spans


def _line_spans(line: str) -> list[tuple[int, int]]:
    cuts: list[int] = []
    for match in _BOUNDARY.finditer(line):
        end = match.end()
        if _is_sentence_end(line, match.start(), end):
            cuts.append(end)
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in cuts:
        spans.append((start, cut))
        start = cut
    spans.append((start, len(line)))
    return spans


def ends_sentence(line: str) -> bool:
    """Does the line end a sentence ("erhoben." yes, "bzw." and "z. B." no)?"""
    line = line.rstrip()
    if not line or line[-1] not in ".!?…":
        return False
    return _is_sentence_end(line, len(line) - 1, len(line))


def _is_sentence_end(line: str, dot: int, end: int) -> bool:
    if line[dot] != ".":
        return True  # "!", "?" and "…" always end a sentence
    token_match = _LAST_TOKEN.search(line[:dot])
    if not token_match:
        return False
    token = token_match.group(1).lstrip("(„\"")
    bare = token.lower().rstrip(".")
    if bare in ABBREVIATIONS or re.fullmatch(r"[a-zäöüß](\.[a-zäöüß])*", bare, re.I):
        return False  # "z. B.", "u. a.", initials, "Mio."
    if re.fullmatch(r"\d{1,2}", bare):
        following = line[end:].split(maxsplit=1)
        next_word = following[0].lower().strip("„\"") if following else ""
        return next_word in SENTENCE_STARTERS  # "25. April" vs "Staffel 3. Die ..."
    return True
