"""Small generated PDFs for tests: real files made with reportlab, no PDFs committed."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def pdf_bytes(pages: list[list[str]], title: str = "Testbericht", author: str = "Testamt",
              keywords: str = "Smart City, 2024", header: str | None = "Testbericht Kopfzeile",
              footer: bool = True) -> bytes:
    """A text PDF: each page is a list of lines, with an optional running header and footer."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title)
    pdf.setAuthor(author)
    pdf.setKeywords(keywords)
    width, height = A4
    for number, lines in enumerate(pages, start=1):
        pdf.setFont("Helvetica", 10)
        if header:
            pdf.drawString(50, height - 40, header)
        y = height - 80
        for line in lines:
            pdf.drawString(50, y, line)
            y -= 14
        if footer:
            pdf.drawString(width / 2, 30, f"Seite {number}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def write_pdf(path: Path, pages: list[list[str]], **kwargs: object) -> Path:
    path.write_bytes(pdf_bytes(pages, **kwargs))  # type: ignore[arg-type]
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages with drawings but no text layer (like a scan)."""
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        pdf.rect(50, 50, 400, 600, fill=1)
        pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def encrypted_pdf(path: Path, pages: list[list[str]], password: str = "geheim") -> Path:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def sample_pages(topic: str = "Verstetigung", pages: int = 3) -> list[list[str]]:
    """German report-like pages, with line-break hyphenation and a photo credit."""
    result: list[list[str]] = []
    for number in range(1, pages + 1):
        result.append([
            f"Kapitel {number}: {topic} im Quartier",
            f"Die Kommune plant eine langfristige {topic}s-",
            "strategie für den Makerspace am Marktplatz. Dafür",
            "werden Personal, Räume und Finanzierung gesichert.",
            "Quelle: Stadt Beispielhausen",
            f"Im Jahr 202{number} nahmen {10 * number} Fachleute an der",
            "Smart-City-Werkstatt teil. Die Ergebnisse fließen in die",
            "Planung ein.",
        ])
    return result
