"""Take footnotes out of the running text, keep their text, and drop their markers.

Footnotes interrupt sentences (pypdf keeps content-stream order), so they become separate
blocks; which numbers are footnotes the document profile has learned beforehand.
"""

from __future__ import annotations

import re

from ingest.joining import join_lines
from ingest.lexicon import CREDIT_LINE
from ingest.lines import (
    FINAL_STOP,
    FOOTNOTE_LINE,
    dangling,
    opens_lowercase,
    typical_width,
    unfinished,
    visible_length,
)
from ingest.profile import DocumentProfile
from ingest.sentences import ends_sentence


def split_footnotes(lines: list[str], profile: DocumentProfile) -> tuple[list[str], list[str]]:
    """Take footnotes out of the running text (they interrupt sentences) but keep their text."""
    if not profile.footnote_numbers:
        return lines, []
    kept: list[str] = []
    footnotes: list[str] = []
    width = typical_width(lines)
    index = 0
    while index < len(lines):
        match = FOOTNOTE_LINE.match(lines[index])
        if match and int(match.group(1)) in profile.footnote_numbers:
            text = lines[index][match.end():].strip()
            last = lines[index]
            index += 1
            extra = 0
            while (index < len(lines) and extra < 6 and not re.search(r"[.)\]]$", last)
                   and not FOOTNOTE_LINE.match(lines[index])
                   and not _ends_short(last, lines[index], width)):
                last = lines[index]
                text = join_lines(text, last, profile)
                index += 1
                extra += 1
            body_interrupted = not kept or not FINAL_STOP.search(kept[-1])
            resumes = _body_resumes_at(lines, index - 1, profile) if body_interrupted else None
            while resumes is not None and index < resumes:
                text = join_lines(text, lines[index], profile)
                index += 1
            if not CREDIT_LINE.match(text):  # a footnote that only names a source is a credit
                footnotes.append(text)
            continue
        kept.append(lines[index])
        index += 1
    return kept, footnotes


def _ends_short(line: str, following: str, width: float) -> bool:
    """A footnote line stopping well short of the width, not broken off, is the footnote's end.

    ("20 Stand Q4/2023" between the halves of a body sentence: what follows is the body.)
    """
    return (visible_length(line) < 0.5 * width and not dangling(line) and not unfinished(line)
            and not line.endswith((",", "-")) and following[:1].isupper())


def _body_resumes_at(lines: list[str], last: int, profile: DocumentProfile,
                     reach: int = 24) -> int | None:
    """Where the body goes on after a footnote printed in the middle of it, if it is clear.

    pypdf keeps content-stream order, so a footnote can sit between two halves of a body
    sentence and run over several sentences of its own. No sentence opens in lowercase: a
    lowercase line right after a finished sentence is the interrupted body going on.
    """
    for index in range(last + 1, min(len(lines), last + 1 + reach)):
        match = FOOTNOTE_LINE.match(lines[index])
        if match and int(match.group(1)) in profile.footnote_numbers:
            return None
        if opens_lowercase(lines[index]) and ends_sentence(lines[index - 1]):
            return index
    return None


def strip_footnote_markers(text: str, profile: DocumentProfile) -> str:
    """Remove footnote numbers glued to words ("Strategie3." -> "Strategie.")."""
    if not profile.footnote_numbers:
        return text
    numbers = "|".join(str(n) for n in sorted(profile.footnote_numbers, reverse=True))
    return re.sub(rf"(?:(?<=[a-zäöüß)“”:])|(?<=[a-zäöüß][.,]))(?:{numbers})(?=[\s.,;:]|$)", "",
                  text)
