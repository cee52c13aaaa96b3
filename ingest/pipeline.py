"""Ingest runs: which files are new, changed, unchanged, gone or broken, and the work for each.

An unchanged file (same sha256 and processing revision as the manifest's version) costs one
hash and no embedding; a new processing revision re-processes every file.
A broken file is reported with a plain reason and skipped; the others are ingested.
Runs are serialised by the store's write lock (`DocumentStore.writing`).

The ingestor knows the store and the embedding model only by the two protocols below, so
ingest imports nothing from the layers above it; `vectorstore.KnowledgeBase` and
`vectorstore.embeddings.E5Embeddings` are the real ones, tests pass fakes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np

from ingest.errors import DocumentError
from ingest.models import Chunk, DocumentRecord, document_version, file_sha256

if TYPE_CHECKING:
    from ingest.pdf import PageReader, RawDocument

log = logging.getLogger(__name__)

Status = Literal["added", "updated", "unchanged", "removed", "failed"]


@dataclass(frozen=True)
class FileOutcome:
    file: str
    status: Status
    pages: int = 0
    chunks: int = 0
    reason: str = ""
    ocr_pages: int = 0


@dataclass
class IngestReport:
    """What one run did; `to_json` is the CLI's ``--json`` output."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def failed(self) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]

    def to_json(self) -> dict[str, object]:
        ingested = [o for o in self.outcomes if o.status in ("added", "updated", "unchanged")]
        return {
            "documents": len(ingested),
            "pages": sum(o.pages for o in ingested),
            "chunks": sum(o.chunks for o in ingested),
            "ocr_pages": sum(o.ocr_pages for o in ingested),
            "added": self.count("added"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "removed": self.count("removed"),
            "failed": [{"file": o.file, "reason": o.reason} for o in self.failed],
            "seconds": round(self.seconds, 3),
            "files": [asdict(o) for o in self.outcomes],
        }


class DocumentStore(Protocol):
    """Where ingested documents go: versioned writes under one lock, and the derived keyword index."""

    def writing(self) -> AbstractContextManager[None]: ...
    def documents(self) -> list[DocumentRecord]: ...
    def reconcile(self) -> None: ...
    def replace_document(self, document: RawDocument, chunks: list[Chunk],
                         vectors: np.ndarray) -> DocumentRecord: ...
    def remove_document(self, file: str) -> None: ...
    def refresh_keyword_index(self) -> object: ...
    def keyword_index_saved(self) -> bool: ...


class PassageEmbedder(Protocol):
    """What ingest needs of an embedding model: passage vectors, in batches of `batch_size`."""

    batch_size: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class IngestProgress(Protocol):
    """What a front end may show while a run goes on (all methods optional to act on)."""

    def start(self, files: int) -> None: ...
    def ocr_page_done(self, file: str) -> None: ...
    def file_started(self, file: str, pages: int) -> None: ...
    def pages_done(self, pages: int) -> None: ...
    def file_done(self, outcome: FileOutcome) -> None: ...


class _Silent:
    def start(self, files: int) -> None:
        pass

    def ocr_page_done(self, file: str) -> None:
        pass

    def file_started(self, file: str, pages: int) -> None:
        pass

    def pages_done(self, pages: int) -> None:
        pass

    def file_done(self, outcome: FileOutcome) -> None:
        pass


def passage_text(chunk: Chunk) -> str:
    """What gets embedded: the chunk with its document's short title and section path as context.

    The path ("3 … > 3.3 Verstetigen und absichern > Geschäftsmodelle und Finanzierung") puts
    the outline into the vector, so a passage is also found by what its chapter is about.
    """
    short_title = chunk.title.split(" – ")[0]
    section = chunk.section_path or chunk.section
    context = f"{short_title} – {section}" if section else short_title
    return f"{context}\n{chunk.text}"


def find_pdfs(paths: Sequence[Path]) -> tuple[list[Path], list[FileOutcome]]:
    """Expand directories to their PDFs; name what cannot be ingested at all."""
    files: list[Path] = []
    problems: list[FileOutcome] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".pdf"))
        elif not path.exists():
            problems.append(FileOutcome(path.name, "failed", reason="file not found"))
        elif path.suffix.lower() != ".pdf":
            problems.append(FileOutcome(path.name, "failed", reason="not a .pdf file"))
        else:
            files.append(path)
    unique: dict[str, Path] = {}
    for file in files:
        if file.name in unique and unique[file.name].resolve() != file.resolve():
            reason = f"a different file with this name is already given ({unique[file.name]})"
            problems.append(FileOutcome(file.name, "failed", reason=reason))
            continue
        unique[file.name] = file
    return list(unique.values()), problems


