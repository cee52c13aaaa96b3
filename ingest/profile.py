"""Learn from a whole document what its pages alone cannot tell.

Before any page is cleaned, the document is read once for: lines repeated at page edges
(running headers, ``Seite N`` footers), running heads printed with the original page
number, the vocabulary (to tell ``Verstetigungs-``/``strategie`` from ``Start-``/``ups``),
the word pairs it uses (a heading broken inside "Smart"/"Cities" goes on), the kickers it
uses as labels ("Motto: ...") and the numbers that are footnote markers.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.lines import FOOTNOTE_LINE, KICKER, LABEL_REPEATS, WORD, normalise_line

# A running head as `normalise_line` shows it: masked page number glued to a lower-cased word.
_RUNNING_HEAD = re.compile(r"^# ?[a-zäöü]")
# A kicker that opens this many lines labels the fields of entries ("Projekttitel: ...") or
# the parts of paragraphs ("Herausforderung: ..."); such lines head no section.


@dataclass
class DocumentProfile:
    """What the cleaner learned from the whole document before cleaning any page."""

    boilerplate: set[str] = field(default_factory=set)
    vocabulary: Counter[str] = field(default_factory=Counter)  # lower-cased word counts
    lowercase_words: Counter[str] = field(default_factory=Counter)  # words written in lower case
    footnote_numbers: set[int] = field(default_factory=set)
    phrases: Counter[str] = field(default_factory=Counter)  # "smart cities": adjacent word pairs
    labels: set[str] = field(default_factory=set)  # kickers opening many lines ("Motto", "Herausforderung")


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
                for word in WORD.findall(token):
                    profile.vocabulary[word.lower()] += 1
                    if word[:1].islower():
                        profile.lowercase_words[word] += 1
            for left, right in zip(tokens, tokens[1:], strict=False):
                profile.phrases[f"{left.lower()} {right.lower()}"] += 1

    kickers = Counter(match.group(1) for lines in pages for line in lines
                      for match in [KICKER.match(line)] if match)
    profile.labels = {kicker for kicker, count in kickers.items() if count >= LABEL_REPEATS}
    profile.footnote_numbers = _footnote_numbers(pages)
    return profile


def _footnote_numbers(pages: list[list[str]]) -> set[int]:
    """Footnotes: lines opening with a number that also stands glued behind a word earlier on."""
    text_so_far: list[str] = []
    numbers: set[int] = set()
    for lines in pages:
        for line in lines:
            match = FOOTNOTE_LINE.match(line)
            if match:
                number = match.group(1)
                marker = re.compile(rf"[A-Za-zäöüß.,:;)“”]{number}(?!\d)")
                if any(marker.search(previous) for previous in text_so_far[-400:]):
                    numbers.add(int(number))
            text_so_far.append(line)
    # Real footnotes form a sequence; isolated hits are body lines starting with a number.
    in_sequence = {n for n in numbers if {n - 1, n + 1, n - 2, n + 2} & numbers}
    return in_sequence if len(in_sequence) >= 3 else set()
