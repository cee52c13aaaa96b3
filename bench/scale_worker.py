"""Measure one store in a fresh process: open time, warm latency, memory.

Run by `bench.scale.measure_in_worker` as ``python -m bench.scale_worker`` with a JSON
request on stdin; prints one JSON line. A fresh process per measurement keeps the builder's
caches out of the memory and latency figures.

Memory is reported in steps: after imports (base), after loading the embedding model
(model), and after opening the store and answering the questions (end); `store_mib` =
end - model is what the store and its indexes cost; the peak is sampled while it works
(``ru_maxrss`` would not do: Linux carries the parent's high-water mark across fork+exec).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from assistant.settings import load_settings
from assistant.wiring import Services
from bench.ingest_bench import warm_model
from bench.latency import measure_latency
from bench.machine import RssSampler, mib, own_rss
from bench.stats import summarize
from vectorstore.embeddings import build_embeddings


def measure_ours(data_dir: Path, settings_values: dict[str, Any], questions: list[str], repeats: int,
                 warmup: int, probe_questions: int = 20) -> dict[str, Any]:
    """Our pipeline as the server builds it."""
    base = own_rss()
    services = Services(load_settings(data_dir=data_dir, _env_file=None, **settings_values))
    warm_model(services.embeddings)
    model = own_rss()
    with RssSampler(os.getpid()) as sampler:
        started = time.perf_counter()
        services.knowledge_base.snapshot()  # the manifest and the keyword index
        snapshot_s = time.perf_counter() - started
        indexed = own_rss()
        assistant = services.build_assistant("extractive")
        assistant.ask(questions[0])  # the first Chroma query loads the vector index
        open_s = time.perf_counter() - started
        latency = measure_latency(assistant.ask, questions, repeats=repeats, warmup=warmup)
        end = own_rss()
    return {
        "open_s": round(open_s, 3),
        "snapshot_s": round(snapshot_s, 3),
        "keyword_mib": mib(indexed - model),
        "chroma_mib": mib(end - indexed),
        "dense_probe": dense_probe(services, questions[:probe_questions]) if probe_questions else None,
        **_memory(base, model, end, sampler.peak),
        "latency": latency,
    }


def dense_probe(services: Services, questions: list[str]) -> dict[str, Any]:
    """Chroma query time with a ``version $in [all published versions]`` filter and without one.

    Why the retriever filters versions after an unfiltered query (and uses a Chroma filter
    only for a document selection): the filter's cost grows with the store.
    """
    store = services.store
    snapshot = services.knowledge_base.snapshot()
    candidates = services.settings.retrieval.candidates
    vectors = [services.embeddings.embed_question(question) for question in questions]
    timed: dict[str, list[float]] = {"filtered": [], "unfiltered": []}
    for vector in vectors:
        for label, versions in (("filtered", snapshot.versions), ("unfiltered", None)):
            started = time.perf_counter()
            store.query(vector, candidates, versions)
            timed[label].append((time.perf_counter() - started) * 1000)
    return {"versions": len(snapshot.versions), "candidates": candidates,
            **{label: summarize(values) for label, values in timed.items()}}


def measure_baseline(persist_dir: Path, settings_values: dict[str, Any], questions: list[str], repeats: int,
                     warmup: int, corpus_dir: str) -> dict[str, Any]:
    """The LangChain baseline over its persisted collection (`build()` reuses it, reads it whole)."""
    from bench.baseline_bench import open_baseline

    base = own_rss()
    settings = load_settings(_env_file=None, **settings_values)
    embeddings = build_embeddings(settings.embedding_model, settings.ingest.embed_batch)
    warm_model(embeddings)
    model = own_rss()
    with RssSampler(os.getpid()) as sampler:
        started = time.perf_counter()
        pipeline = open_baseline(Path(corpus_dir), persist_dir, embeddings)
        build = pipeline.build()
        if not build.get("reused"):
            raise RuntimeError("the baseline re-indexed the corpus instead of opening the synthetic store")
        pipeline.answer(questions[0])
        open_s = time.perf_counter() - started
        latency = measure_latency(pipeline.answer, questions, repeats=repeats, warmup=warmup)
        end = own_rss()
    return {
        "open_s": round(open_s, 3),
        **_memory(base, model, end, sampler.peak),
        "latency": latency,
    }


def _memory(base: int, model: int, end: int, peak: int) -> dict[str, float]:
    """RSS at each step (MiB); the store's share is what came after the model was loaded."""
    return {"rss_base_mib": mib(base), "rss_model_mib": mib(model), "rss_end_mib": mib(end),
            "rss_peak_mib": mib(peak), "store_mib": mib(end - model)}


def measure_embedding(settings_values: dict[str, Any], questions: list[str], repeats: int,
                      warmup: int) -> dict[str, Any]:
    """Query embedding alone, as the retriever calls it (this process's OpenMP environment)."""
    settings = load_settings(_env_file=None, **settings_values)
    embeddings = build_embeddings(settings.embedding_model, settings.ingest.embed_batch)
    warm_model(embeddings)
    for question in questions[:warmup]:
        embeddings.embed_question(question)
    timed = []
    for _ in range(repeats):
        for question in questions:
            started = time.perf_counter()
            embeddings.embed_question(question)
            timed.append((time.perf_counter() - started) * 1000)
    return {"embed_ms": summarize(timed),
            "env": {name: os.environ[name] for name in sorted(os.environ) if name.startswith("OMP_")}}


def main() -> None:
    request = json.loads(sys.stdin.read())
    if request["kind"] == "embed":
        result = measure_embedding(request["settings"], request["questions"], request["repeats"],
                                   request["warmup"])
        sys.stdout.write(json.dumps(result) + "\n")
        return
    args = (Path(request["data_dir"]), request["settings"], request["questions"], request["repeats"],
            request["warmup"])
    if request["kind"] == "baseline":
        result = measure_baseline(*args, corpus_dir=request["corpus_dir"])
    else:
        result = measure_ours(*args, probe_questions=int(request.get("probe_questions", 20)))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
