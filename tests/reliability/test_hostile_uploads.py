"""Hostile uploads through the admin endpoint: names, sizes and PDF contents meant to hurt.

A dedicated server with its own empty store and a 1 MB upload limit. Every upload must be
refused with a 4xx JSON error or be ingested safely: under a plain file name, directly in
the uploads folder, with only the visible text indexed. Multipart bodies are written by hand
so that the file names reach the server byte for byte. Nothing may appear outside the data
directory (every name carries a token the test searches for), and the server stays healthy.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from assistant.api import files
from assistant.wiring import Services
from tests.conftest import ADMIN_TOKEN, ROOT
from tests.reliability import hostile_pdfs
from tests.reliability.conftest import fresh_services, record_result
from tests.support.pdfs import pdf_bytes
from tests.support.server import LiveServer, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TOKEN = f"evil{uuid.uuid4().hex[:8]}"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
BOUNDARY = "smartcity-hostile-boundary"
MAX_UPLOAD_MB = 1


@dataclass
class Hostile:
    server: LiveServer
    services: Services
    root: Path  # everything this module's server may touch lives below it
    http: httpx.Client

    @property
    def data_dir(self) -> Path:
        return self.services.settings.data_dir


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, ingested_services: Services) -> Iterator[Hostile]:
    root = tmp_path_factory.mktemp("hostile")
    (root / "corpus").mkdir()
    services = fresh_services(ingested_services, root / "data", root / "corpus", max_upload_mb=MAX_UPLOAD_MB)
    server = start_server(services.settings, services)
    with httpx.Client(base_url=server.url, timeout=180) as http:
        yield Hostile(server, services, root, http)
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def nothing_escapes(hostile: Hostile) -> Iterator[None]:
    """Snapshot the module's tree around all tests; search likely targets for the token after."""
    before = _tree(hostile.root, skip=hostile.data_dir)
    yield
    escaped = _escaped(hostile.data_dir)
    for path in escaped:  # never leave a planted file behind, even when the test fails
        path.unlink(missing_ok=True)
    assert escaped == [], f"files written outside the data directory: {escaped}"
    assert _tree(hostile.root, skip=hostile.data_dir) == before


def _tree(root: Path, skip: Path) -> set[str]:
    return {str(path) for path in root.rglob("*") if skip not in path.parents and path != skip}


def _escaped(data_dir: Path) -> list[Path]:
    """Files named with the token anywhere a traversal could reach, except inside the data dir."""
    found: list[Path] = []
    searches = [(Path("/"), 1), (Path("/etc"), 1), (Path("/tmp"), 3), (Path.home(), 2), (ROOT, 4),
                (data_dir.parents[1], 6)]
    for top, depth in searches:
        for folder, dirs, names in os.walk(top):
            level = len(Path(folder).relative_to(top).parts)
            dirs[:] = [] if level >= depth else [d for d in dirs if d not in (".venv", ".git", "proc", "sys")]
            found += [Path(folder) / name for name in names + dirs if TOKEN in name]
    return sorted({path for path in found if data_dir not in path.parents})


def _multipart(disposition: bytes, content: bytes) -> tuple[bytes, dict[str, str]]:
    body = (f"--{BOUNDARY}\r\n".encode() + b'Content-Disposition: form-data; name="file"; ' + disposition
            + b"\r\nContent-Type: application/pdf\r\n\r\n" + content + f"\r\n--{BOUNDARY}--\r\n".encode())
    return body, {**AUTH, "content-type": f"multipart/form-data; boundary={BOUNDARY}"}


def _upload(http: httpx.Client, disposition: bytes, content: bytes) -> httpx.Response:
    body, headers = _multipart(disposition, content)
    return http.post("/v1/documents", content=body, headers=headers)


