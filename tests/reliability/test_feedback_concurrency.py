"""The SQLite feedback store under concurrent writers (threads and processes) and readers.

8 threads and 4 processes (each with its own `FeedbackStore`, like several app workers)
write 50 rows each into one file at the same moment while two readers list and count.
Nothing may be lost or duplicated, and no "database is locked" may surface.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from assistant.feedback import FeedbackStore
from ingest.errors import NotFoundError
from tests.reliability import feedback_writer
from tests.reliability.conftest import record_result

pytestmark = [pytest.mark.integration, pytest.mark.slow]

THREADS = 8
PROCESSES = 4
WRITES = 50


def test_concurrent_writers_and_readers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite"
    go_file = tmp_path / "go"
    store = FeedbackStore(path)
    answer_ids = []
    for index in range(20):
        answer = feedback_writer.new_answer(f"vorab-{index}")
        store.record_answer(f"Frage {index}", answer)
        answer_ids.append(answer.id)

    stop_reading = threading.Event()
    read_errors: list[str] = []
    counts: list[list[int]] = [[], []]  # one list per reader: each must only ever grow

    def read(seen: list[int]) -> None:
        while not stop_reading.is_set():
            try:
                seen.append(store.count())
                store.entries(limit=50)
            except sqlite3.Error as exc:
                read_errors.append(f"{type(exc).__name__}: {exc}")

    readers = [threading.Thread(target=read, args=(seen,)) for seen in counts]
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as processes, ThreadPoolExecutor(THREADS) as threads:
        futures = [processes.submit(feedback_writer.write, str(path), answer_ids, WRITES, f"p{n}", str(go_file))
                   for n in range(PROCESSES)]
        futures += [threads.submit(feedback_writer.write, str(path), answer_ids, WRITES, f"t{n}", str(go_file))
                    for n in range(THREADS)]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + 120
        while len(list(tmp_path.glob("go.ready-*"))) < THREADS + PROCESSES and time.monotonic() < deadline:
            time.sleep(0.01)
        go_file.touch()  # every writer has its store open: all start now
        results = [future.result(timeout=300) for future in futures]
    stop_reading.set()
    for reader in readers:
        reader.join(timeout=60)

    ids = [row_id for row_ids, _ in results for row_id in row_ids]
    errors = [error for _, row_errors in results for error in row_errors] + read_errors
    expected = (THREADS + PROCESSES) * WRITES
    entries = store.entries(limit=expected * 2)
    with sqlite3.connect(path) as connection:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        recorded_answers = connection.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    record_result("feedback_concurrency", {
        "writer_threads": THREADS, "writer_processes": PROCESSES, "writes_each": WRITES, "rows_expected": expected,
        "rows_stored": store.count(), "reads": sum(len(seen) for seen in counts), "errors": len(errors)})

    assert errors == [], errors[:5]
    assert not any("locked" in error for error in errors)
    assert len(ids) == expected and len(set(ids)) == expected, "a write was lost or got a duplicate id"
    assert store.count() == expected and {entry.id for entry in entries} == set(ids)
    comments = sorted(entry.comment for entry in entries)
    assert comments == sorted(f"{tag}{n}-{index}" for tag, writers in (("p", PROCESSES), ("t", THREADS))
                              for n in range(writers) for index in range(WRITES))
    assert recorded_answers == 20 + (THREADS + PROCESSES) * WRITES // 5
    assert integrity == "ok" and journal == "wal"
    for seen in counts:
        assert seen and seen == sorted(seen), "a reader saw the row count go down"
        assert all(0 <= count <= expected for count in seen)


def test_feedback_for_an_unknown_answer_is_refused_under_load(tmp_path: Path) -> None:
    """The answer-id check holds while others write: no orphan rows."""
    store = FeedbackStore(tmp_path / "feedback.sqlite")
    answer = feedback_writer.new_answer("bekannt")
    store.record_answer("Frage", answer)

    def attempt(index: int) -> str:
        answer_id = answer.id if index % 2 else f"unbekannt-{index}"
        try:
            store.add(answer_id, "up", f"c{index}")
            return "stored"
        except NotFoundError:
            return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(200)))
    assert outcomes.count("stored") == 100 and outcomes.count("refused") == 100
    assert {entry.answer_id for entry in store.entries(limit=500)} == {answer.id}
