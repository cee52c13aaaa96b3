"""`smartcity feedback` (assistant/cli.py) through Typer's `CliRunner`: listing, export and eval drafts.

The feedback database is the real SQLite file in the data dir the environment names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner, Result

from assistant import cli
from assistant.feedback import FeedbackStore, read_export
from evals.dataset import DatasetError, load_dataset
from tests.unit.test_feedback_review import ANSWERED, FOLLOW_UP, QUESTION, seed_feedback

runner = CliRunner()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI configured through the environment, as in production: a fresh data dir, no .env."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli._State, "settings", None)
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SMARTCITY_CORPUS_DIR", str(tmp_path / "corpus"))
    return tmp_path / "data"


@pytest.fixture
def ids(data: Path) -> dict[str, int]:
    return seed_feedback(FeedbackStore(data / "feedback.sqlite"))


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide terminal, so that the table's cells are not wrapped."""
    monkeypatch.setattr(cli, "console", Console(width=250))


def run(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


def listed(*args: str) -> list[int]:
    result = run("feedback", "--json", *args)
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


# --- listing ---------------------------------------------------------------------------------

def test_feedback_lists_the_ratings_as_a_table(ids: dict[str, int], wide: None) -> None:
    result = run("feedback")
    assert result.exit_code == 0, result.output
    for text in ("▼ down", "▲ up", "widget", QUESTION, "Die Seitenangabe für Wismar stimmt nicht.",
                 "[1] makerspace.pdf S. 2", "2025-02-01 23:59", "(abgelehnt) Dazu finde ich", "(nach 2 Beiträgen)"):
        assert text in result.stdout, text
    assert "3 von 3 Rückmeldung(en)" in result.stdout


def test_feedback_json_has_every_field(ids: dict[str, int]) -> None:
    result = run("feedback", "--json")
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == [ids["down_api"], ids["down_widget"], ids["up_ui"]]
    assert set(rows[0]) == {"id", "created_at", "rating", "comment", "source", "answer_id", "question", "history",
                            "answer", "refused", "mode", "citations", "answered_at"}
    assert (rows[0]["question"], len(rows[0]["history"])) == (FOLLOW_UP, 2)
    assert rows[1]["citations"][0]["quote"].startswith("Im Jahr 2023")


@pytest.mark.parametrize("args, expected", [
    (["--down"], ["down_api", "down_widget"]),
    (["--source", "widget"], ["down_widget"]),
    (["--since", "2025-02-01"], ["down_api", "down_widget"]),
    (["--since", "2025-02-02", "--down"], ["down_api"]),
    (["--limit", "1"], ["down_api"]),
])
def test_feedback_filters(ids: dict[str, int], args: list[str], expected: list[str]) -> None:
    assert listed(*args) == [ids[name] for name in expected]


def test_markup_in_a_comment_is_shown_as_typed(data: Path, wide: None) -> None:
    store = FeedbackStore(data / "feedback.sqlite")
    seed_feedback(store)
    store.add(ANSWERED, "down", "[bold red]x[/] falsch")
    assert "[bold red]x[/] falsch" in run("feedback").stdout


@pytest.mark.parametrize("args, message", [
    (["feedback", "--since", "01.02.2025"], "--since"),
    (["feedback", "--source", "email"], "--source"),
    (["feedback", "--limit", "0"], "--limit"),
    (["feedback", "--down", "export"], "after the subcommand"),
    (["feedback", "export", "--format", "xml"], "--format"),
    (["feedback", "to-eval", "--ids", "12,x"], "--ids"),
])
def test_bad_options_exit_2(ids: dict[str, int], args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_no_feedback_yet_says_so(data: Path) -> None:
    result = run("feedback")
    assert result.exit_code == 0
    assert "Keine Rückmeldungen bisher" in result.stderr
    assert json.loads(run("feedback", "--json").stdout) == []


# --- export ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_to_a_file_round_trips(ids: dict[str, int], tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"feedback.{fmt}"
    result = run("feedback", "export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "3 Rückmeldung(en)" in result.stderr
    assert read_export(out) == json.loads(run("feedback", "--json").stdout)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") == (fmt == "csv")  # a BOM for spreadsheet programs


def test_export_to_stdout_with_filters(ids: dict[str, int]) -> None:
    lines = run("feedback", "export", "--down", "--source", "widget").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [ids["down_widget"]]
    csv_lines = run("feedback", "export", "-f", "csv", "--since", "2025-03-01").stdout.splitlines()
    assert csv_lines[0].startswith("id,created_at,rating,source,comment") and len(csv_lines) == 2


def test_export_to_an_unwritable_place_exits_2(ids: dict[str, int], tmp_path: Path) -> None:
    result = run("feedback", "export", "--out", str(tmp_path / "missing" / "dir" / "x.jsonl"))
    assert result.exit_code == 2
    assert "cannot be written" in result.stderr


# --- eval drafts -----------------------------------------------------------------------------

def test_to_eval_writes_drafts_the_eval_loader_rejects_until_filled(ids: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "evals" / "data" / "dev" / "feedback-drafts.yaml"
    result = run("feedback", "to-eval", "--down", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "2 Entwürfe" in result.stdout and "todo" in result.stdout
    items = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == ["fb-f6e5d4c3", "fb-a1b2c3d4"]
    assert {item["origin"] for item in items} == {"feedback"} and all("todo" in item for item in items)
    with pytest.raises(DatasetError, match="item fb-f6e5d4c3: a draft from feedback: fill expected, evidence and "
                                           "facts, then remove `todo`"):
        load_dataset(out.parent.parent)
    again = run("feedback", "to-eval", "--out", str(out))
    assert "1 Entwurf" not in again.stdout and "2 schon in der Datei" in again.stdout


def test_to_eval_chosen_ids_print_to_stdout(ids: dict[str, int]) -> None:
    result = run("feedback", "to-eval", "--ids", str(ids["up_ui"]))
    assert result.exit_code == 0, result.output
    [item] = yaml.safe_load(result.stdout)
    assert (item["id"], item["question"], item["draft"]["rating"]) == ("fb-a1b2c3d4", QUESTION, "up")


def test_to_eval_with_an_unknown_id_exits_2(ids: dict[str, int]) -> None:
    result = run("feedback", "to-eval", "--ids", f"{ids['up_ui']},999")
    assert result.exit_code == 2
    assert "no feedback with id(s) 999" in result.stderr


def test_to_eval_without_matching_feedback_writes_nothing(ids: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "drafts.yaml"
    result = run("feedback", "to-eval", "--since", "2030-01-01", "--out", str(out))
    assert result.exit_code == 0
    assert "Keine passenden" in result.stderr and not out.exists()
