"""Recognise a heading among a page's lines: where it starts, how far it wraps.

pypdf gives neither font sizes nor spacing here (the corpus sets headings in the body font),
so a heading is recognised by its shape and its neighbours: a short line without closing
punctuation that opens after a finished sentence, a list or a page break, perhaps wrapped
over a few lines ("3.1 Konzipieren und starten:" / "Erfolgsfaktoren für die" / "Initiierung
von Ankerorten"), and followed by a line that opens a sentence. What a heading-shaped line
turns out to be in the document as a whole (a list lead, a label, a table cell) is decided
later, by `ingest.sections`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from ingest.lexicon import CREDIT_LINE, FIGURE_CAPTION, MATTER_HEADINGS, MONTHS
from ingest.lines import (
    BULLET,
    ENUMERATION,
    FINAL_STOP,
    KICKER,
    TIME_ROW,
    URL_ONLY,
    WORD,
    dangling,
    opens_lowercase,
    unfinished,
    visible_length,
)
from ingest.sentences import split_sentences

# "3", "3.3", "3.3.1" or "1." before a title; the number is what gives a heading its level.
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?=[A-ZÄÖÜ„\"])")
_SUBSECTION = re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\s+[A-ZÄÖÜ„]")
# "Kicker: statement", the form of the one-line subheadings of wide layouts.
_KICKER = re.compile(r"^[A-ZÄÖÜ0-9„\"][^.:!?]{2,80}: [A-ZÄÖÜ0-9„\"]")
_MAX_LINES = 4
_NARROW = 48  # a page of short lines (a list of names) still has columns this wide
_MAX_HEADING = 112  # characters of a wrapped heading, all lines together
_MAX_BOX_TITLE = 170  # a case-study box title under a photo credit may run longer


@dataclass(frozen=True)
class LineContext:
    """What a heading decision needs to know about a line's surroundings.

    `previous` is the running-text line before (at the top of a page: the previous page's
    last one), `after_item` whether that line belongs to a list item, `after_credit` whether
    it was a photo credit (a case-study box title follows one), `next_page` the next page's
    first running-text line (a heading may be the last line of its page), `phrases` how often
    the document writes each pair of adjacent words, `labels` the kickers that open many of
    its lines ("Herausforderung: ..."), which open paragraphs, not sections.
    """

    previous: str
    width: float
    after_item: bool = False
    after_credit: bool = False
    next_page: str = ""
    phrases: Mapping[str, int] = field(default_factory=dict)  # the document's word pairs
    labels: AbstractSet[str] = frozenset()  # kickers the document uses as labels


def numbering(text: str) -> tuple[int, ...] | None:
    """The section number a heading opens with ("3.3 Verstetigen" -> (3, 3)), if any."""
    match = _NUMBERED.match(text)
    if not match:
        return None
    rest = text[match.end():].split(maxsplit=1)
    if rest and rest[0].lower().strip(",") in MONTHS:
        return None  # "25. April 2023" is a date
    return tuple(int(part) for part in match.group(1).split("."))


def heading_end(lines: list[str], index: int, context: LineContext) -> int | None:
    """If a heading starts at `lines[index]`, the index after its last line."""
    line = lines[index]
    next_line = lines[index + 1] if index + 1 < len(lines) else ""
    if not _opens_heading(line, context) or not _may_follow(context, line, next_line):
        return None
    numbered = numbering(line) is not None
    if numbered and _in_numbered_list(lines, index):
        return None
    if not _fits_width(line, context, numbered):
        return None
    end = _wrapped_end(lines, index, context, numbered)
    if context.after_credit and ":" not in " ".join(lines[index:end]) and not _fits_width(
            line, replace(context, after_credit=False), numbered):
        return None  # only a box title ("Name: subtitle") may run wide under a photo credit
    last = lines[end - 1]
    if not _heading_like(last, allow_lower=end > index + 1) or dangling(last):
        return None  # a heading does not end in a hyphen or an article: this is body text
    if not numbered and last.endswith(":"):
        return None  # a sentence leading into a list or an explanation, not a title
    if sum(visible_length(part) + 1 for part in lines[index:end]) > (
            _MAX_BOX_TITLE if context.after_credit else _MAX_HEADING):
        return None  # wrapped body lines, not a title
    following = lines[end] if end < len(lines) else context.next_page
    if following and (opens_lowercase(following) or following.startswith("(")):
        return None  # the sentence goes on
    if following.startswith(("„", "\"")) and "," in " ".join(lines[index:end]):
        return None  # "Name, Funktion" over the quotation it attributes
    if end == len(lines) and not numbered and not _body_line(following, context.width, False):
        return None  # a figure's label at the foot of a page, not a title over the next page
    if (end < len(lines) and not numbered and not context.after_credit and not _KICKER.match(line)
            and _fills_line(last, following, context.width)):
        return None  # the line broke where the next word did not fit: a paragraph's first line
    if end < len(lines) and (following.endswith(";") or _is_date(following)):
        return None  # a table cell: the next cell follows
    if (context.after_item and not numbered and unfinished(context.previous)
            and not _body_line(following, context.width, end == len(lines))):
        return None  # an item's wrapped last line, with the next item (or a heading) after it
    return end


def _fills_line(line: str, following: str, width: float) -> bool:
    """Would the next line's first word have run past the width, had it stood on `line`?"""
    first = following.split(maxsplit=1)[0] if following.split() else ""
    return visible_length(line) + 1 + len(first) > max(width, _NARROW)


