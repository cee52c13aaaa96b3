"""Inspect a data dir from a fresh process (embedded Chroma is single-process) and print JSON.

Usage: python -m tests.support.store_probe DATA_DIR [QUERY]
Runs the reconcile an ingest would run first, then reports what a reader sees.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.settings import load_settings
from assistant.wiring import Services


def probe(data_dir: Path, query: str) -> dict[str, object]:
    services = Services(load_settings(data_dir=data_dir, _env_file=None))
    services.knowledge_base.reconcile()
    snapshot = services.knowledge_base.snapshot(force=True)
    ids, _ = services.store.all_texts(snapshot.versions)
    chunks = services.store.get_chunks(ids)
    hits = services.retriever().search(query, k=10).hits if snapshot.documents else []
    return {
        "records": [record.metadata() for record in snapshot.documents],
        "chunks": [{"id": c.id, "document": c.document, "version": c.version, "position": c.position}
                   for c in chunks],
        "keyword_ids": snapshot.keyword.ids,
        "stored_chunks": services.store.count_chunks(),
        "hits": [{"document": h.chunk.document, "version": h.chunk.version} for h in hits],
    }


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "Fachleute")))
