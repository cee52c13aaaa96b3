"""`smartcity bench`: every measurement in one run, then a table, JSON, markdown and a chart.

Order: ingest into a fresh scratch store (and the model alone on the same texts), warm
query latency on it, the real HTTP server on that store (cold start, load at 1/4/16
clients, memory), the LangChain baseline on the same corpus, then the scale stores. Every
part writes its figures or its error into the results, so one failing part (say, the server
does not start) still leaves the others measured. Scratch data lives under the system
temp dir and is removed at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from assistant.settings import Settings
from assistant.wiring import Services
from bench.baseline_bench import BaselineMirror, bench_baseline, open_baseline
from bench.chart import write_chart
from bench.http_load import first_answer_ms, run_load
from bench.ingest_bench import PreparedCorpus, bench_ingest
from bench.latency import measure_latency
from bench.machine import RssSampler, dir_size, machine_info, mib
from bench.questions import QUESTIONS
from bench.report import render_markdown, render_table, summary_rows, write_json
from bench.scale import BaselineAtScale, bench_scale, measure_in_worker, write_corpus
from bench.server import ServerProcess
from bench.stats import ratio
from bench.synthetic import SyntheticCorpus
from ingest.errors import SmartCityError

# OpenMP environments compared ("as configured" = this process's environment; the
# embeddings default to OMP_WAIT_POLICY=PASSIVE unless the environment says otherwise).
OMP_VARIANTS: dict[str, dict[str, str]] = {
    "as configured": {},
    "OMP_WAIT_POLICY=ACTIVE": {"OMP_WAIT_POLICY": "ACTIVE"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
}
# The contrasting environment for the corpus latency and the largest scale store:
# spinning OpenMP threads, what the engine does without PASSIVE.
VARIANT_ENV = OMP_VARIANTS["OMP_WAIT_POLICY=ACTIVE"]

# What can go wrong in a part without being a bug in the bench: the store, files, a child
# process, the server, a missing optional package.
PART_ERRORS = (SmartCityError, OSError, RuntimeError, TimeoutError, ValueError, ImportError,
               httpx.HTTPError, subprocess.SubprocessError)


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a run does."""

    repeats: int = 3                  # passes over the question list (corpus latency)
    warmup: int = 10                  # untimed questions first
    http_requests: tuple[tuple[int, int], ...] = ((1, 60), (4, 120), (16, 240))  # (clients, requests)
    scale_repeats: int = 2
    scale_warmup: int = 10
    omp_variants: bool = True         # OpenMP variants: server, corpus latency and largest store

    @classmethod
    def for_run(cls, quick: bool) -> Plan:
        if quick:
            return cls(repeats=1, warmup=5, http_requests=((1, 16), (4, 32), (16, 64)), scale_repeats=1,
                       scale_warmup=5, omp_variants=False)
        return cls()


def quick_sizes(sizes: Sequence[int]) -> list[int]:
    """--quick keeps only sizes up to 10k (or the smallest one asked for)."""
    small = [size for size in sizes if size <= 10_000]
    return small or sorted(sizes)[:1]


