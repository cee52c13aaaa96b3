"""Incremental ingest on small generated PDFs: add, update, prune, bad input, the CLI contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import ingest.models
from assistant.cli import why_ingest_first
from assistant.settings import Settings
from assistant.wiring import Services
from ingest.models import is_current_version
from tests.support.pdfs import encrypted_pdf, image_only_pdf, pdf_bytes, sample_pages, write_pdf
from vectorstore.knowledge_base import KnowledgeBase

pytestmark = pytest.mark.integration


def _chunks_of(services: Services, file: str) -> list:
    snapshot = services.knowledge_base.snapshot(force=True)
    return [chunk for chunk in services.store.get_chunks(snapshot.keyword.ids) if chunk.document == file]


def test_add_update_and_prune(small_settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    write_pdf(corpus / "a.pdf", sample_pages("Verstetigung", 3), title="Bericht A")
    write_pdf(corpus / "b.pdf", sample_pages("Beteiligung", 2), title="Bericht B")
    services = Services(small_settings)

    first = services.ingestor.ingest([corpus]).to_json()
    assert (first["added"], first["documents"], first["pages"]) == (2, 2, 5)
    old_a = _chunks_of(services, "a.pdf")
    assert old_a and all(chunk.title == "Bericht A" for chunk in old_a)

    write_pdf(corpus / "a.pdf", sample_pages("Digitalisierung", 2), title="Bericht A, zweite Fassung")
    second = services.ingestor.ingest([corpus]).to_json()
    assert (second["updated"], second["unchanged"]) == (1, 1)
    new_a = _chunks_of(services, "a.pdf")
    assert {chunk.version for chunk in new_a} == {services.store.documents()[0].version}
    assert all(chunk.title == "Bericht A, zweite Fassung" for chunk in new_a)
    assert not any("Verstetigung" in chunk.text for chunk in new_a)
    assert len({chunk.id for chunk in new_a}) == len(new_a)
    assert services.store.count_chunks() == sum(record.chunks for record in services.store.documents())

    (corpus / "b.pdf").unlink()
    third = services.ingestor.ingest([corpus], prune=True).to_json()
    assert third["removed"] == 1
    assert [record.file for record in services.store.documents()] == ["a.pdf"]
    assert _chunks_of(services, "b.pdf") == []
    assert services.store.count_chunks() == len(new_a)



def test_a_new_processing_revision_reprocesses_unchanged_files(
        small_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade that changes cleaning or chunking, the same bytes count as changed."""
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    write_pdf(corpus / "a.pdf", sample_pages("Verstetigung", 2), title="Bericht A")
    services = Services(small_settings)
    monkeypatch.setattr(ingest.models, "PROCESSING_REVISION", 1)  # as an older release stored it
    assert services.ingestor.ingest([corpus]).to_json()["added"] == 1
    old = _chunks_of(services, "a.pdf")
    assert {chunk.version[:3] for chunk in old} == {"r1-"}
    monkeypatch.undo()
    assert why_ingest_first(services.store.documents()) == "1 Dokument(e) älter aufbereitet"  # serve re-ingests

    assert services.ingestor.ingest([corpus]).to_json()["updated"] == 1
    new = _chunks_of(services, "a.pdf")
    [record] = services.store.documents()
    assert is_current_version(record.version) and {chunk.version for chunk in new} == {record.version}
    assert [chunk.text for chunk in new] == [chunk.text for chunk in old]  # same bytes, same processing here
    assert services.store.count_chunks() == len(new) == record.chunks  # no chunk of the old revision left
    assert services.ingestor.ingest([corpus]).to_json()["unchanged"] == 1
    assert why_ingest_first(services.store.documents()) is None

