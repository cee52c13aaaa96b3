"""The hand-written evaluation dataset: schema and loader.

Every item is validated strictly when loaded, so a typo in the YAML (an unknown category,
an empty quote, an unanswerable item that names evidence) fails loudly with the item's id
instead of silently skewing the metrics.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from assistant.errors import InvalidRequestError
from assistant.query import Turn

Category = Literal["fact", "number", "list", "howto", "followup", "multi_doc", "english", "typo",
                   "unanswerable"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]


class DatasetError(InvalidRequestError):
    """The dataset file is missing, not YAML, or an item breaks the schema."""

    code = "bad_dataset"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Text that must say something (whitespace alone is empty)."""


class HistoryTurn(_Strict):
    role: Literal["user", "assistant"]
    content: Text


class ExpectedSource(_Strict):
    """A document (and its pages) that a good retrieval should bring up."""

    document: Text
    pages: list[int] = Field(min_length=1)

    @field_validator("pages")
    @classmethod
    def _pages(cls, value: list[int]) -> list[int]:
        if any(page < 1 for page in value):
            raise ValueError("pages are 1-based physical PDF pages")
        return value


class Evidence(_Strict):
    """A passage that answers the question, quoted verbatim from a page."""

    document: Text
    page: int = Field(ge=1)
    quote: Text


class EvalItem(_Strict):
    """One question with what a correct answer must retrieve and contain."""

    id: Text
    category: Category
    question: Text
    history: list[HistoryTurn] = Field(default_factory=list)
    expected: list[ExpectedSource] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)
    reference_answer: str = ""

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: list[list[str]]) -> list[list[str]]:
        for index, variants in enumerate(value):
            if not variants:
                raise ValueError(f"fact {index + 1} has no variants")
            if any(not variant.strip() for variant in variants):
                raise ValueError(f"fact {index + 1} has an empty variant")
        return value

    @model_validator(mode="after")
    def _answerability(self) -> EvalItem:
        if self.category == "unanswerable":
            if self.expected or self.evidence or self.facts:
                raise ValueError("an unanswerable item must have no expected, evidence or facts")
        else:
            if not self.expected:
                raise ValueError("an answerable item needs expected documents")
            if not self.evidence:
                raise ValueError("an answerable item needs evidence quotes")
        if self.category == "followup" and not self.history:
            raise ValueError("a followup item needs a history")
        return self

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"

    @property
    def turns(self) -> list[Turn]:
        """The history as the assistant takes it."""
        return [Turn(turn.role, turn.content) for turn in self.history]


def default_dataset_path() -> Path:
    """The dataset shipped as package data (``evals/data/questions.yaml``)."""
    return Path(str(resources.files("evals") / "data" / "questions.yaml"))


def load_dataset(path: Path | None = None) -> list[EvalItem]:
    """Every item of the YAML list at `path`, validated; raises `DatasetError` naming the item."""
    path = path or default_dataset_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"dataset {path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"dataset {path}: not valid YAML ({exc})") from None
    if not isinstance(raw, list) or not raw:
        raise DatasetError(f"dataset {path}: expected a non-empty list of items")
    items: list[EvalItem] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw, start=1):
        name = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        try:
            item = EvalItem.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'item'}: {error['msg']}"
                for error in exc.errors()
            )
            raise DatasetError(f"dataset {path}: item {name}: {problems}") from None
        if item.id in seen:
            raise DatasetError(f"dataset {path}: item {item.id}: duplicate id")
        seen.add(item.id)
        items.append(item)
    return items