class _Run:
    """One benchmark run: the shared scratch space, the results and progress output."""

    def __init__(self, settings: Settings, plan: Plan, console: Console, scratch: Path) -> None:
        self.settings = settings
        self.plan = plan
        self.console = console
        self.scratch = scratch
        self.started = time.perf_counter()
        self.questions = [question.text for question in QUESTIONS]
        self.results: dict[str, Any] = {
            "machine": machine_info(),
            "plan": asdict(plan),
            "settings": {
                "embedding_model": settings.embedding_model,
                "chunk_tokens": settings.ingest.chunk_tokens,
                "chunk_overlap": settings.ingest.chunk_overlap,
                "embed_batch": settings.ingest.embed_batch,
                "top_k": settings.retrieval.top_k,
                "candidates": settings.retrieval.candidates,
            },
            "questions": len(self.questions),
            "load_avg": {},
        }
        self.errors: list[str] = []

    def say(self, message: str) -> None:
        self.console.print(f"[dim]{time.perf_counter() - self.started:7.1f}s[/dim] {message}")

    def part(self, name: str, work: Callable[[], Any]) -> Any:
        """Run one part; record its result, or its error, and the load around it."""
        before = os.getloadavg()[0]
        self.say(f"[bold]{name}[/bold]")
        try:
            result = work()
        except PART_ERRORS as exc:
            message = f"{type(exc).__name__}: {exc}"
            self.console.print(f"[red]{name} failed:[/red] {message}")
            self.errors.append(name)
            result = {"error": message}
        self.results["load_avg"][name] = [round(before, 2), round(os.getloadavg()[0], 2)]
        self.results[name] = result
        return result

    def scratch_settings(self, name: str) -> Settings:
        return self.settings.model_copy(update={"data_dir": self.scratch / name})


