"""One answer from the answers to the parts of a compound question.

Each part was answered on its own (from its own passages, often in another report); the
parts are shown one after the other under their own question, citations renumbered so
that every marker still points at its source. A part the documents do not answer says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answer.types import Citation, Draft

_MARKER = re.compile(r"\[(\d{1,3})\]")


def merge_parts(parts: Sequence[tuple[str, Draft | None]], unanswered_text: str) -> Draft:
    """`parts` are (question, draft or None when unanswered), in the question's order."""
    sections: list[str] = []
    citations: list[Citation] = []
    for question, draft in parts:
        text = question.strip().replace("\\", "\\\\").replace("*", "\\*")  # stays text inside the bold
        heading = f"**{text[:1].upper()}{text[1:]}**"
        if draft is None or draft.refused or not draft.citations:
            sections.append(f"{heading}\n\n{unanswered_text}")
            continue
        offset = len(citations)
        numbers = {citation.n: citation.n + offset for citation in draft.citations}
        body = _renumber(draft.text, numbers)
        citations.extend(replace(citation, n=numbers[citation.n]) for citation in draft.citations)
        sections.append(f"{heading}\n\n{body}")
    return Draft(text="\n\n".join(sections), citations=citations, refused=not citations)


def _renumber(text: str, numbers: dict[int, int]) -> str:
    return _MARKER.sub(lambda match: f"[{numbers.get(int(match.group(1)), int(match.group(1)))}]", text)
