"""LLM answer mode against a real OpenAI-compatible server (llama.cpp + SmolLM2) started by the test."""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.llm import LLMAnswerer, build_chat_model
from assistant.answer.types import Answer
from assistant.errors import LLMUnavailableError
from assistant.pipeline import Assistant
from assistant.query import Turn
from assistant.refusal import RefusalPolicy
from assistant.settings import LLMSettings
from assistant.wiring import Services
from tests.support.llama import llama_cpp_server
from tests.support.net import ServerDied, free_port

pytestmark = [pytest.mark.integration, pytest.mark.llm]

WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"


def _llm_services(services: Services, base_url: str, **llm: object) -> Services:
    values = {"base_url": base_url, "model": "smollm2", "max_tokens": 48, "temperature": 0.0, "timeout_s": 120.0}
    values.update(llm)
    settings = services.settings.model_copy(update={"llm": LLMSettings(**values)})
    return services.sharing(settings)  # the loaded store, index and model; only the answerer differs


def _run(stream: Iterator[str | Answer]) -> tuple[list[str], Answer]:
    pieces: list[str] = []
    answer: Answer | None = None
    for item in stream:
        if isinstance(item, Answer):
            answer = item
        else:
            pieces.append(item)
    assert answer is not None
    return pieces, answer


def test_streamed_llm_answer_has_only_valid_citations(ingested_services: Services, llm_server: str) -> None:
    assistant = _llm_services(ingested_services, llm_server).build_assistant("llm")
    pieces, answer = _run(assistant.stream("Wann fand der 11. Bundesländerworkshop statt?"))
    # What was streamed is the answer and nothing else: an uncited reply is held back and
    # refused, a cited one streams up to each marker.
    assert "".join(pieces) == answer.answer
    if answer.refused:
        assert answer.citations == [] and answer.suggestions
        return
    assert answer.mode == "llm"
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert numbers == {citation.n for citation in answer.citations}
    for citation in answer.citations:
        chunk_texts = [c.text for c in ingested_services.store.get_chunks(
            ingested_services.knowledge_base.snapshot().keyword.ids) if c.document == citation.document]
        assert any(citation.quote in text for text in chunk_texts)


def test_citation_handling_on_a_grammar_fixed_reply(ingested_services: Services, llm_server: str) -> None:
    """The server is forced (GBNF grammar) to cite a real and a missing source."""
    reply = "Der 11. Bundesländerworkshop fand am 25. April 2023 in Wismar statt [1]. Mehr steht in Quelle [9]."
    settings = LLMSettings(base_url=llm_server, model="smollm2", max_tokens=64, temperature=0.0)
    chat = build_chat_model(settings).bind(extra_body={"grammar": f'root ::= "{reply}"'})
    services = _llm_services(ingested_services, llm_server)
    assistant = Assistant(services.retriever(), LLMAnswerer(chat), RefusalPolicy(0.0), top_k=4)
    pieces, answer = _run(assistant.stream("Wann und wo fand der 11. Bundesländerworkshop statt?"))
    assert "".join(pieces).count("[9]") == 0  # dropped while streaming
    assert len(pieces) >= 2 and "".join(pieces) == answer.answer  # streamed up to the marker, then the rest
    assert answer.answer == ("Der 11. Bundesländerworkshop fand am 25. April 2023 in Wismar statt [1]. "
                             "Mehr steht in Quelle .")
    assert [citation.n for citation in answer.citations] == [1]
    citation = answer.citations[0]
    assert citation.document == WORKSHOP and citation.page == 1
    assert "25. April 2023" in citation.quote
    assert citation.url == f"/documents/{WORKSHOP}#page=1"


def test_follow_up_is_condensed_by_the_llm(ingested_services: Services, llm_server: str) -> None:
    assistant = _llm_services(ingested_services, llm_server, max_tokens=24).build_assistant("llm")
    history = [Turn("user", "Wann fand der 11. Bundesländerworkshop statt?"),
               Turn("assistant", "Am 25. April 2023 [1].")]
    _, answer = _run(assistant.stream("Und wo?", history=history))
    assert answer.query and answer.query != "Und wo?"


def test_unreachable_llm_falls_back_to_extractive_or_fails_clearly(ingested_services: Services) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with_fallback = _llm_services(ingested_services, closed, fallback_extractive=True).build_assistant("llm")
    answer = with_fallback.ask("Wann fand der 11. Bundesländerworkshop statt?")
    assert answer.mode == "extractive" and not answer.refused and "25. April 2023" in answer.answer

    strict = _llm_services(ingested_services, closed, fallback_extractive=False).build_assistant("llm")
    with pytest.raises(LLMUnavailableError, match="not reachable"):
        strict.ask("Wann fand der 11. Bundesländerworkshop statt?")


def test_a_silent_llm_times_out(ingested_services: Services) -> None:
    """A server that accepts the connection but never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    try:
        strict = _llm_services(ingested_services, url, timeout_s=1.0, fallback_extractive=False).build_assistant("llm")
        with pytest.raises(LLMUnavailableError):
            strict.ask("Wann fand der 11. Bundesländerworkshop statt?")
    finally:
        for connection in accepted:
            connection.close()
        listener.close()


def test_a_killed_llama_cpp_server_is_reported_with_its_signal(tmp_path: Path) -> None:
    """The fixture's check names the signal and shows the server's output (a SIGILL reads as such)."""
    with llama_cpp_server(tmp_path / "server.log") as server:
        server.check()
        os.kill(server.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        with pytest.raises(ServerDied) as error:
            server.check()
    message = str(error.value)
    assert "llama.cpp server" in message and "killed by SIGKILL" in message
    assert "llama" in message.split("last output", 1)[1]  # its own start-up lines are shown
