"""An ingest killed with SIGKILL leaves every document fully old, fully new or absent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.settings import Settings
from ingest.models import document_version
from ingest.pdf import file_sha256
from tests.support.pdfs import sample_pages, write_pdf

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KILL_AFTER_SECONDS = [2.5, 4.0, 6.0, 8.0, 11.0]
ROOT = Path(__file__).resolve().parents[2]


def _write_corpus(folder: Path, round_number: int) -> None:
    """Four reports of several chunks each; every round changes their content."""
    for index in range(4):
        pages = [page * 6 for page in sample_pages(f"Thema{index}Runde{round_number}", pages=8)]
        write_pdf(folder / f"bericht-{index}.pdf", pages, title=f"Bericht {index} ({round_number})")


def _start_ingest(settings: Settings, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SMARTCITY_DATA_DIR": str(settings.data_dir), "SMARTCITY_INGEST_EMBED_BATCH": "2"}
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(folder), "--json"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _assert_consistent(settings: Settings, versions_seen: dict[str, set[str]]) -> dict[str, str]:
    """Every published document is complete and alone; readers see nothing else.

    Checked from a fresh process, as after a real crash (embedded Chroma is single-process).
    """
    env = {**os.environ, "SMARTCITY_DATA_DIR": str(settings.data_dir)}
    result = subprocess.run([sys.executable, "-m", "tests.support.store_probe", str(settings.data_dir),
                             "Fachleute Smart-City-Werkstatt"], capture_output=True, text=True, env=env,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout)
    ids = [chunk["id"] for chunk in state["chunks"]]
    assert sorted(ids) == sorted(state["keyword_ids"]), "keyword index and vector store disagree"
    assert len(ids) == len(set(ids)), "duplicate chunks"
    assert state["stored_chunks"] == len(ids), "chunks of unpublished versions remain"
    published: dict[str, str] = {}
    for record in state["records"]:
        assert record["version"] in versions_seen[record["file"]], "a version that was never on disk"
        own = [chunk for chunk in state["chunks"] if chunk["document"] == record["file"]]
        assert {chunk["version"] for chunk in own} == {record["version"]}, "a mix of old and new chunks"
        assert sorted(chunk["position"] for chunk in own) == list(range(record["chunks"])), "a half document"
        published[record["file"]] = record["version"]
    assert all(published.get(hit["document"]) == hit["version"] for hit in state["hits"])
    return published


def test_sigkill_at_several_points_then_complete(small_settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    versions_seen: dict[str, set[str]] = {}
    killed_mid_run = 0
    for round_number, delay in enumerate(KILL_AFTER_SECONDS):
        _write_corpus(folder, round_number)
        for pdf in folder.glob("*.pdf"):
            versions_seen.setdefault(pdf.name, set()).add(document_version(file_sha256(pdf)))
        process = _start_ingest(small_settings, folder)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_mid_run += 1
        process.wait(timeout=30)
        _assert_consistent(small_settings, versions_seen)
    assert killed_mid_run >= 3, "the ingest finished before it could be killed; use bigger PDFs"

    final = _start_ingest(small_settings, folder)
    assert final.wait(timeout=600) == 0
    published = _assert_consistent(small_settings, versions_seen)
    assert published == {pdf.name: document_version(file_sha256(pdf)) for pdf in folder.glob("*.pdf")}
