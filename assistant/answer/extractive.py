"""The default answerer, no LLM needed: the passages' own words, shaped like the question.

First it decides what kind of answer the question wants (`assistant.question`). A list or
how-to question gets a whole list block of the best passage: its lead and its items (as
many as the question names), because the reports answer such questions with blocks like
"Für Verantwortliche bedeutet ...:" and a fragment of one does not answer them. Every
other question gets the best sentences, picked by relevance to the question (not only by
position), kept in document order per passage, within a word budget. Sentences and items
are quoted verbatim, so numbers, dates and names survive intact; each line carries its
passage's marker. The answer is Markdown: list items are list items.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from assistant.answer.blocks import ListBlock, is_bullet_item, item_text, list_blocks
from assistant.answer.evidence import ScoredSentence, query_words, score_sentences
from assistant.answer.types import Citation, Draft, document_url
from assistant.prompts import load_prompt, render_prompt
from assistant.query import Query
from assistant.question import QuestionPart, classify
from ingest.lexicon import CONTINUATION_OPENER, GERMAN_STOPWORDS, VALUE_PATTERNS
from ingest.lines import LIST_ITEM_START
from ingest.models import SECTION_PATH_SEPARATOR
from ingest.sentences import Span, sentence_spans
from vectorstore.hybrid import Hit, SearchResult

_MIN_RELATIVE_SCORE = 0.6
_LEAD_ITEMS = 6  # items a sentence ending in ":" brings along in a sentence answer
_MIN_ITEMS_SHOWN = 3
_CONTEXT_SENTENCES = 2
_MIN_PARAGRAPH_ITEMS = 3  # paragraphs after the introducing one that make a list
_MIN_ITEM_WORDS = 6
_NAMED_SHARE = 2 / 3
_QUOTED_OR_CAPITALS = re.compile(r"„[^“]{3,}“|\b[A-ZÄÖÜ]{3,}\b")
_ARTICLES = frozenset({"der", "die", "das", "den", "dem", "ein", "eine", "einen", "the", "a", "an"})
_MAX_NAME_WORDS = 4  # a heading this short names a place, project or lab
# A list block is chosen over single sentences when its lead and headings cover the question
# at least this well relative to the best sentence (list and how-to questions only).
_BLOCK_VS_SENTENCE = 0.5
_RECOMMENDATION = re.compile(
    r"\b(?:für\s+verantwortliche|empfehl\w*|tipps?|hinweise|erfolgsfaktor\w*|sollten|checkliste|"
    r"handlungsempfehlung\w*|schritte|lessons\s+learned|worauf)\b", re.I)


@dataclass(frozen=True)
class _Line:
    """One line of the answer: a sentence or a list item of one passage."""

    hit: Hit
    span: Span
    item: bool = False

    @property
    def text(self) -> str:
        return item_text(self.span.text) if self.item else self.span.text


class ExtractiveAnswerer:
    """`answer(query, evidence) -> Draft`; `stream` yields the same text in pieces."""

    mode = "extractive"

    def __init__(self, max_words: int = 120, max_sentences: int = 5, max_items: int = 8,
                 max_list_words: int = 170) -> None:
        self.max_words = max_words
        self.max_sentences = max_sentences
        self.max_items = max_items
        self.max_list_words = max_list_words

    def for_parts(self, parts: int = 2) -> ExtractiveAnswerer:
        """The same answerer with a budget for one of `parts` answers shown together."""
        return ExtractiveAnswerer(max_words=max(90, self.max_words * 3 // (parts + 2)),
                                  max_sentences=self.max_sentences,
                                  max_items=max(4, self.max_items // parts),
                                  max_list_words=max(80, self.max_list_words // parts))

    def answer(self, query: Query, evidence: SearchResult) -> Draft:
        part = classify(query.question)
        ranked = score_sentences(query, evidence.hits, evidence.keyword_index, part.focus,
                                 enumerations=part.shape == "list", value=VALUE_PATTERNS.get(part.wants),
                                 advice=part.shape == "howto")
        if query.quoted:  # an earlier part of the question quoted these: say something new if there is more
            quotes = [_normalise(quote) for quote in query.quoted]
            fresh = [sentence for sentence in ranked if not _quoted(sentence.text, quotes)]
            ranked = fresh if fresh and fresh[0].coverage > 0 else ranked
        if not ranked or ranked[0].coverage <= 0:
            return Draft(text="", citations=[])
        lines: list[_Line] | None = None
        if part.shape in ("list", "howto"):
            lines = self._block_lines(part, query, evidence, ranked)
        if lines is None and part.shape == "list":
            lines = self._paragraph_lines(part, ranked)
        if lines is None:
            lines = self._sentence_lines(ranked, self.max_sentences, self.max_words)
        frame = _naming_section(part, lines) if query.language == "de" else None
        return _compose(lines, query.language, frame=frame)

    def stream(self, query: Query, evidence: SearchResult) -> Iterator[str | Draft]:
        """Text pieces (one per line or sentence), then the finished draft."""
        draft = self.answer(query, evidence)
        pieces = re.split(r"(?<=\]) |(?<=\]\n)", draft.text)
        for index, piece in enumerate(pieces):
            yield piece if index == len(pieces) - 1 or piece.endswith("\n") else piece + " "
        yield draft

    # --- lists -------------------------------------------------------------------------
    def _block_lines(self, part: QuestionPart, query: Query, evidence: SearchResult,
                     ranked: list[ScoredSentence]) -> list[_Line] | None:
        """The best list block (lead + items) when it answers the question about as well as a sentence."""
        keyword = evidence.keyword_index
        words = query_words(keyword, query, part.focus)
        total = sum(word.weight for word in words) or 1.0
        shares = [word.weight / total for word in words]
        best: tuple[float, Hit, ListBlock] | None = None
        for rank, hit in enumerate(evidence.hits):
            for block in list_blocks(hit.chunk.text):
                # The lead (with the passage's headings) must be about the question, not only its items.
                heading = f"{_headings_below_chapter(hit, block.start)} {block.lead.text if block.lead else ''}"
                terms = frozenset(keyword.analyzer.terms(heading))
                lead = sum(share * word.match(terms) for share, word in zip(shares, words, strict=True))
                if lead < _BLOCK_VS_SENTENCE * ranked[0].coverage:
                    continue
                score = _block_score(block, hit, rank, part, shares, ranked, lead)
                if best is None or score > best[0]:
                    best = (score, hit, block)
        if best is None:
            return None
        _, hit, block = best
        lines = [_Line(hit, block.lead)] if block.lead is not None else []
        limit = min(self.max_items, part.count or self.max_items)
        words_used = len(block.lead.text.split()) if block.lead is not None else 0
        for item in block.items[:limit]:
            length = len(item.text.split())
            if len(lines) - (block.lead is not None) >= _MIN_ITEMS_SHOWN and words_used + length > self.max_list_words:
                break
            lines.append(_Line(hit, item, item=True))
            words_used += length
        return self._with_context(lines, block, hit, ranked, words_used)

    def _with_context(self, lines: list[_Line], block: ListBlock, hit: Hit, ranked: list[ScoredSentence],
                      words_used: int) -> list[_Line]:
        """The best sentences of the block's own section go before it while the budget lasts (at
        most `_CONTEXT_SENTENCES`): the facts around a list (a deadline, a legal form) belong to the
        answer; a sentence from another section would mix in another topic's example."""
        end = block.items[-1].end
        context: list[ScoredSentence] = []
        for sentence in ranked:
            if len(context) >= _CONTEXT_SENTENCES or sentence.score < _MIN_RELATIVE_SCORE * ranked[0].score:
                break
            inside = sentence.hit.chunk.id == hit.chunk.id and block.start <= sentence.span.start < end
            length = len(sentence.text.split())
            elsewhere = _chapter_section(sentence.hit, sentence.span.start) != _chapter_section(hit, block.start)
            if inside or elsewhere or is_bullet_item(sentence.text) or words_used + length > self.max_list_words:
                continue
            if _duplicate(sentence, context) or any(_normalise(sentence.text) in _normalise(line.span.text)
                                                    or _normalise(line.span.text) in _normalise(sentence.text)
                                                    for line in lines):
                continue
            context.append(sentence)
            words_used += length
        return [_Line(sentence.hit, sentence.span) for sentence in context] + lines

    def _paragraph_lines(self, part: QuestionPart, ranked: list[ScoredSentence]) -> list[_Line] | None:
        """A list told in paragraphs: "Welche Praxisbeispiele wurden im Workshop vorgestellt?" is
        answered by a passage whose first paragraph introduces them and whose next paragraphs
        present one each ("Sabrina Eßer ... berichtete von dem Projekt ..."). The introducing
        sentence leads; each following paragraph's first sentence is an item."""
        intro = ranked[0]
        text = intro.hit.chunk.text
        paragraphs = [match for match in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text)]
        at = next((index for index, match in enumerate(paragraphs) if match.start() <= intro.span.start < match.end()),
                  None)
        if at is None:
            return None
        items: list[Span] = []
        for match in paragraphs[at + 1:]:
            sentences = sentence_spans(match.group(0))
            if not sentences or len(sentences[0].text.split()) < _MIN_ITEM_WORDS or is_bullet_item(sentences[0].text):
                break  # a heading or a list: the paragraphs' list has ended
            first = sentences[0]
            items.append(Span(match.start() + first.start, match.start() + first.end, first.text))
        # Paragraphs that each present one thing open with its name ("Sabrina Eßer, ...", "Der
        # Buntspeicher ..."); paragraphs that go on about one topic open with "Im Zuge", "Auch", "Dabei".
        flags = [_presents_a_name(span.text) for span in items]
        while flags and not flags[-1]:  # a closing paragraph ("Alle Referenten waren sich einig ...")
            flags.pop()
            items.pop()
        if len(items) < _MIN_PARAGRAPH_ITEMS or sum(flags) < _NAMED_SHARE * len(items):
            return None
        lines = [_Line(intro.hit, intro.span)]
        words = len(intro.text.split())
        for span in items[: min(self.max_items, part.count or self.max_items)]:
            if len(lines) > _MIN_PARAGRAPH_ITEMS and words + len(span.text.split()) > self.max_list_words:
                break
            lines.append(_Line(intro.hit, span, item=True))
            words += len(span.text.split())
        return lines

    # --- sentences ---------------------------------------------------------------------
    def _sentence_lines(self, ranked: list[ScoredSentence], max_sentences: int, max_words: int) -> list[_Line]:
        """The best sentences within the budget, each passage's together and in text order.

        Tried on the dev part: three sentences / 80 words for number questions (fact pass
        0.556 -> 0.519: the number's sentence is not always ranked first) and one more sentence
        for lists and how-tos in running text (no change); both left out.
        """
        best = ranked[0].score
        chosen: list[ScoredSentence] = []
        words = 0
        for sentence in ranked:
            if len(chosen) >= max_sentences or sentence.score < _MIN_RELATIVE_SCORE * best:
                break
            if sentence.coverage <= 0 or _duplicate(sentence, chosen):
                continue
            length = len(sentence.text.split())
            if chosen and words + length > max_words:
                continue
            chosen.append(sentence)
            words += length
            words += self._add_list_items(sentence, ranked, chosen, words, max_words)
        # Keep each passage's sentences together, passages in the order they were chosen.
        first_seen: dict[str, int] = {}
        for sentence in chosen:
            first_seen.setdefault(sentence.hit.chunk.id, len(first_seen))
        grouped = sorted(chosen, key=lambda sentence: (first_seen[sentence.hit.chunk.id], sentence.span.start))
        return [_Line(sentence.hit, sentence.span, item=is_bullet_item(sentence.text)) for sentence in grouped]

    def _add_list_items(self, lead: ScoredSentence, ranked: list[ScoredSentence],
                        chosen: list[ScoredSentence], words: int, max_words: int) -> int:
        """A sentence ending in ':' announces a list: bring the items that follow it."""
        if not lead.text.endswith(":"):
            return 0
        following = sorted(
            (s for s in ranked if s.hit.chunk.id == lead.hit.chunk.id and s.span.start > lead.span.start),
            key=lambda sentence: sentence.span.start,
        )
        items = []
        for sentence in following[:_LEAD_ITEMS]:
            if not LIST_ITEM_START.match(sentence.text):
                break
            items.append(sentence)
        added = 0
        for sentence in items or following[:1]:
            length = len(sentence.text.split())
            if words + added + length > max_words * 1.5 or _duplicate(sentence, chosen):
                break
            chosen.append(sentence)
            added += length
        return added


