"""Ingest speed: a full ingest into an empty store, the model alone on the same texts, re-ingest.

The raw embedding run is the ceiling ingest can reach (reading, cleaning, chunking and
writing should add little on top), so the report gives ingest time / raw embedding time.
Re-ingesting an unchanged corpus should cost one hash per file: it is timed in-process
and as the `smartcity ingest --json` command a user (or cron) would run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunk import count_tokens
from ingest.models import Chunk
from ingest.pdf import RawDocument, read_pdf
from ingest.pipeline import Ingestor, find_pdfs, passage_text
from vectorstore.embeddings import E5Embeddings


@dataclass
class PreparedCorpus:
    """The corpus as ingest sees it: documents, their chunks and what gets embedded."""

    documents: list[tuple[RawDocument, list[Chunk]]]
    seconds: float  # read + clean + chunk

    @property
    def chunks(self) -> list[Chunk]:
        return [chunk for _document, chunks in self.documents for chunk in chunks]

    @property
    def passages(self) -> list[str]:
        return [passage_text(chunk) for chunk in self.chunks]

    @property
    def pages(self) -> int:
        return sum(document.page_count for document, _chunks in self.documents)


def prepare_corpus(ingestor: Ingestor, corpus_dir: Path) -> PreparedCorpus:
    """Read, clean and chunk every PDF exactly as ingest does, without embedding or writing."""
    started = time.perf_counter()
    files, _problems = find_pdfs([corpus_dir])
    documents = []
    for path in files:
        document = read_pdf(path)
        documents.append((document, ingestor.prepare(document)))
    return PreparedCorpus(documents, time.perf_counter() - started)


def warm_model(embeddings: E5Embeddings) -> float:
    """Load the model (once per process) so no timed run pays for it; returns the load time."""
    started = time.perf_counter()
    embeddings.embed_passages(["Aufwärmen"])
    embeddings.embed_question("Aufwärmen")
    return time.perf_counter() - started


def time_ingest(ingestor: Ingestor, corpus_dir: Path) -> tuple[float, dict[str, object]]:
    """Seconds for one ingest run of the corpus, and its JSON summary."""
    started = time.perf_counter()
    report = ingestor.ingest([corpus_dir])
    seconds = time.perf_counter() - started
    summary = report.to_json()
    summary.pop("files")
    return seconds, summary


def time_raw_embedding(embeddings: E5Embeddings, passages: list[str]) -> tuple[float, np.ndarray]:
    """Seconds for the model alone to embed `passages` (same batching as ingest)."""
    started = time.perf_counter()
    vectors = embeddings.embed_passages(passages)
    return time.perf_counter() - started, vectors


def time_ingest_command(data_dir: Path, corpus_dir: Path, env: Mapping[str, str] | None = None,
                        timeout_s: float = 600) -> tuple[float, dict[str, object]]:
    """Wall time of `smartcity ingest --json` in a new process (interpreter and imports included)."""
    return time_command(["ingest", "--json"], data_dir, corpus_dir, env, timeout_s)


def time_command(arguments: list[str], data_dir: Path, corpus_dir: Path, env: Mapping[str, str] | None = None,
                 timeout_s: float = 600) -> tuple[float, Any]:
    """Wall time of one `smartcity ...` command on `data_dir`, and its last stdout line as JSON."""
    command = [*smartcity_command(), *arguments]
    child_env = dict(os.environ if env is None else env)
    child_env.update({"SMARTCITY_DATA_DIR": str(data_dir), "SMARTCITY_CORPUS_DIR": str(corpus_dir)})
    started = time.perf_counter()
    completed = subprocess.run(command, env=child_env, capture_output=True, text=True, timeout=timeout_s,
                               check=False)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"`smartcity {' '.join(arguments)}` exited {completed.returncode}: "
                           f"{completed.stderr.strip()[-500:]}")
    return seconds, json.loads(completed.stdout.strip().splitlines()[-1])


def smartcity_command() -> list[str]:
    """The installed `smartcity` entry point of this interpreter's environment."""
    script = Path(sys.executable).parent / "smartcity"
    if script.exists():
        return [str(script)]
    found = shutil.which("smartcity")
    return [found] if found else [sys.executable, "-m", "assistant.cli"]


def bench_ingest(ingestor: Ingestor, embeddings: E5Embeddings, corpus_dir: Path,
                 data_dir: Path) -> tuple[dict[str, object], PreparedCorpus, np.ndarray]:
    """Ingest into the (empty) store behind `ingestor`, then the raw model run, then re-ingest.

    Returns the figures, the prepared corpus and its vectors (the scale benchmark reuses them
    instead of embedding the corpus a third time).
    """
    model_load_s = warm_model(embeddings)
    ingest_s, summary = time_ingest(ingestor, corpus_dir)
    prepared = prepare_corpus(ingestor, corpus_dir)
    passages = prepared.passages
    tokens = sum(count_tokens(text) for text in passages)
    raw_s, vectors = time_raw_embedding(embeddings, passages)
    reingest_s, resummary = time_ingest(ingestor, corpus_dir)
    command_s, command_summary = time_ingest_command(data_dir, corpus_dir)
    # The same process start, imports and store opening without ingest work: what a CLI
    # call costs before it does anything.
    docs_s, _documents = time_command(["docs", "--json"], data_dir, corpus_dir)
    pages = int(summary["pages"])  # type: ignore[call-overload]
    result: dict[str, object] = {
        "documents": summary["documents"],
        "pages": pages,
        "chunks": summary["chunks"],
        "tokens": tokens,
        "failed": summary["failed"],
        "model_load_s": round(model_load_s, 3),
        "ingest_s": round(ingest_s, 3),
        "prepare_s": round(prepared.seconds, 3),
        "raw_embed_s": round(raw_s, 3),
        "pages_per_s": round(pages / ingest_s, 2),
        "tokens_per_s": round(tokens / ingest_s, 1),
        "raw_embed_tokens_per_s": round(tokens / raw_s, 1),
        "raw_embed_chunks_per_s": round(len(passages) / raw_s, 2),
        "ingest_vs_raw_embed": round(ingest_s / raw_s, 3),
        "reingest_s": round(reingest_s, 3),
        "reingest_unchanged": resummary["unchanged"],
        "reingest_cli_s": round(command_s, 3),
        "reingest_cli_unchanged": command_summary.get("unchanged"),
        "cli_docs_s": round(docs_s, 3),
    }
    return result, prepared, vectors
