"""The evaluation dataset: it validates, covers every category, and its quotes are in the store."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from assistant.wiring import Services
from evals.dataset import CATEGORIES, DatasetError, load_dataset
from evals.quotes import misplaced_quotes
from ingest.models import Chunk


def test_dataset_is_complete() -> None:
    items = load_dataset()
    counts = collections.Counter(item.category for item in items)
    assert len(items) >= 100
    assert counts["unanswerable"] >= 15
    assert set(counts) == set(CATEGORIES)
    assert len({item.id for item in items}) == len(items)
    for item in items:
        assert item.answerable == bool(item.expected)
        for evidence in item.evidence:  # evidence comes from the documents the item expects
            expected = {source.document: source.pages for source in item.expected}
            assert evidence.document in expected, item.id


@pytest.mark.parametrize("change, message", [
    ({"category": "trivia"}, "category"),
    ({"question": "  "}, "question"),
    ({"facts": [[]]}, "no variants"),
    ({"facts": [["43", ""]]}, "empty variant"),
    ({"evidence": [{"document": "a.pdf", "page": 1, "quote": ""}]}, "quote"),
    ({"expected": []}, "expected"),
    ({"history": [{"role": "system", "content": "x"}]}, "role"),
    ({"surprise": 1}, "surprise"),
], ids=["category", "question", "empty-fact", "empty-variant", "empty-quote", "no-expected", "role", "extra"])
def test_broken_items_are_rejected_with_their_id(tmp_path: Path, change: dict[str, object], message: str) -> None:
    item: dict[str, object] = {
        "id": "bad-001", "category": "fact", "question": "Wie viele?",
        "expected": [{"document": "a.pdf", "pages": [1]}],
        "evidence": [{"document": "a.pdf", "page": 1, "quote": "43 Orte"}],
        "facts": [["43"]], "reference_answer": "43.",
    }
    item.update(change)
    path = _write(tmp_path, [item])
    with pytest.raises(DatasetError, match=rf"bad-001.*{message}"):
        load_dataset(path)


def test_unanswerable_items_carry_no_evidence(tmp_path: Path) -> None:
    item = {"id": "neg-x", "category": "unanswerable", "question": "Wer?", "facts": [["x"]]}
    with pytest.raises(DatasetError, match="neg-x.*unanswerable"):
        load_dataset(_write(tmp_path, [item]))
    ok = {"id": "neg-y", "category": "unanswerable", "question": "Wer?", "expected": [], "evidence": []}
    assert load_dataset(_write(tmp_path, [ok]))[0].answerable is False


def test_unreadable_datasets(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot be read"):
        load_dataset(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="not valid YAML"):
        load_dataset(broken)
    item = {"id": "dup", "category": "unanswerable", "question": "Wer?"}
    with pytest.raises(DatasetError, match="dup: duplicate"):
        load_dataset(_write(tmp_path, [item, item]))


@pytest.mark.integration
def test_every_quote_is_on_its_page_of_the_ingested_text(ingested_services: Services) -> None:
    store = ingested_services.store
    chunks: dict[str, list[Chunk]] = {}
    for record in store.documents():
        ids, _ = store.all_texts([record.version])
        chunks[record.file] = sorted(store.get_chunks(ids), key=lambda chunk: chunk.position)
    problems = misplaced_quotes(load_dataset(), chunks)
    assert not problems, "quotes not on their page:\n" + "\n".join(problems)


def _write(tmp_path: Path, items: list[dict[str, object]]) -> Path:
    import yaml

    path = tmp_path / "items.yaml"
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return path
