"""Are the dataset's evidence quotes on their stated page of the ingested text?

An item whose quote the cleaner mangles, or that names the wrong page, would score every
answer as missing its evidence. The integration test runs this against the store; item
writers run it on their file without embedding anything:

    python -m evals.quotes evals/data/dev/my-items.yaml
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from evals.dataset import EvalItem, load_dataset
from evals.metrics import normalize
from ingest.models import Chunk


def misplaced_quotes(items: Iterable[EvalItem], chunks: Mapping[str, list[Chunk]]) -> list[str]:
    """One line per quote that is not on its page: item id, page, quote, where it is instead.

    `chunks` maps each document's file name to its chunks in order. A quote may straddle a
    chunk boundary, so two neighbouring chunks count as one passage too.
    """
    passages = {document: _passages(document_chunks) for document, document_chunks in chunks.items()}
    problems: list[str] = []
    for item in items:
        for evidence in item.evidence:
            if evidence.document not in passages:
                problems.append(f"{item.id}: unknown document {evidence.document}")
                continue
            quote = normalize(evidence.quote)
            found = passages[evidence.document]
            if any(first <= evidence.page <= last and quote in text for first, last, text in found):
                continue
            elsewhere = sorted({first for first, _, text in found if quote in text})
            problems.append(f"{item.id} p.{evidence.page}: {evidence.quote[:70]!r}"
                            + (f" (found on pages {elsewhere})" if elsewhere else " (not in the ingested text)"))
    return problems


def _passages(chunks: list[Chunk]) -> list[tuple[int, int, str]]:
    """(first page, last page, normalised text) of every chunk and of every two neighbours."""
    texts = [normalize(chunk.text) for chunk in chunks]
    passages = [(chunk.page, chunk.page_end, text) for chunk, text in zip(chunks, texts, strict=True)]
    for index in range(len(chunks) - 1):
        first, second = chunks[index], chunks[index + 1]
        passages.append((first.page, second.page_end, texts[index] + " " + texts[index + 1]))
    return passages


def corpus_chunks(corpus: Path, chunk_tokens: int = 320, chunk_overlap: int = 48) -> dict[str, list[Chunk]]:
    """Every corpus PDF read, cleaned and chunked as ingest does it, without embedding."""
    from ingest.chunk import chunk_document
    from ingest.clean import clean_document
    from ingest.pdf import read_pdf

    result: dict[str, list[Chunk]] = {}
    for path in sorted(corpus.glob("*.pdf")):
        document = read_pdf(path)
        result[document.file] = chunk_document(document, clean_document(document.pages), chunk_tokens,
                                               chunk_overlap)
    return result


def main(argv: list[str]) -> int:
    from assistant.settings import load_settings

    settings = load_settings()
    items = [item for path in (argv or [None]) for item in load_dataset(Path(path) if path else None)]
    problems = misplaced_quotes(items, corpus_chunks(settings.corpus_dir, settings.ingest.chunk_tokens,
                                                     settings.ingest.chunk_overlap))
    print("\n".join(problems) or f"all quotes of {len(items)} items are on their pages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
