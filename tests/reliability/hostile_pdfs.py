"""Hostile and malformed PDFs, written byte by byte (or with pypdf), for the upload tests.

Each builder returns bytes; nothing is committed to the repository. The raw builder writes a
correct cross-reference table, so a file is rejected for what it contains, not for a broken
xref that a reader would repair anyway.
"""

from __future__ import annotations

import zlib
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from tests.support.pdfs import pdf_bytes

FACT = "Die Stadt Quellbrunn eroeffnete den Zukunftshafen im Hafenquartier."
_TEXT = f"BT /F1 12 Tf 50 750 Td ({FACT}) Tj ET".encode()
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
         b"/Resources << /Font << /F1 %d 0 R >> >> %s>>")


def build(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF file from numbered object bodies (object n is objects[n - 1])."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def stream(data: bytes, compress: bool = False) -> bytes:
    extra = b""
    if compress:
        data = zlib.compress(data, 9)
        extra = b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page(content: bytes = _TEXT, page_extra: bytes = b"", compress: bool = False) -> bytes:
    """Catalog, one page with `content`, and whatever `page_extra` adds to the page dictionary."""
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                  _PAGE % (2, 4, 5, page_extra), stream(content, compress), _FONT])


def deep_arrays(depth: int) -> bytes:
    return one_page(page_extra=b"/Junk " + b"[" * depth + b"]" * depth + b" ")


def deep_dictionaries(depth: int) -> bytes:
    return one_page(page_extra=b"/Junk " + b"<< /A " * depth + b"1" + b" >>" * depth + b" ")


def deep_page_tree(depth: int) -> bytes:
    """A chain of `depth` /Pages nodes with the only page at the bottom."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b"" if level == 0 else b"/Parent %d 0 R " % (number - 1)
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 %s>>" % (number + 1, parent))
    page = 2 + depth
    objects += [_PAGE % (page - 1, page + 1, page + 2, b""), stream(_TEXT), _FONT]
    return build(objects)


def cyclic_page_tree() -> bytes:
    """/Pages lists itself among its kids."""
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
                  _PAGE % (2, 4, 5, b""), stream(_TEXT), _FONT])


def decompression_bomb(megabytes: int) -> bytes:
    """A content stream of a few hundred KB that inflates to `megabytes` MB."""
    return one_page(_TEXT + b"\n" + b" " * (megabytes * 1024 * 1024), compress=True)


def padded(megabytes: float) -> bytes:
    """A valid PDF made larger than `megabytes` MB by an unused stream object."""
    filler = stream(b"0" * int(megabytes * 1024 * 1024 + 1024))
    return build([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                  _PAGE % (2, 4, 5, b""), stream(_TEXT), _FONT, filler])


def with_javascript_and_attachment(script: str, attachment_text: str) -> bytes:
    """A normal report that runs `script` on open (/OpenAction, /Names /JavaScript) and embeds a file."""
    base = pdf_bytes([["Kapitel 1: Der Zukunftshafen Quellbrunn", FACT,
                       "Der Zukunftshafen ist ein Reallabor fuer autonome Lastenraeder."]],
                     title="Bericht mit Skript")
    writer = PdfWriter(clone_from=PdfReader(BytesIO(base)))
    writer.add_open_action(JavaScript(script))  # the document-level /Names /JavaScript tree
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({  # a raw catalog entry
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(script)})
    writer.add_attachment("geheim.txt", attachment_text.encode())
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
