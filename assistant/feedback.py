"""Answers and the feedback on them, in SQLite (WAL) in the data directory.

Answers are recorded so that feedback can be reviewed with its question and answer, and so
that feedback on an unknown answer id is rejected. Each call opens its own connection:
safe from many threads and processes at once; WAL lets readers and a writer overlap.

Maintainers review feedback with `records` (the CLI's `smartcity feedback`, the admin route
`GET /v1/feedback`), export it (`write_jsonl`, `write_csv`, read back by `read_export`) and
turn it into eval item drafts (`eval_drafts`, `write_drafts`): the question, the answer that
was given and what the user said, with the expected facts and evidence left to be filled.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

import yaml

from assistant.answer.types import Answer
from assistant.language import detect_language
from ingest.errors import InvalidRequestError, NotFoundError

Rating = Literal["up", "down"]
Source = Literal["api", "widget", "ui"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    mode TEXT NOT NULL,
    citations TEXT NOT NULL,
    created_at TEXT NOT NULL,
    history TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL REFERENCES answers(id),
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'api',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
"""
# Columns added after the first release, for databases created before them.
_MIGRATIONS = (("answers", "history", "TEXT NOT NULL DEFAULT '[]'"),)


class _Turn(Protocol):
    role: str
    content: str


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    answer_id: str
    rating: str
    comment: str
    source: str
    created_at: str
    question: str


@dataclass(frozen=True)
class FeedbackFilter:
    """Which feedback to review: all of it unless narrowed (the filters combine)."""

    rating: Rating | None = None
    since: date | None = None  # on or after this day (UTC)
    source: str | None = None
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class FeedbackRecord:
    """One piece of feedback with everything about the answer it rates."""

    id: int
    created_at: str
    rating: str
    comment: str
    source: str
    answer_id: str
    question: str
    answer: str
    refused: bool
    mode: str
    answered_at: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The shape of `--json`, the JSONL export and `GET /v1/feedback`."""
        return {
            "id": self.id, "created_at": self.created_at, "rating": self.rating, "comment": self.comment,
            "source": self.source, "answer_id": self.answer_id, "question": self.question,
            "history": self.history, "answer": self.answer, "refused": self.refused, "mode": self.mode,
            "citations": self.citations, "answered_at": self.answered_at,
        }


class FeedbackStore:
    """Record answers; store thumbs up/down with an optional comment; review them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            for table, column, definition in _MIGRATIONS:
                columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    try:
                        connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
                    except sqlite3.OperationalError as exc:  # another process added it just now
                        if "duplicate column" not in str(exc):
                            raise

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        finally:
            connection.close()

    def record_answer(self, question: str, answer: Answer, history: Sequence[_Turn] = ()) -> None:
        """Keep an answer (and the conversation before the question, if any) for later feedback."""
        citations = json.dumps([citation.to_dict() for citation in answer.citations], ensure_ascii=False)
        turns = json.dumps([{"role": turn.role, "content": turn.content} for turn in history], ensure_ascii=False)
        with self._connect() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO answers (id, question, answer, refused, mode, citations, created_at, history)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (answer.id, question, answer.answer, int(answer.refused), answer.mode, citations, _now(), turns),
            )

    def add(self, answer_id: str, rating: Rating, comment: str = "", source: str = "api") -> int:
        """Store feedback; `NotFoundError` when the answer id is unknown."""
        with self._connect() as connection:
            known = connection.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if not known:
                raise NotFoundError(f"no answer with id {answer_id!r}")
            cursor = connection.execute(
                "INSERT INTO feedback (answer_id, rating, comment, source, created_at) VALUES (?, ?, ?, ?, ?)",
                (answer_id, rating, comment.strip(), source, _now()),
            )
            return int(cursor.lastrowid or 0)

    def entries(self, limit: int = 100) -> list[FeedbackEntry]:
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT f.id, f.answer_id, f.rating, f.comment, f.source, f.created_at, a.question"
                " FROM feedback f JOIN answers a ON a.id = f.answer_id ORDER BY f.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [FeedbackEntry(*row) for row in rows]

    def records(self, filters: FeedbackFilter | None = None, limit: int | None = None,
                before: int | None = None) -> list[FeedbackRecord]:
        """Feedback matching `filters`, newest first, with its answer.

        `limit` caps the rows (None: all); `before` continues a page: only ids below it (the
        last id of the previous page is the cursor). `NotFoundError` when `filters.ids` names
        feedback that does not exist.
        """
        filters = filters or FeedbackFilter()
        where, params = _where(filters, before)
        query = ("SELECT f.id, f.created_at, f.rating, f.comment, f.source, f.answer_id, a.question, a.answer,"
                 " a.refused, a.mode, a.created_at, a.citations, a.history"
                 f" FROM feedback f JOIN answers a ON a.id = f.answer_id{where} ORDER BY f.id DESC")
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._connect() as connection:
            if filters.ids:
                marks = ", ".join("?" * len(filters.ids))
                known = {row[0] for row in connection.execute(
                    f"SELECT id FROM feedback WHERE id IN ({marks})", filters.ids)}
                missing = sorted(set(filters.ids) - known)
                if missing:
                    raise NotFoundError(f"no feedback with id(s) {', '.join(map(str, missing))}")
            rows = connection.execute(query, params).fetchall()
        return [_record(row) for row in rows]

    def count(self, filters: FeedbackFilter | None = None) -> int:
        """How much feedback there is (matching `filters`, when given)."""
        where, params = _where(filters or FeedbackFilter(), None)
        with self._connect() as connection:
            return int(connection.execute(f"SELECT COUNT(*) FROM feedback f{where}", params).fetchone()[0])


