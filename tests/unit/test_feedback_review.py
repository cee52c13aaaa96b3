"""Reviewing feedback (assistant/feedback.py): records with their answers, filters, pages, exports, eval drafts."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.answer.types import Answer, Citation
from assistant.feedback import (
    CSV_COLUMNS,
    DRAFT_TODO,
    FeedbackFilter,
    FeedbackStore,
    eval_drafts,
    guess_category,
    read_export,
    write_csv,
    write_drafts,
    write_jsonl,
)
from assistant.query import Turn
from ingest.errors import InvalidRequestError, NotFoundError

QUESTION = "Wie viele Fachleute nahmen an der Smart-City-Werkstatt teil?"
FOLLOW_UP = "Und wo fand sie statt?"
CITATION = Citation(1, "makerspace.pdf", "Makerspace-Bericht", 2,
                    "Im Jahr 2023 nahmen 40 Fachleute an der Smart-City-Werkstatt in Wismar teil.",
                    "/documents/makerspace.pdf#page=2", 0.41)
HISTORY = [Turn("user", QUESTION), Turn("assistant", "40 Fachleute nahmen teil. [1]")]
ANSWERED = "a1b2c3d4e5f60718"
REFUSED = "f6e5d4c3b2a10908"


def rated_answer(answer_id: str, refused: bool = False) -> Answer:
    text = "Dazu finde ich in den vorliegenden Dokumenten keine Angabe." if refused else \
        "Im Jahr 2023 nahmen 40 Fachleute an der Smart-City-Werkstatt in Wismar teil. [1]"
    return Answer(id=answer_id, answer=text, citations=[] if refused else [CITATION], refused=refused,
                  mode="extractive", language="de")


def backdate(store: FeedbackStore, feedback_id: int, when: str) -> None:
    with sqlite3.connect(store.path) as connection:
        connection.execute("UPDATE feedback SET created_at = ? WHERE id = ?", (when, feedback_id))


def seed_feedback(store: FeedbackStore) -> dict[str, int]:
    """Two answers (one a refused follow-up) and three ratings on three days from three surfaces."""
    store.record_answer(QUESTION, rated_answer(ANSWERED))
    store.record_answer(FOLLOW_UP, rated_answer(REFUSED, refused=True), history=HISTORY)
    ids = {
        "up_ui": store.add(ANSWERED, "up", source="ui"),
        "down_widget": store.add(ANSWERED, "down", "Die Seitenangabe für Wismar stimmt nicht.", source="widget"),
        "down_api": store.add(REFUSED, "down", "Steht im Bericht auf S. 2.", source="api"),
    }
    backdate(store, ids["up_ui"], "2025-01-10T08:00:00+00:00")
    backdate(store, ids["down_widget"], "2025-02-01T23:59:59+00:00")
    backdate(store, ids["down_api"], "2025-03-01T00:00:00+00:00")
    return ids


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite")


@pytest.fixture
def ids(store: FeedbackStore) -> dict[str, int]:
    return seed_feedback(store)


# --- listing and filters ---------------------------------------------------------------------

def test_records_carry_the_question_answer_citations_and_history_newest_first(
        store: FeedbackStore, ids: dict[str, int]) -> None:
    refused, down, up = store.records()
    assert [refused.id, down.id, up.id] == [ids["down_api"], ids["down_widget"], ids["up_ui"]]
    assert down.to_dict() == {
        "id": ids["down_widget"], "created_at": "2025-02-01T23:59:59+00:00", "rating": "down",
        "comment": "Die Seitenangabe für Wismar stimmt nicht.", "source": "widget", "answer_id": ANSWERED,
        "question": QUESTION, "history": [], "answer": rated_answer(ANSWERED).answer, "refused": False,
        "mode": "extractive", "citations": [CITATION.to_dict()], "answered_at": down.answered_at,
    }
    assert down.answered_at.endswith("+00:00")
    assert (refused.refused, refused.citations, refused.question) == (True, [], FOLLOW_UP)
    assert refused.history == [{"role": "user", "content": QUESTION},
                               {"role": "assistant", "content": "40 Fachleute nahmen teil. [1]"}]


@pytest.mark.parametrize("filters, expected", [
    (FeedbackFilter(rating="down"), ["down_api", "down_widget"]),
    (FeedbackFilter(rating="up"), ["up_ui"]),
    (FeedbackFilter(source="widget"), ["down_widget"]),
    (FeedbackFilter(since=date(2025, 2, 1)), ["down_api", "down_widget"]),  # the whole day counts
    (FeedbackFilter(since=date(2025, 2, 2)), ["down_api"]),
    (FeedbackFilter(since=date(2025, 3, 2)), []),
    (FeedbackFilter(rating="down", source="api", since=date(2025, 1, 1)), ["down_api"]),
    (FeedbackFilter(rating="up", source="widget"), []),
], ids=["down", "up", "source", "since-day", "since-next-day", "since-after-all", "combined", "none"])
def test_filters_narrow_the_records_and_the_count(store: FeedbackStore, ids: dict[str, int],
                                                  filters: FeedbackFilter, expected: list[str]) -> None:
    assert [record.id for record in store.records(filters)] == [ids[name] for name in expected]
    assert store.count(filters) == len(expected)
    assert store.count() == 3


def test_chosen_ids_are_found_and_unknown_ones_named(store: FeedbackStore, ids: dict[str, int]) -> None:
    chosen = FeedbackFilter(ids=(ids["up_ui"], ids["down_api"]))
    assert [record.id for record in store.records(chosen)] == [ids["down_api"], ids["up_ui"]]
    with pytest.raises(NotFoundError, match=r"no feedback with id\(s\) 98, 99") as raised:
        store.records(FeedbackFilter(ids=(ids["up_ui"], 99, 98)))
    assert raised.value.exit_code == 2


def test_pages_continue_below_the_last_id(store: FeedbackStore, ids: dict[str, int]) -> None:
    first = store.records(limit=2)
    rest = store.records(limit=2, before=first[-1].id)
    assert [record.id for record in first + rest] == [record.id for record in store.records()]
    assert store.records(limit=2, before=rest[-1].id) == []


def test_a_database_from_before_the_history_column_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    with sqlite3.connect(path) as connection:  # the schema of the first release
        connection.executescript("""
            CREATE TABLE answers (id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL,
                refused INTEGER NOT NULL, mode TEXT NOT NULL, citations TEXT NOT NULL, created_at TEXT NOT NULL);
            CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL,
                rating TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT 'api',
                created_at TEXT NOT NULL);
            INSERT INTO answers VALUES ('old', 'Frage?', 'Antwort', 0, 'extractive', '[]', '2024-01-01T00:00:00+00:00');
            INSERT INTO feedback (answer_id, rating, created_at) VALUES ('old', 'up', '2024-01-01T00:00:01+00:00');
        """)
    store = FeedbackStore(path)
    [old] = store.records()
    assert (old.question, old.history) == ("Frage?", [])
    FeedbackStore(path)  # opening it again changes nothing
    store.record_answer(FOLLOW_UP, rated_answer("new"), history=HISTORY)
    store.add("new", "down")
    assert len(store.records()[0].history) == 2


# --- export ----------------------------------------------------------------------------------

def test_jsonl_export_round_trips(store: FeedbackStore, ids: dict[str, int], tmp_path: Path) -> None:
    out = tmp_path / "feedback.jsonl"
    with out.open("w", encoding="utf-8") as stream:
        assert write_jsonl(store.records(), stream) == 3
    assert read_export(out) == [record.to_dict() for record in store.records()]
    assert "für Wismar" in out.read_text(encoding="utf-8").splitlines()[1]  # not escaped as \u00fc


def test_csv_export_round_trips_with_readable_citations(store: FeedbackStore, ids: dict[str, int],
                                                        tmp_path: Path) -> None:
    store.record_answer("=SUMME(A1:A9) – gefährlich?", rated_answer("formula"))
    store.add("formula", "down", "-1 Punkt\nzweite Zeile, mit \"Anführungszeichen\"", source="widget")
    store.add("formula", "up", "'zitiert'", source="ui")
    out = tmp_path / "feedback.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as stream:  # as the CLI writes files
        assert write_csv(store.records(), stream) == 5
    assert read_export(out) == [record.to_dict() for record in store.records()]
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_id = {int(row["id"]): row for row in rows}
    assert by_id[ids["down_widget"]]["citations"] == (
        "[1] makerspace.pdf S. 2: „Im Jahr 2023 nahmen 40 Fachleute an der Smart-City-Werkstatt in Wismar teil.“")
    assert json.loads(by_id[ids["down_widget"]]["citations_json"]) == [CITATION.to_dict()]
    assert by_id[ids["down_api"]]["refused"] == "true" and by_id[ids["down_api"]]["citations"] == ""
    assert json.loads(by_id[ids["down_api"]]["history_json"])[0]["role"] == "user"
    # what a spreadsheet would run as a formula is quoted (and unquoted again by read_export)
    formula_rows = [row for row in rows if row["answer_id"] == "formula"]
    assert {row["question"] for row in formula_rows} == {"'=SUMME(A1:A9) – gefährlich?"}
    assert {row["comment"][:3] for row in formula_rows} == {"'-1", "''z"}


# --- eval item drafts ------------------------------------------------------------------------

def test_drafts_hold_the_question_the_given_answer_and_a_todo(store: FeedbackStore, ids: dict[str, int]) -> None:
    refused, answered = eval_drafts(store.records())
    assert answered == {
        "id": "fb-a1b2c3d4", "category": "number", "question": QUESTION, "origin": "feedback",
        "expected": [], "evidence": [], "facts": [], "reference_answer": "", "todo": DRAFT_TODO,
        "draft": {
            "answer_id": ANSWERED, "feedback_ids": [ids["up_ui"], ids["down_widget"]], "rating": "down",
            "comment": "Die Seitenangabe für Wismar stimmt nicht.", "source": "ui, widget",
            "given_at": store.records()[1].answered_at, "refused": False,
            "given_answer": rated_answer(ANSWERED).answer,
            "given_citations": [{"n": 1, "document": "makerspace.pdf", "page": 2, "quote": CITATION.quote}],
        },
    }
    assert (refused["id"], refused["category"], refused["draft"]["refused"]) == ("fb-f6e5d4c3", "followup", True)
    assert refused["history"] == [{"role": "user", "content": QUESTION},
                                  {"role": "assistant", "content": "40 Fachleute nahmen teil. [1]"}]
    assert list(refused)[:4] == ["id", "category", "question", "history"]


def test_only_thumbs_up_make_an_up_draft(store: FeedbackStore, ids: dict[str, int]) -> None:
    [draft] = eval_drafts(store.records(FeedbackFilter(rating="up")))
    assert (draft["draft"]["rating"], draft["draft"]["comment"]) == ("up", "")


def test_two_answers_sharing_an_id_prefix_get_distinct_drafts(store: FeedbackStore) -> None:
    for answer_id in ("0123456789aaaa", "0123456789bbbb"):
        store.record_answer(QUESTION, rated_answer(answer_id))
        store.add(answer_id, "down")
    assert [draft["id"] for draft in eval_drafts(store.records())] == ["fb-01234567", "fb-0123456789aaaa"]


@pytest.mark.parametrize("question, history, category", [
    ("Wie viele Ankerorte gibt es?", [], "number"),
    ("Wann fand der Workshop statt?", [], "number"),
    ("Welche Typen von Ankerorten gibt es?", [], "list"),
    ("Wie verstetige ich einen Makerspace?", [], "howto"),
    ("Was ist ein Ankerort?", [], "fact"),
    ("How many model projects are there?", [], "english"),
    ("Und wo?", [{"role": "user", "content": "Wann?"}], "followup"),
])
def test_the_category_is_guessed_from_the_question(question: str, history: list[object], category: str) -> None:
    assert guess_category(question, history) == category


def test_drafts_are_added_to_a_file_and_kept_there(store: FeedbackStore, ids: dict[str, int],
                                                   tmp_path: Path) -> None:
    out = tmp_path / "evals" / "dev" / "feedback-drafts.yaml"
    first = write_drafts(eval_drafts(store.records(FeedbackFilter(source="api"))), out)
    assert (first.added, first.skipped) == (["fb-f6e5d4c3"], [])
    assert out.read_text(encoding="utf-8").startswith("# Eval item drafts from user feedback")
    edited = out.read_text(encoding="utf-8").replace("category: followup", "category: followup  # geprüft")
    out.write_text(edited, encoding="utf-8")
    second = write_drafts(eval_drafts(store.records()), out)
    assert (second.added, second.skipped) == (["fb-a1b2c3d4"], ["fb-f6e5d4c3"])
    text = out.read_text(encoding="utf-8")
    assert text.startswith(edited) and "# geprüft" in text
    assert [item["id"] for item in yaml.safe_load(text)] == ["fb-f6e5d4c3", "fb-a1b2c3d4"]
    assert write_drafts(eval_drafts(store.records()), out).added == []
    assert out.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("content, message", [
    ("- id: [unclosed\n", "not valid YAML"),
    ("id: not-a-list\n", "not a list of eval items"),
])
def test_drafts_are_not_added_to_a_file_that_is_not_a_dataset(store: FeedbackStore, ids: dict[str, int],
                                                               tmp_path: Path, content: str, message: str) -> None:
    out = tmp_path / "drafts.yaml"
    out.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidRequestError, match=message) as raised:
        write_drafts(eval_drafts(store.records()), out)
    assert raised.value.exit_code == 2
    assert out.read_text(encoding="utf-8") == content
