"""The `smartcity` command line: ingest, docs, ask, serve, eval, bench.

A thin edge: it reads the settings once, takes its parts from `Services`, prints results.
Exit codes: 0 success, 1 partial failure (e.g. some PDFs failed), 2 usage or configuration
error, 3 the store or the LLM is unavailable.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import (
    InvalidRequestError,
    LLMUnavailableError,
    NotFoundError,
    SettingsError,
    SmartCityError,
    StoreMismatchError,
    StoreUnavailableError,
)
from assistant.settings import Settings, load_settings

if TYPE_CHECKING:
    from vectorstore.chroma import DocumentRecord

app = typer.Typer(help="Smart City assistant: cited answers from the programme reports.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
console = Console()
err_console = Console(stderr=True)


class _State:
    settings: Settings | None = None


def settings() -> Settings:
    if _State.settings is None:
        _State.settings = load_settings()
    return _State.settings


def services() -> Any:
    from assistant.wiring import Services

    return Services(settings())


def _fail(exc: SmartCityError) -> typer.Exit:
    err_console.print(f"[red]Error:[/red] {exc}")
    if isinstance(exc, SettingsError | InvalidRequestError | NotFoundError | StoreMismatchError):
        return typer.Exit(2)
    if isinstance(exc, StoreUnavailableError | LLMUnavailableError):
        return typer.Exit(3)
    return typer.Exit(1)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings()
    except SettingsError as exc:
        raise _fail(exc) from None


# --- ingest & docs ---------------------------------------------------------------------

class _RichProgress:
    """Documents and pages as two progress bars on a terminal."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=err_console)
        self.documents = self.progress.add_task("Dokumente", total=0)
        self.pages = self.progress.add_task("Seiten", total=0)

    def __enter__(self) -> _RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, files: int) -> None:
        self.progress.update(self.documents, total=files)

    def file_started(self, file: str, pages: int) -> None:
        task = self.progress.tasks[self.pages]
        self.progress.update(self.pages, total=(task.total or 0) + pages,
                             description=f"Seiten ({file[:40]})")

    def pages_done(self, pages: int) -> None:
        self.progress.advance(self.pages, pages)

    def file_done(self, outcome: Any) -> None:
        if outcome.status != "removed":
            self.progress.advance(self.documents)


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="PDF files or folders (default: the corpus folder)")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove documents whose file is gone")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Ingest PDFs: new and changed files are embedded, unchanged ones skipped."""
    config = settings()
    targets = list(paths) if paths else [config.corpus_dir]
    if config.uploads_dir.is_dir() and not paths:
        targets.append(config.uploads_dir)
    try:
        ingestor = services().ingestor
        if as_json or not err_console.is_terminal:
            report = ingestor.ingest(targets, prune=prune)
        else:
            with _RichProgress() as progress:
                report = ingestor.ingest(targets, prune=prune, progress=progress)
    except SmartCityError as exc:
        raise _fail(exc) from None
    summary = report.to_json()
    if as_json:
        summary.pop("files")
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        console.print(
            f"{summary['documents']} Dokumente, {summary['pages']} Seiten, {summary['chunks']} Abschnitte "
            f"(neu {summary['added']}, aktualisiert {summary['updated']}, unverändert {summary['unchanged']}, "
            f"entfernt {summary['removed']}) in {summary['seconds']:.1f} s")
        for failure in report.failed:
            err_console.print(f"[yellow]übersprungen:[/yellow] {failure.file}: {failure.reason}")
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def docs(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False) -> None:
    """List the documents in the store."""
    try:
        records = services().store.documents()
    except SmartCityError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([record.metadata() | {"year": record.year} for record in records], ensure_ascii=False))
        return
    table = Table("Datei", "Titel", "Jahr", "Seiten", "Abschnitte", "Aufgenommen")
    for record in records:
        table.add_row(record.file, record.title, str(record.year or "–"), str(record.pages), str(record.chunks),
                      record.ingested_at)
    console.print(table)
    if not records:
        err_console.print("Der Speicher ist leer: `smartcity ingest` nimmt den Korpus auf.")


# --- ask ---------------------------------------------------------------------------------

