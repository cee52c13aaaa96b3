"""Scale: the same queries against stores of 10k, 50k and 100k chunks.

One store grows through the sizes: first the real corpus (real vectors), then synthetic
documents (see `bench.synthetic`) written through the project's own store layer —
`ChromaStore.add_chunks` in batches of a few thousand chunks, one `DocumentRecord` per
document in the manifest — so the hybrid retriever, its manifest filter and the keyword
index work exactly as in production. At each size the keyword index is rebuilt (what an
ingest would do) and the store is measured in a fresh process (`bench.scale_worker`), so
latency and memory are those of a server opening that store, not of the builder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.settings import Settings
from bench.ingest_bench import PreparedCorpus
from bench.machine import dir_size, mib
from bench.synthetic import SyntheticCorpus, SyntheticDocument
from vectorstore.knowledge_base import KnowledgeBase

WRITE_BATCH_CHUNKS = 4000
# The parts of the settings a measuring process needs (never secrets).
WORKER_SETTINGS = {"embedding_model", "ingest", "retrieval", "answer"}

Progress = Callable[[str], None]
Mirror = Callable[[list[SyntheticDocument]], None]


def write_corpus(knowledge_base: KnowledgeBase, prepared: PreparedCorpus, vectors: np.ndarray) -> None:
    """The real corpus with its real vectors, one published document at a time."""
    start = 0
    for document, chunks in prepared.documents:
        knowledge_base.replace_document(document, chunks, vectors[start:start + len(chunks)])
        start += len(chunks)


def write_synthetic(knowledge_base: KnowledgeBase, documents: Iterable[SyntheticDocument],
                    batch_chunks: int = WRITE_BATCH_CHUNKS, mirror: Mirror | None = None) -> int:
    """Write documents in batches: chunks first, then their manifest records (the write protocol).

    `mirror` gets every batch too (the baseline's store is filled with the same chunks and
    vectors). Returns the number of chunks written.
    """
    store = knowledge_base.store
    written = 0
    pending: list[SyntheticDocument] = []

    def flush() -> None:
        if not pending:
            return
        chunks = [chunk for document in pending for chunk in document.chunks]
        store.add_chunks(chunks, np.vstack([document.vectors for document in pending]))
        for document in pending:
            store.publish(document.record, _mean(document.vectors))
        if mirror is not None:
            mirror(list(pending))
        pending.clear()

    for document in documents:
        pending.append(document)
        written += len(document.chunks)
        if sum(len(item.chunks) for item in pending) >= batch_chunks:
            flush()
    flush()
    knowledge_base.invalidate()
    return written


def grow_to(knowledge_base: KnowledgeBase, synthetic: SyntheticCorpus, size: int,
            mirror: Mirror | None = None) -> dict[str, Any]:
    """Add synthetic chunks until the store holds `size` chunks; rebuild the keyword index.

    The keyword rebuild is what every ingest pays at this size (the index covers the whole
    store), so it is reported next to the query figures.
    """
    current = knowledge_base.store.count_chunks()
    mirror_before = getattr(mirror, "seconds", 0.0)
    started = time.perf_counter()
    written = write_synthetic(knowledge_base, synthetic.documents(max(0, size - current)), mirror=mirror)
    write_s = time.perf_counter() - started - (getattr(mirror, "seconds", 0.0) - mirror_before)
    started = time.perf_counter()
    keyword = knowledge_base.refresh_keyword_index()
    keyword_s = time.perf_counter() - started
    return {"chunks": knowledge_base.store.count_chunks(), "documents": len(knowledge_base.snapshot().documents),
            "written": written, "write_s": round(write_s, 2),
            "write_chunks_per_s": round(written / write_s, 1) if write_s > 0 and written else 0.0,
            "keyword_build_s": round(keyword_s, 2), "keyword_chunks": len(keyword)}


def worker_settings(settings: Settings) -> dict[str, Any]:
    return settings.model_dump(mode="json", include=WORKER_SETTINGS)


def measure_in_worker(kind: str, data_dir: Path, settings: Settings, questions: Sequence[str],
                      repeats: int, warmup: int, timeout_s: float = 1800, env: dict[str, str] | None = None,
                      **extra: str | int) -> dict[str, Any]:
    """Run `bench.scale_worker` in a fresh process on `data_dir` and return its JSON.

    `env` adds variables to the worker's environment (e.g. OpenMP settings to compare).
    """
    payload = {"kind": kind, "data_dir": str(data_dir), "settings": worker_settings(settings),
               "questions": list(questions), "repeats": repeats, "warmup": warmup, **extra}
    completed = subprocess.run([sys.executable, "-m", "bench.scale_worker"], input=json.dumps(payload),
                               capture_output=True, text=True, timeout=timeout_s, check=False,
                               env=os.environ | (env or {}))
    if completed.returncode != 0:
        raise RuntimeError(f"scale worker ({kind}) exited {completed.returncode}: "
                           f"{completed.stderr.strip()[-800:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@dataclass
class BaselineAtScale:
    """The baseline's store grows with ours: `mirror` writes the same chunks, then it is measured."""

    mirror: Any  # bench.baseline_bench.BaselineMirror
    persist_dir: Path
    corpus_dir: Path


