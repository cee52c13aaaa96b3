"""Measure one store in a fresh process: open time, warm latency, memory.

Run by `bench.scale.measure_in_worker` as ``python -m bench.scale_worker`` with a JSON
request on stdin; prints one JSON line. A fresh process per measurement keeps the builder's
caches out of the memory and latency figures.

Memory is reported in steps: after imports (base), after loading the embedding model
(model), and after opening the store and answering the questions (end); `store_mib` =
end - model is what the store and its indexes cost.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from assistant.settings import load_settings
from assistant.wiring import Services
from bench.ingest_bench import warm_model
from bench.latency import measure_latency
from bench.machine import mib, own_rss


def measure_ours(data_dir: Path, settings_values: dict[str, Any], questions: list[str], repeats: int,
                 warmup: int) -> dict[str, Any]:
    base = own_rss()
    services = Services(load_settings(data_dir=data_dir, _env_file=None, **settings_values))
    warm_model(services.embeddings)
    model = own_rss()
    started = time.perf_counter()
    assistant = services.build_assistant("extractive")
    assistant.ask(questions[0])  # opens Chroma, loads the manifest and the keyword index
    open_s = time.perf_counter() - started
    latency = measure_latency(assistant.ask, questions, repeats=repeats, warmup=warmup)
    end = own_rss()
    return {
        "open_s": round(open_s, 3),
        "rss_base_mib": mib(base),
        "rss_model_mib": mib(model),
        "rss_end_mib": mib(end),
        "rss_peak_mib": mib(_peak_rss()),
        "store_mib": mib(end - model),
        "latency": latency,
    }


def measure_baseline(data_dir: Path, settings_values: dict[str, Any], questions: list[str], repeats: int,
                     warmup: int, corpus_dir: str) -> dict[str, Any]:
    from bench.baseline_bench import open_baseline

    base = own_rss()
    settings = load_settings(data_dir=data_dir, _env_file=None, **settings_values)
    services = Services(settings)
    warm_model(services.embeddings)
    model = own_rss()
    started = time.perf_counter()
    pipeline = open_baseline(Path(corpus_dir), data_dir, services.embeddings)
    pipeline.answer(questions[0])
    open_s = time.perf_counter() - started
    latency = measure_latency(pipeline.answer, questions, repeats=repeats, warmup=warmup)
    end = own_rss()
    return {
        "open_s": round(open_s, 3),
        "rss_base_mib": mib(base),
        "rss_model_mib": mib(model),
        "rss_end_mib": mib(end),
        "rss_peak_mib": mib(_peak_rss()),
        "store_mib": mib(end - model),
        "latency": latency,
    }


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def main() -> None:
    request = json.loads(sys.stdin.read())
    args = (Path(request["data_dir"]), request["settings"], request["questions"], request["repeats"],
            request["warmup"])
    if request["kind"] == "baseline":
        result = measure_baseline(*args, corpus_dir=request["corpus_dir"])
    else:
        result = measure_ours(*args)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
