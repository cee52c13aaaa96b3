"""`GET /v1/documents`, `GET /documents/{file}`, `POST`/`DELETE /v1/documents` (assistant/api/routes/documents.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.wiring import Services
from tests.support.pdfs import encrypted_pdf, pdf_bytes
from tests.unit.api.conftest import ADMIN, CORPUS_PDF, MakeClient, error_of
from tests.unit.conftest import MAKERSPACE, MAKERSPACE_TITLE, MOBILITY

UPLOAD_LINES = ["Der Wärmeplan der Stadt Beispielhausen sieht drei Nahwärmenetze vor.",
                "Die Umsetzung beginnt im Jahr 2026."]


def upload(client: TestClient, name: str = "waermeplan.pdf", data: bytes | None = None,
           headers: dict[str, str] | None = ADMIN) -> object:
    content = pdf_bytes([UPLOAD_LINES], title="Wärmeplan") if data is None else data
    return client.post("/v1/documents", files={"file": (name, content, "application/pdf")}, headers=headers)


# --- listing -------------------------------------------------------------------------------

def test_documents_lists_the_manifest_with_urls_and_sources(client: TestClient, corpus_pdf: Path) -> None:
    response = client.get("/v1/documents")
    assert response.status_code == 200
    documents = {document["file"]: document for document in response.json()["documents"]}
    assert list(documents) == [MAKERSPACE, MOBILITY, CORPUS_PDF]
    makerspace = documents[MAKERSPACE]
    assert (makerspace["title"], makerspace["pages"], makerspace["chunks"], makerspace["year"]) == (
        MAKERSPACE_TITLE, 2, 2, 2024)
    assert makerspace["url"] == f"/documents/{MAKERSPACE}"
    assert makerspace["source"] == "unknown"  # in the store, but no file this server could serve
    assert documents[CORPUS_PDF]["source"] == "corpus" and documents[CORPUS_PDF]["title"] == "Werkstattbericht"


def test_documents_of_an_empty_store_is_an_empty_list(make_client: MakeClient) -> None:
    assert make_client().get("/v1/documents").json() == {"documents": []}


# --- serving PDFs ----------------------------------------------------------------------------

def test_an_indexed_corpus_pdf_is_served_inline(client: TestClient, corpus_pdf: Path) -> None:
    response = client.get(f"/documents/{CORPUS_PDF}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["cache-control"] == "no-cache" and response.headers["etag"]
    assert response.content == corpus_pdf.read_bytes()
    assert client.head(f"/documents/{CORPUS_PDF}").status_code == 200


def test_a_pdf_in_the_corpus_folder_but_not_indexed_is_not_served(client: TestClient, corpus_pdf: Path) -> None:
    (corpus_pdf.parent / "geheim.pdf").write_bytes(corpus_pdf.read_bytes())
    response = client.get("/documents/geheim.pdf")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_an_indexed_document_without_a_file_is_404(client: TestClient) -> None:
    response = client.get(f"/documents/{MAKERSPACE}")
    assert response.status_code == 404
    assert error_of(response) == {"code": "not_found", "message": f"no document named {MAKERSPACE!r}"}


@pytest.mark.parametrize("path", ["/documents/..%2Fsettings.py", "/documents/.hidden.pdf", "/documents/%00.pdf"])
def test_names_that_are_not_plain_file_names_are_404(client: TestClient, corpus_pdf: Path, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


# --- uploading -------------------------------------------------------------------------------

def test_an_upload_is_indexed_at_once(client: TestClient, seeded: Services) -> None:
    response = upload(client, name="Wärme plan (final).PDF")
    assert response.status_code == 201  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["file"] == "Wärme plan _final.pdf"  # unsafe characters replaced, extension normalised
    assert body["status"] == "added" and body["pages"] == 1 and body["chunks"] >= 1
    assert body["document"]["source"] == "upload" and body["document"]["title"] == "Wärmeplan"
    assert (seeded.settings.uploads_dir / body["file"]).is_file()
    assert not any((seeded.settings.uploads_dir / ".incoming").iterdir())  # staging cleaned up
    assert body["file"] in {document["file"] for document in client.get("/v1/documents").json()["documents"]}
    assert client.get(f"/documents/{body['file']}").status_code == 200


def test_uploading_the_same_pdf_again_is_unchanged_and_a_new_one_updates(client: TestClient) -> None:
    original = pdf_bytes([UPLOAD_LINES], title="Wärmeplan")
    assert upload(client, data=original).json()["status"] == "added"  # type: ignore[attr-defined]
    assert upload(client, data=original).json()["status"] == "unchanged"  # type: ignore[attr-defined]
    changed = pdf_bytes([[*UPLOAD_LINES, "Ein dritter Satz."]], title="Wärmeplan")
    assert upload(client, data=changed).json()["status"] == "updated"  # type: ignore[attr-defined]


def test_an_upload_without_a_token_is_401(client: TestClient) -> None:
    response = upload(client, headers=None)
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]


def test_an_upload_with_a_wrong_token_is_401(client: TestClient) -> None:
    response = upload(client, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert error_of(response) == {"code": "unauthorized", "message": "invalid admin token"}
    assert 'error="invalid_token"' in response.headers["www-authenticate"]  # type: ignore[attr-defined]


def test_admin_endpoints_are_off_without_an_admin_token(make_client: MakeClient, seeded: Services) -> None:
    client = make_client(admin_token=SecretStr(""))
    for response in (upload(client), client.delete(f"/v1/documents/{MAKERSPACE}", headers=ADMIN)):
        assert response.status_code == 403  # type: ignore[attr-defined]
        assert error_of(response)["code"] == "admin_disabled"


def test_an_upload_that_is_not_a_pdf_is_415(client: TestClient) -> None:
    response = upload(client, name="notiz.pdf", data=b"<html>kein PDF</html>")
    assert response.status_code == 415  # type: ignore[attr-defined]
    assert error_of(response)["code"] == "not_a_pdf"


def test_an_upload_that_is_not_multipart_is_415(client: TestClient) -> None:
    response = client.post("/v1/documents", json={"file": "x"}, headers=ADMIN)
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_an_upload_without_a_file_field_is_400(client: TestClient) -> None:
    response = client.post("/v1/documents", files={"other": ("a.pdf", b"%PDF-1.4", "application/pdf")},
                           headers=ADMIN)
    assert response.status_code == 400 and error_of(response)["code"] == "missing_file"


def test_an_upload_named_like_a_corpus_document_is_409(client: TestClient, corpus_pdf: Path) -> None:
    response = upload(client, name=CORPUS_PDF)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert error_of(response)["code"] == "conflict"
    assert corpus_pdf.read_bytes().startswith(b"%PDF")


@pytest.fixture
def client_1mb(make_client: MakeClient, seeded: Services) -> TestClient:
    return make_client(max_upload_mb=1)


@pytest.mark.parametrize("extra", [100 * 1024, 8], ids=["far-over", "just-over"])
def test_an_upload_over_the_size_limit_is_413(client_1mb: TestClient, seeded: Services, extra: int) -> None:
    response = upload(client_1mb, data=b"%PDF-1.4\n" + b"0" * (1024 * 1024 + extra))
    assert response.status_code == 413  # type: ignore[attr-defined]
    assert error_of(response) == {"code": "upload_too_large", "message": "the upload is larger than 1 MB"}
    assert not (seeded.settings.uploads_dir / "waermeplan.pdf").exists()


def test_a_pdf_that_cannot_be_ingested_is_422_and_not_kept(client: TestClient, seeded: Services,
                                                          tmp_path: Path) -> None:
    locked = encrypted_pdf(tmp_path / "locked.pdf", [UPLOAD_LINES]).read_bytes()
    response = upload(client, name="locked.pdf", data=locked)
    assert response.status_code == 422  # type: ignore[attr-defined]
    error = error_of(response)
    assert error["code"] == "bad_document" and error["message"].startswith("locked.pdf: ")
    assert not (seeded.settings.uploads_dir / "locked.pdf").exists()
    assert "locked.pdf" not in {record.file for record in seeded.knowledge_base.documents()}


# --- deleting --------------------------------------------------------------------------------

def test_deleting_an_upload_removes_it_from_the_index_and_the_disk(client: TestClient, seeded: Services) -> None:
    name = upload(client).json()["file"]  # type: ignore[attr-defined]
    response = client.delete(f"/v1/documents/{name}", headers=ADMIN)
    assert response.status_code == 200
    assert response.json() == {"file": name, "removed": True, "file_deleted": True}
    assert not (seeded.settings.uploads_dir / name).exists()
    assert client.get(f"/documents/{name}").status_code == 404
    assert client.delete(f"/v1/documents/{name}", headers=ADMIN).status_code == 404


def test_deleting_a_corpus_document_keeps_its_file(client: TestClient, corpus_pdf: Path) -> None:
    response = client.delete(f"/v1/documents/{CORPUS_PDF}", headers=ADMIN)
    assert response.json() == {"file": CORPUS_PDF, "removed": True, "file_deleted": False}
    assert corpus_pdf.is_file()
    assert CORPUS_PDF not in {document["file"] for document in client.get("/v1/documents").json()["documents"]}


def test_deleting_a_document_removes_it_from_answers(client: TestClient) -> None:
    client.delete(f"/v1/documents/{MAKERSPACE}", headers=ADMIN)
    response = client.post("/v1/ask", json={"question": "Frage", "documents": [MAKERSPACE]})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["nope.pdf", ".hidden.pdf"])
def test_deleting_an_unknown_document_is_404(client: TestClient, name: str) -> None:
    response = client.delete(f"/v1/documents/{name}", headers=ADMIN)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_deleting_without_a_token_is_401(client: TestClient) -> None:
    response = client.delete(f"/v1/documents/{MAKERSPACE}")
    assert response.status_code == 401
    assert MAKERSPACE in {document["file"] for document in client.get("/v1/documents").json()["documents"]}
