"""Generated "scanned" PDFs for OCR tests: text rendered to pixels, no text layer.

Pages are A4 images at 300 dpi with black 12 pt text in DejaVu Sans (the system font, or
the copy matplotlib ships), so umlauts and ß are drawn and Tesseract has something
realistic to read. `make_mixed_pdf` puts real text-layer pages next to such images.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

DPI = 300
PAGE_PX = (round(A4[0] / 72 * DPI), round(A4[1] / 72 * DPI))  # 2480 x 3508
FONT_PT = 12
MARGIN_PX = round(25 / 25.4 * DPI)  # 25 mm
_SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)


@lru_cache(maxsize=1)
def font_path() -> Path:
    """DejaVu Sans: the system copy if there is one, else matplotlib's (always installed)."""
    for candidate in _SYSTEM_FONTS:
        if Path(candidate).is_file():
            return Path(candidate)
    found = sorted(Path("/usr/share/fonts").rglob("DejaVuSans.ttf")) if Path(
        "/usr/share/fonts").is_dir() else []
    if found:
        return found[0]
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if not bundled.is_file():
        raise FileNotFoundError("no DejaVuSans.ttf on this machine (system or matplotlib)")
    return bundled


def page_image(text: str, font_pt: int = FONT_PT) -> Image.Image:
    """One A4 page at 300 dpi with `text` (newlines kept, long lines wrapped) in black."""
    font = ImageFont.truetype(str(font_path()), size=round(font_pt / 72 * DPI))
    image = Image.new("L", PAGE_PX, color=255)
    draw = ImageDraw.Draw(image)
    line_height = round(font_pt * 1.5 / 72 * DPI)
    width = PAGE_PX[0] - 2 * MARGIN_PX
    y = MARGIN_PX
    for line in _wrap(text, font, width):
        if y + line_height > PAGE_PX[1] - MARGIN_PX:
            raise ValueError("text does not fit on one A4 page")
        draw.text((MARGIN_PX, y), line, fill=0, font=font)
        y += line_height
    return image


def make_scanned_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF whose pages are only images of `pages` (one string per page), like a scan."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    images = [page_image(text) for text in pages]
    images[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=images[1:])
    return path


def make_mixed_pdf(path: Path, text_pages: list[str | None],
                   scanned_pages: dict[int, str]) -> Path:
    """A PDF mixing text-layer pages and image-only pages.

    `text_pages[i]` is page i+1: a string becomes a real text layer (Helvetica 11 pt);
    None makes the page an image of `scanned_pages[i+1]`, or a blank image if that key is
    missing. `scanned_pages` keys are 1-based and must point at None entries.
    """
    stray = sorted(set(scanned_pages) - {n for n, t in enumerate(text_pages, 1) if t is None})
    if stray:
        raise ValueError(f"scanned_pages {stray} are not None entries of text_pages")
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    page_width, page_height = A4
    for number, text in enumerate(text_pages, start=1):
        if text is None:
            image = page_image(scanned_pages.get(number, ""))
            pdf.drawImage(ImageReader(image), 0, 0, width=page_width, height=page_height)
        else:
            pdf.setFont("Helvetica", 11)
            y = page_height - 72
            for line in text.split("\n"):
                pdf.drawString(72, y, line)
                y -= 15
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.getlength(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines
