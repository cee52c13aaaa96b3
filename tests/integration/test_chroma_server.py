"""Server mode: the same store layer against a real `chroma run` started by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.wiring import Services
from tests.conftest import make_settings
from tests.support.net import free_port
from tests.support.pdfs import sample_pages, write_pdf
from vectorstore.errors import StoreUnavailableError

pytestmark = pytest.mark.integration


def test_ingest_search_and_answer_through_a_chroma_server(chroma_server: str, tmp_path: Path,
                                                          corpus_dir: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    write_pdf(folder / "server-bericht.pdf", sample_pages("Verstetigung", 2), title="Serverbericht")
    settings: Settings = make_settings(tmp_path / "data", corpus_dir, chroma_url=chroma_server)
    services = Services(settings)
    report = services.ingestor.ingest([folder]).to_json()
    assert report["added"] == 1
    assert not (settings.data_dir / "chroma").exists()  # nothing embedded locally

    # A second app replica (its own data dir) sees the same manifest through the server.
    replica = Services(make_settings(tmp_path / "replica", corpus_dir, chroma_url=chroma_server))
    assert [record.file for record in replica.store.documents()] == ["server-bericht.pdf"]
    answer = replica.assistant.ask("Wie viele Fachleute nahmen an der Smart-City-Werkstatt teil?")
    assert not answer.refused
    assert answer.citations[0].document == "server-bericht.pdf"

    services.knowledge_base.remove_document("server-bericht.pdf")
    assert services.store.documents() == [] and services.store.count_chunks() == 0


def test_unreachable_server_is_a_clear_error(tmp_path: Path, corpus_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreUnavailableError, match="not reachable"):
        Services(settings).store.documents()
