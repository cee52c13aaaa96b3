"""`KnowledgeBase` (vectorstore/knowledge_base.py): the write protocol, snapshots and the writer lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ingest.models import DocumentRecord
from ingest.pipeline import passage_text
from tests.support.fakes import (
    HashEmbeddings,
    chunks_for,
    knowledge_base,
    publish_passages,
    raw_document,
    unpublished_version,
)
from tests.unit.conftest import MAKERSPACE, MAKERSPACE_PASSAGES, MOBILITY, MOBILITY_PASSAGES
from vectorstore.chroma import ChromaStore
from vectorstore.errors import UnknownDocumentError
from vectorstore.keyword import index_directory
from vectorstore.knowledge_base import KnowledgeBase, manifest_fingerprint

ROOT = Path(__file__).resolve().parents[2]
WAIT = 10.0  # seconds a thread may take before a test gives up on it (never reached when it passes)


def chunk_ids(store: ChromaStore, versions: list[str]) -> list[str]:
    ids, _ = store.all_texts(versions)
    return sorted(ids)


def write_unpublished(kb: KnowledgeBase, embeddings: HashEmbeddings, file: str) -> str:
    """Chunks of a version that never got published (an ingest killed before step 2)."""
    document = raw_document(file, ["Halb geschriebene Version, nie veröffentlicht."], revision="killed")
    chunks = chunks_for(document)
    kb.store.add_chunks(chunks, embeddings.embed_passages([passage_text(chunk) for chunk in chunks]))
    return document.version


# --- writing -------------------------------------------------------------------------------

def test_replace_publishes_the_document_with_its_metadata(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    record = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, title="Bericht")
    assert kb.documents() == [record]
    assert (record.file, record.title, record.pages, record.chunks, record.year) == (MAKERSPACE, "Bericht", 2, 2, 2024)
    assert record.ingested_at.endswith("+00:00")
    assert len(chunk_ids(kb.store, [record.version])) == 2


def test_replace_publishes_the_new_version_and_deletes_the_old_chunks(kb: KnowledgeBase,
                                                                      embeddings: HashEmbeddings) -> None:
    old = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, revision="1")
    new = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES[:1], revision="2")
    assert old.version != new.version
    assert [record.version for record in kb.documents()] == [new.version]
    assert chunk_ids(kb.store, [old.version]) == []
    assert len(chunk_ids(kb.store, [new.version])) == 1
    assert kb.store.count_chunks() == 1


def test_replacing_one_document_leaves_the_others_alone(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    other = publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, revision="1")
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, revision="2")
    assert [record.file for record in kb.documents()] == [MAKERSPACE, MOBILITY]  # sorted by file
    assert len(chunk_ids(kb.store, [other.version])) == 2


def test_readers_see_only_published_versions(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    published = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    hidden = write_unpublished(kb, embeddings, MOBILITY)
    snapshot = kb.snapshot(force=True)
    assert snapshot.versions == [published.version]
    assert snapshot.record(MOBILITY) is None
    assert all(chunk_id.startswith(f"{MAKERSPACE}@") for chunk_id in snapshot.keyword.ids)
    assert len(snapshot.keyword) == 2
    assert kb.store.count_chunks() == 3  # the hidden chunks are still in Chroma ...
    assert hidden not in snapshot.versions  # ... but no reader trusts them


def test_reconcile_drops_the_chunks_of_unpublished_versions(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    published = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    hidden = write_unpublished(kb, embeddings, MOBILITY)
    kb.reconcile()
    assert chunk_ids(kb.store, [hidden]) == []
    assert len(chunk_ids(kb.store, [published.version])) == 2
    assert kb.store.count_chunks() == 2


def test_reconcile_on_a_store_without_a_manifest_drops_every_chunk(kb: KnowledgeBase,
                                                                   embeddings: HashEmbeddings) -> None:
    write_unpublished(kb, embeddings, MOBILITY)
    kb.reconcile()
    assert kb.store.count_chunks() == 0


def test_remove_document_unpublishes_it_and_deletes_its_chunks(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    removed = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    kept = publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    kb.snapshot()
    kb.remove_document(MAKERSPACE)
    assert kb.documents() == [kept]
    assert chunk_ids(kb.store, [removed.version]) == []
    assert kb.snapshot().record(MAKERSPACE) is None  # readers see it at once


def test_removing_an_unknown_document_raises(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    with pytest.raises(UnknownDocumentError, match="nope.pdf"):
        kb.remove_document("nope.pdf")
    kb.remove_document(MAKERSPACE)
    with pytest.raises(UnknownDocumentError):
        kb.remove_document(MAKERSPACE)  # a second deletion of the same file


# --- snapshots and the keyword index -------------------------------------------------------

def test_an_empty_store_has_an_empty_snapshot(kb: KnowledgeBase) -> None:
    snapshot = kb.snapshot()
    assert snapshot.documents == [] and snapshot.versions == []
    assert len(snapshot.keyword) == 0 and snapshot.keyword.search("Makerspace", 5) == []
    assert snapshot.keyword.fingerprint == manifest_fingerprint([])


def test_manifest_fingerprint_names_the_exact_set_of_versions() -> None:
    a = DocumentRecord("a.pdf", "r2-aaa", "A", "", None, 1, 1, "")
    b = DocumentRecord("b.pdf", "r2-bbb", "B", "", None, 1, 1, "")
    b2 = DocumentRecord("b.pdf", "r2-ccc", "B", "", None, 1, 1, "")
    assert manifest_fingerprint([a, b]) == manifest_fingerprint([b, a])
    assert len({manifest_fingerprint([a, b]), manifest_fingerprint([a, b2]), manifest_fingerprint([a]),
                manifest_fingerprint([])}) == 4


def test_the_snapshot_keyword_index_is_keyed_by_the_manifest(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    first = kb.snapshot()
    assert first.keyword.fingerprint == manifest_fingerprint(kb.documents())
    assert first.keyword.search("Fachleute Werkstatt", 5)[0].chunk_id.endswith("#1")
    publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    second = kb.snapshot()
    assert second.keyword.fingerprint == manifest_fingerprint(kb.documents()) != first.keyword.fingerprint
    assert second.keyword.search("Luftqualität Sensoren", 5)[0].chunk_id.startswith(f"{MOBILITY}@")


def test_the_keyword_index_is_saved_and_loaded_by_the_next_reader(kb: KnowledgeBase, embeddings: HashEmbeddings,
                                                                  data_dir: Path) -> None:
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    assert not kb.keyword_index_saved()
    index = kb.refresh_keyword_index()
    assert kb.keyword_index_saved()
    assert (index_directory(kb.keyword_dir, index.fingerprint) / "meta.json").is_file()
    reader = knowledge_base(data_dir, store=kb.store)  # another process's view of the same data dir
    assert reader.keyword_index_saved()
    loaded = reader.snapshot().keyword
    assert loaded is not index and loaded.fingerprint == index.fingerprint and loaded.ids == index.ids


def test_a_change_by_another_writer_is_seen_after_refresh_seconds(kb: KnowledgeBase, embeddings: HashEmbeddings,
                                                                  data_dir: Path) -> None:
    publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    reader = knowledge_base(data_dir, store=kb.store, refresh_seconds=3600)
    assert [record.file for record in reader.snapshot().documents] == [MOBILITY]
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)  # the writer invalidates its own only
    assert [record.file for record in reader.snapshot().documents] == [MOBILITY]  # still fresh: from memory
    assert [record.file for record in reader.snapshot(force=True).documents] == [MAKERSPACE, MOBILITY]


def test_a_reader_with_refresh_zero_sees_every_change(kb: KnowledgeBase, embeddings: HashEmbeddings,
                                                      data_dir: Path) -> None:
    publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    reader = knowledge_base(data_dir, store=kb.store, refresh_seconds=0)
    assert [record.file for record in reader.snapshot().documents] == [MOBILITY]
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    assert [record.file for record in reader.snapshot().documents] == [MAKERSPACE, MOBILITY]


def test_invalidate_makes_the_next_snapshot_re_read_the_manifest(kb: KnowledgeBase, embeddings: HashEmbeddings,
                                                                 data_dir: Path) -> None:
    publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    reader = knowledge_base(data_dir, store=kb.store, refresh_seconds=3600)
    reader.snapshot()
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    assert reader.snapshot().record(MAKERSPACE) is None
    reader.invalidate()
    assert reader.snapshot().record(MAKERSPACE) is not None


def test_an_unchanged_manifest_keeps_its_keyword_index(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    first = kb.snapshot()
    kb.invalidate()
    assert kb.snapshot().keyword is first.keyword


def test_snapshot_versions_of_files(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    one = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    two = publish_passages(kb, embeddings, MOBILITY, MOBILITY_PASSAGES)
    snapshot = kb.snapshot()
    assert snapshot.versions_of(None) == [one.version, two.version]
    assert snapshot.versions_of([MOBILITY, "nope.pdf"]) == [two.version]
    assert snapshot.versions_of([]) == []
    assert snapshot.record(MOBILITY) == two


def test_unpublished_version_helper_is_not_a_published_one(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    record = publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)
    assert unpublished_version(MAKERSPACE) != record.version


# --- the writer lock -----------------------------------------------------------------------

def test_writing_is_re_entrant_in_one_thread(kb: KnowledgeBase, embeddings: HashEmbeddings) -> None:
    done = threading.Event()

    def nested() -> None:
        with kb.writing(), kb.writing():
            publish_passages(kb, embeddings, MAKERSPACE, MAKERSPACE_PASSAGES)  # takes it a third time
        with kb.writing():  # and it was released
            done.set()

    worker = threading.Thread(target=nested, daemon=True)
    worker.start()
    worker.join(WAIT)
    assert done.is_set(), "writing() deadlocked when nested"
    assert kb.lock_file.exists()


def test_writing_excludes_other_threads_until_released(kb: KnowledgeBase) -> None:
    entered = threading.Event()
    release = threading.Event()
    other_entered = threading.Event()

    def holder() -> None:
        with kb.writing():
            entered.set()
            release.wait(WAIT)

    def contender() -> None:
        with kb.writing():
            other_entered.set()

    first = threading.Thread(target=holder, daemon=True)
    first.start()
    assert entered.wait(WAIT)
    second = threading.Thread(target=contender, daemon=True)
    second.start()
    assert not other_entered.wait(0.2)
    release.set()
    assert other_entered.wait(WAIT)
    first.join(WAIT)
    second.join(WAIT)


def test_writing_waits_for_a_writer_in_another_process(kb: KnowledgeBase, tmp_path: Path) -> None:
    child_code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from vectorstore.knowledge_base import KnowledgeBase
        kb = KnowledgeBase(None, Path({str(tmp_path / "kw")!r}), Path({str(kb.lock_file)!r}))
        with kb.writing():
            print("locked", flush=True)
            sys.stdin.readline()
        print("released", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", child_code], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "locked"
        entered = threading.Event()

        def contender() -> None:
            with kb.writing():
                entered.set()

        worker = threading.Thread(target=contender, daemon=True)
        worker.start()
        assert not entered.wait(0.3), "writing() did not wait for the other process"
        child.stdin.write("go\n")
        child.stdin.flush()
        assert entered.wait(WAIT)
        worker.join(WAIT)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(WAIT)
