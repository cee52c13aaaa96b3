"""Run the evaluation dataset through the assistant, score it, report it, gate on it.

`smartcity eval` calls `run_cli`. Each variant (hybrid, dense, keyword retrieval, or the
plain LangChain baseline) answers every item once, as the assistant would (at the
configured refusal threshold; a compound question may be answered in part), and the
pipeline's evidence score is recorded: the sweep then tells, for every other threshold,
which items the pipeline would have refused (it refuses when the score is below).
"""

from __future__ import annotations

import subprocess
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.refusal import RefusalPolicy
from evals import metrics
from evals.dataset import SPLITS, EvalItem, load_dataset
from ingest.errors import InvalidRequestError, SettingsError
from vectorstore.hybrid import Hit, SearchResult

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.answer.types import Answer
    from assistant.pipeline import Assistant, Retriever
    from assistant.wiring import Services


VARIANTS = ("hybrid", "dense", "keyword", "baseline")
PRIMARY = "hybrid"
RETRIEVAL_DEPTH = 5
SWEEP = [round(step / 200, 3) for step in range(201)]  # evidence scores may cluster: fine steps


# --- running ------------------------------------------------------------------------------

class RecordingRetriever:
    """Wraps a retriever and keeps the search results of one question (one per part) for scoring."""

    def __init__(self, inner: Retriever) -> None:
        self.inner = inner
        self.searches: list[SearchResult] = []

    def search(self, query: str, k: int, documents: Sequence[str] | None = None,
               focus: Sequence[str] = ()) -> SearchResult:
        result = self.inner.search(query, k, documents, focus=focus)
        self.searches.append(result)
        return result

    def hits(self) -> list[Hit]:
        """The passages the answerer saw, interleaved over the parts' searches, each once."""
        seen: set[str] = set()
        hits: list[Hit] = []
        for rank in range(max((len(search.hits) for search in self.searches), default=0)):
            for search in self.searches:
                if rank < len(search.hits) and search.hits[rank].chunk.id not in seen:
                    seen.add(search.hits[rank].chunk.id)
                    hits.append(search.hits[rank])
        return hits


@dataclass
class System:
    """One variant under test: an assistant whose retrieval is recorded."""

    variant: str
    assistant: Assistant
    recorder: RecordingRetriever
    build: dict[str, Any]


def build_system(services: Services, variant: str, mode: str) -> System:
    """The assistant for `variant`, its retrieval recorded."""
    settings = services.settings
    build: dict[str, Any] = {}
    if variant == "baseline":
        from evals.baseline import BaselinePipeline

        pipeline = BaselinePipeline(settings.corpus_dir, settings.data_dir / "baseline", services.embeddings)
        build = pipeline.build()
        recorder = RecordingRetriever(pipeline.retriever)
    else:
        recorder = RecordingRetriever(services.retriever(variant))  # type: ignore[arg-type]
    assistant = services.build_assistant(mode, retriever=recorder)
    return System(variant, assistant, recorder, build)


def evaluate_item(system: System, item: EvalItem, min_evidence: float) -> dict[str, Any]:
    """Ask one question and score the answer as the pipeline at `min_evidence` would give it."""
    system.recorder.searches = []
    started = time.perf_counter()
    answer = system.assistant.ask(item.question, item.turns)
    wall_ms = (time.perf_counter() - started) * 1000
    hits = system.recorder.hits()
    score = answer.evidence_score
    passages = [metrics.Retrieved(hit.chunk.document, hit.chunk.page, hit.chunk.page_end, hit.chunk.text,
                                  hit.chunk.position) for hit in hits]
    result: dict[str, Any] = {
        "id": item.id,
        "split": item.split,
        "category": item.category,
        "near_miss": item.near_miss,
        "origin": item.origin,
        "answerable": item.answerable,
        "question": item.question,
        "query": answer.query,
        "answer": answer.answer,
        "mode": answer.mode,
        "refused": answer.refused,
        # refused although the score passed the threshold (the answerer found nothing to cite)
        "refused_anyway": answer.refused and not RefusalPolicy(min_evidence).refuses(score),
        "unanswered": answer.unanswered,
        "evidence_score": score,
        "citations": [citation.to_dict() for citation in answer.citations],
        "retrieved": [{"document": hit.chunk.document, "page": hit.chunk.page, "page_end": hit.chunk.page_end,
                       "score": round(hit.fused, 4)} for hit in hits],
        "latency_ms": answer.timings_ms.get("total"),
        "wall_ms": round(wall_ms, 2),
    }
    result.update(score_item(item, answer, passages))
    return result


