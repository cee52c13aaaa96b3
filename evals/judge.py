"""Optional LLM-as-judge: correctness and faithfulness on a 1-5 scale.

Only with ``smartcity eval --judge`` and a configured OpenAI-compatible endpoint. The scores
are informative; the deterministic metrics stay the gate (a judge model drifts, and a small
local one is noisy).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.prompts import load_prompt, render_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import LLMSettings

log = logging.getLogger(__name__)

_JSON = re.compile(r"\{.*?\}", re.S)


@dataclass(frozen=True)
class Verdict:
    correctness: int
    faithfulness: int
    reason: str


def parse_verdict(text: str) -> Verdict | None:
    """The first JSON object in `text` with both scores in 1..5, else None."""
    for match in _JSON.finditer(text):
        try:
            data = json.loads(match.group())
        except ValueError:
            continue
        try:
            correctness, faithfulness = int(data["correctness"]), int(data["faithfulness"])
        except (KeyError, TypeError, ValueError):
            continue
        if 1 <= correctness <= 5 and 1 <= faithfulness <= 5:
            return Verdict(correctness, faithfulness, str(data.get("reason", ""))[:300])
    return None


class Judge:
    """Scores one answer with a chat model; None when the model's reply is unusable."""

    def __init__(self, chat_model: BaseChatModel) -> None:
        self.chat_model = chat_model

    def score(self, question: str, reference: str, answer: str, quotes: Sequence[str]) -> Verdict | None:
        import httpx
        import openai

        messages = [("system", load_prompt("judge_system", "en")),
                    ("human", render_prompt("judge_user", "en", question=question, reference=reference or "(none)",
                                            answer=answer,
                                            quotes="\n".join(f"- {quote}" for quote in quotes) or "(none)"))]
        try:
            reply = self.chat_model.invoke(messages)
        except (openai.APIError, httpx.HTTPError, ConnectionError, TimeoutError) as exc:
            log.warning("judge unavailable: %s", exc)
            return None
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        verdict = parse_verdict(content)
        if verdict is None:
            log.info("judge reply not usable: %.200s", content)
        return verdict


def build_judge(settings: LLMSettings) -> Judge:
    """A judge on the configured endpoint, at temperature 0 for repeatable grades."""
    from assistant.answer.llm import build_chat_model

    return Judge(build_chat_model(settings.model_copy(update={"temperature": 0.0})))
