"""Run the evaluation dataset through the assistant, score it, report it, gate on it.

`smartcity eval` calls `run_cli`. Each variant (hybrid, dense, keyword retrieval, or the
plain LangChain baseline) answers every item once with the refusal threshold at 0, and the
pipeline's evidence score is recorded; refusals at the configured threshold (the gated
metrics) and at every threshold of the sweep are then applied afterwards, exactly as the
pipeline would have applied them (it refuses before answering when the score is below).
"""

from __future__ import annotations

import subprocess
import time
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import InvalidRequestError, SettingsError
from assistant.prompts import load_prompt
from assistant.refusal import RefusalPolicy
from evals import metrics
from evals.dataset import EvalItem, load_dataset
from vectorstore.hybrid import SearchResult

if TYPE_CHECKING:
    from rich.console import Console

    from assistant.answer.types import Answer
    from assistant.pipeline import Assistant
    from assistant.wiring import Services


VARIANTS = ("hybrid", "dense", "keyword", "baseline")
PRIMARY = "hybrid"
RETRIEVAL_DEPTH = 5
SWEEP = [round(step / 200, 3) for step in range(201)]  # evidence scores may cluster: fine steps


# --- running ------------------------------------------------------------------------------

class RecordingRetriever:
    """Wraps the assistant's retriever and keeps the last search result for scoring."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last: SearchResult | None = None

    def search(self, query: str, k: int, documents: list[str] | None = None) -> SearchResult:
        self.last = self.inner.search(query, k, documents)
        return self.last

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class System:
    """One variant under test: an assistant whose retrieval is recorded."""

    variant: str
    assistant: Assistant
    recorder: RecordingRetriever
    build: dict[str, Any]


def build_system(services: Services, variant: str, mode: str) -> System:
    """The assistant for `variant`, with refusals off (thresholds are applied afterwards)."""
    settings = services.settings
    build: dict[str, Any] = {}
    if variant == "baseline":
        from evals.baseline import BaselinePipeline

        pipeline = BaselinePipeline(settings.corpus_dir, settings.data_dir / "baseline", services.embeddings,
                                    top_k=settings.retrieval.top_k, max_words=settings.answer.max_words,
                                    max_sentences=settings.answer.max_sentences)
        build = pipeline.build()
        assistant = pipeline.assistant
    else:
        assistant = services.build_assistant(mode, search=variant)  # type: ignore[arg-type]
    assistant.refusal = RefusalPolicy(0.0)
    recorder = RecordingRetriever(assistant.retriever)
    assistant.retriever = recorder  # type: ignore[assignment]
    return System(variant, assistant, recorder, build)


def evaluate_item(system: System, item: EvalItem, min_evidence: float) -> dict[str, Any]:
    """Ask one question and score the answer as the pipeline at `min_evidence` would give it."""
    system.recorder.last = None
    started = time.perf_counter()
    raw = system.assistant.ask(item.question, item.turns)
    wall_ms = (time.perf_counter() - started) * 1000
    evidence = system.recorder.last
    hits = evidence.hits if evidence is not None else []
    score = float(raw.timings_ms.get("evidence_score", 0.0))
    answer = _at_threshold(raw, score, min_evidence)
    passages = [metrics.Retrieved(hit.chunk.document, hit.chunk.page, hit.chunk.page_end, hit.chunk.text,
                                  hit.chunk.position) for hit in hits]
    result: dict[str, Any] = {
        "id": item.id,
        "category": item.category,
        "answerable": item.answerable,
        "question": item.question,
        "query": raw.query,
        "answer": answer.answer,
        "mode": raw.mode,
        "refused": answer.refused,
        "refused_anyway": raw.refused,
        "evidence_score": score,
        "citations": [citation.to_dict() for citation in answer.citations],
        "retrieved": [{"document": hit.chunk.document, "page": hit.chunk.page, "page_end": hit.chunk.page_end,
                       "score": round(hit.fused, 4)} for hit in hits],
        "latency_ms": raw.timings_ms.get("total"),
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
        passed, share = metrics.fact_recall(item.facts, "" if answer.refused else answer.answer)
        scores["fact_pass"] = float(passed)
        scores["fact_recall"] = share
    if not answer.refused:
        cited = [metrics.CitedSource(c.n, c.document, c.page, c.quote) for c in answer.citations]
        scores["citation_precision"] = metrics.citation_precision(answer.answer, cited, passages)
        scores["cited_sentence_share"] = metrics.cited_sentence_share(answer.answer)
        scores["answer_words"] = metrics.answer_words(answer.answer)
    return scores


def _at_threshold(answer: Answer, score: float, min_evidence: float) -> Answer:
    """The answer the pipeline gives with `min_evidence`: a refusal when the score is below."""
    if answer.refused or not RefusalPolicy(min_evidence).refuses(score):
        return answer
    return replace(answer, answer=load_prompt("refusal", answer.language), citations=[], refused=True)


def run_variant(system: System, items: list[EvalItem], min_evidence: float,
                progress: Any = None) -> dict[str, Any]:
    """Every item through one variant: per-item results, aggregates and the refusal sweep."""
    results = []
    for item in items:
        results.append(evaluate_item(system, item, min_evidence))
        if progress is not None:
            progress()
    sweep = metrics.refusal_sweep(
        [(row["evidence_score"], row["answerable"], row["refused_anyway"]) for row in results], SWEEP)
    best = metrics.best_threshold(sweep)
    return {
        "variant": system.variant,
        "build": system.build,
        "aggregates": metrics.aggregate_by_category(results),
        "sweep": [{"threshold": p.threshold, "refusal_accuracy": p.refusal_accuracy,
                   "false_refusal_rate": p.false_refusal_rate, "objective": round(p.objective, 4)}
                  for p in sweep],
        "best_threshold": None if best is None else {
            "threshold": best.threshold, "refusal_accuracy": best.refusal_accuracy,
            "false_refusal_rate": best.false_refusal_rate, "objective": round(best.objective, 4)},
        "items": results,
    }


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
    """The broken rules, each as a readable line; empty when the gate passes."""
    failures = []
    for scope, metric, bound, limit in rules:
        value = aggregates.get(scope, {}).get(metric)
        if value is None:
            failures.append(f"{scope}.{metric}: not measured (gate {bound} {limit:g})")
        elif bound == "min" and value < limit:
            failures.append(f"{scope}.{metric} = {value:.3f} is below the gate {limit:g}")
        elif bound == "max" and value > limit:
            failures.append(f"{scope}.{metric} = {value:.3f} is above the gate {limit:g}")
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
        "dataset": {"path": str(dataset or "evals/data/questions.yaml"), "items": len(items)},
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

    failures = check_gate(rules, primary["aggregates"]) if gate else []
    run["gate"] = {"checked": gate, "passed": not failures, "failures": failures}
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
        console.print(f"[green]Quality gate passed[/green] ({len(rules)} thresholds)")
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
    primary["aggregates"] = metrics.aggregate_by_category(primary["items"])
    judged = sum(1 for row in primary["items"] if row.get("judge_correctness") is not None)
    console.print(f"LLM judge scored {judged} answers")
