"""The `smartcity` command line: ingest, docs, ask, serve, eval, bench, feedback.

A thin edge: it reads the settings once, takes its parts from `Services`, prints results.
Exit codes: 0 success, 1 partial failure (e.g. some PDFs failed), 2 usage or configuration
error, 3 the store or the LLM is unavailable.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assistant.settings import Settings, load_settings
from ingest.errors import InvalidRequestError, SettingsError, SmartCityError

if TYPE_CHECKING:
    from ingest.models import DocumentRecord

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
    """Print the error's detail and exit with the code its class carries."""
    err_console.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False)
    return typer.Exit(exc.exit_code)


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
        self.ocr = self.progress.add_task("OCR-Seiten (Scans, je ~2 s)", total=None, visible=False)

    def __enter__(self) -> _RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, files: int) -> None:
        self.progress.update(self.documents, total=files)

    def ocr_page_done(self, file: str) -> None:
        """Scanned pages are slow: they get a counter of their own."""
        self.progress.update(self.ocr, visible=True, description=f"OCR-Seiten ({file[:40]})")
        self.progress.advance(self.ocr)

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
    paths: Annotated[list[Path] | None,
                     typer.Argument(help="PDF files or folders (default: the corpus folder)")] = None,
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
        ocr = f", davon {summary['ocr_pages']} per OCR gelesen" if summary["ocr_pages"] else ""
        console.print(
            f"{summary['documents']} Dokumente, {summary['pages']} Seiten{ocr}, {summary['chunks']} Abschnitte "
            f"(neu {summary['added']}, aktualisiert {summary['updated']}, unverändert {summary['unchanged']}, "
            f"entfernt {summary['removed']}) in {summary['seconds']:.1f} s")
        for failure in report.failed:
            err_console.print(f"[yellow]übersprungen:[/yellow] {failure.file}: {failure.reason}")
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def docs(as_json: Annotated[bool, typer.Option("--json", help="Print as JSON")] = False) -> None:
    """List the documents in the store."""
    try:
        records = services().knowledge_base.documents()
    except SmartCityError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([record.metadata() | {"year": record.year} for record in records], ensure_ascii=False))
        return
    table = Table("Datei", "Titel", "Jahr", "Seiten", "davon OCR", "Abschnitte", "Aufgenommen")
    for record in records:
        table.add_row(record.file, record.title, str(record.year or "–"), str(record.pages),
                      str(record.ocr_pages or "–"), str(record.chunks), record.ingested_at)
    console.print(table)
    if not records:
        err_console.print("Der Speicher ist leer: `smartcity ingest` nimmt den Korpus auf.")


# --- ask ---------------------------------------------------------------------------------

@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. 'Wie verstetige ich einen Makerspace?'")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
    document: Annotated[list[str] | None,
                        typer.Option("--document", "-d", help="Only search this file (repeatable)")] = None,
    mode: Annotated[str | None, typer.Option(help="extractive or llm (default: settings)")] = None,
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
    if result is not None:
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
    host: Annotated[str | None, typer.Option(help="Bind address (default: settings)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings)")] = None,
    ingest_if_empty: Annotated[bool, typer.Option(
        "--ingest-if-empty/--no-ingest",
        help="Ingest the corpus first when the store is empty or was processed by an older version")] = True,
) -> None:
    """Run the HTTP API, the chat UI (/ui) and the widget with uvicorn."""
    import uvicorn

    config = settings()
    parts = services()
    try:
        reason = why_ingest_first(parts.knowledge_base.documents()) if ingest_if_empty else None
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
    dataset: Annotated[Path | None, typer.Option(
        help="Folder with dev/ and test/, or one YAML file (default: evals/data)")] = None,
    mode: Annotated[str, typer.Option(help="extractive or llm")] = "extractive",
    compare: Annotated[list[str] | None,
                       typer.Option("--compare", help="Variants: hybrid, dense, keyword, baseline")] = None,
    report: Annotated[Path | None, typer.Option(help="Report folder (default: <data>/evals)")] = None,
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
    out: Annotated[Path | None, typer.Option(help="Folder for JSON and PNG (default: <data>/bench)")] = None,
    scale: Annotated[str, typer.Option(help="Synthetic store sizes, e.g. '10000,50000,100000' or '' to skip")
                     ] = "10000,50000,100000",
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


# --- feedback ------------------------------------------------------------------------------

feedback_app = typer.Typer(no_args_is_help=False)
app.add_typer(feedback_app, name="feedback")

_LIST_LIMIT = 20
DownOption = Annotated[bool, typer.Option("--down", help="Only thumbs down")]
SinceOption = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD",
                                                      help="Only feedback given on or after this day (UTC)")]
SourceOption = Annotated[Literal["ui", "api", "widget"] | None,
                         typer.Option(help="Only feedback given there: ui, api or widget")]


def _feedback_filter(down: bool, since: datetime | None, source: str | None, ids: tuple[int, ...] = ()) -> Any:
    from assistant.feedback import FeedbackFilter

    return FeedbackFilter(rating="down" if down else None, since=since.date() if since else None,
                          source=source, ids=ids)


