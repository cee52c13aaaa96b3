"""Latency summaries (numpy's percentiles) and per-stage samples of the pipeline's timings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

# The pipeline's `Answer.timings_ms` keys that are durations, in pipeline order, and the
# short names the report uses.
STAGES: dict[str, str] = {
    "query": "query",
    "retrieval_manifest": "manifest",
    "retrieval_keyword": "keyword",
    "retrieval_embed": "embed",
    "retrieval_dense": "dense",
    "retrieval_aspects": "aspects",  # list and how-to questions: a ranking per aspect, the outline
    "retrieval_fusion": "fusion",
    "answer": "answer",
}
TOTAL = "total"


def summarize(values: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max of a sample (all zeros for an empty sample)."""
    if not values:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    p50, p95, p99 = (float(value) for value in np.percentile(values, [50, 95, 99]))
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 3),
        "p50": round(p50, 3),
        "p95": round(p95, 3),
        "p99": round(p99, 3),
        "max": round(max(values), 3),
    }


def stage_samples(timings: Iterable[Mapping[str, float]]) -> dict[str, list[float]]:
    """Per-stage samples from many `Answer.timings_ms`, plus 'rest' (total minus the stages).

    'rest' is time the pipeline spends outside its timed stages: language detection,
    sentence scoring for the refusal check, building the answer object.
    """
    samples: dict[str, list[float]] = {name: [] for name in STAGES.values()}
    samples["rest"] = []
    samples[TOTAL] = []
    for timing in timings:
        if TOTAL not in timing:
            continue
        staged = 0.0
        for key, name in STAGES.items():
            if key in timing:
                samples[name].append(float(timing[key]))
                staged += float(timing[key])
        samples["rest"].append(max(0.0, float(timing[TOTAL]) - staged))
        samples[TOTAL].append(float(timing[TOTAL]))
    return samples


def summarize_stages(samples: Mapping[str, Sequence[float]]) -> dict[str, dict[str, float]]:
    return {name: summarize(values) for name, values in samples.items() if values}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is 0."""
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)
