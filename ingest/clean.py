"""Turn extracted PDF page texts into clean blocks (headings, paragraphs, list items, captions).

Every rule is learned from the document's own pages rather than written for one file:
which lines repeat at the top or bottom of pages (running headers, ``Seite N`` footers),
which words exist whole in the text (to decide whether ``Verstetigungs-``/``strategie`` is a
line-break hyphenation and ``Start-``/``ups`` a real hyphen), which numbers are footnote
markers, and how wide a full text line is on each page (to tell paragraph ends and
headings from wrapped lines).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ingest.sentences import ends_sentence

BlockKind = Literal["heading", "paragraph", "item", "caption", "footnote"]


@dataclass
class Block:
    """A unit of running text on a page; `page_end` differs when it continues on the next page."""

    kind: BlockKind
    text: str
    page: int
    page_end: int


# --- line patterns -----------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+(?:-[A-Za-zÄÖÜäöüß]+)*")
_PAGE_FOOTER = re.compile(r"^(?:seite|page|s\.)\s*\d{1,4}(?:\s*(?:von|of|/)\s*\d{1,4})?$", re.I)
_BARE_NUMBER = re.compile(r"^[-–]?\s*\d{1,4}\s*[-–]?$")
_GLUED_RUNNING_HEAD = re.compile(r"^\d{1,3}[A-ZÄÖÜ][a-zäöüß]{2,}")
_CREDIT = re.compile(
    r"^(?:quelle|quellen|foto|fotos|bild|bildquelle|bildnachweis|grafik|illustration)\s*:|^©",
    re.I,
)
_INLINE_CREDIT = re.compile(r"\s*\|\s*(?:quelle|foto|bild|bildquelle)\s*:.*$", re.I)
_FIGURE_CAPTION = re.compile(r"^(?:abbildung|abb\.|tabelle|tab\.|grafik|karte|figure|table)\s*"
                             r"[0-9IVXLC]+[a-z]?\s*[:.]", re.I)
_BULLET = re.compile(r"^(?:[•▪●◦‣■□➢►✓\uf0b7]|[-–](?=\s))\s*")
_ENUMERATION = re.compile(r"^(?:\d{1,2}[.)]|[a-z][)]|\(\d{1,2}\)|[ivx]{1,4}[.)])\s+(?=\S)")
_TIME_ROW = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:uhr|h)?\b", re.I)
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+(?=[A-ZÄÖÜ„\"])")
_RUNNING_HEAD = re.compile(r"^# ?[a-zäöü]")
_SUBSECTION = re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\s+[A-ZÄÖÜ„]")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_FOOTNOTE_LINE = re.compile(r"^(\d{1,2}) (?=[A-ZÄÖÜ„(]|vgl\.|bzgl\.)")
_SENTENCE_END = re.compile(r"[.!?:;…“”\"»)]$")
_FINAL_STOP = re.compile(r"[.!?…]$|[.!?][“”\"»)]$")
_FUNCTION_WORDS = {"durch", "mit", "für", "zu", "auf", "in", "an", "statt", "anstatt", "über",
                   "von", "vor", "nach", "bei", "aus", "gegen", "ohne", "um", "zur", "zum"}
_CONJUNCTIONS = {"und", "oder", "bzw", "bzw.", "sowie", "bis", "als", "noch", "wie", "&", "u.", "or", "and"}


def normalise_line(line: str) -> str:
    """The form under which repeated lines are compared: digits masked, case and spaces folded."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line)).strip().lower()


@dataclass
class DocumentProfile:
    """What the cleaner learned from the whole document before cleaning any page."""

    boilerplate: set[str] = field(default_factory=set)
    vocabulary: Counter[str] = field(default_factory=Counter)  # lower-cased word counts
    lowercase_words: Counter[str] = field(default_factory=Counter)  # words written in lower case
    footnote_numbers: set[int] = field(default_factory=set)