@feedback_app.callback(invoke_without_command=True)
def feedback(
    ctx: typer.Context,
    down: DownOption = False,
    since: SinceOption = None,
    source: SourceOption = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first")] = _LIST_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="Print all fields as JSON")] = False,
) -> None:
    """List user feedback with its question, answer and sources (newest first); `export` and
    `to-eval` export it or turn it into eval item drafts."""
    if ctx.invoked_subcommand is not None:
        if down or since or source or limit != _LIST_LIMIT or as_json:
            raise typer.BadParameter(f"put the options after the subcommand: smartcity feedback "
                                     f"{ctx.invoked_subcommand} [OPTIONS]")
        return
    filters = _feedback_filter(down, since, source)
    try:
        store = services().feedback
        records = store.records(filters, limit=limit)
        total = store.count(filters)
    except SmartCityError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([record.to_dict() for record in records], ensure_ascii=False, indent=2))
        return
    if not records:
        err_console.print("Keine Rückmeldungen" + (" mit diesen Filtern." if total or down or since or source
                                                   else " bisher."))
        return
    console.print(_feedback_table(records))
    console.print(f"{len(records)} von {total} Rückmeldung(en), neueste zuerst; alle Felder: --json", style="dim")


def _feedback_table(records: list[Any]) -> Table:
    from rich.text import Text

    from assistant.feedback import citation_line

    table = Table("Nr.", "Wann", "Wertung", "Von", "Frage · Antwort", "Kommentar", "Quellen", show_lines=True)
    for record in records:  # user text goes in as Text: never read as rich markup
        rating = Text("▼ down", style="red") if record.rating == "down" else Text("▲ up", style="green")
        answer = record.answer if len(record.answer) <= 240 else record.answer[:239] + "…"
        exchange = Text(record.question, style="bold")
        if record.history:
            exchange = Text(f"(nach {len(record.history)} Beiträgen) ", style="dim") + exchange
        exchange += Text("\n" + ("(abgelehnt) " if record.refused else "") + answer, style="dim")
        sources = "\n".join(citation_line(citation).split(":", 1)[0] for citation in record.citations)
        table.add_row(str(record.id), record.created_at[:16].replace("T", " "), rating, Text(record.source),
                      exchange, Text(record.comment), Text(sources or "–"))
    return table


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[Literal["jsonl", "csv"], typer.Option("--format", "-f", help="jsonl or csv")] = "jsonl",
    out: Annotated[Path | None, typer.Option(help="File to write (default: standard output)")] = None,
    down: DownOption = False,
    since: SinceOption = None,
    source: SourceOption = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many, newest first (default: all)")
                     ] = None,
) -> None:
    """Export feedback with all fields: JSON lines, or CSV (citations readable and as JSON)."""
    from assistant.feedback import write_csv, write_jsonl

    write = write_csv if fmt == "csv" else write_jsonl
    try:
        records = services().feedback.records(_feedback_filter(down, since, source), limit=limit)
        if out is None:
            buffer = io.StringIO()
            write(records, buffer)
            typer.echo(buffer.getvalue(), nl=False)
            return
        # A BOM lets spreadsheet programs read a CSV's umlauts as UTF-8 (`read_export` skips it).
        try:
            with out.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as stream:
                count = write(records, stream)
        except OSError as exc:
            raise InvalidRequestError(f"{out}: cannot be written ({exc.strerror or exc})") from None
    except SmartCityError as exc:
        raise _fail(exc) from None
    err_console.print(f"{count} Rückmeldung(en) nach {out} geschrieben ({fmt}).", highlight=False)


@feedback_app.command("to-eval")
def feedback_to_eval(
    out: Annotated[Path | None, typer.Option(
        help="YAML file to add the drafts to, e.g. evals/data/dev/feedback-drafts.yaml (default: print them)")
    ] = None,
    down: DownOption = False,
    since: SinceOption = None,
    source: SourceOption = None,
    ids: Annotated[list[str] | None, typer.Option(
        "--ids", help="Only these feedback ids (column Nr.), e.g. 12,15; repeatable")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many feedback rows, newest first")
                     ] = None,
) -> None:
    """Turn feedback into eval item drafts (one per rated answer) for a maintainer to complete.

    The eval loader rejects a draft until expected, evidence and facts are filled and `todo` is removed.
    """
    from assistant.feedback import dump_drafts, eval_drafts, write_drafts

    chosen = _feedback_ids(ids or [])
    try:
        records = services().feedback.records(_feedback_filter(down, since, source, chosen), limit=limit)
        if not records:
            err_console.print("Keine passenden Rückmeldungen: keine Entwürfe geschrieben.")
            return
        drafts = eval_drafts(records)
        if out is None:
            typer.echo(dump_drafts(drafts), nl=False)
            return
        written = write_drafts(drafts, out)
    except SmartCityError as exc:
        raise _fail(exc) from None
    kept = f"; {len(written.skipped)} schon in der Datei (unverändert)" if written.skipped else ""
    drafted = "1 Entwurf" if len(written.added) == 1 else f"{len(written.added)} Entwürfe"
    console.print(f"{drafted} nach {out} geschrieben{kept}.", highlight=False)
    if written.added:
        console.print("Ergänzen Sie expected, evidence und facts, prüfen Sie die Kategorie und entfernen Sie "
                      "`todo`: bis dahin lehnt `smartcity eval` die Datei ab.", markup=False, highlight=False)


def _feedback_ids(values: list[str]) -> tuple[int, ...]:
    chosen: list[int] = []
    for value in values:
        for part in value.replace(" ", ",").split(","):
            if not part:
                continue
            if not part.isdigit():
                raise typer.BadParameter(f"{part!r} is not a feedback id (a number from `smartcity feedback`)",
                                         param_hint="--ids")
            chosen.append(int(part))
    return tuple(dict.fromkeys(chosen))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
