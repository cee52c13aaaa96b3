"""The fakes of tests/support/fakes.py do what the tests built on them assume."""

from __future__ import annotations

import httpx
import numpy as np
import pytest

from tests.support.fakes import DroppingChatModel, HashEmbeddings, UnreachableChatModel, scripted_chat


def test_hash_embeddings_are_deterministic_and_normalised() -> None:
    embeddings = HashEmbeddings(dimension=64)
    vectors = embeddings.embed_passages(["Sensoren messen die Luftqualität", "Radverkehr", ""])
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    again = HashEmbeddings(dimension=64).embed_question("Sensoren messen die Luftqualität")
    np.testing.assert_array_equal(vectors[0], again)
    assert embeddings.embed_passages([]).shape == (0, 64)


def test_shared_words_make_texts_near() -> None:
    embeddings = HashEmbeddings()
    passage = embeddings.embed_passages(["Im Jahr 2023 nahmen 40 Fachleute an der Smart-City-Werkstatt teil."])[0]
    near = float(passage @ embeddings.embed_question("Wie viele Fachleute nahmen an der Smart-City-Werkstatt teil?"))
    far = float(passage @ embeddings.embed_question("Was kostet ein Personalausweis beim Bürgeramt?"))
    assert near > 0.5 > 0.2 > far


def test_hash_embeddings_speak_langchains_interface() -> None:
    embeddings = HashEmbeddings(dimension=16)
    assert len(embeddings.embed_query("Frage")) == 16
    assert len(embeddings.embed_documents(["a", "b"])) == 2


def test_the_scripted_chat_model_streams_its_replies_in_turn() -> None:
    chat = scripted_chat("Erste Antwort [1].", "Zweite.")
    chunks = [str(chunk.content) for chunk in chat.stream("Frage")]
    assert chunks == ["Erste", " ", "Antwort", " ", "[1]."]  # word by word
    assert chat.invoke("Frage").content == "Zweite."
    assert chat.invoke("Frage").content == "Zweite."  # the last reply repeats
    assert len(chat.received) == 3


def test_the_unreachable_chat_model_fails_like_a_refused_connection() -> None:
    chat = UnreachableChatModel()
    with pytest.raises(httpx.ConnectError):
        chat.invoke("Frage")
    with pytest.raises(httpx.ConnectError):
        list(chat.stream("Frage"))
    assert chat.calls == 2


def test_the_dropping_chat_model_streams_some_words_then_times_out() -> None:
    pieces: list[str] = []
    with pytest.raises(httpx.ReadTimeout):
        for chunk in DroppingChatModel(text="Im Jahr").stream("Frage"):
            pieces.append(str(chunk.content))
    assert "".join(pieces) == "Im Jahr"
