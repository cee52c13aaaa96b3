"""Render an evaluation run: results.json, report.md, a self-contained report.html, the terminal.

Runs are kept side by side under the report folder (one sub-folder per run), so the HTML
report also charts the key metrics across earlier runs: the trend across commits.
"""

from __future__ import annotations

import html
import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

log = logging.getLogger(__name__)

LABELS: dict[str, str] = {
    "doc_hit_at_1": "Doc hit@1",
    "doc_hit_at_5": "Doc hit@5",
    "doc_mrr": "Doc MRR",
    "doc_recall_at_5": "Doc recall@5",
    "page_hit_at_1": "Page hit@1",
    "page_hit_at_5": "Page hit@5",
    "page_mrr": "Page MRR",
    "evidence_recall": "Evidence recall",
    "fact_ceiling": "Fact ceiling",
    "fact_pass": "Fact pass",
    "fact_recall": "Fact recall",
    "citation_precision": "Citation precision",
    "cited_sentence_share": "Cited sentences",
    "answer_words": "Answer words",
    "partial_marked": "Partial marked",
    "refusal_accuracy": "Refusal accuracy",
    "false_refusal_rate": "False refusals (lower=better)",
    "latency_p50_ms": "Latency p50 ms",
    "latency_p95_ms": "Latency p95 ms",
    "wall_p50_ms": "Wall p50 ms",
    "wall_p95_ms": "Wall p95 ms",
    "judge_correctness": "Judge correctness (1-5)",
    "judge_faithfulness": "Judge faithfulness (1-5)",
}
CATEGORY_COLUMNS = ("items", "doc_hit_at_5", "page_hit_at_5", "page_mrr", "evidence_recall", "fact_pass",
                    "fact_recall", "citation_precision", "refusal_accuracy", "false_refusal_rate")
CHART_METRICS = ("page_hit_at_5", "evidence_recall", "fact_pass", "citation_precision")
VARIANT_CHART_METRICS = ("doc_hit_at_5", "page_hit_at_5", "page_mrr", "evidence_recall", "fact_pass",
                         "citation_precision", "refusal_accuracy", "false_refusal_rate")
TREND_METRICS = ("page_hit_at_5", "evidence_recall", "fact_pass", "citation_precision",
                 "refusal_accuracy", "false_refusal_rate")
_TREND_RUNS = 30
# The dev/test table: the ceiling (every fact in the passages the answerer saw) beside the
# result tells retrieval losses from answer losses.
PART_COLUMNS = ("items", "fact_ceiling", "fact_pass", "evidence_recall", "page_hit_at_5", "citation_precision",
                "refusal_accuracy", "false_refusal_rate", "partial_marked")


CONSOLE_PART_COLUMNS = ("items", "fact_ceiling", "fact_pass", "evidence_recall", "refusal_accuracy",
                        "false_refusal_rate")


def part_rows(variant: dict[str, Any], columns: tuple[str, ...] = PART_COLUMNS) -> tuple[list[str], list[list[str]]]:
    """Header and rows: per category, the `PART_COLUMNS` of each part (dev, test) side by side."""
    parts = variant.get("parts") or {"dev": {"aggregates": variant["aggregates"]}}
    names = list(parts)
    categories: list[str] = []
    for part in parts.values():
        categories += [name for name in part["aggregates"] if name not in categories]
    header = ["Category"] + [f"{part} {LABELS.get(column, column)}" for column in columns for part in names]
    rows = []
    for category in categories:
        row = [category]
        for column in columns:
            for part in names:
                row.append(fmt(parts[part]["aggregates"].get(category, {}).get(column), column))
        rows.append(row)
    return header, rows


