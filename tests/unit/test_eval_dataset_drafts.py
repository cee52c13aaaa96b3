"""Eval items from feedback (evals/dataset.py): an unfinished draft is rejected by name, a finished one loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from assistant.feedback import FeedbackFilter, FeedbackStore, eval_drafts, write_drafts
from evals.dataset import DatasetError, EvalItem, load_dataset
from tests.unit.test_feedback_review import ANSWERED, CITATION, seed_feedback

FILLED = {
    "expected": [{"document": "makerspace.pdf", "pages": [2]}],
    "evidence": [{"document": "makerspace.pdf", "page": 2, "quote": "nahmen 40 Fachleute"}],
    "facts": [["40"]],
}


@pytest.fixture
def drafts_file(tmp_path: Path) -> Path:
    """The file `smartcity feedback to-eval --out .../dev/feedback-drafts.yaml` writes."""
    store = FeedbackStore(tmp_path / "data" / "feedback.sqlite")
    seed_feedback(store)
    out = tmp_path / "dataset" / "dev" / "feedback-drafts.yaml"
    write_drafts(eval_drafts(store.records(FeedbackFilter(source="widget"))), out)
    return out


def edit(path: Path, **changes: Any) -> None:
    """Change the file's one item as a maintainer would; a value of None deletes the key."""
    [item] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    path.write_text(yaml.safe_dump([item], sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_an_unfilled_draft_is_rejected_naming_the_item_and_what_is_missing(drafts_file: Path) -> None:
    with pytest.raises(DatasetError) as raised:
        load_dataset(drafts_file.parent.parent)
    assert str(raised.value) == (f"dataset {drafts_file}: item fb-a1b2c3d4: a draft from feedback: "
                                 "fill expected, evidence and facts, then remove `todo`")
    assert raised.value.exit_code == 2


def test_a_partly_filled_draft_names_what_is_still_missing(drafts_file: Path) -> None:
    edit(drafts_file, expected=FILLED["expected"])
    with pytest.raises(DatasetError, match=r"item fb-a1b2c3d4: a draft from feedback: fill evidence and facts, "
                                           r"then remove `todo`$"):
        load_dataset(drafts_file)
    edit(drafts_file, evidence=FILLED["evidence"])
    with pytest.raises(DatasetError, match=r"fb-a1b2c3d4: a draft from feedback: fill facts, then remove `todo`$"):
        load_dataset(drafts_file)


def test_a_filled_draft_with_todo_left_in_is_still_rejected(drafts_file: Path) -> None:
    edit(drafts_file, **FILLED)
    with pytest.raises(DatasetError, match=r"fb-a1b2c3d4: a draft from feedback: check it, then remove `todo`$"):
        load_dataset(drafts_file)
    edit(drafts_file, category="unanswerable", expected=[], evidence=[], facts=[])
    with pytest.raises(DatasetError, match=r"fb-a1b2c3d4: a draft from feedback: check it, then remove `todo`$"):
        load_dataset(drafts_file)


def test_a_completed_draft_loads_as_a_dev_item_from_feedback(drafts_file: Path) -> None:
    edit(drafts_file, **FILLED, todo=None)
    [item] = load_dataset(drafts_file.parent.parent)
    assert (item.id, item.category, item.origin, item.split) == ("fb-a1b2c3d4", "number", "feedback", "dev")
    assert item.answerable and item.facts == [["40"]]
    assert item.draft is not None
    assert (item.draft.answer_id, item.draft.rating, item.draft.comment) == (
        ANSWERED, "down", "Die Seitenangabe für Wismar stimmt nicht.")
    assert [(citation.document, citation.page, citation.quote) for citation in item.draft.given_citations] == [
        (CITATION.document, CITATION.page, CITATION.quote)]


def test_a_completed_unanswerable_draft_loads(drafts_file: Path) -> None:
    edit(drafts_file, category="unanswerable", todo=None)
    [item] = load_dataset(drafts_file)
    assert not item.answerable and item.origin == "feedback"


def test_a_draft_from_a_follow_up_keeps_its_history(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    seed_feedback(store)
    out = tmp_path / "dev" / "drafts.yaml"
    write_drafts(eval_drafts(store.records(FeedbackFilter(source="api"))), out)
    edit(out, category="unanswerable", todo=None)
    [item] = load_dataset(out)
    assert [turn.role for turn in item.turns] == ["user", "assistant"]
    assert item.draft is not None and item.draft.refused


@pytest.mark.parametrize("change, message", [
    ({"origin": "written"}, "only an item with origin: feedback keeps a draft"),
    ({"draft": {"answer_id": "x", "rating": "down", "stars": 3}}, "draft.stars"),
    ({"draft": {"answer_id": "x", "rating": "meh"}}, "draft.rating"),
], ids=["written-with-draft", "unknown-draft-field", "bad-rating"])
def test_the_draft_mapping_is_checked_strictly(drafts_file: Path, change: dict[str, Any], message: str) -> None:
    edit(drafts_file, **FILLED, todo=None, **change)
    with pytest.raises(DatasetError, match=rf"fb-a1b2c3d4: .*{message}"):
        load_dataset(drafts_file)


def test_an_item_with_todo_is_rejected_when_validated_directly() -> None:
    with pytest.raises(ValidationError, match="a draft from feedback: fill expected, evidence and facts"):
        EvalItem.model_validate({"id": "fb-1", "category": "fact", "question": "Wer?", "origin": "feedback",
                                 "todo": "fill it"})
