"""OCR on demand: the engine (Tesseract, PDFium) is looked for and loaded only when a scan turns up.

Importing `ingest.ocr` costs about 0.7 s (pytesseract); an ingest run over unchanged files,
which must stay well under two seconds, never does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.ocr import OcrEngine

log = logging.getLogger(__name__)

# A page whose text layer has fewer letters than this is treated as a scan (see `needs_ocr`).
MIN_LETTERS = 20


def needs_ocr(text: str) -> bool:
    """True when a page's extracted text layer is too thin to be the page's real content.

    The threshold is 20 letters (`MIN_LETTERS`, counted with `str.isalpha`, so umlauts count
    and digits, punctuation and whitespace do not). Scans routinely carry a few characters
    of real text — a stamped page number, "Seite 12 von 40" (10 letters), a scanner's date
    line — and should still be OCR'd, while a genuine text page of a report has hundreds of
    letters. A wrong "yes" only costs seconds: a sparse divider page ("Kapitel 3:
    Verstetigung", 19 letters) is OCR'd and reads back as the same title. A wrong "no"
    loses a page, so the threshold sits above what stray marks on scans produce.
    Counting letters rather than characters also catches garbage text layers made of
    digits, dots or private-use glyphs. It matches `ingest.pdf`'s 20-character rule for a
    whole document having no text layer.
    """
    letters = 0
    for char in text:
        if char.isalpha():
            letters += 1
            if letters >= MIN_LETTERS:
                return False
    return True


class OnDemandOcr:
    """An `OcrEngine` made on first use: no Tesseract check, no PDFium, until a scan turns up.

    Without Tesseract (or a language) it says so once in the log and raises
    `OcrUnavailableError` for every document, whose reason then names what is missing.
    """

    def __init__(self, languages: str = "deu+eng", dpi: int = 300, max_pages: int = 200) -> None:
        self.languages = languages
        self.dpi = dpi
        self.max_pages = max_pages
        self._engine: OcrEngine | None = None  # built on first use
        self._missing: str | None = None
        self._lock = threading.Lock()

    def ocr_pages(self, path: Path | bytes, pages: Sequence[int],
                  on_page: Callable[[int], None] | None = None) -> dict[int, str]:
        from ingest.ocr import OcrEngine, OcrUnavailableError, tesseract_available  # the OCR stack loads here

        with self._lock:
            if self._engine is None and self._missing is None:
                if tesseract_available(self.languages) is None:
                    self._missing = (f"Tesseract with the languages {self.languages} is not installed "
                                     "(Debian: tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng)")
                    log.warning("OCR is not available: %s; scanned pages are skipped", self._missing)
                else:
                    self._engine = OcrEngine(self.languages, self.dpi, self.max_pages)
        if self._engine is None:
            raise OcrUnavailableError(self._missing or "OCR is not available")
        return self._engine.ocr_pages(path, pages, on_page)