def learn_profile(pages: list[list[str]]) -> DocumentProfile:
    """Find running headers/footers, the document's vocabulary and its footnote numbers."""
    profile = DocumentProfile()
    edge_counts: Counter[str] = Counter()
    for lines in pages:
        edges = {normalise_line(line) for line in lines[:3] + lines[-3:]}
        edge_counts.update(edges)
    threshold = max(3, int(0.3 * len(pages)))
    profile.boilerplate = {line for line, count in edge_counts.items() if count >= threshold}
    # Running heads printed with the original page number ("8 Stadtlabore, Makerspaces ...").
    all_counts = Counter(normalise_line(line) for lines in pages for line in lines)
    profile.boilerplate |= {
        line for line, count in all_counts.items()
        if count >= 2 and _RUNNING_HEAD.match(line) and len(line.split()) <= 10
        and not re.search(r"[.:;?!]$", line)
    }

    for lines in pages:
        for index, line in enumerate(lines):
            tokens = line.split()
            if not tokens:
                continue
            start = 1 if index > 0 and lines[index - 1].endswith("-") else 0
            stop = len(tokens) - 1 if line.endswith("-") else len(tokens)
            for token in tokens[start:stop]:
                for word in _WORD.findall(token):
                    profile.vocabulary[word.lower()] += 1
                    if word[:1].islower():
                        profile.lowercase_words[word] += 1

    profile.footnote_numbers = _footnote_numbers(pages)
    return profile


def _footnote_numbers(pages: list[list[str]]) -> set[int]:
    """Footnotes: lines opening with a number that also stands glued behind a word earlier on."""
    text_so_far: list[str] = []
    numbers: set[int] = set()
    for lines in pages:
        for line in lines:
            match = _FOOTNOTE_LINE.match(line)
            if match:
                number = match.group(1)
                marker = re.compile(rf"[A-Za-zäöüß.,:;)“”]{number}(?!\d)")
                if any(marker.search(previous) for previous in text_so_far[-400:]):
                    numbers.add(int(number))
            text_so_far.append(line)
    # Real footnotes form a sequence; isolated hits are body lines starting with a number.
    in_sequence = {n for n in numbers if {n - 1, n + 1, n - 2, n + 2} & numbers}
    return in_sequence if len(in_sequence) >= 3 else set()


# --- the cleaner -------------------------------------------------------------------------


def clean_document(page_texts: list[str]) -> list[Block]:
    """Clean all pages of one document and join text that runs on across page breaks."""
    pages = [_split_lines(text) for text in page_texts]
    profile = learn_profile(pages)
    blocks: list[Block] = []
    for number, lines in enumerate(pages, start=1):
        page_blocks = _clean_page(lines, number, profile)
        _join_across_pages(blocks, page_blocks, profile)
    return [block for block in blocks if block.text.strip()]


def _split_lines(text: str) -> list[str]:
    lines = [line.replace("\u00a0", " ").strip() for line in text.splitlines()]
    return [line for line in lines if line]


def _typical_width(lines: list[str]) -> float:
    lengths = sorted(len(line) for line in lines if len(line) >= 15)
    if not lengths:
        return 60.0
    return float(lengths[int(0.8 * (len(lengths) - 1))])


def _strip_edges(lines: list[str], profile: DocumentProfile) -> list[str]:
    """Drop running headers/footers and page numbers at the top and bottom of a page."""
    kept = list(lines)
    for _ in range(3):
        if kept and _is_edge_noise(kept[0], profile):
            kept.pop(0)
        if kept and _is_edge_noise(kept[-1], profile):
            kept.pop()
    return [line for line in kept if not _PAGE_FOOTER.match(line)]


def _is_edge_noise(line: str, profile: DocumentProfile) -> bool:
    return (
        normalise_line(line) in profile.boilerplate
        or bool(_PAGE_FOOTER.match(line))
        or bool(_BARE_NUMBER.match(line))
    )


def _clean_page(lines: list[str], page: int, profile: DocumentProfile) -> list[Block]:
    lines = _strip_edges(lines, profile)
    lines = [line for line in lines if normalise_line(line) not in profile.boilerplate]
    lines = [line for line in lines if not _GLUED_RUNNING_HEAD.match(line)]
    lines, footnotes = _split_footnotes(lines, profile)
    lines = _drop_duplicate_urls(lines)
    lines = [line for line in lines if not _chart_residue(line)]
    width = _typical_width(lines)

    blocks: list[Block] = []
    current: Block | None = None
    previous_line = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if _CREDIT.match(line):
            index = _skip_credit(lines, index, width)
            current, previous_line = None, ""
            continue
        caption = _caption_text(line)
        if caption is not None:
            index = _extend_caption(lines, index, caption, width, blocks, page, profile)
            current, previous_line = None, ""
            continue
        after_item = current is not None and current.kind == "item"
        heading_end = _heading_span(lines, index, previous_line, width, after_item)
        if heading_end is not None:
            text = " ".join(lines[index:heading_end])
            blocks.append(Block("heading", _tidy(text), page, page))
            current, previous_line = None, lines[heading_end - 1] + "."
            index = heading_end
            continue

        starts_item = bool(_BULLET.match(line) or _ENUMERATION.match(line) or _TIME_ROW.match(line)
                           or _URL_ONLY.match(line))
        if starts_item and line[:1] in "-–" and previous_line and not (
                _FINAL_STOP.search(previous_line) or previous_line.endswith(":")):
            starts_item = False  # a dash that continues the sentence, not a bullet
        if starts_item:
            current = Block("item", _BULLET.sub("• ", line, count=1), page, page)
            blocks.append(current)
        elif current is not None and _continues(current, previous_line, line, width):
            current.text = join_lines(current.text, line, profile)
        else:
            current = Block("paragraph", line, page, page)
            blocks.append(current)
        previous_line = line
        index += 1
    blocks.extend(Block("footnote", text, page, page) for text in footnotes)
    for block in blocks:
        block.text = _tidy(_strip_footnote_markers(block.text, profile))
    return blocks