def _headings_below_chapter(hit: Hit, offset: int) -> str:
    """The section headings at `offset` of the passage without the chapter's: a chapter title
    names every topic of the chapter ("Konzipieren, betreiben, verstetigen"), so it tells no block apart."""
    section, path = hit.chunk.section_at(offset)
    titles = [title for title in path.split(SECTION_PATH_SEPARATOR) if title]
    return " ".join(titles[1:] if len(titles) > 1 else titles) or section


def _block_score(block: ListBlock, hit: Hit, rank: int, part: QuestionPart, shares: Sequence[float],
                 ranked: list[ScoredSentence], lead_coverage: float) -> float:
    """How well a block answers: the question's words it covers (all of it; its lead), its rank."""
    end = block.items[-1].end
    inside = [sentence for sentence in ranked
              if sentence.hit.chunk.id == hit.chunk.id and block.start <= sentence.span.start < end]
    if not inside or not shares:
        return 0.0
    covered = [max(sentence.matches[index] for sentence in inside) for index in range(len(shares))]
    coverage = sum(share * match for share, match in zip(shares, covered, strict=True))
    prior = 1.0 / (1.0 + 0.3 * rank)
    score = 0.45 * coverage + 0.4 * lead_coverage + 0.15 * prior
    if part.shape == "howto" and _RECOMMENDATION.search(block.lead.text if block.lead else hit.chunk.section):
        score += 0.1
    if part.count is not None and len(block.items) < part.count:
        score *= 0.7
    return score


