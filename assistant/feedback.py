"""Answers and the feedback on them, in SQLite (WAL) in the data directory.

Answers are recorded so that feedback can be reviewed with its question and answer, and so
that feedback on an unknown answer id is rejected. Each call opens its own connection:
safe from many threads and processes at once; WAL lets readers and a writer overlap.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from assistant.answer.types import Answer
from assistant.errors import NotFoundError

Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    mode TEXT NOT NULL,
    citations TEXT NOT NULL,
    created_at TEXT NOT NULL
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


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    answer_id: str
    rating: str
    comment: str
    source: str
    created_at: str
    question: str


class FeedbackStore:
    """Record answers; store thumbs up/down with an optional comment."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA synchronous=NORMAL")
            yield connection
        finally:
            connection.close()

    def record_answer(self, question: str, answer: Answer) -> None:
        citations = json.dumps([citation.to_dict() for citation in answer.citations], ensure_ascii=False)
        with self._connect() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO answers (id, question, answer, refused, mode, citations, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer.id, question, answer.answer, int(answer.refused), answer.mode, citations, _now()),
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

    def count(self) -> int:
        with self._connect() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
