"""The programme corpus in the real (embedded) store: complete, clean, consistent, searchable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from assistant.wiring import Services
from ingest.chunk import count_tokens
from vectorstore.keyword import index_directory
from vectorstore.knowledge_base import manifest_fingerprint

pytestmark = pytest.mark.integration

ANKERORTE = "mpsc_ankerorte-des-digitalen-wandels_studie.pdf"
FUNCTION_WORDS = {"und", "oder", "bzw", "sowie", "bis", "als", "durch", "mit", "für", "zu", "auf", "in", "an",
                  "statt", "über", "von", "vor", "nach", "bei", "aus", "noch", "wie"}


def _all_chunks(services: Services) -> list:
    snapshot = services.knowledge_base.snapshot()
    return services.store.get_chunks(snapshot.keyword.ids)


def test_the_whole_corpus_is_in_the_manifest(ingested_services: Services) -> None:
    records = ingested_services.store.documents()
    assert len(records) == 5
    assert sum(record.pages for record in records) == 199
    years = {record.file: record.year for record in records}
    assert years[ANKERORTE] == 2026
    assert years["stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"] == 2023
    for record in records:
        assert record.title and record.publisher and record.chunks > 0


def test_no_chunk_exceeds_the_token_limit(ingested_services: Services) -> None:
    limit = ingested_services.settings.ingest.chunk_tokens
    chunks = _all_chunks(ingested_services)
    assert len(chunks) == sum(record.chunks for record in ingested_services.store.documents())
    over = [(chunk.id, count_tokens(chunk.text)) for chunk in chunks if count_tokens(chunk.text) > limit]
    assert not over


def _page_edge_lines(corpus_dir: Path) -> set[str]:
    """The running header and footer lines as pypdf extracts them from every page."""
    lines: set[str] = set()
    for pdf in corpus_dir.glob("*.pdf"):
        for page in PdfReader(pdf).pages:
            page_lines = [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
            lines.update(page_lines[:2])
    return lines


def test_no_chunk_contains_a_header_or_footer_line(ingested_services: Services, corpus_dir: Path) -> None:
    edge_lines = _page_edge_lines(corpus_dir)
    offenders = []
    for chunk in _all_chunks(ingested_services):
        for line in chunk.text.split("\n"):
            if line.strip() in edge_lines or re.fullmatch(r"Seite \d+", line.strip()):
                offenders.append((chunk.id, line))
        if re.search(r"\bSeite \d+\b(?!\s*(?:von|ff|f\.))", chunk.text) and "Seite" in chunk.text.split("\n")[0][:6]:
            offenders.append((chunk.id, chunk.text[:60]))
    assert not offenders, offenders[:5]


def test_no_line_break_hyphenation_is_left_unjoined(ingested_services: Services) -> None:
    offenders = []
    for chunk in _all_chunks(ingested_services):
        for match in re.finditer(r"\b([A-Za-zÄÖÜäöüß]{2,})-\s+([a-zäöüß]{2,})\b", chunk.text):
            if match.group(2) not in FUNCTION_WORDS:
                offenders.append((chunk.id, match.group(0)))
        if "-\n" in chunk.text:
            offenders.append((chunk.id, "hyphen at line end"))
    assert not offenders, offenders[:10]


def test_photo_credits_are_not_in_the_text(ingested_services: Services) -> None:
    credits = [chunk.id for chunk in _all_chunks(ingested_services)
               if re.search(r"(^|\n|\|\s*)(Quelle|Foto|Bildquelle):", chunk.text)]
    assert not credits


def test_dense_search_finds_the_ankerorte_study_for_makerspaces(ingested_services: Services) -> None:
    vector = ingested_services.embeddings.embed_question("Wie verstetige ich einen Makerspace?")
    versions = ingested_services.knowledge_base.snapshot().versions
    top = ingested_services.store.query(vector, 3, versions)
    assert any(chunk.document == ANKERORTE for chunk, _ in top)


def test_keyword_index_agrees_with_the_vector_store(ingested_services: Services) -> None:
    snapshot = ingested_services.knowledge_base.snapshot(force=True)
    assert snapshot.keyword.fingerprint == manifest_fingerprint(snapshot.documents)
    ids, _ = ingested_services.store.all_texts(snapshot.versions)
    assert sorted(ids) == sorted(snapshot.keyword.ids)
    assert ingested_services.store.count_chunks() == len(ids)
    saved = index_directory(ingested_services.settings.keyword_dir, snapshot.keyword.fingerprint)
    assert (saved / "meta.json").exists()


def test_reingesting_the_unchanged_corpus_embeds_nothing(ingested_services: Services,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    original = ingested_services.embeddings.embed_passages
    monkeypatch.setattr(ingested_services.embeddings, "embed_passages",
                        lambda texts: calls.append(len(texts)) or original(texts))
    report = ingested_services.ingestor.ingest([ingested_services.settings.corpus_dir]).to_json()
    assert report["unchanged"] == 5 and report["added"] == report["updated"] == 0
    assert report["pages"] == 199
    assert calls == []