def _presents_a_name(sentence: str) -> bool:
    """Does the sentence present something by name: it opens with a name or noun ("Sabrina Eßer,
    ...", "Der Buntspeicher ...") rather than a function word ("Im Zuge", "Auch", "Dabei"), or it
    quotes or capitalises one ("das Projekt „Frische Luft ...“", "Mit dem Projekt SENSARE ...")?"""
    if _QUOTED_OR_CAPITALS.search(sentence):
        return True
    tokens = [token.strip("„“\"'(") for token in sentence.split()[:2]]
    if tokens and tokens[0].lower() in _ARTICLES:
        tokens = tokens[1:]
    if not tokens or CONTINUATION_OPENER.match(sentence):
        return False
    return tokens[0][:1].isupper() and tokens[0].lower() not in GERMAN_STOPWORDS


def _naming_section(part: QuestionPart, lines: list[_Line]) -> str | None:
    """"Welches Modellprojekt regelt Strompreise über eine Blockchain?" is answered by a sentence
    about "ein intelligenter Algorithmus"; which project it is says the heading above it
    ("Gemeinde Fuchstal"). A question for a thing of some kind gets that heading as a framing line
    (no claim of its own, so no marker) when it is a name (a short heading, not "3.2 ...") and
    the sentences do not name it themselves. None when no heading should frame the answer."""
    if part.shape != "fact" or not part.focus or part.wants not in ("other", "place") or not lines:
        return None
    section = lines[0].hit.chunk.section_at(lines[0].span.start)[0].strip()
    named = bool(section) and len(section.split()) <= _MAX_NAME_WORDS and not section[:1].isdigit()
    return section if named and _normalise(section) not in _normalise(" ".join(line.text for line in lines)) else None