def score_item(item: EvalItem, answer: Answer, passages: list[metrics.Retrieved]) -> dict[str, Any]:
    """The per-item metrics (None where a metric does not apply to the item)."""
    scores: dict[str, Any] = dict.fromkeys(metrics.MEAN_METRICS)
    if item.answerable:
        expected: dict[str, list[int]] = {}
        for source in item.expected:
            expected.setdefault(source.document, []).extend(source.pages)
        scores.update(metrics.retrieval_metrics(passages[:RETRIEVAL_DEPTH], expected, (1, RETRIEVAL_DEPTH)))
        in_text_order = sorted(passages, key=lambda passage: (passage.document, passage.position))
        scores["evidence_recall"] = metrics.evidence_recall(
            [evidence.quote for evidence in item.evidence], [passage.text for passage in in_text_order])
        # The ceiling: could an answer from these passages carry every fact at all?
        ceiling, _ = metrics.fact_recall(item.facts, " ".join(passage.text for passage in in_text_order))
        scores["fact_ceiling"] = float(ceiling)
        passed, share = metrics.fact_recall(item.facts, "" if answer.refused else answer.answer)
        scores["fact_pass"] = float(passed)
        scores["fact_recall"] = share
    if item.category == "partial":
        scores["partial_marked"] = float(not answer.refused and bool(answer.unanswered))
    if not answer.refused:
        cited = [metrics.CitedSource(c.n, c.document, c.page, c.quote) for c in answer.citations]
        scores["citation_precision"] = metrics.citation_precision(answer.answer, cited, passages)
        scores["cited_sentence_share"] = metrics.cited_sentence_share(answer.answer)
        scores["answer_words"] = metrics.answer_words(answer.answer)
    return scores


def run_variant(system: System, items: list[EvalItem], min_evidence: float,
                progress: Any = None) -> dict[str, Any]:
    """Every item through one variant: aggregates, near misses and the refusal sweep per part.

    The top-level `aggregates`, `sweep`, `best_threshold` and `items` are the dev part's (the
    part one may look at item by item); `parts` holds the aggregates of both. The frozen test
    part keeps no per-item rows, so that no tuning reads its single items.
    """
    results = []
    for item in items:
        results.append(evaluate_item(system, item, min_evidence))
        if progress is not None:
            progress()
    parts = {split: summarise_part([row for row in results if row["split"] == split]) for split in SPLITS}
    parts = {split: part for split, part in parts.items() if part["items"]}
    shown = parts.get("dev") or next(iter(parts.values()))
    return {
        "variant": system.variant,
        "build": system.build,
        "parts": parts,
        "aggregates": shown["aggregates"],
        "sweep": shown["sweep"],
        "best_threshold": shown["best_threshold"],
        "items": [row for row in results if row["split"] == "dev"],
    }


