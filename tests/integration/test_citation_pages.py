"""Every citation opens the PDF on the page where its quoted sentence begins.

For each answerable eval question, the assistant's citations are checked against the PDF's
own text (pypdf, page by page), not against our cleaned chunks: the first words of each
quote must start on the cited page. The comparison forgives only what the PDF layout does
to text (line breaks, hyphens and compounds broken at line ends, footnote numbers glued to
words, typographic quotes, bullets, case), never which page the words are on.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.wiring import Services
from evals.dataset import load_dataset
from evals.metrics import normalize

PROBE_WORDS = 6  # the quote's first words that must begin on the cited page
MAX_GAP = 1500  # letters between two of the probe's words: a footnote printed amid the sentence
# A footnote number glued to a word ("Programmziele1 fällt", "Euro.5"): the chunks drop it.
_FOOTNOTE_MARK = re.compile(r"(?:(?<=[a-zäöüß)“”])|(?<=[a-zäöüß][.,]))\d{1,2}(?=[\s.,;:]|$)")
# A running head printed with the original page number ("45Konzipieren, betreiben, ...").
_GLUED_RUNNING_HEAD = re.compile(r"^\d{1,3}[A-ZÄÖÜ][a-zäöüß]{2,}")


def _letters(text: str) -> str:
    """Letters and digits only, after `normalize` (case, quotes, hyphens before lower case)."""
    return re.sub(r"[^0-9a-zäöüß]", "", normalize(text))


@lru_cache(maxsize=8)
def _pages(path: Path) -> tuple[str, ...]:
    """The PDF's pages as `_letters`, without the lines repeated on most pages (running heads)."""
    texts = [page.extract_text() or "" for page in PdfReader(path).pages]
    lines = [[line.strip() for line in text.splitlines() if line.strip()] for text in texts]
    masked = Counter(re.sub(r"\d+", "#", line) for page in lines for line in set(page))
    furniture = {line for line, count in masked.items() if count >= max(3, len(texts) // 2)}
    return tuple(
        _letters(" ".join(_FOOTNOTE_MARK.sub("", line) for line in page
                          if re.sub(r"\d+", "#", line) not in furniture
                          and not _GLUED_RUNNING_HEAD.match(line)))
        for page in lines
    )


def begins_on_page(quote: str, path: Path, page: int) -> bool:
    """Do the quote's first words start on `page` (1-based) of the PDF?

    The probe is the quote's first six words, looked up in the page followed by the next
    one (a sentence may start at the foot of a page); the match must start inside the page.
    Where the PDF prints something amid those words that the chunks leave out (a footnote
    set in the middle of the sentence), the probe's words must follow each other on the page
    with no more than a footnote's length between them.
    """
    pages = _pages(path)
    if not 1 <= page <= len(pages):
        return False
    words = [_letters(word) for word in normalize(_FOOTNOTE_MARK.sub("", quote)).split()[:PROBE_WORDS]]
    words = [word for word in words if word]
    if not words:
        return False
    here = pages[page - 1]
    text = here + (pages[page] if page < len(pages) else "")
    probe = "".join(words)
    if probe in "".join(pages):
        start = text.find(probe)
        return 0 <= start < len(here)
    interrupted = re.compile(f".{{0,{MAX_GAP}}}?".join(re.escape(word) for word in words))
    match = interrupted.search(text)
    return match is not None and match.start() < len(here)


@pytest.mark.integration
def test_every_citation_quote_begins_on_its_cited_page(ingested_services: Services, corpus_dir: Path) -> None:
    assistant = ingested_services.assistant
    misses: list[str] = []
    checked = 0
    for item in load_dataset():
        if not item.answerable:
            continue
        answer = assistant.ask(item.question, item.turns)
        for citation in answer.citations:
            checked += 1
            if not begins_on_page(citation.quote, corpus_dir / citation.document, citation.page):
                elsewhere = [number for number in range(1, len(_pages(corpus_dir / citation.document)) + 1)
                             if begins_on_page(citation.quote, corpus_dir / citation.document, number)]
                misses.append(f"{item.id}: {citation.document} p.{citation.page} (begins on {elsewhere}): "
                              f"{citation.quote[:80]!r}")
    assert checked >= 100, f"only {checked} citations checked"
    assert not misses, f"{len(misses)} of {checked} citations name the wrong page:\n" + "\n".join(misses)
