"""Warm query latency: end to end and per pipeline stage, over the fixed question list.

Works for anything with an `ask(question)`-like callable: our `Assistant.ask` (per-stage
figures come from `Answer.timings_ms`) or the LangChain baseline (wall time only, plus
whatever timings its answer carries).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.stats import stage_samples, summarize, summarize_stages


def measure_latency(ask: Callable[[str], Any], questions: Sequence[str], repeats: int = 3,
                    warmup: int = 10) -> dict[str, Any]:
    """Ask `warmup` questions untimed, then every question `repeats` times.

    Returns wall-clock percentiles ('wall'), per-stage percentiles from the answers'
    `timings_ms` when they have them ('stages'), and how many answers were refusals.
    """
    for question in questions[:warmup]:
        ask(question)
    wall: list[float] = []
    timings: list[dict[str, float]] = []
    refused = 0
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            answer = ask(question)
            wall.append((time.perf_counter() - started) * 1000)
            answer_timings = getattr(answer, "timings_ms", None)
            if isinstance(answer_timings, dict):
                timings.append(answer_timings)
            refused += bool(getattr(answer, "refused", False))
    return {
        "questions": len(questions),
        "repeats": repeats,
        "answers": len(wall),
        "refused": refused,
        "wall": summarize(wall),
        "stages": summarize_stages(stage_samples(timings)),
    }