def _continues(block: Block, previous_line: str, line: str, width: float) -> bool:
    """Does `line` continue `block`, or does a new paragraph start here?"""
    if not previous_line:
        return False
    if previous_line.endswith("-") or line[:1].islower() or line[:1] in ",;)":
        return True
    if _dangling(previous_line):
        return True
    if block.kind == "item":
        return len(previous_line) >= 0.7 * width and not _SENTENCE_END.search(previous_line)
    ends_sentence = bool(_SENTENCE_END.search(previous_line))
    return not (ends_sentence and len(previous_line) < 0.85 * width)


def _heading_span(lines: list[str], index: int, previous_line: str, width: float,
                  after_item: bool = False) -> int | None:
    """If a heading starts at `lines[index]`, return the index after its last line."""
    line = lines[index]
    if not _heading_like(line) or _BULLET.match(line) or _TIME_ROW.match(line):
        return None
    if after_item:
        # A list ends without punctuation; only an unfinished item line forbids a heading.
        if (_dangling(previous_line) or previous_line.endswith((",", "-"))
                or (len(previous_line) >= 0.7 * width and not _SENTENCE_END.search(previous_line))):
            return None
    elif (previous_line and not (_FINAL_STOP.search(previous_line) or previous_line.endswith(":"))
            and not _SUBSECTION.match(line)):
        return None
    numbered = bool(_NUMBERED_HEADING.match(line))
    if numbered and _in_numbered_list(lines, index):
        return None
    short_lead = line.endswith(":") and len(line.split()) <= 8
    if len(line) >= 0.85 * width and not short_lead:
        return None
    end = index + 1
    while end < len(lines) and end - index < 4:
        candidate, before = lines[end], lines[end - 1]
        if numbered:
            # Numbered headings wrap over lines after an unfinished line ("... für" / "die ...").
            fits = ((_unfinished(before) or candidate[:1].islower()) and len(candidate) < 0.75 * width
                    and _heading_like(candidate, allow_lower=True)
                    and not _NUMBERED_HEADING.match(candidate))
        else:
            after = lines[end + 1] if end + 1 < len(lines) else ""
            fits = (_heading_like(candidate) and not candidate[:1].isdigit()
                    and (before.endswith(":") or _unfinished(before))
                    and len(candidate) < 0.85 * width
                    and bool(after) and not _opens_lowercase(after) and end - index < 2)
        if not fits or _BULLET.match(candidate):
            break
        end += 1
    following = lines[end] if end < len(lines) else ""
    if not following or _opens_lowercase(following):
        return None
    return end


def _in_numbered_list(lines: list[str], index: int) -> bool:
    """"1. ..." followed by "2. ..." (or preceded by "n-1.") is a list, not a run of headings."""
    match = re.match(r"^(\d{1,2})[.)]\s", lines[index])
    if not match:
        return False
    number = int(match.group(1))
    neighbours = lines[index + 1:index + 4] + lines[max(0, index - 3):index]
    return any(re.match(rf"^(?:{number + 1}|{number - 1})[.)]\s", other) for other in neighbours)


def _heading_like(line: str, allow_lower: bool = False) -> bool:
    if len(line) > 110 or len(line.split()) > 14 or not _WORD.search(line):
        return False
    if re.search(r"[.,;]$", line) or line.endswith("-"):
        return False
    opener = line[:1]
    return opener.isupper() or opener.isdigit() or opener in "„\"" or (allow_lower and opener.islower())


_DANGLING_WORDS = {"der", "die", "das", "den", "dem", "des", "und", "oder", "für", "mit", "von",
                   "zu", "im", "in", "auf", "an", "bei", "ein", "eine", "einer", "einem", "eines",
                   "zum", "zur", "sowie", "als", "wie", "aus", "nach", "über", "unter", "durch",
                   "the", "of", "and", "to", "a", "for", "with"}