def summarise_part(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Aggregates per category and per kind of near miss, origins, and the refusal sweep of one part."""
    sweep = metrics.refusal_sweep(
        [(row["evidence_score"], row["answerable"], row["refused_anyway"]) for row in rows], SWEEP)
    best = metrics.best_threshold(sweep)
    origins: dict[str, int] = {}
    for row in rows:
        origins[row["origin"]] = origins.get(row["origin"], 0) + 1
    return {
        "items": len(rows),
        "origins": origins,
        "aggregates": metrics.aggregate_by_category(rows) if rows else {},
        "near_misses": metrics.aggregate_by(rows, "near_miss"),
        "sweep": [{"threshold": p.threshold, "refusal_accuracy": p.refusal_accuracy,
                   "false_refusal_rate": p.false_refusal_rate, "objective": round(p.objective, 4)}
                  for p in sweep],
        "best_threshold": None if best is None else {
            "threshold": best.threshold, "refusal_accuracy": best.refusal_accuracy,
            "false_refusal_rate": best.false_refusal_rate, "objective": round(best.objective, 4)},
    }


def gated_part(variant: dict[str, Any]) -> str:
    """CI gates on the frozen test part; a dataset without one (a single dev file) on dev."""
    return "test" if "test" in variant["parts"] else "dev"


# --- the gate -----------------------------------------------------------------------------

def default_gate_path() -> Path:
    return Path(str(resources.files("evals") / "gate.toml"))


def load_gate(path: Path | None = None) -> list[tuple[str, str, str, float]]:
    """Gate rules as (scope, metric, 'min'|'max', bound); scope 'overall' or a category."""
    path = path or default_gate_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"gate file {path}: {exc}") from None
    known = set(metrics.MEAN_METRICS) | {"refusal_accuracy", "false_refusal_rate", "latency_p50_ms",
                                         "latency_p95_ms", "wall_p50_ms", "wall_p95_ms"}
    rules: list[tuple[str, str, str, float]] = []

    def collect(scope: str, table: dict[str, Any]) -> None:
        for bound in ("min", "max"):
            for metric, value in table.get(bound, {}).items():
                if metric not in known:
                    raise SettingsError(f"gate file {path}: unknown metric {metric!r} in {scope}.{bound}")
                rules.append((scope, metric, bound, float(value)))

    collect("overall", data)
    for category, table in data.get("category", {}).items():
        collect(category, table)
    return rules


def check_gate(rules: list[tuple[str, str, str, float]], aggregates: dict[str, dict[str, Any]]) -> list[str]:
    """The broken rules, each as a readable line; empty when the gate passes.

    A rule breaks only when its metric misses the bound by more than one item's worth (1/n
    for a mean over n items): one item flipping (an approximate neighbour, a tie) cannot
    fail CI on its own, a real regression still does.
    """
    failures = []
    for scope, metric, bound, limit in rules:
        values = aggregates.get(scope, {})
        value = values.get(metric)
        if value is None:
            failures.append(f"{scope}.{metric}: not measured (gate {bound} {limit:g})")
            continue
        count = values.get("counts", {}).get(metric) or 0
        slack = 1.0 / count if count and not metric.endswith("_ms") and metric != "answer_words" else 0.0
        if bound == "min" and value + slack < limit - 1e-9:
            failures.append(f"{scope}.{metric} = {value:.3f} is below the gate {limit:g} (n={count})")
        elif bound == "max" and value - slack > limit + 1e-9:
            failures.append(f"{scope}.{metric} = {value:.3f} is above the gate {limit:g} (n={count})")
    return failures


# --- the command --------------------------------------------------------------------------

def git_commit(cwd: Path | None = None) -> str:
    """Short commit id of the working tree, or 'unknown' outside a git checkout."""
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10, cwd=cwd or Path(__file__).resolve().parent, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "unknown"


def settings_summary(services: Services, mode: str) -> dict[str, Any]:
    settings = services.settings
    summary: dict[str, Any] = {
        "embedding_model": settings.embedding_model,
        "chunk_tokens": settings.ingest.chunk_tokens,
        "chunk_overlap": settings.ingest.chunk_overlap,
        "top_k": settings.retrieval.top_k,
        "candidates": settings.retrieval.candidates,
        "rrf_k": settings.retrieval.rrf_k,
        "merge_neighbours": settings.retrieval.merge_neighbours,
        "min_evidence": settings.retrieval.min_evidence,
        "max_words": settings.answer.max_words,
        "max_sentences": settings.answer.max_sentences,
        "documents": [f"{record.file}@{record.version[:12]}" for record in services.store.documents()],
    }
    if mode == "llm":
        summary["llm_model"] = settings.llm.model
    return summary


def run_cli(services: Services, dataset: Path | None, mode: str, variants: list[str],
            report_dir: Path | None, gate: bool, judge: bool, console: Console) -> int:
    """Evaluate, print, write the report; 1 when `gate` is on and a metric misses its threshold."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from evals import report

    settings = services.settings
    if mode not in ("extractive", "llm"):
        raise InvalidRequestError(f"unknown mode {mode!r}: use extractive or llm")
    if mode == "llm" and not settings.llm.configured:
        raise SettingsError("--mode llm needs SMARTCITY_LLM_BASE_URL and SMARTCITY_LLM_MODEL")
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        raise InvalidRequestError(f"unknown variant(s) {', '.join(unknown)}: use {', '.join(VARIANTS)}")
    wanted = [PRIMARY] + [variant for variant in VARIANTS if variant in variants and variant != PRIMARY]
    rules = load_gate() if gate else []
    items = load_dataset(dataset)
    if not services.store.documents():
        raise InvalidRequestError("the store is empty: run `smartcity ingest` first")
    min_evidence = settings.retrieval.min_evidence

    started_at = datetime.now(UTC)
    commit = git_commit()
    run: dict[str, Any] = {
        "run_id": f"{started_at:%Y%m%dT%H%M%SZ}-{commit}",
        "date": started_at.isoformat(timespec="seconds"),
        "commit": commit,
        "mode": mode,
        "primary": PRIMARY,
        "variants": {},
        "dataset": {"path": str(dataset or "evals/data"), "items": len(items),
                    "parts": {split: sum(1 for item in items if item.split == split) for split in SPLITS}},
        "settings": settings_summary(services, mode),
    }
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        for variant in wanted:
            task = progress.add_task(f"eval {variant}", total=len(items))
            system = build_system(services, variant, mode)
            run["variants"][variant] = run_variant(system, items, min_evidence,
                                                   lambda task=task: progress.advance(task))
    primary = run["variants"][PRIMARY]
    if judge:
        _judge(services, items, primary, console)
    run["seconds"] = round((datetime.now(UTC) - started_at).total_seconds(), 1)

    part = gated_part(primary)
    failures = check_gate(rules, primary["parts"][part]["aggregates"]) if gate else []
    run["gate"] = {"checked": gate, "part": part, "passed": not failures, "failures": failures}
    out_dir = report_dir or settings.evals_dir
    paths = report.write_reports(run, out_dir)
    report.print_console(run, console)
    console.print(f"Report: {paths['html']}  ({paths['json'].name}, {paths['md'].name})")
    if gate:
        if failures:
            console.print("[red]Quality gate failed:[/red]")
            for failure in failures:
                console.print(f"  - {failure}", markup=False)
            return 1
        console.print(f"[green]Quality gate passed[/green] ({len(rules)} thresholds on the {part} part)")
    return 0


