"""Document files on disk: safe names, where a served PDF lives, and storing uploads.

Only plain file names that the manifest knows are ever served, and only from the corpus
folder or the uploads folder; the resolved path must sit directly in one of them.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from pathlib import Path
from typing import BinaryIO, Literal

from assistant.api.errors import ApiError
from assistant.settings import Settings
from ingest.pdf import PDF_SIGNATURE, looks_like_pdf

_UNSAFE = re.compile(r"[^\w.\- ]+")
_MAX_NAME = 120
Source = Literal["corpus", "upload", "unknown"]


def is_plain_name(name: str) -> bool:
    """A bare file name: no directories, no hidden files, no control characters."""
    return (bool(name) and len(name) <= 255 and name == os.path.basename(name) and "\\" not in name
            and not name.startswith(".") and not any(ord(char) < 32 for char in name))


def _inside(directory: Path, name: str) -> Path | None:
    base = directory.resolve()
    candidate = (base / name).resolve()
    return candidate if candidate.parent == base and candidate.is_file() else None


def locate(settings: Settings, name: str) -> tuple[Path, Source] | None:
    """The file behind a document name, from the corpus folder or the uploads folder."""
    if not is_plain_name(name):
        return None
    for directory, source in ((settings.corpus_dir, "corpus"), (settings.uploads_dir, "upload")):
        path = _inside(directory, name)
        if path is not None:
            return path, source  # type: ignore[return-value]
    return None


def source_of(settings: Settings, name: str) -> Source:
    found = locate(settings, name)
    return found[1] if found else "unknown"


def uploaded_copy(settings: Settings, name: str) -> Path | None:
    return _inside(settings.uploads_dir, name) if is_plain_name(name) else None


def sanitise_name(raw: str | None) -> str:
    """A safe, readable file name for an upload: letters, digits, '.', '-', '_' and ' '; ends in .pdf."""
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = _UNSAFE.sub("_", stem).strip(" ._-")
    stem = re.sub(r"_+", "_", stem)[:_MAX_NAME - 4] or "dokument"
    return f"{stem}.pdf"


class StagedUpload:
    """An upload written to a private staging folder; `publish` moves it into the uploads folder.

    Ingest reads the staged copy, so a broken PDF never replaces a good upload of the same
    name, and `discard` leaves nothing behind.
    """

    def __init__(self, settings: Settings, name: str) -> None:
        self.settings = settings
        self.name = name
        self.folder = settings.uploads_dir / ".incoming" / uuid.uuid4().hex
        self.path = self.folder / name

    def write(self, source: BinaryIO, max_bytes: int) -> int:
        """Copy the upload, checking the PDF signature and the size; returns the byte count."""
        self.folder.mkdir(parents=True, exist_ok=True)
        head = source.read(len(PDF_SIGNATURE))
        if not looks_like_pdf(head, at_start=True):
            raise ApiError(415, "not_a_pdf", "the upload is not a PDF file (it must start with %PDF-)")
        size = len(head)
        with self.path.open("wb") as target:
            target.write(head)
            while block := source.read(1024 * 1024):
                size += len(block)
                if size > max_bytes:
                    raise too_large(self.settings)
                target.write(block)
            target.flush()
            os.fsync(target.fileno())
        return size

    def publish(self) -> Path:
        final = self.settings.uploads_dir / self.name
        os.replace(self.path, final)
        self.discard()
        return final

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def too_large(settings: Settings) -> ApiError:
    return ApiError(413, "upload_too_large", f"the upload is larger than {settings.max_upload_mb} MB")
