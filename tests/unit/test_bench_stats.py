"""The benchmark's latency summaries and per-stage helpers."""

from __future__ import annotations

import pytest

from bench.stats import ratio, stage_samples, summarize


def test_summarize_reports_count_mean_and_tail() -> None:
    summary = summarize([float(value) for value in range(1, 101)])
    assert summary["n"] == 100
    assert summary["mean"] == 50.5
    assert summary["p50"] == 50.5
    assert summary["p95"] == pytest.approx(95.05)
    assert summary["p99"] == pytest.approx(99.01)
    assert summary["max"] == 100.0


def test_summarize_of_nothing_is_zeros() -> None:
    assert summarize([]) == {"n": 0, "mean": 0.0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}


def test_stage_samples_maps_pipeline_keys_and_computes_rest() -> None:
    answered = {"query": 0.0, "retrieval_manifest": 0.1, "retrieval_keyword": 2.0, "retrieval_embed": 30.0,
                "retrieval_dense": 10.0, "retrieval_fusion": 3.0, "retrieval": 45.5,
                "answer": 1.5, "total": 50.0}
    refused = {"query": 0.0, "retrieval_keyword": 1.0, "retrieval_embed": 20.0, "retrieval_dense": 9.0,
               "retrieval_fusion": 2.0, "total": 33.0}
    samples = stage_samples([answered, refused, {"query": 1.0}])  # the last has no total: skipped
    assert samples["embed"] == [30.0, 20.0]
    assert samples["answer"] == [1.5]  # refusals have no answer stage
    assert samples["total"] == [50.0, 33.0]
    # rest = total minus the timed stages; neither the 'retrieval' sum nor the score count
    assert samples["rest"] == pytest.approx([50.0 - 46.6, 33.0 - 32.0])


def test_ratio_handles_missing_figures() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(1.0, 0.0) is None