def run_bench(settings: Settings, out_dir: Path | None = None,
              scale_sizes: Sequence[int] = (10_000, 50_000, 100_000), quick: bool = False,
              console: Console | None = None) -> int:
    """Run every part, print the summary, write bench-<date>.{json,md,png}; 1 if a part failed."""
    console = console or Console()
    plan = Plan.for_run(quick)
    sizes = quick_sizes(scale_sizes) if quick else sorted(scale_sizes)
    out_dir = out_dir or settings.data_dir / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="smartcity-bench-"))
    run = _Run(settings, plan, console, scratch)
    run.results["quick"] = quick
    try:
        _run_parts(run, sizes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    run.results["seconds"] = round(time.perf_counter() - run.started, 1)

    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    rows = summary_rows(run.results)
    console.print(render_table(rows, title=f"smartcity bench ({'quick' if quick else 'full'})"),
                  width=max(console.width, 150))
    paths = [write_json(run.results, out_dir / f"bench-{stamp}.json")]
    markdown = out_dir / f"bench-{stamp}.md"
    markdown.write_text(render_markdown(rows, run.results["machine"]), encoding="utf-8")
    paths.append(markdown)
    paths.append(write_chart(run.results, out_dir / f"bench-{stamp}.png"))
    console.print("Written: " + ", ".join(str(path) for path in paths))
    return 1 if run.errors else 0


def _run_parts(run: _Run, sizes: Sequence[int]) -> None:
    corpus_dir = run.settings.corpus_dir
    corpus = Services(run.scratch_settings("corpus"))
    prepared: dict[str, Any] = {}

    def ingest() -> dict[str, Any]:
        figures, corpus_prepared, vectors = bench_ingest(corpus.ingestor, corpus.embeddings, corpus_dir,
                                                         corpus.settings.data_dir)
        prepared.update(corpus=corpus_prepared, vectors=vectors)
        return figures

    run.part("ingest", ingest)
    if "corpus" not in prepared:
        for name in ("latency", "server", "baseline", "scale"):
            run.results[name] = {"error": "needs the ingested corpus"}
        return

    assistant = corpus.build_assistant("extractive")
    run.part("latency", lambda: measure_latency(assistant.ask, run.questions, repeats=run.plan.repeats,
                                                warmup=run.plan.warmup))
    if run.plan.omp_variants:
        run.part("latency_variant", lambda: {"env": VARIANT_ENV, **measure_in_worker(
            "ours", corpus.settings.data_dir, run.settings, run.questions, run.plan.repeats, run.plan.warmup,
            env=VARIANT_ENV)})
    run.part("embedding", lambda: bench_embedding_env(run.settings, run.questions, run.plan.repeats,
                                                      run.plan.warmup))
    run.part("server", lambda: bench_server(corpus.settings.data_dir, corpus_dir, run.questions,
                                            run.plan.http_requests, run.scratch / "server.log"))
    if run.plan.omp_variants:
        run.part("server_variants", lambda: {
            name: _or_error(lambda variant=variant, index=index: bench_server(
                corpus.settings.data_dir, corpus_dir, run.questions, run.plan.http_requests,
                run.scratch / f"server-{index}.log", env=os.environ | variant))
            for index, (name, variant) in enumerate(OMP_VARIANTS.items()) if variant})
    baseline_dir = run.scratch / "baseline"
    baseline = run.part("baseline", lambda: _baseline(run, corpus, baseline_dir))
    if sizes:
        run.part("scale", lambda: _scale(run, prepared["corpus"], prepared["vectors"], sizes,
                                         baseline_dir if "error" not in baseline else None))


def _or_error(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One variant of a part: its figures, or its error (the other variants still run)."""
    try:
        return work()
    except PART_ERRORS as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}


def bench_embedding_env(settings: Settings, questions: Sequence[str], repeats: int,
                        warmup: int) -> dict[str, Any]:
    """Query embedding latency in fresh processes under each OpenMP variant.

    The model runs OpenMP on all cores; when other threads compete for them (concurrent
    requests, other processes) its default spin-waiting stalls. This shows what the
    environment alone changes.
    """
    return {name: measure_in_worker("embed", settings.data_dir, settings, questions, repeats, warmup,
                                    env=variant)
            for name, variant in OMP_VARIANTS.items()}


def bench_server(data_dir: Path, corpus_dir: Path, questions: Sequence[str],
                 loads: Sequence[tuple[int, int]], log_path: Path,
                 env: dict[str, str] | None = None) -> dict[str, Any]:
    """Cold start, first answer, then load at each concurrency while sampling the server's RSS."""
    store_bytes = dir_size(data_dir)
    with ServerProcess(data_dir, corpus_dir, _free_port(), log_path, env=env) as server:
        cold_start_s = server.start()
        first_ms = first_answer_ms(server.base_url, questions[0])
        results = []
        with RssSampler(server.pid) as sampler:
            run_load(server.base_url, questions, 1, 8)  # warm connections and caches
            for concurrency, requests in loads:
                results.append(run_load(server.base_url, questions, concurrency, requests))
    return {"cold_start_s": round(cold_start_s, 3), "first_answer_ms": first_ms,
            "peak_rss_mib": mib(sampler.peak), "store_mib": mib(store_bytes), "load": results}


def _baseline(run: _Run, corpus: Services, persist_dir: Path) -> dict[str, Any]:
    pipeline = open_baseline(run.settings.corpus_dir, persist_dir, corpus.embeddings)
    measured = bench_baseline(pipeline, run.questions, run.plan.repeats, run.plan.warmup)
    ours_ingest = run.results.get("ingest", {})
    ours_wall = run.results.get("latency", {}).get("wall", {})
    base_wall = measured["latency"]["wall"]
    measured["ratios"] = {
        "ingest": ratio(ours_ingest.get("ingest_s"), measured["build"]["total_s"]),
        "p50": ratio(ours_wall.get("p50"), base_wall["p50"]),
        "p95": ratio(ours_wall.get("p95"), base_wall["p95"]),
    }
    return measured


def _scale(run: _Run, prepared: PreparedCorpus, vectors: Any, sizes: Sequence[int],
           baseline_dir: Path | None) -> list[dict[str, Any]]:
    services = Services(run.scratch_settings("scale"))
    write_corpus(services.knowledge_base, prepared, vectors)
    synthetic = SyntheticCorpus(prepared.chunks, vectors)
    baseline = None
    if baseline_dir is not None:
        baseline = BaselineAtScale(BaselineMirror(baseline_dir), baseline_dir, run.settings.corpus_dir)
    return bench_scale(services.knowledge_base, services.settings.data_dir, run.settings, synthetic, sizes,
                       run.questions, run.plan.scale_repeats, run.plan.scale_warmup, progress=run.say,
                       baseline=baseline,
                       largest_variant=VARIANT_ENV if run.plan.omp_variants else None)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