def _compose(lines: list[_Line], language: str, frame: str | None = None) -> Draft:
    """Markdown with a marker on every line; one citation per passage, quoting what was used.
    A `frame` (the first passage's section heading, see `_naming_section`) opens the answer."""
    numbers: dict[str, int] = {}
    used: dict[str, list[_Line]] = {}
    for line in lines:
        numbers.setdefault(line.hit.chunk.id, len(numbers) + 1)
        used.setdefault(line.hit.chunk.id, []).append(line)
    citations = []
    for chunk_id, n in numbers.items():
        ordered = sorted(used[chunk_id], key=lambda line: line.span.start)
        chunk = ordered[0].hit.chunk
        page = chunk.page_at(ordered[0].span.start)
        citations.append(Citation(n=n, document=chunk.document, title=chunk.title, page=page,
                                  quote=" ".join(line.span.text for line in ordered),
                                  url=document_url(chunk.document, page),
                                  score=round(ordered[0].hit.fused, 4)))
    text = _markdown(lines, numbers)
    if frame and text:
        page = lines[0].hit.chunk.page_at(lines[0].span.start)
        text = f"{render_prompt('section_frame', language, section=frame, page=page)}\n\n{text}"
    lead = load_prompt("extractive_lead", language) if language != "de" and text else ""
    return Draft(text=f"{lead}\n\n{text}" if lead else text, citations=citations)