def _where(filters: FeedbackFilter, before: int | None) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters.rating is not None:
        clauses.append("f.rating = ?")
        params.append(filters.rating)
    if filters.source is not None:
        clauses.append("f.source = ?")
        params.append(filters.source)
    if filters.since is not None:  # ISO timestamps in UTC sort as text: '2025-01-02T…' >= '2025-01-02'
        clauses.append("f.created_at >= ?")
        params.append(filters.since.isoformat())
    if filters.ids:
        clauses.append(f"f.id IN ({', '.join('?' * len(filters.ids))})")
        params.extend(filters.ids)
    if before is not None:
        clauses.append("f.id < ?")
        params.append(before)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _record(row: tuple[Any, ...]) -> FeedbackRecord:
    (id_, created_at, rating, comment, source, answer_id, question, answer, refused, mode, answered_at,
     citations, history) = row
    return FeedbackRecord(id=int(id_), created_at=created_at, rating=rating, comment=comment, source=source,
                          answer_id=answer_id, question=question, answer=answer, refused=bool(refused), mode=mode,
                          answered_at=answered_at, citations=json.loads(citations or "[]"),
                          history=json.loads(history or "[]"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- export ----------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "created_at", "rating", "source", "comment", "answer_id", "question", "answer", "refused",
               "mode", "answered_at", "citations", "citations_json", "history_json")
# Cells a spreadsheet would run as a formula get a leading apostrophe (and so do cells that
# start with one), which `read_export` takes off again: the CSV round trip is lossless.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def write_jsonl(records: Iterable[FeedbackRecord], out: TextIO) -> int:
    """One JSON object per line (the `to_dict` shape); returns the number of rows."""
    count = 0
    for record in records:
        out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[FeedbackRecord], out: TextIO) -> int:
    """A header and one row per feedback; citations both readable and as JSON."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for record in records:
        row = record.to_dict()
        row["refused"] = "true" if record.refused else "false"
        row["citations_json"] = json.dumps(record.citations, ensure_ascii=False)
        row["history_json"] = json.dumps(record.history, ensure_ascii=False)
        row["citations"] = "\n".join(citation_line(citation) for citation in record.citations)
        writer.writerow([_guard(str(row[column])) for column in CSV_COLUMNS])
        count += 1
    return count


def citation_line(citation: dict[str, Any]) -> str:
    """`[1] bericht.pdf S. 3: „the quote“`."""
    return f"[{citation.get('n')}] {citation.get('document')} S. {citation.get('page')}: „{citation.get('quote')}“"


def read_export(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL or CSV export (by its suffix), in the `to_dict` shape."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() != ".csv":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = []
    for raw in csv.DictReader(io.StringIO(text, newline="")):
        cells = {key: _unguard(value) for key, value in raw.items()}
        row: dict[str, Any] = {key: cells[key] for key in CSV_COLUMNS if key not in
                               ("citations", "citations_json", "history_json")}
        row["id"] = int(cells["id"])
        row["refused"] = cells["refused"] == "true"
        row["citations"] = json.loads(cells["citations_json"] or "[]")
        row["history"] = json.loads(cells["history_json"] or "[]")
        rows.append(row)
    return rows


def _guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def _unguard(text: str) -> str:
    return text[1:] if text.startswith("'") else text


# --- eval item drafts ------------------------------------------------------------------------

DRAFT_TODO = ("fill expected, evidence and facts (or make the category unanswerable), check the category, "
              "then remove todo")
DRAFTS_HEADER = """\
# Eval item drafts from user feedback (`smartcity feedback to-eval`).
# For each item: fill expected, evidence and facts (or make it `category: unanswerable` and
# leave them empty), check the guessed category, then delete the `todo` line. `draft` keeps
# the answer that was given and what the user said; it may stay. The eval loader rejects
# every item that still has `todo`: in evals/data/dev, finish or delete the drafts before
# running `smartcity eval`.
"""


def draft_id(answer_id: str) -> str:
    return f"fb-{answer_id[:8]}"


def guess_category(question: str, history: Sequence[object] = ()) -> str:
    """A first guess at the eval category, for the maintainer to check."""
    if history:
        return "followup"
    if detect_language(question) == "en":
        return "english"
    text = question.strip().lower()
    if re.match(r"(wie (viele?|hoch|groß|lange|oft)|wann|in welchem jahr)\b", text):
        return "number"
    if re.match(r"welche\b", text):
        return "list"
    if re.match(r"wie\b", text):
        return "howto"
    return "fact"


def eval_drafts(records: Iterable[FeedbackRecord]) -> list[dict[str, Any]]:
    """Eval items (evals/dataset.py `EvalItem`) to be completed: one per rated answer.

    Several ratings of one answer make one draft (a thumbs down wins; comments are kept in
    order). Expected sources, evidence and facts are left empty and `todo` says so.
    """
    grouped: dict[str, list[FeedbackRecord]] = {}
    for record in records:
        grouped.setdefault(record.answer_id, []).append(record)
    drafts: list[dict[str, Any]] = []
    taken: set[str] = set()
    for answer_id, group in grouped.items():
        group = sorted(group, key=lambda record: record.id)
        first = group[0]
        item_id = draft_id(answer_id)
        if item_id in taken:  # two answer ids with one prefix: use the whole id
            item_id = f"fb-{answer_id}"
        taken.add(item_id)
        item: dict[str, Any] = {"id": item_id, "category": guess_category(first.question, first.history),
                                "question": first.question}
        if first.history:
            item["history"] = [{"role": turn["role"], "content": turn["content"]} for turn in first.history]
        item |= {
            "origin": "feedback", "expected": [], "evidence": [], "facts": [], "reference_answer": "",
            "todo": DRAFT_TODO,
            "draft": {
                "answer_id": answer_id,
                "feedback_ids": [record.id for record in group],
                "rating": "down" if any(record.rating == "down" for record in group) else "up",
                "comment": "\n".join(record.comment for record in group if record.comment),
                "source": ", ".join(dict.fromkeys(record.source for record in group)),
                "given_at": first.answered_at,
                "refused": first.refused,
                "given_answer": first.answer,
                "given_citations": [{"n": citation.get("n"), "document": citation.get("document"),
                                     "page": citation.get("page"), "quote": citation.get("quote")}
                                    for citation in first.citations],
            },
        }
        drafts.append(item)
    return drafts


def dump_drafts(drafts: Sequence[dict[str, Any]]) -> str:
    """YAML in the dataset's style: one list item per draft, a blank line between them."""
    return "\n".join(yaml.safe_dump([draft], sort_keys=False, allow_unicode=True, width=120)
                     for draft in drafts)