def _body_line(line: str, width: float, next_page: bool) -> bool:
    """Does `line` open running text: a full line, or a sentence, on the same page?"""
    return (not next_page and bool(line) and not BULLET.match(line) and not ENUMERATION.match(line)
            and (visible_length(line) >= 0.6 * max(width, _NARROW) or bool(FINAL_STOP.search(line))))


def _opens_heading(line: str, context: LineContext) -> bool:
    kicker = KICKER.match(line)
    return (_heading_like(line, allow_hyphen=True) and not BULLET.match(line)
            and not TIME_ROW.match(line) and not URL_ONLY.match(line)
            and not (kicker and kicker.group(1) in context.labels))


def _may_follow(context: LineContext, line: str, following: str) -> bool:
    """A heading opens after a finished sentence, a list, a credit or at the top of a page.

    An entry's heading shows by the label line under it ("Köln" / "Große Großstadt • NRW"),
    wherever the layout has put it.
    """
    previous = context.previous
    if not previous or context.after_credit or _entry_label(following, context.width):
        return not previous.endswith(("-", ","))
    if dangling(previous) or previous.endswith((",", "-", "–")):
        return False  # the sentence goes on
    short = visible_length(line) < 0.75 * context.width
    if context.after_item:
        # A list ends without punctuation, but a long line after an unfinished one goes on.
        return short or bool(FINAL_STOP.search(previous)) or numbering(line) is not None
    if FINAL_STOP.search(previous) or previous.endswith(":") or _SUBSECTION.match(line):
        return True
    # A short numbered title, or an appendix's, may follow a table or a list set without
    # bullets ("K 12 ... Methoden" / "2. Bewertungskriterien", "... 36" / "Anhang 3: ...").
    first = line.split(maxsplit=1)[0].lower() if line.split() else ""
    return (visible_length(line) < 0.85 * max(context.width, _NARROW)
            and (numbering(line) is not None or first in MATTER_HEADINGS))


def _entry_label(line: str, width: float) -> bool:
    """"Große Großstadt • Berlin": a short line of fields set apart by a mid-line bullet."""
    return (" • " in line and len(line.split()) <= 10 and visible_length(line) <= 1.1 * width
            and not FINAL_STOP.search(line))


def _fits_width(line: str, context: LineContext, numbered: bool) -> bool:
    """Short, or long only in the forms headings take: numbered, "Kicker: statement", a box title.

    A line much wider than the page's text runs across its columns: a caption, not a title.
    """
    length = visible_length(line)
    if numbered or context.after_credit or length < 0.8 * context.width:
        return True
    if line.endswith(":") and len(line.split()) <= 8:
        return True
    return bool(_KICKER.match(line)) and length <= 1.1 * context.width