def _dangling(line: str) -> bool:
    """A line ending in an article, preposition or conjunction cannot end a sentence."""
    match = re.search(r"([A-Za-zäöüß]+)$", line)
    return bool(match) and match.group(1) in _DANGLING_WORDS


def _unfinished(line: str) -> bool:
    """A heading line ending in a lower-case word ("im", "und", "für") continues on the next."""
    return bool(re.search(r"(?:^|\s)[a-zäöüß]+$", line))


def _opens_lowercase(line: str) -> bool:
    return line[:1].islower() or line[:1] in ",;)"


def _skip_credit(lines: list[str], index: int, width: float) -> int:
    """Skip a photo/figure credit and the lines it wraps onto; return the next index.

    A credit wraps only when it visibly breaks off (a hyphen, comma or dangling word at the
    end) or the next line goes on in lower case; a short credit like "Quelle: Stadt X" does not.
    """
    text = lines[index]
    index += 1
    extra = 0
    while (index < len(lines) and extra < 3 and not _CREDIT.match(lines[index])
           and (text.endswith(("-", ",")) or _dangling(text) or lines[index][:1].islower()
                or lines[index][:1] == "(")):
        text = lines[index]
        index += 1
        extra += 1
    return index


def _extend_caption(lines: list[str], index: int, caption: str, width: float, blocks: list[Block],
                    page: int, profile: DocumentProfile) -> int:
    """Add a caption block, taking in its wrapped second line; return the next index."""
    raw = lines[index]
    index += 1
    wraps = caption.endswith("-") or (_unfinished(caption) and index < len(lines)
                                      and len(lines[index]) < 0.5 * width)
    if wraps and index < len(lines) and not _CREDIT.match(lines[index]):
        raw = lines[index]
        caption = join_lines(caption, _caption_text(raw) or raw, profile)
        index += 1
    if _INLINE_CREDIT.search(raw) and raw.endswith("-") and index < len(lines):
        index += 1  # the credit itself wrapped onto the next line
    blocks.append(Block("caption", caption, page, page))
    return index


def _chart_residue(line: str) -> bool:
    """Axis labels and numbers left over from charts ("202320202019 2021 2022")."""
    if _TIME_ROW.match(line) or _ENUMERATION.match(line) or _BULLET.match(line):
        return False
    visible = line.replace(" ", "")
    digits = sum(char.isdigit() for char in visible)
    return len(visible) >= 4 and digits / len(visible) > 0.6


def _caption_text(line: str) -> str | None:
    """Figure/table captions and photo captions ("...  |" followed by a credit line)."""
    if _FIGURE_CAPTION.match(line):
        return _INLINE_CREDIT.sub("", line).strip()
    if _INLINE_CREDIT.search(line):
        return _INLINE_CREDIT.sub("", line).strip()
    if line.endswith("|"):
        return line.rstrip("| ").strip()
    return None


def _split_footnotes(lines: list[str], profile: DocumentProfile) -> tuple[list[str], list[str]]:
    """Take footnotes out of the running text (they interrupt sentences) but keep their text."""
    if not profile.footnote_numbers:
        return lines, []
    kept: list[str] = []
    footnotes: list[str] = []
    index = 0
    while index < len(lines):
        match = _FOOTNOTE_LINE.match(lines[index])
        if match and int(match.group(1)) in profile.footnote_numbers:
            text = lines[index][match.end():].strip()
            last = lines[index]
            index += 1
            extra = 0
            while (index < len(lines) and extra < 6 and not re.search(r"[.)\]]$", last)
                   and not _FOOTNOTE_LINE.match(lines[index])):
                last = lines[index]
                text = join_lines(text, last, profile)
                index += 1
                extra += 1
            body_interrupted = not kept or not _FINAL_STOP.search(kept[-1])
            resumes = _body_resumes_at(lines, index - 1, profile) if body_interrupted else None
            while resumes is not None and index < resumes:
                text = join_lines(text, lines[index], profile)
                index += 1
            if not _CREDIT.match(text):  # a footnote that only names a source is a credit
                footnotes.append(text)
            continue
        kept.append(lines[index])
        index += 1
    return kept, footnotes


