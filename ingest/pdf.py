"""Read one PDF into raw page texts and document metadata, or say plainly why not.

Pages without a text layer (scans) are read with OCR when a `PageReader` is given
(`ingest.ocr.OcrEngine`); the text pages keep their own text layer as it is.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Protocol

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from ingest.errors import DocumentError
from ingest.models import document_version, file_sha256  # noqa: F401 - file_sha256 re-exported
from ingest.scanning import needs_ocr

_log = logging.getLogger(__name__)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
# A page with fewer visible characters than this counts as having no text layer.
_MIN_TEXT_CHARS = 20
PDF_SIGNATURE = b"%PDF-"
# ISO 32000 lets readers find the signature anywhere in a file's first 1024 bytes.
_SIGNATURE_WINDOW = 1024


@dataclass(frozen=True)
class RawDocument:
    """A PDF's text, page by page (index 0 is physical page 1), plus what it says about itself."""

    file: str
    sha256: str
    title: str
    publisher: str
    year: int | None
    pages: list[str]
    ocr_pages: tuple[int, ...] = ()  # physical pages whose text comes from OCR

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def version(self) -> str:
        return document_version(self.sha256)


def looks_like_pdf(head: bytes, *, at_start: bool = False) -> bool:
    """Does `head`, a file's first bytes, carry the PDF signature?

    Reading accepts it anywhere in the first 1024 bytes, as the PDF spec allows (some writers
    put junk before it). Uploads pass `at_start=True`: bytes before the signature make a
    polyglot (an HTML page that is also a PDF), which a browser could sniff as HTML when
    the stored file is served back.
    """
    if at_start:
        return head.startswith(PDF_SIGNATURE)
    return PDF_SIGNATURE in head[:_SIGNATURE_WINDOW]


class PageReader(Protocol):
    """Reads chosen pages of a PDF from their pixels (OCR); see `ingest.ocr.OcrEngine`."""

    def ocr_pages(self, path: Path | bytes, pages: Sequence[int],
                  on_page: Callable[[int], None] | None = None) -> dict[int, str]: ...


# Why a scan was not read, when no `PageReader` is given (the caller may know better).
NO_OCR = "OCR is off"


def read_pdf(path: Path, ocr: PageReader | None = None, on_ocr_page: Callable[[int], None] | None = None,
             no_ocr_reason: str = NO_OCR) -> RawDocument:
    """Read `path`; raise `DocumentError` with a plain reason if it cannot be ingested.

    Pages without a text layer are read by `ocr` (`on_ocr_page` is told after each one); with
    no `ocr` a document that is all scans is reported, naming `no_ocr_reason`.
    """
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})") from None
    return read_pdf_bytes(name, data, ocr, on_ocr_page, no_ocr_reason)


def read_pdf_bytes(name: str, data: bytes, ocr: PageReader | None = None,
                   on_ocr_page: Callable[[int], None] | None = None, no_ocr_reason: str = NO_OCR) -> RawDocument:
    """Like `read_pdf` for bytes already in memory (uploads)."""
    if not data:
        raise DocumentError(name, "empty file (0 bytes)")
    if not looks_like_pdf(data):
        raise DocumentError(name, "not a PDF (no %PDF header)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            _decrypt_or_fail(reader, name)
        page_count = len(reader.pages)
        if page_count == 0:
            raise DocumentError(name, "the PDF has no pages")
        pages = [_page_text(reader, index, name) for index in range(page_count)]
        info = reader.metadata or {}
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError(name, "encrypted (password protected)") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, OSError, AssertionError) as exc:
        raise DocumentError(name, f"corrupt or truncated PDF ({_short(exc)})") from None
    ocr_read, ocr_failure = _read_scans(name, data, pages, ocr, on_ocr_page)
    if sum(len(text.strip()) for text in pages) < _MIN_TEXT_CHARS:
        if ocr is None or ocr_failure:
            raise DocumentError(name, f"no text layer (image-only or scanned PDF; {ocr_failure or no_ocr_reason})")
        raise DocumentError(name, "no text layer, and OCR found no text either (image-only PDF)")
    title = _clean_meta(info.get("/Title")) or _title_from_file(name)
    return RawDocument(
        file=name,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title,
        publisher=_clean_meta(info.get("/Author")),
        year=_year(_clean_meta(info.get("/Keywords")), title, name),
        pages=pages,
        ocr_pages=ocr_read,
    )


def _read_scans(name: str, data: bytes, pages: list[str], ocr: PageReader | None,
                on_page: Callable[[int], None] | None) -> tuple[tuple[int, ...], str]:
    """OCR the pages with (almost) no text layer into `pages`: (the pages that got text, why OCR failed)."""
    scanned = [number for number, text in enumerate(pages, start=1) if needs_ocr(text)]
    if not scanned or ocr is None:
        return (), ""
    from ingest.ocr import OcrError  # only a document with scans loads the OCR stack

    try:
        texts = ocr.ocr_pages(data, scanned, on_page)
    except OcrError as exc:
        _log.info("%s: OCR could not run (%s); text pages are ingested without the scans", name, exc)
        return (), str(exc)
    read = []
    for number, text in sorted(texts.items()):
        if text.strip():
            pages[number - 1] = text
            read.append(number)
    return tuple(read), ""


def _decrypt_or_fail(reader: PdfReader, name: str) -> None:
    """Open PDFs that are only owner-locked (empty user password); refuse real passwords."""
    try:
        if reader.decrypt(""):
            return
    except (NotImplementedError, PyPdfError, ValueError) as exc:
        raise DocumentError(name, f"encrypted with an unsupported method ({_short(exc)})") from None
    raise DocumentError(name, "encrypted (password protected)")


def _page_text(reader: PdfReader, index: int, name: str) -> str:
    try:
        return reader.pages[index].extract_text() or ""
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError) as exc:
        raise DocumentError(name, f"page {index + 1} cannot be read ({_short(exc)})") from None


def _clean_meta(value: object) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def _title_from_file(name: str) -> str:
    stem = Path(name).stem
    return re.sub(r"[_\-]+", " ", stem).strip() or name


def _year(keywords: str, title: str, name: str) -> int | None:
    for source in (keywords, title, name):
        years = _YEAR.findall(source or "")
        if years:
            return int(years[-1])
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
