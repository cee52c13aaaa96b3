"""The `smartcity` command line (assistant/cli.py) through Typer's `CliRunner`: output and exit codes.

Exit codes: 0 ok, 1 some files failed, 2 usage or configuration error, 3 store or LLM unreachable.
Commands that would embed take the fake embeddings (`cli.services` swapped for one with them).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assistant import cli
from assistant.wiring import Services
from ingest.models import DocumentRecord, document_version
from tests.support.fakes import HashEmbeddings, chroma_store, knowledge_base, publish_passages
from tests.support.net import free_port
from tests.support.pdfs import write_pdf
from tests.unit.conftest import MAKERSPACE, MAKERSPACE_PASSAGES, MAKERSPACE_TITLE, WORKSHOP_QUESTION

runner = CliRunner()


@pytest.fixture
def cli_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI configured through the environment, as in production: a fresh data dir, no .env."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setattr(cli._State, "settings", None)  # settings are read once per process
    data = tmp_path / "data"
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(data))
    monkeypatch.setenv("SMARTCITY_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("SMARTCITY_RETRIEVAL_MIN_EVIDENCE", "0.3")
    monkeypatch.setenv("SMARTCITY_RETRIEVAL_ANSWERABILITY", "similarity")  # hashed vectors are not e5's
    return data


@pytest.fixture
def fake_embeddings(cli_data: Path, monkeypatch: pytest.MonkeyPatch) -> HashEmbeddings:
    embeddings = HashEmbeddings()
    monkeypatch.setattr(cli, "services", lambda: Services(cli.settings(), embeddings=embeddings))
    return embeddings


@pytest.fixture
def seeded_cli(cli_data: Path, fake_embeddings: HashEmbeddings) -> Path:
    kb = knowledge_base(cli_data, chroma_store(cli_data / "chroma"))
    publish_passages(kb, fake_embeddings, MAKERSPACE, MAKERSPACE_PASSAGES, title=MAKERSPACE_TITLE)
    return cli_data


def run(*args: str) -> Result:
    return runner.invoke(cli.app, list(args))


# --- configuration -------------------------------------------------------------------------

def test_a_bad_setting_exits_2_naming_the_variable(cli_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_PORT", "achttausend")
    result = run("docs")
    assert result.exit_code == 2
    assert "SMARTCITY_PORT" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_chroma_server_exits_3(cli_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    result = run("docs", "--json")
    assert result.exit_code == 3
    assert "Chroma" in result.stderr and result.stdout == ""


# --- docs ----------------------------------------------------------------------------------

def test_docs_json_on_an_empty_store_prints_an_empty_list(cli_data: Path) -> None:
    result = run("docs", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_docs_on_an_empty_store_says_how_to_fill_it(cli_data: Path) -> None:
    result = run("docs")
    assert result.exit_code == 0
    assert "smartcity ingest" in result.stderr


def test_docs_json_lists_the_stored_documents(seeded_cli: Path) -> None:
    result = run("docs", "--json")
    assert result.exit_code == 0
    [document] = json.loads(result.stdout)
    assert (document["file"], document["title"], document["pages"], document["chunks"], document["year"]) == (
        MAKERSPACE, MAKERSPACE_TITLE, 2, 2, 2024)


# --- ask -----------------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["", "   "])
def test_ask_an_empty_question_exits_2(cli_data: Path, question: str) -> None:
    result = run("ask", question)
    assert result.exit_code == 2
    assert "empty" in result.stderr


def test_ask_a_too_long_question_exits_2(cli_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_MAX_QUESTION_CHARS", "20")
    result = run("ask", "x" * 21, "--json")
    assert result.exit_code == 2
    assert "21 characters" in result.stderr


def test_ask_about_an_unknown_document_exits_2(seeded_cli: Path) -> None:
    result = run("ask", WORKSHOP_QUESTION, "--document", "nope.pdf")
    assert result.exit_code == 2
    assert "nope.pdf" in result.stderr


def test_ask_json_prints_the_cited_answer(seeded_cli: Path) -> None:
    result = run("ask", WORKSHOP_QUESTION, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["refused"] is False and "40 Fachleute" in answer["answer"]
    assert answer["citations"][0]["document"] == MAKERSPACE and answer["citations"][0]["page"] == 2


def test_ask_prints_the_answer_and_its_sources(seeded_cli: Path) -> None:
    result = run("ask", WORKSHOP_QUESTION)
    assert result.exit_code == 0, result.output
    assert "40 Fachleute" in result.stdout
    assert "Quellen:" in result.stdout and f"[1] {MAKERSPACE_TITLE}, S. 2 ({MAKERSPACE})" in result.stdout


def test_a_refusal_lists_documents_to_read_instead(seeded_cli: Path) -> None:
    result = run("ask", "Was kostet ein Personalausweis beim Bürgeramt?")
    assert result.exit_code == 0, result.output
    assert "keine Angabe" in result.stdout
    assert "Weiterlesen:" in result.stdout and MAKERSPACE in result.stdout


# --- ingest --------------------------------------------------------------------------------

def test_ingest_json_adds_a_pdf_then_skips_it_unchanged(fake_embeddings: HashEmbeddings, tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "werkstatt.pdf", [["Die Smart-City-Werkstatt fand im Rathaus statt.",
                                                  "Es nahmen viele Fachleute teil."]])
    first = run("ingest", str(pdf), "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["added"], summary["documents"], summary["failed"]) == (1, 1, [])
    assert fake_embeddings.passages_embedded == summary["chunks"] > 0
    second = json.loads(run("ingest", str(pdf), "--json").stdout)
    assert (second["added"], second["unchanged"]) == (0, 1)
    assert fake_embeddings.passages_embedded == summary["chunks"]  # nothing embedded again


def test_ingest_exits_1_when_a_file_fails(fake_embeddings: HashEmbeddings, tmp_path: Path) -> None:
    (tmp_path / "kaputt.pdf").write_bytes(b"%PDF-1.4 nothing else")
    result = run("ingest", str(tmp_path / "kaputt.pdf"), str(tmp_path / "fehlt.pdf"), "--json")
    assert result.exit_code == 1
    failed = {item["file"]: item["reason"] for item in json.loads(result.stdout)["failed"]}
    assert set(failed) == {"kaputt.pdf", "fehlt.pdf"} and failed["fehlt.pdf"] == "file not found"


# --- serve's decision ------------------------------------------------------------------------

def _record(version: str) -> DocumentRecord:
    return DocumentRecord("a.pdf", version, "A", "", None, 1, 1, "")


def test_serve_ingests_first_into_an_empty_or_outdated_store() -> None:
    assert cli.why_ingest_first([]) == "Speicher leer"
    assert cli.why_ingest_first([_record("r1-abc"), _record(document_version("abc"))]) == \
        "1 Dokument(e) älter aufbereitet"
    assert cli.why_ingest_first([_record(document_version("abc"))]) is None


def test_ask_with_an_unknown_mode_exits_2(seeded_cli: Path) -> None:
    result = run("ask", WORKSHOP_QUESTION, "--mode", "orakel", "--json")
    assert result.exit_code == 2


def test_ask_in_llm_mode_without_an_endpoint_exits_2_naming_the_variable(seeded_cli: Path) -> None:
    result = run("ask", WORKSHOP_QUESTION, "--mode", "llm", "--json")
    assert result.exit_code == 2
    assert "SMARTCITY_LLM_BASE_URL" in result.stderr
