"""Percentiles and per-stage latency summaries, with no dependency beyond the standard library."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

# The pipeline's `Answer.timings_ms` keys that are durations, in pipeline order, and the
# short names the report uses. (`evidence_score` in the same dict is a score, not a time.)
STAGES: dict[str, str] = {
    "query": "query",
    "retrieval_manifest": "manifest",
    "retrieval_keyword": "keyword",
    "retrieval_embed": "embed",
    "retrieval_dense": "dense",
    "retrieval_fusion": "fusion",
    "answer": "answer",
}
TOTAL = "total"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks.

    The same definition as numpy's default ('linear'), so figures compare with other tools.
    """
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    lower = math.floor(position)
    upper = math.ceil(position)
    if lower == upper:
        return float(ordered[lower])
    weight = position - lower
    return float(ordered[lower] * (1 - weight) + ordered[upper] * weight)


def summarize(values: Sequence[float]) -> dict[str, float]:
    """n, mean, p50, p95, p99 and max of a sample (all zeros for an empty sample)."""
    if not values:
        return {"n": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 3),
        "p50": round(percentile(values, 50), 3),
        "p95": round(percentile(values, 95), 3),
        "p99": round(percentile(values, 99), 3),
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
