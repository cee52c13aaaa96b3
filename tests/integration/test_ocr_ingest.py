"""Scanned PDFs are read by OCR, answered from and cited to their page; text pages stay as they are.

Real Tesseract (Debian's tesseract-ocr with German and English), real embeddings, real
Chroma; the PDFs are made by the test: German text rendered to images, wrapped without a
text layer.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assistant.settings import IngestSettings, Settings
from assistant.wiring import Services
from tests.conftest import make_settings
from tests.support.scans import make_mixed_pdf, make_scanned_pdf

pytestmark = pytest.mark.integration

SCANNED = ("Die Gemeinde Quellbrunn eröffnete im März 2024 eine Bürgerwerkstatt für Straßenplanung. "
           "In der Werkstatt prüfen Bürgerinnen und Bürger jeden Donnerstag die Entwürfe für neue Radwege.")
SECOND = ("Für die Förderung der Bürgerwerkstatt stellt das Land 48.000 Euro bereit. "
          "Die Kommune übernimmt die Kosten für das Personal.")
TEXT_PAGE = "Der Stadtrat von Quellbrunn beschloss die digitale Bürgerbeteiligung im Jahr 2023."


def _services(base: Services, data_dir: Path, corpus_dir: Path, **ingest: object) -> Services:
    settings = make_settings(data_dir, corpus_dir, ingest=IngestSettings(**ingest))
    return Services(settings, embeddings=base.embeddings)


def test_a_scanned_pdf_is_read_answered_from_and_cited_to_its_page(tmp_path: Path, small_settings: Settings,
                                                                    corpus_dir: Path) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    make_scanned_pdf(pdfs / "scan.pdf", [SCANNED, SECOND])
    services = _services(Services(small_settings), tmp_path / "data", corpus_dir)
    started = time.perf_counter()
    report = services.ingestor.ingest([pdfs])
    seconds = time.perf_counter() - started
    assert not report.failed, report.failed
    summary = report.to_json()
    assert summary["ocr_pages"] == 2 and summary["pages"] == 2
    record = services.knowledge_base.documents()[0]
    assert record.ocr_pages == 2
    ids, _ = services.store.all_texts([record.version])
    chunks = services.store.get_chunks(ids)
    assert chunks and all(chunk.ocr for chunk in chunks)
    text = " ".join(chunk.text for chunk in chunks)
    for word in ("Bürgerwerkstatt", "Straßenplanung", "Förderung", "eröffnete"):
        assert word in text  # umlauts and ß survive OCR

    answer = services.assistant.ask("Wie viel Geld stellt das Land für die Bürgerwerkstatt bereit?")
    assert not answer.refused, answer
    assert "48.000 Euro" in answer.answer and answer.citations[0].document == "scan.pdf"
    # the sentence is cited on the physical page of the scan it was read from
    holder = next(chunk for chunk in chunks if "48.000 Euro" in chunk.text)
    assert holder.page_at(holder.text.index("48.000 Euro")) == 2
    assert answer.citations[0].page == holder.page_at(holder.text.index(answer.citations[0].quote[:30]))
    print(f"OCR ingest of 2 scanned A4 pages: {seconds:.1f} s in all")  # shown with pytest -s


def test_a_mixed_pdf_keeps_its_text_pages_as_they_are(tmp_path: Path, small_settings: Settings,
                                                      corpus_dir: Path) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    make_mixed_pdf(pdfs / "mixed.pdf", [TEXT_PAGE, None], {2: SCANNED})
    services = _services(Services(small_settings), tmp_path / "data", corpus_dir)
    report = services.ingestor.ingest([pdfs])
    assert not report.failed and report.to_json()["ocr_pages"] == 1
    record = services.knowledge_base.documents()[0]
    ids, _ = services.store.all_texts([record.version])
    chunks = sorted(services.store.get_chunks(ids), key=lambda chunk: chunk.position)
    page_one = next(chunk for chunk in chunks if TEXT_PAGE in chunk.text)  # the text layer, verbatim
    assert page_one.page_at(page_one.text.index(TEXT_PAGE)) == 1
    scanned = next(chunk for chunk in chunks if "Bürgerwerkstatt" in chunk.text)
    assert scanned.ocr and scanned.page_at(scanned.text.index("Bürgerwerkstatt")) == 2


def test_without_tesseract_a_scan_is_skipped_with_the_reason_and_text_pdfs_still_ingest(
        tmp_path: Path, small_settings: Settings, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    import ingest.ocr

    monkeypatch.setattr(ingest.ocr, "tesseract_available", lambda languages="deu+eng": None)
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    make_scanned_pdf(pdfs / "scan-a.pdf", [SCANNED])
    make_scanned_pdf(pdfs / "scan-b.pdf", [SECOND])
    make_mixed_pdf(pdfs / "mixed.pdf", [TEXT_PAGE, None], {2: SCANNED})
    services = _services(Services(small_settings), tmp_path / "data", corpus_dir)
    with caplog.at_level("WARNING", logger=ingest.scanning.__name__):
        report = services.ingestor.ingest([pdfs])
    failed = {outcome.file: outcome.reason for outcome in report.failed}
    assert set(failed) == {"scan-a.pdf", "scan-b.pdf"}
    assert all("Tesseract" in reason and "not installed" in reason for reason in failed.values())
    assert [outcome.file for outcome in report.outcomes if outcome.status == "added"] == ["mixed.pdf"]
    said = [record for record in caplog.records if "OCR is not available" in record.getMessage()]
    assert len(said) == 1  # said once, not per file


def test_ocr_can_be_switched_off(tmp_path: Path, small_settings: Settings, corpus_dir: Path) -> None:
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    make_scanned_pdf(pdfs / "scan.pdf", [SCANNED])
    services = _services(Services(small_settings), tmp_path / "data", corpus_dir, ocr=False)
    report = services.ingestor.ingest([pdfs])
    assert [outcome.file for outcome in report.failed] == ["scan.pdf"]
    assert "SMARTCITY_INGEST_OCR" in report.failed[0].reason
    assert json.loads(json.dumps(report.to_json()))["ocr_pages"] == 0
