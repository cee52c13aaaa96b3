"""The summary: one list of rows (figure, target, pass/fail) rendered as a rich table and markdown.

Rows are built from the results dict the runner writes to JSON, so a report can be
re-rendered from an old JSON file. A part that failed to run shows as one row with its
error instead of figures.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.table import Table

from bench.chart import RETRIEVAL_STAGES, STAGE_ORDER

# Targets from the issue; the report marks each figure against its target.
TARGETS = {
    "ingest_vs_raw_embed": 1.5,       # ingest time / raw embedding time, at most
    "reingest_s": 2.0,                # unchanged corpus, seconds, below
    "corpus_p95_ms": 150.0,           # warm extractive answer on the corpus, p95
    "scale_p95_ms": 300.0,            # warm extractive answer at 100k chunks, p95
    "scale_target_size": 100_000,
}
LATENCY_STAGES = (*STAGE_ORDER, "total")


@dataclass(frozen=True)
class Row:
    section: str
    metric: str
    value: str
    target: str = ""
    ok: bool | None = None

    @property
    def mark(self) -> str:
        return {True: "PASS", False: "FAIL", None: ""}[self.ok]


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def fmt_triplet(summary: Mapping[str, float] | None, keys: Sequence[str] = ("p50", "p95", "p99")) -> str:
    """'p50 / p95 / p99 ms' from a `stats.summarize` dict."""
    if not summary:
        return "–"
    return " / ".join(fmt_ms(summary.get(key)) for key in keys) + " ms"


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def size_label(size: int) -> str:
    return f"{size // 1000}k" if size >= 1000 and size % 1000 == 0 else str(size)


def _error_row(section: str, part: Mapping[str, Any]) -> Row:
    return Row(section, "not measured", str(part.get("error", "skipped"))[:160], ok=False)


def ingest_rows(ingest: Mapping[str, Any]) -> list[Row]:
    section = "Ingest"
    if "error" in ingest:
        return [_error_row(section, ingest)]
    ratio = ingest["ingest_vs_raw_embed"]
    return [
        Row(section, "corpus", f"{ingest['documents']} PDFs, {ingest['pages']} pages, {ingest['chunks']} chunks, "
                               f"{ingest['tokens']:,} tokens"),
        Row(section, "full ingest (fresh store)", f"{ingest['ingest_s']:.1f} s · {ingest['pages_per_s']:.2f} pages/s · "
                                                  f"{ingest['tokens_per_s']:,.0f} tokens/s"),
        Row(section, "raw embedding, model alone", f"{ingest['raw_embed_s']:.1f} s · "
                                                   f"{ingest['raw_embed_tokens_per_s']:,.0f} tokens/s"),
        Row(section, "ingest / raw embedding", fmt_ratio(ratio), f"≤ {TARGETS['ingest_vs_raw_embed']}×",
            ratio <= TARGETS["ingest_vs_raw_embed"]),
        Row(section, "re-ingest unchanged, in-process", f"{ingest['reingest_s']:.2f} s",
            f"< {TARGETS['reingest_s']:.0f} s", ingest["reingest_s"] < TARGETS["reingest_s"]),
        Row(section, "re-ingest unchanged, `smartcity ingest --json`", f"{ingest['reingest_cli_s']:.2f} s",
            f"< {TARGETS['reingest_s']:.0f} s", ingest["reingest_cli_s"] < TARGETS["reingest_s"]),
        *([Row(section, "for reference: `smartcity docs --json` (process start + imports + store)",
               f"{ingest['cli_docs_s']:.2f} s")] if "cli_docs_s" in ingest else []),
    ]


def latency_rows(latency: Mapping[str, Any], section: str = "Query latency (corpus, warm, extractive)") -> list[Row]:
    if "error" in latency:
        return [_error_row(section, latency)]
    stages = latency["stages"]
    rows = [Row(section, f"{stage} p50 / p95 / p99", fmt_triplet(stages.get(stage)))
            for stage in LATENCY_STAGES[:-1] if stage in stages]
    total = stages.get("total") or latency["wall"]
    limit = TARGETS["corpus_p95_ms"]
    rows.append(Row(section, f"end to end p50 / p95 / p99 ({latency['answers']} answers, "
                             f"{latency['refused']} refusals)",
                    fmt_triplet(total), f"p95 ≤ {limit:.0f} ms", total["p95"] <= limit))
    return rows


def embedding_rows(variants: Mapping[str, Any]) -> list[Row]:
    section = "Query embedding alone (fresh process)"
    if "error" in variants:
        return [_error_row(section, variants)]
    return [Row(section, f"p50 / p95 / p99, {name}", fmt_triplet(result["embed_ms"]))
            for name, result in variants.items()]


def server_rows(server: Mapping[str, Any], section: str = "HTTP server") -> list[Row]:
    if "error" in server:
        return [_error_row(section, server)]
    rows = [
        Row(section, "cold start (launch → /ready 200)", f"{server['cold_start_s']:.1f} s"),
        Row(section, "first answer after ready", f"{fmt_ms(server['first_answer_ms'])} ms"),
        Row(section, "peak RSS (server process tree, under load)", f"{server['peak_rss_mib']:.0f} MiB"),
        Row(section, "store on disk (data dir)", f"{server['store_mib']:.1f} MiB"),
    ]
    for load in server.get("load", []):
        rows.append(Row(section, f"POST /v1/ask, {load['concurrency']} client{'s' if load['concurrency'] != 1 else ''} "
                             f"({load['requests']} req)",
                        f"{load['throughput_rps']:.1f} req/s · p50/p95 "
                        f"{fmt_triplet(load['latency_ms'], ('p50', 'p95'))}"
                        f" · {load['errors']} errors", "0 errors", load["errors"] == 0))
    return rows


def scale_rows(scale: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Row]:
    section = "Scale (synthetic store, warm, extractive)"
    if isinstance(scale, Mapping):
        return [_error_row(section, scale)]
    rows = []
    for entry in scale:
        label = size_label(entry["size"])
        ours = entry["ours"]
        total = ours["latency"]["stages"].get("total") or ours["latency"]["wall"]
        stages = ours["latency"]["stages"]
        target, ok = "", None
        if entry["size"] >= TARGETS["scale_target_size"]:
            target, ok = f"p95 ≤ {TARGETS['scale_p95_ms']:.0f} ms", total["p95"] <= TARGETS["scale_p95_ms"]
        rows.append(Row(section, f"{label}: end to end p50 / p95", fmt_triplet(total, ("p50", "p95")), target, ok))
        rows.append(Row(section, f"{label}: keyword · embed · dense · aspects · fusion p95",
                        " · ".join(fmt_ms(stages.get(stage, {}).get("p95")) for stage in
                                   RETRIEVAL_STAGES) + " ms"))
        probe = ours.get("dense_probe")
        if probe:
            rows.append(Row(section, f"{label}: Chroma query alone p50 with / without a version filter "
                                     f"({probe['versions']} versions)",
                            f"{fmt_ms(probe['filtered']['p50'])} / {fmt_ms(probe['unfiltered']['p50'])} ms"))
        split = (f" (keyword index {ours['keyword_mib']:.0f}, Chroma {ours['chroma_mib']:.0f})"
                 if "keyword_mib" in ours else "")
        rows.append(Row(section, f"{label}: memory of store + indexes (RSS) · disk · keyword index rebuild",
                        f"{ours['store_mib']:.0f} MiB{split} · {entry['store_mib']:.0f} MiB · "
                        f"{entry['keyword_build_s']:.1f} s"))
        for key, what in (("ours_variant", ""),):
            variant = entry.get(key)
            if not variant or "error" in variant:
                continue
            variant_total = variant["latency"]["stages"].get("total") or variant["latency"]["wall"]
            names = " ".join(f"{name}={value}" for name, value in variant["env"].items())
            dense = variant["latency"]["stages"].get("dense", {})
            rows.append(Row(section, f"{label}: end to end p50 / p95 with {names}{what}",
                            f"{fmt_triplet(variant_total, ('p50', 'p95'))} (dense p95 {fmt_ms(dense.get('p95'))} ms)",
                            target, variant_total["p95"] <= TARGETS["scale_p95_ms"] if target else None))
        baseline = entry.get("baseline")
        if baseline and "error" not in baseline:
            base_total = baseline["latency"]["wall"]
            rows.append(Row(section, f"{label}: LangChain baseline p50 / p95 · memory · disk",
                            f"{fmt_triplet(base_total, ('p50', 'p95'))} · {baseline['store_mib']:.0f} MiB · "
                            f"{baseline.get('disk_mib', 0):.0f} MiB"))
    return rows


def baseline_rows(baseline: Mapping[str, Any]) -> list[Row]:
    section = "vs. plain LangChain pipeline (same run)"
    if "error" in baseline:
        return [_error_row(section, baseline)]
    build = baseline["build"]
    latency = baseline["latency"]
    ratios = baseline.get("ratios", {})
    return [
        Row(section, "baseline ingest (load · split · embed)",
            f"{build['total_s']:.1f} s ({build['load_s']:.1f} · {build['split_s']:.1f} · {build['embed_s']:.1f}), "
            f"{build['chunks']} chunks"),
        Row(section, "ingest time ours / baseline", fmt_ratio(ratios.get("ingest"))),
        Row(section, "baseline answer p50 / p95 / p99", fmt_triplet(latency["wall"])),
        Row(section, "answer p50 ours / baseline", fmt_ratio(ratios.get("p50"))),
        Row(section, "answer p95 ours / baseline", fmt_ratio(ratios.get("p95"))),
    ]


def summary_rows(results: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    if "ingest" in results:
        rows += ingest_rows(results["ingest"])
    if "latency" in results:
        rows += latency_rows(results["latency"])
    if "latency_variant" in results:
        part = results["latency_variant"]
        names = " ".join(f"{key}={value}" for key, value in part.get("env", {}).items())
        rows += latency_rows(part if "error" in part else part["latency"],
                             f"Query latency (corpus), {names}, fresh process")
    if "embedding" in results:
        rows += embedding_rows(results["embedding"])
    if "server" in results:
        rows += server_rows(results["server"])
    for name, variant in (results.get("server_variants") or {}).items():
        if name != "error":
            rows += server_rows(variant, f"HTTP server, {name}")
    if "baseline" in results:
        rows += baseline_rows(results["baseline"])
    if "scale" in results:
        rows += scale_rows(results["scale"])
    return rows


def render_table(rows: Sequence[Row], title: str = "smartcity bench") -> Table:
    table = Table(title=title, show_lines=False)
    for column in ("Part", "Measure", "Result", "Target", ""):
        table.add_column(column)
    previous = None
    for row in rows:
        style = {True: "green", False: "red", None: ""}[row.ok]
        table.add_row(row.section if row.section != previous else "", row.metric, row.value, row.target,
                      f"[{style}]{row.mark}[/{style}]" if row.mark else "")
        previous = row.section
    return table


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rows: Sequence[Row], machine: Mapping[str, Any]) -> str:
    """A markdown table with the machine it was measured on, ready to paste into README."""
    lines = [
        f"Measured {machine.get('date', '?')} on {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"{machine.get('ram_gb', '?')} GB RAM, Python {machine.get('python', '?')} "
        f"(load average at start {machine.get('load_avg_1m', '?')}).",
        "",
        "| Part | Measure | Result | Target | |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        mark = {True: "✅", False: "❌", None: ""}[row.ok]
        lines.append(f"| {_md_cell(row.section)} | {_md_cell(row.metric)} | {_md_cell(row.value)} | "
                     f"{_md_cell(row.target)} | {mark} |")
    return "\n".join(lines) + "\n"


def write_json(results: Mapping[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