def _markdown(lines: list[_Line], numbers: dict[str, int]) -> str:
    """Sentences run on in paragraphs; items become '- ' list lines; blank lines between the two."""
    blocks: list[str] = []
    paragraph: list[str] = []
    items: list[str] = []
    for line in lines:
        text = line.text.replace("*", "\\*")  # quoted text stays text: no emphasis
        marked = f"{_escape(text) if line.item or not paragraph else text} [{numbers[line.hit.chunk.id]}]"
        if line.item:
            if paragraph:
                blocks.append(" ".join(paragraph))
                paragraph = []
            items.append(f"- {marked}")
        else:
            if items:
                blocks.append("\n".join(items))
                items = []
            paragraph.append(marked)
    if paragraph:
        blocks.append(" ".join(paragraph))
    if items:
        blocks.append("\n".join(items))
    return "\n\n".join(blocks)


_MARKER_AT_START = re.compile(r"^(?=[#>*+\-]\s)")
_NUMBER_AT_START = re.compile(r"^(\d{1,2})([.)])(?=\s)")


def _escape(text: str) -> str:
    """Text at the start of a Markdown line must not read as a heading, quote or list marker
    ("11. Bundesländerworkshop" is an ordinal, not item 11: CommonMark wants "11\\. ")."""
    return _NUMBER_AT_START.sub(r"\1\\\2", _MARKER_AT_START.sub("\\\\", text))


def _quoted(sentence: str, quotes: Sequence[str]) -> bool:
    """Is `sentence` part of one of the (normalised) `quotes` of an earlier part's citations?"""
    text = _normalise(sentence)
    return any(text in quote for quote in quotes)


def _normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _chapter_section(hit: Hit, offset: int) -> tuple[str, ...]:
    """The document and the first two levels of the outline path at `offset` ("3 …", "3.3 …")."""
    section, path = hit.chunk.section_at(offset)
    return (hit.chunk.document, *(path.split(SECTION_PATH_SEPARATOR)[:2] if path else [section]))


def _duplicate(sentence: ScoredSentence, chosen: list[ScoredSentence]) -> bool:
    """Overlapping chunks repeat sentences; merged neighbours may contain them twice."""
    text = _normalise(sentence.text)
    for other in chosen:
        other_text = _normalise(other.text)
        if text in other_text or other_text in text:
            return True
    return False
