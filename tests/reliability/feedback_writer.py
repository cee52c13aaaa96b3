"""A writer process for the feedback concurrency test (run with the spawn start method).

It opens its own `FeedbackStore` on the shared file, as a second app worker would, waits for
the common start signal and then writes; it returns the ids it got and any errors it saw.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from assistant.answer.types import Answer
from assistant.feedback import FeedbackStore
from ingest.errors import NotFoundError


def new_answer(tag: str) -> Answer:
    return Answer(id=f"answer-{tag}", answer=f"Antwort {tag} [1]", citations=[], refused=False,
                  mode="extractive", language="de")


def write(path: str, answer_ids: list[str], count: int, tag: str, go_file: str) -> tuple[list[int], list[str]]:
    """`count` feedback rows (every fifth for an answer recorded just before), after `go_file` appears.

    Touches `<go_file>.ready-<tag>` first, so the test can start all writers at the same moment.
    """
    store = FeedbackStore(Path(path))
    Path(f"{go_file}.ready-{tag}").touch()
    deadline = time.monotonic() + 120
    while not Path(go_file).exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    ids: list[int] = []
    errors: list[str] = []
    for index in range(count):
        try:
            if index % 5 == 0:
                answer = new_answer(f"{tag}-{index}")
                store.record_answer(f"Frage {tag}-{index}", answer)
                answer_id = answer.id
            else:
                answer_id = answer_ids[index % len(answer_ids)]
            ids.append(store.add(answer_id, "up" if index % 2 else "down", f"{tag}-{index}", "api"))
        except (sqlite3.Error, NotFoundError) as exc:
            errors.append(f"{tag}-{index}: {type(exc).__name__}: {exc}")
    return ids, errors