def _wrapped_end(lines: list[str], index: int, context: LineContext, numbered: bool) -> int:
    """Follow a heading over the lines it wraps onto; return the index after the last."""
    end = index + 1
    while end < len(lines) and end - index < _MAX_LINES:
        candidate, before = lines[end], lines[end - 1]
        kicker = KICKER.match(candidate)
        if (BULLET.match(candidate) or CREDIT_LINE.match(candidate) or FIGURE_CAPTION.match(candidate)
                or numbering(candidate) is not None or (kicker and kicker.group(1) in context.labels)):
            break
        subtitle = before.endswith(":")
        if not (subtitle or before.endswith("-") or _attribute_ends(before) or dangling(before)
                or candidate[:1].islower() or candidate.startswith("(")
                or _splits_phrase(before, candidate, context)):
            break
        if not _heading_like(candidate, allow_lower=True, allow_hyphen=True):
            break
        if subtitle and candidate[:1].islower():
            break  # "Dabei bleibt Jena seiner Tradition treu:" / "eine Smart City ...": a sentence
        limit = 1.5 if subtitle or context.after_credit else (0.75 if numbered else 0.85)
        if visible_length(candidate) >= limit * context.width:
            break
        goes_on = candidate.endswith("-") or _attribute_ends(candidate) or dangling(candidate)
        if not goes_on and not _may_end_heading(lines, end + 1, context):
            break  # the candidate opens a paragraph that goes on in lower case
        end += 1
    return end


def _may_end_heading(lines: list[str], index: int, context: LineContext) -> bool:
    """Can the heading end before `lines[index]`, or with it, as a short last line?

    A heading is followed by a sentence opening; a line going on in lower case may still
    be the heading's own short last line ("und Smart City (Typ 1)"), when a sentence opens
    after it.
    """
    after = lines[index] if index < len(lines) else context.next_page
    if not after or not opens_lowercase(after):
        return True
    beyond = lines[index + 1] if index + 1 < len(lines) else context.next_page
    return (_heading_like(after, allow_lower=True) and visible_length(after) < 0.85 * context.width
            and not (beyond and opens_lowercase(beyond)))


def _attribute_ends(line: str) -> bool:
    """Does the line end in an attribute still waiting for its noun ("des digitalen", "ein mobiles")?

    A lower-case last word after an article or a preposition; a verb ending a title ("Klimaziele
    kommunal digital meistern", "... vor Ort gemacht") follows anything else.
    """
    words = line.split()
    return (len(words) >= 2 and words[-1][:1].islower() and words[-1].isalpha()
            and dangling(words[-2]))


def _splits_phrase(before: str, candidate: str, context: LineContext) -> bool:
    """Does the line break fall inside a name the document uses often ("Smart" / "Cities")?"""
    left, right = before.split(), candidate.split()
    if not (left and right) or dangling(left[-1]) or dangling(right[0]):
        return False
    if not (left[-1][:1].isupper() and right[0][:1].isupper()):
        return False
    return context.phrases.get(f"{left[-1].lower()} {right[0].lower()}", 0) >= 3


def _in_numbered_list(lines: list[str], index: int) -> bool:
    """"1. ..." followed by "2. ..." (or preceded by "n-1.") is a list, not a run of headings."""
    match = re.match(r"^(\d{1,2})[.)]\s", lines[index])
    if not match:
        return False
    number = int(match.group(1))
    neighbours = lines[index + 1:index + 4] + lines[max(0, index - 3):index]
    return any(re.match(rf"^(?:{number + 1}|{number - 1})[.)]\s", other) for other in neighbours)


def _heading_like(line: str, allow_lower: bool = False, allow_hyphen: bool = False) -> bool:
    """Short, one sentence at most, no closing punctuation, opening in upper case or a number."""
    shown = re.sub(r"\s+", " ", line).strip()
    if len(shown) > 110 or len(shown.split()) > 14 or not WORD.search(shown):
        return False
    if re.search(r"[.,;!]$", shown) or (shown.endswith("-") and not allow_hyphen):
        return False
    if len(split_sentences(shown)) > 1:
        return False  # "Handlungsfelder. Strategische Ziele." is a table cell
    if re.search(r"https?://|www\.", shown) or _is_date(shown) or _is_date(" ".join(shown.split()[:3])):
        return False  # a table cell, a date line ("24. April 2023, 19.30 Uhr: Abendessen")
    if shown.count(")") > shown.count("("):
        return False  # the end of a parenthesis opened on the line before
    opener = shown[:1]
    return (opener.isupper() or opener.isdigit() or opener in "„\""
            or (allow_lower and (opener.islower() or opener == "(")))


def _is_date(text: str) -> bool:
    """"April 2025", "14. Juni 2022": a date standing alone (a table cell, an event line)."""
    words = text.replace(",", " ").split()
    if words and words[0].rstrip(".").isdigit():
        words = words[1:]
    return (2 <= len(words) <= 4 and words[0].rstrip(".").lower() in MONTHS
            and words[1][:4].isdigit())