class Ingestor:
    """Brings the store in line with a set of PDF files."""

    def __init__(self, knowledge_base: DocumentStore, embeddings: PassageEmbedder, chunk_tokens: int,
                 chunk_overlap: int, ocr: PageReader | None = None, no_ocr_reason: str = "OCR is off") -> None:
        """`ocr` reads scanned pages (None: OCR is off, or Tesseract missing - `no_ocr_reason` says which)."""
        self.knowledge_base = knowledge_base
        self.embeddings = embeddings
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap = chunk_overlap
        self.ocr = ocr
        self.no_ocr_reason = no_ocr_reason

    def ingest(self, paths: Sequence[Path], prune: bool = False,
               progress: IngestProgress | None = None) -> IngestReport:
        """Ingest every PDF under `paths`; with `prune`, drop documents whose file is gone."""
        progress = progress or _Silent()
        started = time.perf_counter()
        files, report_outcomes = find_pdfs(paths)
        report = IngestReport(outcomes=list(report_outcomes))
        progress.start(len(files))
        with self.knowledge_base.writing():
            self.knowledge_base.reconcile()
            published = {record.file: record for record in self.knowledge_base.documents()}
            for path in files:
                outcome = self._ingest_file(path, published, progress)
                report.outcomes.append(outcome)
                progress.file_done(outcome)
            if prune:
                present = {path.name for path in files} | {o.file for o in report_outcomes}
                for file in sorted(set(published) - present):
                    self.knowledge_base.remove_document(file)
                    outcome = FileOutcome(file, "removed")
                    report.outcomes.append(outcome)
                    progress.file_done(outcome)
            changed = any(o.status in ("added", "updated", "removed") for o in report.outcomes)
            if changed or not self.knowledge_base.keyword_index_saved():
                self.knowledge_base.refresh_keyword_index()
        report.seconds = time.perf_counter() - started
        return report

    def _ingest_file(self, path: Path, published: dict[str, DocumentRecord],
                     progress: IngestProgress) -> FileOutcome:
        previous = published.get(path.name)
        try:
            if previous is not None and previous.version == document_version(file_sha256(path)):
                return FileOutcome(path.name, "unchanged", pages=previous.pages, chunks=previous.chunks,
                                   ocr_pages=previous.ocr_pages)
            from ingest.pdf import read_pdf  # PDF, cleaning and chunking load only when needed

            document = read_pdf(path, self.ocr, lambda _page: progress.ocr_page_done(path.name), self.no_ocr_reason)
        except DocumentError as exc:
            log.warning("skipped %s: %s", exc.file, exc.reason)
            return FileOutcome(path.name, "failed", reason=exc.reason)
        except OSError as exc:
            return FileOutcome(path.name, "failed", reason=f"cannot be read ({exc.strerror or exc})")
        progress.file_started(document.file, document.page_count)
        try:
            chunks = self.prepare(document)
        except DocumentError as exc:
            return FileOutcome(path.name, "failed", reason=exc.reason)
        vectors = self._embed(chunks, document.page_count, progress)
        self.knowledge_base.replace_document(document, chunks, vectors)
        status: Status = "updated" if previous is not None else "added"
        return FileOutcome(document.file, status, pages=document.page_count, chunks=len(chunks),
                           ocr_pages=len(document.ocr_pages))

    def _embed(self, chunks: list[Chunk], pages: int, progress: IngestProgress) -> np.ndarray:
        """Embed in batches, reporting the pages covered as it goes."""
        batch_size = self.embeddings.batch_size
        parts: list[np.ndarray] = []
        pages_reported = 0
        for start in range(0, len(chunks), batch_size):
            batch = chunks[start:start + batch_size]
            parts.append(self.embeddings.embed_passages([passage_text(chunk) for chunk in batch]))
            reached = batch[-1].page_end
            progress.pages_done(max(0, reached - pages_reported))
            pages_reported = max(pages_reported, reached)
        progress.pages_done(max(0, pages - pages_reported))
        return np.vstack(parts)

    def prepare(self, document: RawDocument) -> list[Chunk]:
        """Clean and chunk a read document; a document with no usable text is an error."""
        from ingest.chunk import chunk_document
        from ingest.clean import clean_document

        blocks = clean_document(document.pages)
        chunks = chunk_document(document, blocks, self.chunk_tokens, self.chunk_overlap)
        if not chunks:
            raise DocumentError(document.file, "no usable text after cleaning")
        return chunks