@dataclass(frozen=True)
class DraftsWritten:
    added: list[str]
    skipped: list[str]  # already in the file (kept as the maintainer left them)


def write_drafts(drafts: Sequence[dict[str, Any]], out: Path) -> DraftsWritten:
    """Append the drafts whose id is not in `out` yet (the file's text, comments and edits stay)."""
    existing_text = ""
    existing_ids: set[str] = set()
    if out.exists():
        try:
            existing_text = out.read_text(encoding="utf-8")
            parsed = yaml.safe_load(existing_text)
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidRequestError(f"{out}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
        except yaml.YAMLError as exc:
            raise InvalidRequestError(f"{out}: not valid YAML ({exc}); fix it or choose another --out") from None
        if parsed is not None and not isinstance(parsed, list):
            raise InvalidRequestError(f"{out}: not a list of eval items; choose another --out")
        existing_ids = {str(entry.get("id")) for entry in parsed or [] if isinstance(entry, dict)}
    new = [draft for draft in drafts if draft["id"] not in existing_ids]
    skipped = [draft["id"] for draft in drafts if draft["id"] in existing_ids]
    if not new:
        return DraftsWritten([], skipped)
    if existing_text.strip():
        text = existing_text.rstrip("\n") + "\n\n" + dump_drafts(new)
    else:
        text = DRAFTS_HEADER + "\n" + dump_drafts(new)
    _write_atomically(out, text)
    return DraftsWritten([draft["id"] for draft in new], skipped)


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InvalidRequestError(f"{path}: cannot be written ({exc.strerror or exc})") from None
