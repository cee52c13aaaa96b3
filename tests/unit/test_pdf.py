"""Reading PDFs, and the plain reasons for the ones that cannot be ingested."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import DocumentError
from ingest.pdf import read_pdf
from tests.support.pdfs import encrypted_pdf, image_only_pdf, pdf_bytes, sample_pages, write_pdf


def test_reads_pages_and_metadata(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "bericht_2023.pdf", sample_pages(pages=2), title="Testbericht Verstetigung",
                     author="Stadt Beispielhausen", keywords="Smart City, Kommunen, 2024")
    document = read_pdf(path)
    assert document.file == "bericht_2023.pdf"
    assert document.page_count == 2
    assert document.title == "Testbericht Verstetigung"
    assert document.publisher == "Stadt Beispielhausen"
    assert document.year == 2024  # from /Keywords, before the file name
    assert "Makerspace" in document.pages[0]
    assert len(document.sha256) == 64


def test_year_and_title_fall_back_to_the_file_name(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "workshop_bericht_2021.pdf", sample_pages(pages=1), title="", keywords="")
    document = read_pdf(path)
    assert document.year == 2021
    assert document.title == "workshop bericht 2021"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(b""), "empty file"),
        (lambda p: p.write_text("Das ist kein PDF, nur Text.", encoding="utf-8"), "not a PDF"),
        (lambda p: encrypted_pdf(p, sample_pages(pages=1)), "encrypted"),
        (lambda p: p.write_bytes(pdf_bytes(sample_pages(pages=3))[:700]), "corrupt or truncated"),
        (lambda p: image_only_pdf(p), "no text layer"),
    ],
    ids=["zero-byte", "not-a-pdf", "encrypted", "truncated", "image-only"],
)
def test_broken_files_raise_a_plain_reason(tmp_path: Path, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kaputt.pdf"
    make(path)
    with pytest.raises(DocumentError) as caught:
        read_pdf(path)
    assert caught.value.file == "kaputt.pdf"
    assert reason in caught.value.reason