def _assert_4xx(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert set(response.json()) == {"error"} and "Traceback" not in response.text


def _assert_stored_safely(hostile: Hostile, response: httpx.Response, content: bytes) -> str:
    name = response.json()["file"]
    assert files.is_plain_name(name) and name.endswith(".pdf") and len(name) <= 120, name
    assert not any(char in name for char in "/\\\x00\r\n\"") and not name.startswith("."), name
    stored = hostile.services.settings.uploads_dir / name
    assert stored.is_file() and stored.resolve().parent == hostile.services.settings.uploads_dir.resolve()
    assert stored.read_bytes() == content
    served = hostile.http.get(f"/documents/{quote(name)}")
    assert served.status_code == 200 and served.content == content
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    return name


def _delete(hostile: Hostile, name: str) -> None:
    deleted = hostile.http.delete(f"/v1/documents/{quote(name, safe='')}", headers=AUTH)
    assert deleted.status_code == 200 and deleted.json()["file_deleted"] is True, deleted.text


def _indexed_texts(services: Services) -> list[str]:
    snapshot = services.knowledge_base.snapshot(force=True)
    return [chunk.text for chunk in services.store.get_chunks(snapshot.keyword.ids)]


# --- file names ---------------------------------------------------------------------------------

NAMES: dict[str, bytes] = {
    "relative traversal": f'filename="../../etc/passwd-{TOKEN}.pdf"'.encode(),
    "deep traversal": f'filename="../../../../../../../../tmp/deep-{TOKEN}.pdf"'.encode(),
    "url-encoded traversal": f'filename="..%2F..%2Fenc-{TOKEN}.pdf"'.encode(),
    "absolute path": f'filename="/etc/abs-{TOKEN}.pdf"'.encode(),
    "absolute tmp path": f'filename="/tmp/abs-{TOKEN}.pdf"'.encode(),
    "backslashes": f'filename="..\\..\\..\\bs-{TOKEN}.pdf"'.encode(),
    "windows drive": f'filename="C:\\Windows\\System32\\win-{TOKEN}.pdf"'.encode(),
    "NUL byte": f'filename="nul-{TOKEN}.pdf\x00.sh"'.encode(),
    "newline": f'filename="nl-{TOKEN}\n.pdf"'.encode(),
    "CRLF and extra header": f'filename="crlf-{TOKEN}.pdf"\r\nX-Injected: 1'.encode(),
    "very long name": f'filename="{"L" * 5000}-{TOKEN}.pdf"'.encode(),
    "hidden file": f'filename=".hidden-{TOKEN}.pdf"'.encode(),
    "dots only": b'filename="...."',
    "empty name": b'filename=""',
    "quote inside": f'filename="q\\"uote-{TOKEN}.pdf"'.encode(),
    "RFC 5987 traversal": f"filename*=UTF-8''..%2F..%2Fstar-{TOKEN}.pdf".encode(),
    "unicode and RTL override": f'filename="Bericht \u00fc \u202egnp.exe-{TOKEN}.pdf"'.encode(),
    "shell metacharacters": f'filename="$(touch {TOKEN});`id`|x&.pdf"'.encode(),
}


def test_hostile_file_names_never_leave_the_uploads_folder(hostile: Hostile) -> None:
    content = pdf_bytes([["Kapitel 1: Der Zukunftshafen Quellbrunn", hostile_pdfs.FACT]], title="Namenstest")
    outcomes: dict[str, int] = {}
    for label, disposition in NAMES.items():
        response = _upload(hostile.http, disposition, content)
        outcomes[label] = response.status_code
        if response.status_code == 201:
            _delete(hostile, _assert_stored_safely(hostile, response, content))
        else:
            _assert_4xx(response)
        assert hostile.http.get("/health").status_code == 200, label
    record_result("hostile_names", {"cases": len(outcomes), "statuses": outcomes,
                                    "server_errors": sum(1 for s in outcomes.values() if s >= 500)})
    assert _uploaded(hostile) == []


def _uploaded(hostile: Hostile) -> list[Path]:
    folder = hostile.services.settings.uploads_dir
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


# --- contents -----------------------------------------------------------------------------------

def _contents() -> dict[str, tuple[bytes, int | None]]:
    """label -> (bytes, the one acceptable status, or None for 'any 4xx, or 201 if safe')."""
    valid = pdf_bytes([["Kapitel 1: Der Zukunftshafen Quellbrunn", hostile_pdfs.FACT]], title="Inhaltstest")
    return {
        "HTML named .pdf": (b"<html><script>alert(1)</script></html>", 415),
        "ELF binary named .pdf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 4096, 415),
        "ZIP named .pdf": (b"PK\x03\x04" + os.urandom(2048), 415),
        "HTML then a PDF (polyglot)": (b"<html><body>x</body></html>\n" + valid, 415),
        "empty file": (b"", 415),
        "PDF header only": (b"%PDF-1.7\n", 422),
        "truncated PDF": (valid[: len(valid) // 2], None),
        "broken cross-reference": (valid.replace(b"xref", b"xxxx").replace(b"startxref", b"startxxxx"), None),
        "50 000 nested arrays": (hostile_pdfs.deep_arrays(50_000), None),
        "5 000 nested dictionaries": (hostile_pdfs.deep_dictionaries(5_000), None),
        "2 000-level page tree": (hostile_pdfs.deep_page_tree(2_000), None),
        "page tree that contains itself": (hostile_pdfs.cyclic_page_tree(), None),
        "200 MB decompression bomb": (hostile_pdfs.decompression_bomb(200), None),
        "valid PDF over the size limit": (hostile_pdfs.padded(MAX_UPLOAD_MB + 0.2), 413),
        "random bytes after a PDF header": (b"%PDF-1.4\n" + os.urandom(200_000), 422),
    }


def test_hostile_contents_are_refused_or_ingested_safely(hostile: Hostile) -> None:
    outcomes: dict[str, int] = {}
    for label, (content, expected) in _contents().items():
        name = f"inhalt-{TOKEN}-{len(outcomes)}.pdf"
        response = _upload(hostile.http, f'filename="{name}"'.encode(), content)
        outcomes[label] = response.status_code
        if expected is not None:
            assert response.status_code == expected, (label, response.status_code, response.text[:300])
        if response.status_code == 201:
            stored = _assert_stored_safely(hostile, response, content)
            assert stored == name
            _delete(hostile, stored)
        else:
            _assert_4xx(response)
        assert hostile.http.get("/health").status_code == 200, label
    assert _uploaded(hostile) == []
    assert hostile.services.store.documents() == [], "a refused upload reached the index"
    record_result("hostile_contents", {"cases": len(outcomes), "statuses": outcomes,
                                       "server_errors": sum(1 for s in outcomes.values() if s >= 500)})


def test_javascript_and_embedded_files_are_never_indexed(hostile: Hostile) -> None:
    script = f"app.alert('{TOKEN}-script'); this.exportDataObject({{cName: 'geheim.txt', nLaunch: 2}});"
    attachment = f"Vertraulicher Anhang {TOKEN}-anhang: Kennwort 1234"
    content = hostile_pdfs.with_javascript_and_attachment(script, attachment)
    response = _upload(hostile.http, f'filename="skript-{TOKEN}.pdf"'.encode(), content)
    if response.status_code != 201:
        _assert_4xx(response)
        return
    name = _assert_stored_safely(hostile, response, content)
    try:
        texts = _indexed_texts(hostile.services)
        assert any("Quellbrunn" in text for text in texts), "the visible text was not indexed"
        assert not any(f"{TOKEN}-script" in text or f"{TOKEN}-anhang" in text or "exportDataObject" in text
                       for text in texts), "script or attachment text was indexed"
        answer = hostile.http.post("/v1/ask", json={"question": "Welches Kennwort steht im vertraulichen Anhang?"})
        assert answer.status_code == 200 and "Kennwort 1234" not in answer.text and "-anhang" not in answer.text
        # the PDF itself is only ever delivered as a PDF, never as something a browser would run
        served = hostile.http.get(f"/documents/{quote(name)}")
        assert served.headers["content-type"] == "application/pdf"
        assert served.headers["content-disposition"].startswith("inline")
    finally:
        _delete(hostile, name)


def test_server_is_healthy_after_the_attacks(hostile: Hostile) -> None:
    content = pdf_bytes([["Kapitel 1: Der Zukunftshafen Quellbrunn",
                          "Die Stadt Quellbrunn eröffnete am 9. Mai 2030 den Zukunftshafen.",
                          "Der Zukunftshafen ist ein Reallabor für autonome Lastenräder."]], title="Gesundheitstest")
    response = _upload(hostile.http, f'filename="gesund-{TOKEN}.pdf"'.encode(), content)
    assert response.status_code == 201, response.text
    name = response.json()["file"]
    try:
        assert hostile.http.get("/ready").json()["documents"] == 1
        answer = hostile.http.post("/v1/ask", json={"question": "Wann eröffnete Quellbrunn den Zukunftshafen?"}).json()
        assert answer["refused"] is False and "9. Mai 2030" in answer["answer"]
        assert answer["citations"][0]["document"] == name
    finally:
        _delete(hostile, name)
    assert not list((hostile.services.settings.uploads_dir / ".incoming").glob("*"))