def test_broken_files_are_reported_and_the_rest_is_ingested(small_settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    write_pdf(corpus / "gut.pdf", sample_pages("Verstetigung", 2))
    (corpus / "leer.pdf").write_bytes(b"")
    (corpus / "text.pdf").write_text("kein PDF", encoding="utf-8")
    (corpus / "abgeschnitten.pdf").write_bytes(pdf_bytes(sample_pages(pages=3))[:600])
    encrypted_pdf(corpus / "geheim.pdf", sample_pages(pages=1))
    image_only_pdf(corpus / "scan.pdf")
    report = Services(small_settings).ingestor.ingest([corpus]).to_json()
    assert report["added"] == 1 and report["documents"] == 1
    reasons = {failure["file"]: failure["reason"] for failure in report["failed"]}
    assert set(reasons) == {"leer.pdf", "text.pdf", "abgeschnitten.pdf", "geheim.pdf", "scan.pdf"}
    assert "empty" in reasons["leer.pdf"] and "not a PDF" in reasons["text.pdf"]
    assert "encrypted" in reasons["geheim.pdf"] and "no text layer" in reasons["scan.pdf"]


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMARTCITY_DATA_DIR": str(settings.data_dir),
           "SMARTCITY_CORPUS_DIR": str(settings.corpus_dir)}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_cli_json_summary_and_exit_codes(small_settings: Settings, tmp_path: Path) -> None:
    good = write_pdf(tmp_path / "gut.pdf", sample_pages("Verstetigung", 2))
    bad = tmp_path / "kaputt.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")

    ok = _cli(small_settings, "ingest", str(good), "--json")
    assert ok.returncode == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert set(summary) >= {"documents", "pages", "chunks", "added", "updated", "unchanged", "removed",
                            "failed", "seconds"}
    assert (summary["added"], summary["pages"], summary["failed"]) == (1, 2, [])

    partial = _cli(small_settings, "ingest", str(good), str(bad), "--json")
    assert partial.returncode == 1
    summary = json.loads(partial.stdout)
    assert summary["unchanged"] == 1 and summary["failed"][0]["file"] == "kaputt.pdf"

    usage = _cli(small_settings, "ingest", "--no-such-option")
    assert usage.returncode == 2

    docs = _cli(small_settings, "docs", "--json")
    assert docs.returncode == 0 and json.loads(docs.stdout)[0]["file"] == "gut.pdf"


def test_bad_setting_stops_the_cli_naming_the_variable(small_settings: Settings) -> None:
    env = {**os.environ, "SMARTCITY_RETRIEVAL_TOP_K": "viele"}
    result = subprocess.run([sys.executable, "-m", "assistant.cli", "docs"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2
    assert "SMARTCITY_RETRIEVAL_TOP_K" in result.stderr


def test_readers_keep_the_previous_snapshot_while_new_indexes_are_built(
        small_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica that notices a new manifest builds its keyword index once; meanwhile it answers."""
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    write_pdf(corpus / "a.pdf", sample_pages("Verstetigung", 2), title="Bericht A")
    writer = Services(small_settings)
    writer.ingestor.ingest([corpus])
    replica = KnowledgeBase(writer.store, tmp_path / "replica-keyword", tmp_path / "replica.lock", refresh_seconds=0)
    assert [record.file for record in replica.snapshot().documents] == ["a.pdf"]

    write_pdf(corpus / "b.pdf", sample_pages("Beteiligung", 2), title="Bericht B")
    writer.ingestor.ingest([corpus])
    building, release = threading.Event(), threading.Event()
    build = replica._derive

    def slow_build(*args: object) -> object:
        building.set()
        release.wait(timeout=30)
        return build(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(replica, "_derive", slow_build)
    builder = threading.Thread(target=replica.snapshot)
    builder.start()
    assert building.wait(timeout=30)
    during = replica.snapshot()  # must not wait for the build
    release.set()
    builder.join(timeout=30)
    assert [record.file for record in during.documents] == ["a.pdf"]
    assert [record.file for record in replica.snapshot().documents] == ["a.pdf", "b.pdf"]
    assert len(replica.snapshot().keyword.ids) == writer.store.count_chunks()