def _body_resumes_at(lines: list[str], last: int, profile: DocumentProfile, reach: int = 24) -> int | None:
    """Where the body goes on after a footnote printed in the middle of it, if it is clear.

    pypdf keeps content-stream order, so a footnote can sit between two halves of a body
    sentence and run over several sentences of its own. No sentence opens in lowercase: a
    lowercase line right after a finished sentence is the interrupted body going on.
    """
    for index in range(last + 1, min(len(lines), last + 1 + reach)):
        match = _FOOTNOTE_LINE.match(lines[index])
        if match and int(match.group(1)) in profile.footnote_numbers:
            return None
        if _opens_lowercase(lines[index]) and ends_sentence(lines[index - 1]):
            return index
    return None


def _strip_footnote_markers(text: str, profile: DocumentProfile) -> str:
    if not profile.footnote_numbers:
        return text
    numbers = "|".join(str(n) for n in sorted(profile.footnote_numbers, reverse=True))
    return re.sub(rf"(?:(?<=[a-zäöüß)“”:])|(?<=[a-zäöüß][.,]))(?:{numbers})(?=[\s.,;:]|$)", "", text)


def _drop_duplicate_urls(lines: list[str]) -> list[str]:
    """Keep each URL once per page, re-joining URLs the layout wrapped over two lines."""
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        if kept and _URL_ONLY.match(kept[-1]) and kept[-1].endswith(("-", "/", "_")) and " " not in line:
            kept[-1] += line
            continue
        if _URL_ONLY.match(line):
            key = line.rstrip("/").lower()
            if any(key.startswith(s) or s.startswith(key) for s in seen):
                continue
            seen.add(key)
        kept.append(line)
    # A wrapped URL can leave an exact duplicate behind once joined.
    result: list[str] = []
    for line in kept:
        if _URL_ONLY.match(line) and result and any(line.rstrip("/").lower() == r.rstrip("/").lower()
                                                    for r in result if _URL_ONLY.match(r)):
            continue
        result.append(line)
    return result


# --- joining lines and pages -------------------------------------------------------------


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
        if first.rstrip(".,;:").lower() in _CONJUNCTIONS:
            return f"{left} {right}"  # "Bau- und Verkehrsplanung"
        if not first_word or not first[:1].islower():
            return left + right  # "Smart-City-" + "Strategie", "Ex-Post-" + "Evaluation"
        last_part = head_match.group(1).split("-")[-1]
        tail = first_word.group(0)
        hyphenated = f"{last_part}-{tail}".lower()
        closed = f"{last_part}{tail}".lower()
        if vocabulary[hyphenated] > vocabulary[closed]:
            return left + right  # "Start-" + "ups"
        if (not vocabulary[closed] and tail in _FUNCTION_WORDS
                and profile.lowercase_words[tail] >= 3 and len(last_part) >= 4):
            return f"{left} {right}"  # "Informations- durch Bildungsangebote"
        return left[:-1] + right
    last_word = re.search(r"([A-Za-zÄÖÜäöüß]+)$", left)
    first_word = re.match(r"([a-zäöüß]+)", right)
    if last_word and first_word and len(last_word.group(1)) >= 3:
        closed = (last_word.group(1) + first_word.group(1)).lower()
        # "Stadt" + "entwicklung": the layout broke a compound without a hyphen.
        if vocabulary[closed] >= 2 and profile.lowercase_words[first_word.group(1)] < vocabulary[closed]:
            return left + right
    return f"{left} {right}"


def _join_across_pages(blocks: list[Block], page_blocks: list[Block], profile: DocumentProfile) -> None:
    """Append a page's blocks, continuing the last paragraph when the sentence runs on."""
    if blocks and page_blocks:
        last = next((b for b in reversed(blocks) if b.kind != "caption"), None)
        first = next((b for b in page_blocks if b.kind != "caption"), None)
        if (last is not None and first is not None and last.kind in ("paragraph", "item")
                and first.kind == "paragraph" and _runs_on(last, first.text)):
            last.text = _tidy(join_lines(last.text, first.text, profile))
            last.page_end = first.page_end
            page_blocks = [b for b in page_blocks if b is not first]
    blocks.extend(page_blocks)


def _runs_on(last: Block, right: str) -> bool:
    """Does the page's first paragraph continue the previous page's last block?"""
    left = last.text
    if left.endswith("-") or (not _FINAL_STOP.search(left) and _opens_lowercase(right)):
        return True
    if _dangling(left) or left.endswith(",") or re.search(r"\s[a-zäöüß]+$", left):
        return last.kind == "paragraph" or _dangling(left)
    # A paragraph that stops without any punctuation was cut by the page break.
    return last.kind == "paragraph" and not _SENTENCE_END.search(left) and not right[:1].isupper()


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:!?])(?=\s|$)", r"\1", text)
    return text
