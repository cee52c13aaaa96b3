"""Read one PDF into raw page texts and document metadata, or say plainly why not."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from ingest.errors import DocumentError
from ingest.models import document_version, file_sha256  # noqa: F401 - file_sha256 re-exported

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


def read_pdf(path: Path) -> RawDocument:
    """Read `path`; raise `DocumentError` with a plain reason if it cannot be ingested."""
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(name, f"cannot be read ({exc.strerror or exc})") from None
    return read_pdf_bytes(name, data)


def read_pdf_bytes(name: str, data: bytes) -> RawDocument:
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
    if sum(len(text.strip()) for text in pages) < _MIN_TEXT_CHARS:
        raise DocumentError(name, "no text layer (image-only or scanned PDF; run OCR first)")
    title = _clean_meta(info.get("/Title")) or _title_from_file(name)
    return RawDocument(
        file=name,
        sha256=hashlib.sha256(data).hexdigest(),
        title=title,
        publisher=_clean_meta(info.get("/Author")),
        year=_year(_clean_meta(info.get("/Keywords")), title, name),
        pages=pages,
    )


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
