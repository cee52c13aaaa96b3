"""The benchmark summary: rows with targets, markdown output, and the synthetic text helpers."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rich.console import Console

from bench.questions import QUESTIONS
from bench.report import Row, fmt_triplet, latency_rows, render_markdown, render_table, summary_rows
from bench.synthetic import perturb, swap_places, vary_numbers


def _latency(p95: float) -> dict[str, object]:
    total = {"n": 10, "mean": 50.0, "p50": 40.0, "p95": p95, "p99": p95 + 5, "max": p95 + 10}
    return {"answers": 10, "refused": 2, "wall": total,
            "stages": {"embed": {"n": 10, "mean": 20.0, "p50": 18.0, "p95": 30.0, "p99": 31.0, "max": 32.0},
                       "total": total}}


def test_fmt_triplet_formats_small_and_large_values() -> None:
    assert fmt_triplet({"p50": 4.25, "p95": 12.4, "p99": 130.6}) == "4.2 / 12 / 131 ms"
    assert fmt_triplet(None) == "–"


@pytest.mark.parametrize(("p95", "ok"), [(149.0, True), (150.0, True), (151.0, False)])
def test_latency_row_checks_the_corpus_target(p95: float, ok: bool) -> None:
    end_to_end = latency_rows(_latency(p95))[-1]
    assert end_to_end.target == "p95 ≤ 150 ms"
    assert end_to_end.ok is ok
    assert "2 refusals" in end_to_end.metric


def test_failed_part_shows_its_error() -> None:
    rows = summary_rows({"server": {"error": "RuntimeError: the server exited with 1"}})
    assert rows == [Row("HTTP server", "not measured", "RuntimeError: the server exited with 1", ok=False)]


def test_markdown_has_machine_line_and_escaped_cells() -> None:
    rows = [Row("Ingest", "re-ingest", "0.4 s", "< 2 s", True), Row("X", "a|b", "1", "", False)]
    text = render_markdown(rows, {"date": "2025-01-01", "cpu": "Test CPU", "cores": 2, "ram_gb": 8,
                                  "python": "3.11", "load_avg_1m": 0.5})
    lines = text.splitlines()
    assert "Test CPU, 2 cores, 8 GB RAM" in lines[0]
    assert lines[2] == "| Part | Measure | Result | Target | |"
    assert "| Ingest | re-ingest | 0.4 s | < 2 s | ✅ |" in lines
    assert "| X | a\\|b | 1 |  | ❌ |" in lines


def test_rich_table_marks_pass_and_fail() -> None:
    console = Console(record=True, width=160)
    console.print(render_table([Row("A", "m1", "1", "t", True), Row("A", "m2", "2", "t", False)]))
    text = console.export_text()
    assert "PASS" in text and "FAIL" in text


def test_question_list_is_large_and_covers_every_report() -> None:
    assert len(QUESTIONS) >= 50
    assert len({question.text for question in QUESTIONS}) == len(QUESTIONS)
    assert len({question.document for question in QUESTIONS if question.document}) == 5


def test_synthetic_variants_change_numbers_and_places_but_stay_text() -> None:
    rng = random.Random(1)
    varied = vary_numbers("43 der 73 Projekte seit 2020", rng)
    assert varied != "43 der 73 Projekte seit 2020" and varied.endswith(tuple("0123456789"))
    swapped = swap_places("Das Stadtlabor in Iserlohn, gefördert von Iserlohn und Jena", rng)
    assert "Iserlohn" not in swapped and "Jena" not in swapped
    town = swapped.split()[3].rstrip(",")
    assert swapped.count(town) == 2  # one place is swapped consistently within a text


def test_perturbed_vectors_stay_unit_length_and_close() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(5, 384)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    noisy = perturb(base, rng, sigma=0.015)
    assert np.allclose(np.linalg.norm(noisy, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(noisy * base, axis=1)
    assert np.all(cosine > 0.9) and np.all(cosine < 0.9999)


class _FakeChroma:
    """A LangChain-Chroma-like `get` that, like SQLite, refuses too large a page."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.calls: list[tuple[int, int]] = []

    def get(self, include: list[str] | None = None, limit: int | None = None,
            offset: int | None = None) -> dict[str, list[object]]:
        assert limit is not None and limit <= 5000, "unpaged read"
        start = offset or 0
        ids = [f"c{i}" for i in range(start, min(self.count, start + limit))]
        self.calls.append((start, len(ids)))
        return {"ids": ids, "documents": [f"text {i}" for i in ids],
                "metadatas": [{"source": "a.pdf", "page": 0} for _ in ids]}


def test_baseline_reads_a_large_store_in_pages() -> None:
    from pathlib import Path

    from evals.baseline import BaselinePipeline

    fake = _FakeChroma(12_345)
    pipeline = BaselinePipeline(Path("corpus"), Path("persist"), embeddings=None)  # type: ignore[arg-type]
    chunks = pipeline._stored_chunks(fake, page=5000)
    assert len(chunks) == 12_345 and len({chunk.id for chunk in chunks}) == 12_345
    assert fake.calls == [(0, 5000), (5000, 5000), (10_000, 2345), (12_345, 0)]
