"""The shape of a single text line: what it starts with, how it ends, how it compares.

Shared by the cleaning steps (profile, noise, footnotes, blocks, joining); nothing here
depends on the document, so each rule reads the same on every page.
"""

from __future__ import annotations

import re

from ingest.lexicon import DANGLING_WORDS

WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+(?:-[A-Za-zÄÖÜäöüß]+)*")
# A bullet glyph opening a raw PDF line, with the spaces after it (often none); cleaning
# replaces it by "• ". A dash counts only before a space ("- Punkt", not "-5 %").
BULLET = re.compile(r"^(?:[•▪●◦‣■□➢►✓\uf0b7]|[-–](?=\s))\s*")
# A list item in cleaned text: a bullet or an enumeration ("1.", "2)", "a)"), then a space.
# Kept apart from BULLET on purpose: it also covers enumerations, requires the space and
# knows fewer glyphs (cleaning has already turned the others into "• "); merging the two
# would change which sentences the extractive answerer takes for list items.
LIST_ITEM_START = re.compile(r"^(?:[•▪●◦‣■\-–]|\d{1,2}[.)]|[a-z]\))\s")
# An enumerated line: "1." "2)" "a)" "(3)" "iv." or a lettered criterion ("K 12 Weiterentwicklung").
ENUMERATION = re.compile(r"^(?:\d{1,2}[.)]|[a-z][)]|\(\d{1,2}\)|[ivx]{1,4}[.)]|[A-Z] \d{1,2}(?= [A-ZÄÖÜ]))\s+(?=\S)")
# The rest of a list item broken off by a page or column break is a short line, at most this long
# ("Aktivitäten informieren"); the answerer joins it to its item, retrieval reads a chunk ending
# in one as a list that goes on.
ITEM_REST_WORDS = 8
TIME_ROW = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:uhr|h)?\b", re.I)
URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
# A footnote's own line: its number, a space, then what a footnote text opens with.
FOOTNOTE_LINE = re.compile(r"^(\d{1,2}) (?=[A-ZÄÖÜ„(]|vgl\.|bzgl\.)")
# Any punctuation a sentence (or a list lead, or a quotation) may end with.
SENTENCE_END = re.compile(r"[.!?:;…“”\"»)]$")
# Punctuation that really finishes a sentence, perhaps inside closing quotes or brackets.
FINAL_STOP = re.compile(r"[.!?…]$|[.!?][“”\"»)]$")


# "Kicker: ...": one to three words and a colon opening a line ("Projekttitel: ...").
# A kicker used this often in a document labels fields of entries; it titles nothing.
LABEL_REPEATS = 3
KICKER = re.compile(r"^([A-ZÄÖÜ][\wäöüß-]*(?: [\wäöüß-]+){0,2}):\s")


def split_lines(text: str) -> list[str]:
    """The non-empty lines of a page text, with no-break spaces made plain and edges stripped."""
    lines = [line.replace("\u00a0", " ").strip() for line in text.splitlines()]
    return [line for line in lines if line]


def normalise_line(line: str) -> str:
    """The form under which repeated lines are compared: digits masked, case and spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line)).strip().lower()


def dangling(line: str) -> bool:
    """A line ending in an article, preposition or conjunction cannot end a sentence.

    Case is ignored: after a colon the article opens the next clause ("... sinnvoll: Der").
    """
    match = re.search(r"([A-Za-zÄÖÜäöüß]+)$", line)
    return bool(match) and match.group(1).lower() in DANGLING_WORDS


def unfinished(line: str) -> bool:
    """A heading line ending in a lower-case word ("im", "und", "für") continues on the next."""
    return bool(re.search(r"(?:^|\s)[a-zäöüß]+$", line))


def opens_lowercase(line: str) -> bool:
    """No sentence opens in lower case or with a comma: such a line goes on from the last."""
    return line[:1].islower() or line[:1] in ",;)"


def tidy(text: str) -> str:
    """One space between words and none before punctuation."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", text)
    return text


def visible_length(line: str) -> int:
    """The length of a line as set: PDF text often pads a section number with many spaces."""
    return len(re.sub(r"\s+", " ", line).strip())


def typical_width(lines: list[str]) -> float:
    """The length of a full text line on a page (most of its lines are at most this long)."""
    lengths = sorted(visible_length(line) for line in lines if visible_length(line) >= 15)
    if not lengths:
        return 60.0
    return float(lengths[int(0.8 * (len(lengths) - 1))])