def near_miss_rows(variant: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Refusal accuracy per kind of near miss (what the unanswerable question asks for), per part."""
    parts = variant.get("parts") or {}
    kinds = sorted({kind for part in parts.values() for kind in part.get("near_misses", {})})
    header = ["Near miss", *(f"{part} items / refused" for part in parts)]
    rows = []
    for kind in kinds:
        cells = []
        for part in parts.values():
            values = part.get("near_misses", {}).get(kind)
            cells.append("–" if values is None else f"{values['items']} / {fmt(values['refusal_accuracy'])}")
        rows.append([kind, *cells])
    return header, rows


def origin_line(variant: dict[str, Any]) -> str:
    """'dev: 250 items (3 from feedback); test: 130 items' — where the items came from."""
    pieces = []
    for name, part in (variant.get("parts") or {}).items():
        feedback = part.get("origins", {}).get("feedback", 0)
        pieces.append(f"{name}: {part['items']} items ({feedback} from feedback)")
    return "; ".join(pieces)


def fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "–"
    if metric.endswith("_ms") or metric in ("answer_words", "items"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def _metrics_present(run: dict[str, Any]) -> list[str]:
    """The overall metrics any variant measured, in display order."""
    present = []
    for metric in LABELS:
        if any(variant["aggregates"]["overall"].get(metric) is not None for variant in run["variants"].values()):
            present.append(metric)
    return present


def _sweep_rows(run: dict[str, Any], margin: float = 0.04, step: float = 0.01) -> list[dict[str, Any]]:
    """Sweep rows every `step` around the best and the configured threshold (the chart has all)."""
    primary = run["variants"][run["primary"]]
    anchors = [run["settings"]["min_evidence"]]
    if primary["best_threshold"]:
        anchors.append(primary["best_threshold"]["threshold"])
    low, high = min(anchors) - margin, max(anchors) + margin
    return [row for row in primary["sweep"] if low - 1e-9 <= row["threshold"] <= high + 1e-9
            and (abs(row["threshold"] / step - round(row["threshold"] / step)) < 1e-6
                 or any(abs(row["threshold"] - anchor) < 1e-9 for anchor in anchors))]


# --- files --------------------------------------------------------------------------------

def load_runs(report_dir: Path) -> list[dict[str, Any]]:
    """Earlier runs' results (for the trend), oldest first; unreadable ones are skipped."""
    runs = []
    for path in sorted(report_dir.glob("*/results.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("skipping unreadable eval run %s", path)
            continue
        if isinstance(data, dict) and isinstance(data.get("variants"), dict):
            runs.append(data)
    return sorted(runs, key=lambda data: str(data.get("date", "")))


def write_reports(run: dict[str, Any], report_dir: Path) -> dict[str, Path]:
    """Write ``<report_dir>/<run_id>/{results.json,report.md,report.html}``."""
    run_dir = report_dir / run["run_id"]
    run_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": run_dir / "results.json", "md": run_dir / "report.md", "html": run_dir / "report.html"}
    paths["json"].write_text(json.dumps(run, ensure_ascii=False, indent=1), encoding="utf-8")
    history = [earlier for earlier in load_runs(report_dir) if earlier.get("run_id") != run["run_id"]]
    history.append(run)
    paths["md"].write_text(render_markdown(run), encoding="utf-8")
    paths["html"].write_text(render_html(run, history[-_TREND_RUNS:]), encoding="utf-8")
    return paths


# --- markdown -----------------------------------------------------------------------------

def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def failed_items(variant: dict[str, Any]) -> list[dict[str, Any]]:
    """Items worth a look: wrong refusal decision, missed facts, or expected pages not retrieved."""
    rows = []
    for item in variant["items"]:
        reasons = []
        if not item["answerable"] and not item["refused"]:
            reasons.append("answered an unanswerable question")
        if item["answerable"] and item["refused"]:
            reasons.append(f"refused (evidence {item['evidence_score']:.2f})")
        elif item["answerable"] and item.get("fact_pass") == 0.0:
            reasons.append(f"facts {item['fact_recall']:.2f}")
        if item["answerable"] and item.get("page_hit_at_5") == 0.0:
            reasons.append("expected page not in top 5")
        if reasons:
            rows.append({"id": item["id"], "category": item["category"], "reasons": "; ".join(reasons)})
    return rows


def render_markdown(run: dict[str, Any]) -> str:
    variants = list(run["variants"])
    primary = run["variants"][run["primary"]]
    parts = [
        f"# Evaluation {run['run_id']}",
        "",
        f"Commit `{run['commit']}`, {run['date']}, mode `{run['mode']}`, {run['dataset']['items']} items, "
        f"min_evidence {run['settings']['min_evidence']}.",
        "",
        "## Variants (overall)",
        "",
        _md_table(["Metric", *variants],
                  [[LABELS[metric], *(fmt(run["variants"][name]["aggregates"]["overall"].get(metric), metric)
                                      for name in variants)] for metric in _metrics_present(run)]),
        "",
        f"## Per category ({run['primary']})",
        "",
        _md_table(["Category", *(LABELS.get(c, c) for c in CATEGORY_COLUMNS)],
                  [[category, *(fmt(values.get(c), c) for c in CATEGORY_COLUMNS)]
                   for category, values in primary["aggregates"].items()]),
        "",
        f"## Dev and test parts ({run['primary']}; gate on {run.get('gate', {}).get('part', 'test')})",
        "",
        origin_line(primary),
        "",
        _md_table(*part_rows(primary)),
        "",
        "## Near misses (unanswerable questions that name things the reports know)",
        "",
        _md_table(*near_miss_rows(primary)),
        "",
        f"## Refusal threshold sweep ({run['primary']}, dev part)",
        "",
    ]
    best = primary["best_threshold"]
    if best:
        parts += [f"Best threshold (max refusal accuracy − 2 × false-refusal rate): **{best['threshold']:.3f}** "
                  f"(refusal accuracy {best['refusal_accuracy']:.3f}, false refusals "
                  f"{best['false_refusal_rate']:.3f}); configured: {run['settings']['min_evidence']}.", ""]
    parts.append(_md_table(
        ["Threshold", *(f"{name} RA / FRR" for name in variants)],
        [[f"{row['threshold']:.3f}", *(
            _sweep_cell(run["variants"][name], row["threshold"]) for name in variants)]
         for row in _sweep_rows(run)]))
    gate = run.get("gate", {})
    if gate.get("checked"):
        parts += ["", "## Quality gate", "", "passed" if gate["passed"] else "**failed**", ""]
        parts += [f"- {failure}" for failure in gate["failures"]]
    failures = failed_items(primary)
    parts += ["", f"## Items to look at ({run['primary']}, {len(failures)})", ""]
    parts.append(_md_table(["Item", "Category", "Why"],
                           [[row["id"], row["category"], row["reasons"]] for row in failures]))
    return "\n".join(parts) + "\n"


def _sweep_cell(variant: dict[str, Any], threshold: float) -> str:
    row = next((row for row in variant["sweep"] if abs(row["threshold"] - threshold) < 1e-9), None)
    if row is None:
        return "–"
    return f"{row['refusal_accuracy']:.2f} / {row['false_refusal_rate']:.2f}"


# --- charts -------------------------------------------------------------------------------

def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _grouped_bars(groups: list[str], series: dict[str, list[float | None]], title: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(max(7.0, 0.9 * len(groups) * max(1, len(series)) / 2.5), 3.8))
    width = 0.8 / max(1, len(series))
    for index, (name, values) in enumerate(series.items()):
        positions = [group + (index - (len(series) - 1) / 2) * width for group in range(len(groups))]
        axis.bar(positions, [value if value is not None else 0.0 for value in values], width, label=name)
    axis.set_xticks(range(len(groups)))
    axis.set_xticklabels(groups, rotation=20, ha="right", fontsize=8)
    axis.set_ylim(0, 1.05)
    axis.set_title(title, fontsize=10)
    axis.grid(axis="y", alpha=0.3)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _svg(figure)


def chart_categories(run: dict[str, Any]) -> str:
    aggregates = run["variants"][run["primary"]]["aggregates"]
    categories = [name for name in aggregates if name != "overall"]
    series = {LABELS[metric]: [aggregates[name].get(metric) for name in categories] for metric in CHART_METRICS}
    series[LABELS["refusal_accuracy"]] = [aggregates[name].get("refusal_accuracy") for name in categories]
    return _grouped_bars(categories, series, f"Metrics per category ({run['primary']})")


def chart_variants(run: dict[str, Any]) -> str:
    series = {name: [variant["aggregates"]["overall"].get(metric) for metric in VARIANT_CHART_METRICS]
              for name, variant in run["variants"].items()}
    return _grouped_bars([LABELS[metric] for metric in VARIANT_CHART_METRICS], series, "Variants side by side")


def chart_sweep(run: dict[str, Any]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    primary = run["variants"][run["primary"]]
    thresholds = [row["threshold"] for row in primary["sweep"]]
    figure, axis = plt.subplots(figsize=(7, 3.4))
    axis.plot(thresholds, [row["refusal_accuracy"] for row in primary["sweep"]], label="refusal accuracy")
    axis.plot(thresholds, [row["false_refusal_rate"] for row in primary["sweep"]], label="false-refusal rate")
    axis.axvline(run["settings"]["min_evidence"], color="grey", linestyle="--", label="configured")
    if primary["best_threshold"]:
        axis.axvline(primary["best_threshold"]["threshold"], color="green", linestyle=":", label="best")
    axis.set_xlabel("min_evidence", fontsize=8)
    axis.set_ylim(0, 1.05)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    axis.set_title(f"Refusal threshold sweep ({run['primary']})", fontsize=10)
    return _svg(figure)


def chart_trend(history: list[dict[str, Any]]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{run.get('commit', '?')}\n{str(run.get('date', ''))[:10]}" for run in history]
    figure, axis = plt.subplots(figsize=(max(7.0, 0.8 * len(history)), 3.6))
    for metric in TREND_METRICS:
        values = []
        for run in history:
            primary = run["variants"].get(run.get("primary", "hybrid"), {})
            value = primary.get("aggregates", {}).get("overall", {}).get(metric)
            values.append(float("nan") if value is None else value)
        axis.plot(range(len(history)), values, marker="o", label=LABELS[metric])
    axis.set_xticks(range(len(history)))
    axis.set_xticklabels(labels, fontsize=7)
    axis.set_ylim(0, 1.05)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axis.set_title(f"Trend across runs ({len(history)})", fontsize=10)
    return _svg(figure)


# --- html ---------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text{text-align:left}
.bad{background:#fde2e2}.ok{background:#e2f5e4}.chart svg{max-width:100%;height:auto}
details{margin:.5rem 0}code{background:#f3f3f3;padding:0 .2rem}
"""


def _html_table(header: list[str], rows: list[list[str]], text_columns: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = []
    for row in rows:
        cells = "".join(
            f"<td class=\"text\">{cell}</td>" if index in text_columns else f"<td>{cell}</td>"
            for index, cell in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_html(run: dict[str, Any], history: list[dict[str, Any]]) -> str:
    variants = list(run["variants"])
    primary = run["variants"][run["primary"]]
    escape = html.escape
    sections = [
        f"<h1>Evaluation {escape(run['run_id'])}</h1>",
        f"<p>Commit <code>{escape(run['commit'])}</code>, {escape(run['date'])}, "
        f"mode <code>{escape(run['mode'])}</code>, "
        f"{run['dataset']['items']} items, min_evidence {run['settings']['min_evidence']}.</p>",
    ]
    gate = run.get("gate", {})
    if gate.get("checked"):
        state = "passed" if gate["passed"] else "failed"
        sections.append(f"<p class=\"{'ok' if gate['passed'] else 'bad'}\">Quality gate {state}</p>")
        if gate["failures"]:
            sections.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in gate["failures"]) + "</ul>")
    sections.append("<h2>Variants (overall)</h2>")
    sections.append(_html_table(
        ["Metric", *variants],
        [[escape(LABELS[metric]), *(fmt(run["variants"][name]["aggregates"]["overall"].get(metric), metric)
                                    for name in variants)] for metric in _metrics_present(run)]))
    if len(variants) > 1:
        sections.append(f"<div class=\"chart\">{chart_variants(run)}</div>")
    sections.append(f"<h2>Per category ({escape(run['primary'])})</h2>")
    sections.append(_html_table(
        ["Category", *(LABELS.get(c, c) for c in CATEGORY_COLUMNS)],
        [[escape(category), *(fmt(values.get(c), c) for c in CATEGORY_COLUMNS)]
         for category, values in primary["aggregates"].items()]))
    sections.append(f"<div class=\"chart\">{chart_categories(run)}</div>")
    sections.append(f"<h2>Dev and test parts ({escape(run['primary'])})</h2><p>{escape(origin_line(primary))}</p>")
    header, rows = part_rows(primary)
    sections.append(_html_table(header, [[escape(row[0]), *row[1:]] for row in rows]))
    sections.append("<h2>Near misses</h2>")
    header, rows = near_miss_rows(primary)
    sections.append(_html_table(header, [[escape(row[0]), *row[1:]] for row in rows]))
    sections.append("<h2>Trend across runs</h2>")
    sections.append(f"<div class=\"chart\">{chart_trend(history)}</div>")
    sections.append("<h2>Refusal threshold</h2>")
    best = primary["best_threshold"]
    if best:
        sections.append(f"<p>Best threshold (max refusal accuracy − 2 × false-refusal rate): "
                        f"<b>{best['threshold']:.3f}</b> (refusal accuracy {best['refusal_accuracy']:.3f}, "
                        f"false refusals {best['false_refusal_rate']:.3f}); configured "
                        f"{run['settings']['min_evidence']}.</p>")
    sections.append(f"<div class=\"chart\">{chart_sweep(run)}</div>")
    sections.append(_html_table(
        ["Threshold", *(f"{name} RA / FRR" for name in variants)],
        [[f"{row['threshold']:.3f}", *(_sweep_cell(run["variants"][name], row["threshold"]) for name in variants)]
         for row in _sweep_rows(run)]))
    sections.append(f"<h2>Items ({escape(run['primary'])})</h2>")
    rows = []
    for item in primary["items"]:
        wrong = (item["answerable"] == item["refused"]) or item.get("fact_pass") == 0.0
        marker = "bad" if wrong else "ok"
        rows.append([
            f"<span class=\"{marker}\">{escape(item['id'])}</span>", escape(item["category"]),
            escape(item["question"]), "yes" if item["refused"] else "no", f"{item['evidence_score']:.2f}",
            fmt(item.get("page_hit_at_5")), fmt(item.get("evidence_recall")), fmt(item.get("fact_recall")),
            fmt(item.get("citation_precision")),
            f"<details><summary>{escape(item['answer'][:90])}…</summary>{escape(item['answer'])}</details>",
        ])
    sections.append(_html_table(["Item", "Category", "Question", "Refused", "Evidence", "Page hit@5",
                                 "Evidence recall", "Facts", "Citation precision", "Answer"], rows,
                                text_columns=(0, 1, 2, 9)))
    sections.append("<h2>Settings</h2><pre>" + escape(json.dumps(run["settings"], ensure_ascii=False, indent=1))
                    + "</pre>")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Evaluation {escape(run['run_id'])}</title><style>{_CSS}</style></head><body>"
            + "\n".join(sections) + "</body></html>\n")


# --- terminal -----------------------------------------------------------------------------

def print_console(run: dict[str, Any], console: Console) -> None:
    """The comparison, the per-category table and the refusal sweep as rich tables."""
    from rich.table import Table

    variants = list(run["variants"])
    table = Table("Metric", *variants, title=f"Evaluation {run['run_id']} ({run['mode']})")
    for metric in _metrics_present(run):
        table.add_row(LABELS[metric], *(fmt(run["variants"][name]["aggregates"]["overall"].get(metric), metric)
                                        for name in variants))
    console.print(table)

    primary = run["variants"][run["primary"]]
    columns = ("items", "page_hit_at_5", "evidence_recall", "fact_pass", "citation_precision",
               "refusal_accuracy", "false_refusal_rate")
    table = Table("Category", *(LABELS[c] if c in LABELS else c for c in columns),
                  title=f"Per category ({run['primary']})")
    for category, values in primary["aggregates"].items():
        table.add_row(category, *(fmt(values.get(c), c) for c in columns))
    console.print(table)

    header, rows = part_rows(primary, CONSOLE_PART_COLUMNS)
    table = Table(*header, title=f"Dev and test parts ({run['primary']}) — {origin_line(primary)}")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    header, rows = near_miss_rows(primary)
    if rows:
        table = Table(*header, title="Near misses: refused per kind")
        for row in rows:
            table.add_row(*row)
        console.print(table)

    table = Table("min_evidence", *(f"{name} RA / FRR" for name in variants), title="Refusal threshold sweep")
    for row in _sweep_rows(run):
        table.add_row(f"{row['threshold']:.3f}", *(_sweep_cell(run["variants"][name], row["threshold"])
                                                   for name in variants))
    console.print(table)
    for name in variants:
        best = run["variants"][name]["best_threshold"]
        if best:
            console.print(f"Best refusal threshold ({name}): {best['threshold']:.3f} — refusal accuracy "
                          f"{best['refusal_accuracy']:.3f}, false refusals {best['false_refusal_rate']:.3f} "
                          f"(configured {run['settings']['min_evidence']})")
