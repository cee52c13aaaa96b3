"""One PNG with the benchmark's figures (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

STAGE_ORDER = ("keyword", "embed", "dense", "aspects", "fusion", "answer", "rest")
RETRIEVAL_STAGES = STAGE_ORDER[:5]  # the stages a store's size drives (the scale rows)
COLOURS = {"ours": "#1f6f8b", "baseline": "#e07a1f", "target": "#b22222"}


def _ok(part: Any) -> bool:
    return isinstance(part, Mapping) and "error" not in part


def write_chart(results: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 3, figsize=(18, 10))
    machine = results.get("machine", {})
    figure.suptitle(f"smartcity bench – {machine.get('date', '')} – {machine.get('cpu', '')}, "
                    f"{machine.get('cores', '?')} cores", fontsize=13)
    _stages(axes[0][0], results.get("latency"), results.get("baseline"), results.get("latency_variant"))
    _ingest(axes[0][1], results.get("ingest"), results.get("baseline"))
    _http(axes[0][2], results.get("server"), results.get("server_variants"))
    scale = results.get("scale")
    scale = scale if isinstance(scale, Sequence) and scale else None
    _scale_latency(axes[1][0], scale)
    _scale_stages(axes[1][1], scale)
    _scale_memory(axes[1][2], scale)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _empty(axis: Any, title: str) -> None:
    axis.set_title(title)
    axis.text(0.5, 0.5, "not measured", ha="center", va="center", transform=axis.transAxes, color="grey")
    axis.set_xticks([])
    axis.set_yticks([])


def _stages(axis: Any, latency: Any, baseline: Any, variant: Any) -> None:
    title = "Corpus: warm latency per stage (ms)"
    if not _ok(latency):
        return _empty(axis, title)
    stages = latency["stages"]
    names = [name for name in (*STAGE_ORDER, "total") if name in stages]
    p50 = [stages[name]["p50"] for name in names]
    p95 = [stages[name]["p95"] for name in names]
    if _ok(variant):
        names.append("total\n" + _env_label(variant).replace("OMP_WAIT_POLICY=", "OMP "))
        p50.append(variant["latency"]["stages"]["total"]["p50"])
        p95.append(variant["latency"]["stages"]["total"]["p95"])
    if _ok(baseline):
        names.append("baseline\ntotal")
        p50.append(baseline["latency"]["wall"]["p50"])
        p95.append(baseline["latency"]["wall"]["p95"])
    positions = range(len(names))
    axis.bar([x - 0.2 for x in positions], p50, 0.4, label="p50", color=COLOURS["ours"])
    axis.bar([x + 0.2 for x in positions], p95, 0.4, label="p95", color="#7fb3c8")
    axis.axhline(150, color=COLOURS["target"], linestyle="--", linewidth=1, label="target p95 150 ms")
    axis.set_xticks(list(positions), names, fontsize=8)
    axis.set_title(title)
    axis.legend(fontsize=8)


def _ingest(axis: Any, ingest: Any, baseline: Any) -> None:
    title = "Ingest of the corpus (s)"
    if not _ok(ingest):
        return _empty(axis, title)
    labels = ["ingest", "raw embedding", "re-ingest", "re-ingest CLI"]
    values = [ingest["ingest_s"], ingest["raw_embed_s"], ingest["reingest_s"], ingest["reingest_cli_s"]]
    colours = [COLOURS["ours"]] * 4
    if _ok(baseline):
        labels.append("baseline\ningest")
        values.append(baseline["build"]["total_s"])
        colours.append(COLOURS["baseline"])
    axis.bar(labels, values, color=colours)
    for index, value in enumerate(values):
        axis.text(index, value, f"{value:.1f}", ha="center", va="bottom", fontsize=8)
    axis.set_title(title)
    axis.tick_params(axis="x", labelsize=8)


def _http(axis: Any, server: Any, variants: Any) -> None:
    title = "HTTP POST /v1/ask: throughput (bars) and p95 (lines)"
    if not _ok(server) or not server.get("load"):
        return _empty(axis, title)
    runs = {"as configured": server}
    if isinstance(variants, Mapping):
        runs.update({name: run for name, run in variants.items() if _ok(run) and run.get("load")})
    labels = [str(load["concurrency"]) for load in server["load"]]
    width = 0.8 / len(runs)
    twin = axis.twinx()
    for index, (name, run) in enumerate(runs.items()):
        positions = [x + (index - (len(runs) - 1) / 2) * width for x in range(len(labels))]
        colour = f"C{index}"
        axis.bar(positions, [load["throughput_rps"] for load in run["load"]], width, color=colour, alpha=0.8,
                 label=name)
        twin.plot(positions, [load["latency_ms"]["p95"] for load in run["load"]], "o-", color=colour)
    axis.set_xticks(range(len(labels)), labels)
    axis.set_xlabel("concurrent clients")
    axis.set_ylabel("answers/s")
    twin.set_ylabel("p95 latency (ms)")
    axis.legend(fontsize=7, loc="upper left")
    axis.set_title(f"{title}\ncold start {server['cold_start_s']:.1f} s, peak RSS {server['peak_rss_mib']:.0f} MiB",
                   fontsize=10)


def _scale_latency(axis: Any, scale: Any) -> None:
    title = "Scale: warm end-to-end latency (ms)"
    if not scale:
        return _empty(axis, title)
    sizes = [entry["size"] for entry in scale]
    for key, style in (("p50", "o-"), ("p95", "s--")):
        axis.plot(sizes, [_total(entry["ours"])[key] for entry in scale], style, color=COLOURS["ours"],
                  label=f"ours {key}")
        with_baseline = [entry for entry in scale if _ok(entry.get("baseline"))]
        if with_baseline:
            axis.plot([entry["size"] for entry in with_baseline],
                      [entry["baseline"]["latency"]["wall"][key] for entry in with_baseline], style,
                      color=COLOURS["baseline"], label=f"baseline {key}")
    entries = [entry for entry in scale if _ok(entry.get("ours_variant"))]
    for key, marker in (("p50", "o"), ("p95", "s")):
        if entries:
            axis.plot([entry["size"] for entry in entries], [_total(entry["ours_variant"])[key] for entry in entries],
                      marker, color="#2a9d4b", label=f"ours {key}, {_env_label(entries[0]['ours_variant'])}")
    axis.axhline(300, color=COLOURS["target"], linestyle="--", linewidth=1, label="target p95 300 ms at 100k")
    axis.set_xlabel("chunks in store")
    axis.set_title(title)
    axis.legend(fontsize=8)


def _scale_stages(axis: Any, scale: Any) -> None:
    title = "Scale: where the time goes (p50 per stage, ms)"
    if not scale:
        return _empty(axis, title)
    labels = [f"{entry['size'] // 1000}k" for entry in scale]
    bottom = [0.0] * len(scale)
    for stage in STAGE_ORDER:
        values = [entry["ours"]["latency"]["stages"].get(stage, {}).get("p50", 0.0) for entry in scale]
        axis.bar(labels, values, bottom=bottom, label=stage)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axis.set_title(title)
    axis.legend(fontsize=8)


def _scale_memory(axis: Any, scale: Any) -> None:
    title = "Scale: memory of store + indexes (RSS, MiB)"
    if not scale:
        return _empty(axis, title)
    sizes = [entry["size"] for entry in scale]
    axis.plot(sizes, [entry["ours"]["store_mib"] for entry in scale], "o-", color=COLOURS["ours"], label="ours")
    with_baseline = [entry for entry in scale if _ok(entry.get("baseline"))]
    if with_baseline:
        axis.plot([entry["size"] for entry in with_baseline],
                  [entry["baseline"]["store_mib"] for entry in with_baseline], "o-", color=COLOURS["baseline"],
                  label="baseline")
    axis.plot(sizes, [entry["store_mib"] for entry in scale], "^:", color="grey", label="ours on disk")
    axis.set_xlabel("chunks in store")
    axis.set_title(title)
    axis.legend(fontsize=8)


def _env_label(measured: Mapping[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in measured.get("env", {}).items())


def _total(measured: Mapping[str, Any]) -> Mapping[str, float]:
    latency = measured["latency"]
    return latency["stages"].get("total") or latency["wall"]
