"""`FeedbackStore` (assistant/feedback.py): answers recorded, feedback on them stored, unknown ids refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from assistant.answer.types import Answer, Citation
from assistant.feedback import FeedbackStore
from ingest.errors import NotFoundError


def answer(answer_id: str = "a1", refused: bool = False) -> Answer:
    citation = Citation(1, "bericht.pdf", "Bericht", 3, "Ein Zitat „mit Umlauten“.", "/documents/bericht.pdf#page=3",
                        0.9)
    return Answer(id=answer_id, answer="Antwort [1]", citations=[] if refused else [citation], refused=refused,
                  mode="extractive", language="de")


@pytest.fixture
def feedback(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.sqlite")


def test_feedback_on_a_recorded_answer_is_stored_with_its_question(feedback: FeedbackStore) -> None:
    feedback.record_answer("Wie viele Fachleute?", answer("a1"))
    first = feedback.add("a1", "up")
    second = feedback.add("a1", "down", comment="  Seite stimmt nicht.  ", source="widget")
    assert second > first > 0
    newest, oldest = feedback.entries()
    assert (newest.id, newest.answer_id, newest.rating, newest.comment, newest.source, newest.question) == (
        second, "a1", "down", "Seite stimmt nicht.", "widget", "Wie viele Fachleute?")
    assert (oldest.rating, oldest.comment, oldest.source) == ("up", "", "api")
    assert newest.created_at.endswith("+00:00")
    assert feedback.count() == 2


def test_feedback_on_an_unknown_answer_id_is_not_found(feedback: FeedbackStore) -> None:
    feedback.record_answer("Frage", answer("a1"))
    with pytest.raises(NotFoundError, match="nope") as raised:
        feedback.add("nope", "up")
    assert raised.value.http_status == 404
    assert feedback.count() == 0


def test_recording_an_answer_twice_keeps_the_first(feedback: FeedbackStore) -> None:
    feedback.record_answer("Erste Frage", answer("a1"))
    feedback.record_answer("Zweite Frage", answer("a1"))
    feedback.add("a1", "up")
    assert [entry.question for entry in feedback.entries()] == ["Erste Frage"]


def test_the_answer_is_recorded_with_its_citations(feedback: FeedbackStore) -> None:
    feedback.record_answer("Frage", answer("a1"))
    feedback.record_answer("Frage", answer("a2", refused=True))
    with sqlite3.connect(feedback.path) as connection:
        rows = dict(connection.execute("SELECT id, citations FROM answers").fetchall())
        refused = dict(connection.execute("SELECT id, refused FROM answers").fetchall())
    assert json.loads(rows["a1"])[0]["quote"] == "Ein Zitat „mit Umlauten“."
    assert json.loads(rows["a2"]) == [] and refused == {"a1": 0, "a2": 1}


def test_a_rating_other_than_up_or_down_is_refused_by_the_schema(feedback: FeedbackStore) -> None:
    feedback.record_answer("Frage", answer("a1"))
    with pytest.raises(sqlite3.IntegrityError):
        feedback.add("a1", "sideways")  # type: ignore[arg-type]


def test_entries_are_newest_first_and_limited(feedback: FeedbackStore) -> None:
    feedback.record_answer("Frage", answer("a1"))
    ids = [feedback.add("a1", "up") for _ in range(3)]
    assert [entry.id for entry in feedback.entries(limit=2)] == ids[:0:-1]


def test_feedback_survives_a_new_store_on_the_same_file(feedback: FeedbackStore) -> None:
    feedback.record_answer("Frage", answer("a1"))
    feedback.add("a1", "up")
    again = FeedbackStore(feedback.path)
    assert again.count() == 1
    again.add("a1", "down")  # the recorded answer is known to it too
    assert again.count() == 2