def _judge(services: Services, items: list[EvalItem], primary: dict[str, Any], console: Console) -> None:
    """Add LLM-as-judge scores to the primary variant (informative only, never gated)."""
    if not services.settings.llm.configured:
        console.print("[yellow]--judge needs an LLM (SMARTCITY_LLM_BASE_URL, SMARTCITY_LLM_MODEL); "
                      "skipped[/yellow]")
        return
    from evals.judge import build_judge

    judge = build_judge(services.settings.llm)
    by_id = {item.id: item for item in items}
    for row in primary["items"]:
        item = by_id[row["id"]]
        if row["refused"] or not item.answerable:
            continue
        verdict = judge.score(item.question, item.reference_answer, row["answer"],
                              [citation["quote"] for citation in row["citations"]])
        if verdict is not None:
            row["judge_correctness"] = verdict.correctness
            row["judge_faithfulness"] = verdict.faithfulness
            row["judge_reason"] = verdict.reason
    if "dev" in primary["parts"]:  # `items` holds the dev part's rows; a test-only run keeps its figures
        primary["parts"]["dev"]["aggregates"] = primary["aggregates"] = metrics.aggregate_by_category(
            primary["items"])
    judged = sum(1 for row in primary["items"] if row.get("judge_correctness") is not None)
    console.print(f"LLM judge scored {judged} answers")
