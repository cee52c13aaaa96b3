"""What a question asks for: its shape, the kind of value it wants, and its parts.

The extractive answerer and the answerability check both start here. A question wants one
of a few answer shapes (a list, steps or recommendations, a number or date, a definition,
a plain fact) and may be two questions in one ("Wie viele ... und wann ...?"), which are
answered part by part. Everything is decided from the question's words with the patterns
in `ingest.lexicon`; no model is involved, so the decision is fast and can be read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest import lexicon

Shape = Literal["list", "howto", "number", "definition", "reason", "yesno", "fact"]
Wants = Literal["count", "amount", "date", "duration", "person", "place", "definition", "reason",
                "procedure", "list", "yesno", "other"]

_QUESTION_END = re.compile(r"(?<=\?)\s+(?=\S)")
_CONTEXT_PREFIX = re.compile(r"^(?P<context>[^:?]{3,60}):\s+(?P<rest>.+)$", re.S)
_MAX_CONTEXT_WORDS = 6
_MIN_PART_WORDS = 2


@dataclass(frozen=True)
class QuestionPart:
    """One question: its text, the answer shape it wants and the kind of value it asks for."""

    text: str
    shape: Shape
    wants: Wants
    count: int | None = None  # "Welche drei ...": the number of items asked for
    focus: tuple[str, ...] = ()  # what it asks about: "Partnern" in "Mit welchen Partnern ...?"

    @property
    def wants_value(self) -> bool:
        """Does it ask for a number, amount, date or duration (a sentence with digits answers it)?"""
        return self.wants in ("count", "amount", "date", "duration")


@dataclass(frozen=True)
class Question:
    """The whole question and its parts (one part unless it is a compound question)."""

    text: str
    parts: tuple[QuestionPart, ...]

    @property
    def compound(self) -> bool:
        return len(self.parts) > 1

    @property
    def shape(self) -> Shape:
        return self.parts[0].shape


def analyse(question: str) -> Question:
    """Split `question` into its parts and decide for each what it asks for."""
    texts = split_parts(question)
    return Question(question, tuple(classify(text) for text in texts))


def classify(text: str) -> QuestionPart:
    """The shape and the wanted value of one (simple) question."""
    wants = _wants(text)
    count = _list_count(text)
    if wants == "procedure":
        shape: Shape = "howto"
    elif wants == "list" or count is not None:
        shape = "list"
        wants = "list"
    elif wants in ("count", "amount", "date", "duration"):
        shape = "number"
    elif wants in ("definition", "reason", "yesno"):
        shape = wants  # type: ignore[assignment]
    else:
        shape = "fact"
    return QuestionPart(text, shape, wants, count, _focus(text, shape))


def _focus(text: str, shape: Shape) -> tuple[str, ...]:
    """The words naming what is asked about: the noun after "welche"/"wie viele", the action of
    a how-to question (German writes verbs in lower case: "Wie verstetige ich einen Makerspace?").
    """
    focus: list[str] = []
    match = lexicon.FOCUS_AFTER.search(text)
    if match:
        focus.append(match.group("focus"))
    if shape == "howto":
        words = re.findall(r"[A-Za-zÄÖÜäöüß]+", text)
        focus += [word for word in words[1:] if word[:1].islower() and len(word) >= 5
                  and word.lower() not in lexicon.AUXILIARY_VERBS and word.lower() not in lexicon.GERMAN_STOPWORDS
                  and word.lower() not in lexicon.QUESTION_WORDS]
    return tuple(dict.fromkeys(focus))


def _wants(text: str) -> Wants:
    """The kind of value asked for; the order matters where patterns overlap."""
    if lexicon.LIST_QUESTION.search(text):
        return "list"  # "Welche Erfolgsfaktoren ...?" wants the list, even when it is advice
    if lexicon.HOWTO_QUESTION.search(text) and not lexicon.ASKS_COUNT.search(text):
        return "procedure"
    for wants, pattern in (("amount", lexicon.ASKS_AMOUNT), ("count", lexicon.ASKS_COUNT),
                           ("duration", lexicon.ASKS_DURATION), ("date", lexicon.ASKS_DATE),
                           ("person", lexicon.ASKS_PERSON), ("definition", lexicon.ASKS_DEFINITION),
                           ("reason", lexicon.ASKS_REASON), ("place", lexicon.ASKS_PLACE),
                           ("yesno", lexicon.ASKS_YES_NO)):
        if pattern.search(text):
            return wants  # type: ignore[return-value]
    return "other"


def _list_count(text: str) -> int | None:
    match = lexicon.LIST_COUNT.search(text)
    if not match:
        return None
    word = match.group(1).lower()
    value = int(word) if word.isdigit() else lexicon.COUNT_WORDS.get(word)
    return value if value and 2 <= value <= 12 else None


def split_parts(question: str) -> list[str]:
    """The questions in `question`: "A? B?", "A, und wann B?", "X: A, und B?" give two.

    A second part must have words of its own ("Wann und wo fand ... statt?" is one question
    with two question words). A shared context before a colon ("Zum Workshop: wann ..., und
    wer ...?") is kept with every part.
    """
    text = " ".join(question.split())
    context = ""
    prefixed = _CONTEXT_PREFIX.match(text)
    if (prefixed and len(prefixed.group("context").split()) <= _MAX_CONTEXT_WORDS
            and ("," in prefixed.group("rest") or "?" in prefixed.group("rest")[:-1])):
        context, text = prefixed.group("context").strip(), prefixed.group("rest").strip()
    pieces: list[str] = []
    for sentence in _QUESTION_END.split(text):
        pieces.extend(_split_on_conjunction(sentence))
    parts = [piece for piece in (piece.strip(" ,;") for piece in pieces) if piece]
    merged: list[str] = []
    for part in parts:
        if merged and (_vague(merged[-1]) or _leans_back(part)):
            merged[-1] = f"{merged[-1].rstrip('?')}, {part}"
        elif merged and len(part.rstrip("?").split()) < _MIN_PART_WORDS and not part.endswith("?"):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    if len(merged) <= 1:
        return [question.strip()]
    finished = [part if part.endswith("?") else f"{part}?" for part in merged]
    return [f"{context}: {part}" if context else part for part in finished]


def _vague(part: str) -> bool:
    """A question with fewer than two words of its own ("Ist das klug?") leans on what follows."""
    last = re.split(r"(?<=[.!?:])\s+", part.strip())[-1]
    words = [word for word in re.findall(r"[A-Za-zÄÖÜäöüß]+", last.lower())
             if word not in lexicon.GERMAN_STOPWORDS and word not in lexicon.QUESTION_WORDS
             and word not in lexicon.REFERENCE_WORDS]
    return len(words) < _MIN_PART_WORDS


def _leans_back(part: str) -> bool:
    """A second question about the first one's subject ("..., und wie arbeitet es?"): it has too
    few words of its own and points back with "es", "er", "dort"; it is asked with the first."""
    words = re.findall(r"[A-Za-zÄÖÜäöüß]+|\d+", part.lower())
    own = [word for word in words if word not in lexicon.GERMAN_STOPWORDS and word not in lexicon.QUESTION_WORDS
           and word not in lexicon.REFERENCE_WORDS]
    return len(own) < _MIN_PART_WORDS and any(word in lexicon.REFERENCE_WORDS for word in words)


def _split_on_conjunction(sentence: str) -> list[str]:
    """"A, und wann B?" -> ["A", "wann B?"]; only where both sides are questions of their own."""
    match = lexicon.SECOND_QUESTION.search(sentence)
    if not match:
        return [sentence]
    first, second = sentence[:match.start()], sentence[match.end():]
    if len(first.split()) < _MIN_PART_WORDS or len(second.rstrip("?").split()) < _MIN_PART_WORDS:
        return [sentence]
    return [first, *_split_on_conjunction(second)]
