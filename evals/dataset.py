"""The hand-written evaluation dataset: schema and loader.

Every item is validated strictly when loaded, so a typo in the YAML (an unknown category,
an empty quote, an unanswerable item that names evidence) fails loudly with the item's id
instead of silently skewing the metrics.

The dataset is a folder of YAML files in two parts: `dev/` (look at it, tune on it) and
`test/` (frozen: no tuning looks at single items, only its aggregates are reported, and
CI gates on it). An item's part is the folder its file lies in.

Items made from user feedback (`smartcity feedback to-eval`, `origin: feedback`) start as
drafts with a `todo` and the answer that was given under `draft`; the loader rejects a draft
until a maintainer has filled in what it lacks and removed `todo`.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

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

from assistant.query import Turn
from ingest.errors import InvalidRequestError

Category = Literal["fact", "number", "list", "howto", "followup", "multi_doc", "compound", "partial",
                   "english", "typo", "unanswerable"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
Split = Literal["dev", "test"]
SPLITS: tuple[str, ...] = Split.__args__  # type: ignore[attr-defined]
# What an unanswerable item asks that the reports do not hold, when it names things they know.
NearMiss = Literal["amount", "date", "count", "person", "place", "procedure", "status", "reason",
                   "comparison", "other"]
NEAR_MISSES: tuple[str, ...] = NearMiss.__args__  # type: ignore[attr-defined]


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


class GivenCitation(_Strict):
    """A source the assistant cited in the answer that was rated (kept in a feedback draft)."""

    n: int
    document: Text
    page: int = Field(ge=1)
    quote: str = ""


class FeedbackDraft(_Strict):
    """What an item from feedback started as (`smartcity feedback to-eval`): the answer the
    assistant gave and what the user said about it. Informative only; it may stay."""

    answer_id: Text
    feedback_ids: list[int] = Field(default_factory=list)
    rating: Literal["up", "down"]
    comment: str = ""
    source: str = ""
    given_at: str = ""
    refused: bool = False
    given_answer: str = ""
    given_citations: list[GivenCitation] = Field(default_factory=list)


_DRAFT_FIELDS = ("expected", "evidence", "facts")


def unfinished_draft(entry: Mapping[str, Any]) -> str | None:
    """Why a raw item is a draft still to be completed (it has `todo`), or None."""
    if "todo" not in entry:
        return None
    missing = [] if entry.get("category") == "unanswerable" else [
        name for name in _DRAFT_FIELDS if not entry.get(name)]
    if not missing:
        return "a draft from feedback: check it, then remove `todo`"
    listed = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    return f"a draft from feedback: fill {listed}, then remove `todo`"


class EvalItem(_Strict):
    """One question with what a correct answer must retrieve and contain.

    Categories: `compound` asks two questions in one (often about two reports), each part
    answerable; `partial` asks two, one of which the reports do not answer (`unanswered`
    names it); `unanswerable` items that name things the reports know say in `near_miss`
    what kind of missing thing they ask for (an amount, a date, ...).
    """

    id: Text
    category: Category
    question: Text
    history: list[HistoryTurn] = Field(default_factory=list)
    expected: list[ExpectedSource] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)
    reference_answer: str = ""
    near_miss: NearMiss | None = None
    unanswered: list[Text] = Field(default_factory=list)
    origin: Literal["written", "feedback"] = "written"
    draft: FeedbackDraft | None = None
    split: Split = "dev"

    @model_validator(mode="before")
    @classmethod
    def _not_a_draft(cls, data: Any) -> Any:
        problem = unfinished_draft(data) if isinstance(data, Mapping) else None
        if problem:
            raise ValueError(problem)
        return data

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
        if self.near_miss is not None and self.category != "unanswerable":
            raise ValueError("only an unanswerable item can be a near miss")
        if (self.category == "partial") != bool(self.unanswered):
            raise ValueError("a partial item (and only a partial item) names its unanswered part")
        if self.draft is not None and self.origin != "feedback":
            raise ValueError("only an item with origin: feedback keeps a draft")
        return self

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"

    @property
    def turns(self) -> list[Turn]:
        """The history as the assistant takes it."""
        return [Turn(turn.role, turn.content) for turn in self.history]


def default_dataset_path() -> Path:
    """The dataset shipped as package data: the folder ``evals/data`` with ``dev/`` and ``test/``."""
    return Path(str(resources.files("evals") / "data"))


def dataset_files(path: Path) -> list[tuple[Path, Split]]:
    """The YAML files of a dataset folder (or the one file given), each with its part."""
    if path.is_file():
        return [(path, "test" if path.parent.name == "test" else "dev")]
    if not path.is_dir():
        raise DatasetError(f"dataset {path}: cannot be read (no such file or folder)")
    files = [(file, split) for split in SPLITS for file in sorted((path / split).glob("*.yaml"))]
    if not files:
        raise DatasetError(f"dataset {path}: no YAML files in {path}/dev or {path}/test")
    return files  # type: ignore[return-value]


def load_dataset(path: Path | None = None, split: Split | None = None) -> list[EvalItem]:
    """Every item of the dataset at `path` (a folder or one YAML file), validated.

    `split` keeps one part. Raises `DatasetError` naming the file and the item.
    """
    items: list[EvalItem] = []
    seen: set[str] = set()
    for file, part in dataset_files(path or default_dataset_path()):
        if split is not None and part != split:
            continue
        for item in _load_file(file, part):
            if item.id in seen:
                raise DatasetError(f"dataset {file}: item {item.id}: duplicate id")
            seen.add(item.id)
            items.append(item)
    return items


def _load_file(path: Path, split: Split) -> list[EvalItem]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"dataset {path}: cannot be read ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise DatasetError(f"dataset {path}: not valid YAML ({exc})") from None
    if not isinstance(raw, list) or not raw:
        raise DatasetError(f"dataset {path}: expected a non-empty list of items")
    items: list[EvalItem] = []
    for index, entry in enumerate(raw, start=1):
        name = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        if isinstance(entry, dict) and "split" in entry:
            raise DatasetError(f"dataset {path}: item {name}: split: the folder (dev/ or test/) decides it")
        problem = unfinished_draft(entry) if isinstance(entry, dict) else None
        if problem:
            raise DatasetError(f"dataset {path}: item {name}: {problem}")
        try:
            item = EvalItem.model_validate({**entry, "split": split} if isinstance(entry, dict) else entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in error['loc']) or 'item'}: {error['msg']}"
                for error in exc.errors()
            )
            raise DatasetError(f"dataset {path}: item {name}: {problems}") from None
        items.append(item)
    return items