@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 'Wie verstetige ich einen Makerspace?'")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
    document: Annotated[Optional[list[str]], typer.Option("--document", "-d", help="Only search this file (repeatable)")] = None,
    mode: Annotated[Optional[str], typer.Option(help="extractive or llm (default: settings)")] = None,
) -> None:
    """Answer one question with citations."""
    try:
        parts = services()
        assistant = parts.build_assistant(mode) if mode else parts.assistant
        if as_json:
            result = assistant.ask(question, documents=document)
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            return
        result = None
        for item in assistant.stream(question, documents=document):
            if isinstance(item, str):
                console.print(item, end="", soft_wrap=True, markup=False, highlight=False)
            else:
                result = item
        console.print()
    except SmartCityError as exc:
        raise _fail(exc) from None
    assert result is not None
    _print_sources(result)


def _print_sources(result: Any) -> None:
    if result.refused:
        if result.suggestions:
            console.print("\nWeiterlesen:")
            for suggestion in result.suggestions:
                console.print(f"  - {suggestion.title} ({suggestion.document})", markup=False)
        return
    console.print("\nQuellen:")
    for citation in result.citations:
        console.print(f"  [{citation.n}] {citation.title}, S. {citation.page} ({citation.document})", markup=False)
        console.print(f"      „{citation.quote}“", markup=False, style="dim")


# --- serve -------------------------------------------------------------------------------

@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default: settings)")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default: settings)")] = None,
    ingest_if_empty: Annotated[bool, typer.Option("--ingest-if-empty/--no-ingest", help="Ingest the corpus first when the store is empty or was processed by an older version")] = True,
) -> None:
    """Run the HTTP API, the chat UI (/ui) and the widget with uvicorn."""
    import uvicorn

    config = settings()
    parts = services()
    try:
        reason = why_ingest_first(parts.store.documents()) if ingest_if_empty else None
        if reason:
            err_console.print(f"{reason} – nehme {config.corpus_dir} auf …")
            report = parts.ingestor.ingest([config.corpus_dir])
            for failure in report.failed:
                err_console.print(f"[yellow]übersprungen:[/yellow] {failure.file}: {failure.reason}")
    except SmartCityError as exc:
        raise _fail(exc) from None
    from assistant.api.app import create_app

    application = create_app(config, services=parts)
    uvicorn.run(application, host=host or config.host, port=port or config.port, log_level="info",
                proxy_headers=True)


def why_ingest_first(stored: list[DocumentRecord]) -> str | None:
    """Serve ingests the corpus first into an empty store or one processed by an older release."""
    from ingest.models import is_current_version

    if not stored:
        return "Speicher leer"
    outdated = sum(1 for record in stored if not is_current_version(record.version))
    return f"{outdated} Dokument(e) älter aufbereitet" if outdated else None


# --- eval & bench --------------------------------------------------------------------------

@app.command("eval")
def evaluate(
    dataset: Annotated[Optional[Path], typer.Option(help="YAML dataset (default: evals/data/questions.yaml)")] = None,
    mode: Annotated[str, typer.Option(help="extractive or llm")] = "extractive",
    compare: Annotated[Optional[list[str]], typer.Option("--compare", help="Variants: hybrid, dense, keyword, baseline")] = None,
    report: Annotated[Optional[Path], typer.Option(help="Report folder (default: <data>/evals)")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Exit 1 when a metric is below its threshold")] = False,
    judge: Annotated[bool, typer.Option("--judge", help="Add an LLM-as-judge score (needs an LLM)")] = False,
) -> None:
    """Run the answer-quality evaluation and write a report."""
    from evals.runner import run_cli

    try:
        code = run_cli(services(), dataset=dataset, mode=mode, variants=compare or [], report_dir=report,
                       gate=gate, judge=judge, console=console)
    except SmartCityError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


@app.command()
def bench(
    out: Annotated[Optional[Path], typer.Option(help="Folder for JSON and PNG (default: <data>/bench)")] = None,
    scale: Annotated[str, typer.Option(help="Synthetic store sizes, e.g. '10000,50000,100000' or '' to skip")] = "10000,50000,100000",
    quick: Annotated[bool, typer.Option("--quick", help="Fewer repetitions (for a smoke run)")] = False,
) -> None:
    """Measure ingest, query latency, HTTP throughput, memory and scale vs. a plain LangChain pipeline."""
    from bench.runner import run_bench

    sizes = [int(size) for size in scale.split(",") if size.strip()]
    try:
        code = run_bench(settings(), out_dir=out, scale_sizes=sizes, quick=quick, console=console)
    except SmartCityError as exc:
        raise _fail(exc) from None
    raise typer.Exit(code)


def run() -> None:  # pragma: no cover - console entry for `python -m assistant.cli`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
