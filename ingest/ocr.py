"""OCR for PDF pages without a text layer: render with PDFium, read with Tesseract.

Scanned reports carry their text only as pixels, so `ingest.pdf` finds (almost) nothing on
those pages. This module turns exactly those pages into text; deciding which pages to send
(`needs_ocr`) and merging the result into the document stay with the caller. It has no
dependency on `assistant` and raises only its own `RuntimeError` subclasses, so the caller
can map them to whatever it reports (e.g. `DocumentError`).

Tesseract is an external program (Debian: `tesseract-ocr tesseract-ocr-deu
tesseract-ocr-eng`); `tesseract_available` says cheaply whether it can be used.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pytesseract

from ingest.scanning import MIN_LETTERS, needs_ocr  # noqa: F401 - part of this module's API

log = logging.getLogger(__name__)

# Render budget per page: A4 at 300 dpi is 8.7 megapixels, A3 17.4; larger pages (posters,
# hostile PDFs declaring a 200-inch MediaBox) are rendered at a lower dpi instead of
# allocating gigabytes.
_MAX_PIXELS = 25_000_000
_POINTS_PER_INCH = 72
# PDFium is not thread-safe; every call into it (open, render, close) is serialised. The
# Tesseract subprocess runs outside the lock.
_PDFIUM_LOCK = threading.Lock()
_LANGUAGE = re.compile(r"^[A-Za-z0-9_]+$")


class _TesseractEnvironment(Mapping[str, str]):
    """The live process environment, plus OMP_THREAD_LIMIT=1 unless the operator set it.

    Tesseract's OpenMP threads made a page about 3.5x slower on a loaded 2-core machine
    (9.3 s vs 2.6 s per A4 page) and fight the embedder for the cores. pytesseract gives
    its subprocesses the module global `environ`; this view replaces it so only Tesseract
    sees the limit - setting os.environ would also cap any OpenMP library loaded later in
    this process.
    """

    def _current(self) -> dict[str, str]:
        current = dict(os.environ)
        current.setdefault("OMP_THREAD_LIMIT", "1")
        return current

    def __getitem__(self, key: str) -> str:
        return self._current()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


pytesseract.pytesseract.environ = _TesseractEnvironment()  # type: ignore[assignment]


class OcrError(RuntimeError):
    """OCR could not run for this document (base class for the errors below)."""


class OcrUnavailableError(OcrError):
    """Tesseract or one of the requested language packs is not installed."""


class OcrDocumentError(OcrError):
    """PDFium cannot open the document, so no page of it can be rendered."""


def tesseract_available(languages: str = "deu+eng") -> str | None:
    """Tesseract's version (e.g. "5.3.0") if it runs and has every language in `languages`.

    Lets callers decide once whether scanned pages can be read at all, without a failing
    OCR call per page. Cached per (binary, languages); never raises.
    """
    try:
        return _probe(str(pytesseract.pytesseract.tesseract_cmd), languages)
    except Exception:  # documented as never raising
        return None


def clear_tesseract_cache() -> None:
    """Forget cached probes (after installing language packs while the process runs)."""
    _probe.cache_clear()


@lru_cache(maxsize=16)
def _probe(command: str, languages: str) -> str | None:
    # Not pytesseract.get_tesseract_version/get_languages: those cache their first answer
    # for the process regardless of tesseract_cmd, and the former raises SystemExit on an
    # unparsable version.
    wanted = [part for part in languages.split("+") if part]
    if not wanted or not all(_LANGUAGE.match(part) for part in wanted):
        return None
    try:
        version = _run(command, "--version")
        installed = _run(command, "--list-langs")
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        return None
    if version is None or installed is None:
        return None
    match = re.search(r"tesseract\s+v?(\d+(?:\.\d+)*)", version, re.IGNORECASE)
    if match is None:
        return None
    available = {line.strip() for line in installed.splitlines()[1:]}
    if not set(wanted) <= available:
        log.debug("tesseract %s lacks languages %s", match.group(1),
                  sorted(set(wanted) - available))
        return None
    return match.group(1)


def _run(command: str, argument: str) -> str | None:
    result = subprocess.run([command, argument], capture_output=True, timeout=20,
                            stdin=subprocess.DEVNULL, check=False,
                            env=dict(_TesseractEnvironment()))
    if result.returncode != 0:
        return None
    return (result.stdout + result.stderr).decode("utf-8", errors="replace")


class OcrEngine:
    """Reads chosen pages of a PDF with Tesseract; one instance can serve many documents."""

    def __init__(self, languages: str = "deu+eng", dpi: int = 300, max_pages: int = 200,
                 page_timeout: float = 120.0) -> None:
        """`max_pages` bounds the OCR work per document (a page costs several seconds);
        `page_timeout` (seconds) stops Tesseract on a pathological page."""
        if dpi < 50 or dpi > 1200:
            raise ValueError(f"dpi must be between 50 and 1200, not {dpi}")
        if max_pages < 0:
            raise ValueError(f"max_pages must not be negative, not {max_pages}")
        self.languages = languages
        self.dpi = dpi
        self.max_pages = max_pages
        self.page_timeout = page_timeout

    def ocr_pages(self, path: Path | bytes, pages: Sequence[int],
                  on_page: Callable[[int], None] | None = None) -> dict[int, str]:
        """Text of `pages` (1-based physical numbers) of the PDF at `path` (or its bytes).

        Returns page number -> text, leaving out pages that could not be read so one bad
        page does not cost the document: pages past the end, pages whose rendering or OCR
        failed (logged as warnings), and everything beyond the first `max_pages` existing
        requested pages in ascending order (logged once). A page that OCR reads as blank maps to "".
        Raises `OcrUnavailableError` if Tesseract or a language is missing and
        `OcrDocumentError` if PDFium cannot open the file.
        """
        version = tesseract_available(self.languages)
        if version is None:
            raise OcrUnavailableError(
                f"Tesseract with languages {self.languages!r} is not available "
                f"(command {pytesseract.pytesseract.tesseract_cmd!r}); install tesseract-ocr "
                "and the tesseract-ocr-<lang> packages")
        if not pages:
            return {}
        name = path.name if isinstance(path, Path) else "<bytes>"
        source: str | bytes = os.fspath(path) if isinstance(path, Path) else path
        with _PDFIUM_LOCK:
            try:
                document = pdfium.PdfDocument(source)
            except (pdfium.PdfiumError, OSError, ValueError, TypeError) as exc:
                raise OcrDocumentError(f"{name}: PDFium cannot open it ({exc})") from None
        try:
            with _PDFIUM_LOCK:
                page_count = len(document)
            wanted = []
            for number in sorted(set(pages)):
                if 1 <= number <= page_count:
                    wanted.append(number)
                else:
                    log.warning("%s: no page %d to OCR (the PDF has %d)", name, number, page_count)
            if len(wanted) > self.max_pages:
                log.warning("%s: OCR is limited to %d pages per document; skipping %d pages "
                            "from page %d on", name, self.max_pages, len(wanted) - self.max_pages,
                            wanted[self.max_pages])
                wanted = wanted[:self.max_pages]
            results: dict[int, str] = {}
            for number in wanted:
                text = self._ocr_page(document, number, name)
                if text is not None:
                    results[number] = text
                if on_page is not None:
                    on_page(number)  # progress: OCR pages are slow
            return results
        finally:
            with _PDFIUM_LOCK:
                document.close()

    def _ocr_page(self, document: pdfium.PdfDocument, number: int, name: str) -> str | None:
        try:
            with _PDFIUM_LOCK:
                page = document[number - 1]
                try:
                    width, height = page.get_size()
                    bitmap = page.render(scale=self._scale(width, height), grayscale=True)
                    # A native bitmap: the image shares its Python-owned buffer, so no
                    # explicit bitmap.close() (which would be unsafe for foreign bitmaps).
                    image = bitmap.to_pil()
                finally:
                    page.close()
        except (pdfium.PdfiumError, OSError, ValueError, MemoryError) as exc:
            log.warning("%s: page %d cannot be rendered for OCR (%s)", name, number, exc)
            return None
        try:
            raw = pytesseract.image_to_string(image, lang=self.languages,
                                              timeout=self.page_timeout)
        except pytesseract.TesseractNotFoundError:
            clear_tesseract_cache()
            raise OcrUnavailableError("Tesseract disappeared while OCR was running") from None
        except (pytesseract.TesseractError, RuntimeError, OSError, ValueError) as exc:
            # RuntimeError includes pytesseract's "Tesseract process timeout".
            log.warning("%s: OCR of page %d failed (%s)", name, number, exc)
            return None
        finally:
            image.close()
        return clean_ocr_text(raw)

    def _scale(self, width_pt: float, height_pt: float) -> float:
        scale = self.dpi / _POINTS_PER_INCH
        pixels = max(width_pt, 1.0) * max(height_pt, 1.0) * scale * scale
        if pixels > _MAX_PIXELS:
            scale *= (_MAX_PIXELS / pixels) ** 0.5
        return scale


def clean_ocr_text(raw: str) -> str:
    """Tesseract's output without form feeds, trailing spaces or surrounding blank lines.

    Hyphenated line ends are left alone on purpose: `ingest.clean` joins them for text
    layers and OCR text alike.
    """
    text = raw.replace("\f", "\n").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")