def bench_scale(knowledge_base: KnowledgeBase, data_dir: Path, settings: Settings,
                synthetic: SyntheticCorpus, sizes: Sequence[int], questions: Sequence[str],
                repeats: int, warmup: int, progress: Progress = print,
                baseline: BaselineAtScale | None = None,
                largest_variant: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Grow the store through `sizes` (ascending) and measure each in a fresh process.

    `largest_variant` (environment variables) measures the largest store a second time
    under that environment (e.g. another OpenMP wait policy).
    """
    results = []
    for size in sorted(sizes):
        progress(f"scale {size:,}: writing synthetic documents")
        built = grow_to(knowledge_base, synthetic, size, mirror=baseline.mirror if baseline else None)
        progress(f"scale {size:,}: {built['chunks']:,} chunks in {built['documents']} documents "
                 f"(write {built['write_s']} s, keyword index {built['keyword_build_s']} s); measuring")
        measured = measure_in_worker("ours", data_dir, settings, questions, repeats, warmup)
        entry: dict[str, Any] = {"size": size, **built, "store_mib": mib(dir_size(data_dir)), "ours": measured}
        if largest_variant is not None and size == max(sizes):
            progress(f"scale {size:,}: measuring again with {largest_variant}")
            try:
                entry["ours_variant"] = {"env": largest_variant, **measure_in_worker(
                    "ours", data_dir, settings, questions, repeats, warmup, env=largest_variant, probe_questions=0)}
            except (RuntimeError, ValueError, subprocess.SubprocessError) as exc:
                entry["ours_variant"] = {"env": largest_variant, "error": f"{type(exc).__name__}: {exc}"}
        if baseline is not None:
            entry["baseline"] = _measure_baseline(baseline, settings, questions, repeats, warmup, progress, size)
        results.append(entry)
    return results


def _measure_baseline(baseline: BaselineAtScale, settings: Settings, questions: Sequence[str], repeats: int,
                      warmup: int, progress: Progress, size: int) -> dict[str, Any]:
    try:
        chunks = baseline.mirror.publish()
        progress(f"scale {size:,}: measuring the baseline ({chunks:,} chunks)")
        measured = measure_in_worker("baseline", baseline.persist_dir, settings, questions, repeats, warmup,
                                     corpus_dir=str(baseline.corpus_dir))
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"chunks": chunks, "mirror_write_s": round(baseline.mirror.seconds, 2),
            "disk_mib": mib(dir_size(baseline.persist_dir)), **measured}


def _mean(vectors: np.ndarray) -> np.ndarray:
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean
