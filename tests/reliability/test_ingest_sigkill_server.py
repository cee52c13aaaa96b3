"""SIGKILL of an ingest that writes through a Chroma server while the app keeps answering.

tests/integration/test_ingest_sigkill.py kills the CLI ingest at several points on the
embedded store and checks the store afterwards, from a fresh process (embedded Chroma is
single-process). What it cannot show is the server setup, where readers run *while* the
writer dies: here the app serves questions over HTTP the whole time, from its own data
directory, and the ingest is a separate CLI process sharing only the Chroma server. It is
killed at observed points (as soon as the first new chunks are in the store; once one new
version is published; once two are). Readers must never get an error or a document mixing two versions, and
every published version must be complete after each kill.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant.wiring import Services
from ingest.models import document_version
from tests.conftest import ROOT
from tests.reliability.conftest import ChromaProcess, fresh_services, record_result
from tests.support.pdfs import write_pdf
from tests.support.server import start_server
from tests.support.traffic import BackgroundQuestions

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow]

DOCUMENTS = 3
QUESTION = "Was digitalisierte das Team Jugendzentrum im Oktober?"
# Words, not digits: the cleaner treats digit-only variation as boilerplate.
ROUNDS = ["Alpha", "Beta", "Gamma", "Delta"]
_NOUNS = ["Ladesäule", "Radweg", "Bürgerbüro", "Sensornetz", "Stadtbibliothek", "Mobilitätsstation", "Wärmeplan",
          "Datenplattform", "Quartierstreff", "Regenrückhaltebecken", "Schulcampus", "Marktplatz", "Busspur",
          "Solardach", "Parkhaus", "Jugendzentrum", "Wochenmarkt", "Stadtpark", "Klärwerk", "Feuerwache",
          "Hafenkante", "Bahnhofsvorplatz", "Sporthalle", "Musikschule", "Rathausplatz", "Seniorenheim", "Kita",
          "Gründerzentrum", "Fahrradstraße", "Carsharing"]
_VERBS = ["prüfte", "plante", "erweiterte", "vermaß", "digitalisierte", "modernisierte", "bewertete"]
_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober"]


def _pages(index: int, round_number: int) -> list[list[str]]:
    """Four pages of 30 distinct sentences (about 12 chunks); every sentence names the round."""
    def line(n: int) -> str:
        return (f"Runde {ROUNDS[round_number]}: Das Team {_NOUNS[(n * 7 + index) % len(_NOUNS)]} "
                f"{_VERBS[n % len(_VERBS)]} im {_MONTHS[(n // 3) % len(_MONTHS)]} die "
                f"{_NOUNS[(n * 11 + 3) % len(_NOUNS)]} am {_NOUNS[(n * 13 + 5) % len(_NOUNS)]}.")
    return [[line(page * 30 + k) for k in range(30)] for page in range(4)]


def _write_round(folder: Path, round_number: int) -> dict[str, str]:
    """The three reports as of `round_number`; returns file -> the version the store will give it."""
    versions = {}
    for index in range(DOCUMENTS):
        path = write_pdf(folder / f"bericht-{index}.pdf", _pages(index, round_number), title=f"Bericht {index}")
        versions[path.name] = document_version(hashlib.sha256(path.read_bytes()).hexdigest())
    return versions


def _start_ingest(data_dir: Path, chroma_url: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SMARTCITY_DATA_DIR": str(data_dir), "SMARTCITY_CHROMA_URL": chroma_url,
           "SMARTCITY_INGEST_EMBED_BATCH": "2"}
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(folder), "--json"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Readers(BackgroundQuestions):
    """Questions over HTTP in a loop; counts statuses and answers that mix two versions of a document."""

    def __init__(self, url: str) -> None:
        super().__init__(url, QUESTION, pause_s=0.1)  # steady traffic, leaving CPU to the ingest
        self.rounds_seen: set[str] = set()

    def check_answer(self, answer: dict[str, Any]) -> None:
        rounds: dict[str, set[str]] = {}
        for citation in answer["citations"]:
            found = set(re.findall(r"Runde (Alpha|Beta|Gamma|Delta)", citation["quote"]))
            rounds.setdefault(citation["document"], set()).update(found)
        for document, seen in rounds.items():
            self.rounds_seen |= seen
            if len(seen) > 1:
                self.problems.append(f"{document} mixes rounds {sorted(seen)}")


def _assert_published_versions_complete(services: Services) -> dict[str, str]:
    """What a reader trusts: each manifest version with all its chunks, and nothing else of it."""
    published = {}
    for record in services.store.documents():
        ids, _ = services.store.all_texts([record.version])
        positions = sorted(chunk.position for chunk in services.store.get_chunks(ids))
        assert positions == list(range(record.chunks)), f"{record.file}: a half document is published"
        published[record.file] = record.version
    return published


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 180) -> bool:
    """True once `condition` holds while the ingest still runs; False if the ingest ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if condition():
            return True
        time.sleep(0.02)
    pytest.fail("the ingest neither reached the kill point nor ended")


def test_sigkill_of_a_server_mode_ingest_while_the_app_answers(
        chroma: ChromaProcess, tmp_path: Path, ingested_services: Services) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    app_services = fresh_services(ingested_services, tmp_path / "app-data", folder, chroma_url=chroma.url)
    versions_seen = {name: {version} for name, version in _write_round(folder, 0).items()}
    assert not app_services.ingestor.ingest([folder]).failed
    probe = fresh_services(ingested_services, tmp_path / "probe-data", folder, chroma_url=chroma.url)

    def new_chunks(versions: dict[str, str]) -> int:
        return len(probe.store.all_texts(list(versions.values()))[0])

    def new_published(versions: dict[str, str]) -> int:
        return sum(1 for record in probe.store.documents() if versions.get(record.file) == record.version)

    kill_points: list[tuple[str, Callable[[dict[str, str]], bool]]] = [
        ("first new chunks written", lambda v: new_chunks(v) > 0),
        ("first new version published", lambda v: new_published(v) >= 1),
        ("second new version published", lambda v: new_published(v) >= 2),
    ]
    killed: list[str] = []
    server = start_server(app_services.settings, app_services)
    try:
        with Readers(server.url) as readers:
            for round_number, (label, point) in enumerate(kill_points, start=1):
                versions = _write_round(folder, round_number)
                for name, version in versions.items():
                    versions_seen[name].add(version)
                process = _start_ingest(tmp_path / "cli-data", chroma.url, folder)
                if _wait_for(lambda point=point, versions=versions: point(versions), process):
                    os.kill(process.pid, signal.SIGKILL)
                    killed.append(label)
                process.wait(timeout=30)
                published = _assert_published_versions_complete(probe)
                assert all(version in versions_seen[name] for name, version in published.items())
                assert len(published) == DOCUMENTS, "a document vanished from the manifest"

            final = _start_ingest(tmp_path / "cli-data", chroma.url, folder)
            assert final.wait(timeout=600) == 0
            published = _assert_published_versions_complete(probe)
            assert published == versions
            latest = f"Runde {ROUNDS[len(kill_points)]}"
            with httpx.Client(base_url=server.url, timeout=120) as http:  # the app re-reads the manifest itself
                deadline = time.monotonic() + 60
                while latest not in (answer := http.post("/v1/ask", json={"question": QUESTION}).json())["answer"]:
                    assert time.monotonic() < deadline, answer
                    time.sleep(0.25)
            assert answer["refused"] is False and answer["citations"], answer
        assert len(killed) >= 2, f"the ingest ended before most kill points: killed at {killed}"
        assert not readers.problems, readers.problems[:5]
        assert set(readers.statuses) == {200} and readers.statuses[200] > 0, readers.statuses
    finally:
        server.stop()
    record_result("ingest_sigkill_server_mode", {
        "kills": killed, "reader_requests": sum(readers.statuses.values()), "reader_errors": len(readers.problems),
        "rounds_seen_by_readers": sorted(readers.rounds_seen)})
