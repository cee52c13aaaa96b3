"""Citation markers in streamed LLM text: unknown sources are dropped, even across pieces."""

from assistant.answer.llm import _cited_sentences, _MarkerFilter


def _stream(pieces: list[str], sources: int) -> str:
    markers = _MarkerFilter(sources)
    return "".join(markers.feed(piece) for piece in pieces) + markers.flush()


def test_markers_pointing_at_no_source_are_removed() -> None:
    assert _stream(["Am 25. April 2023 [1]. Falsch [7]. Beides [2, 9]."], 3) == \
        "Am 25. April 2023 [1]. Falsch . Beides [2]."


def test_markers_split_across_stream_pieces() -> None:
    assert _stream(["Aussage [", "1", "] und [", "12] Ende"], 3) == "Aussage [1] und  Ende"


def test_brackets_that_are_not_markers_pass_through() -> None:
    assert _stream(["Eine Liste [siehe unten] und [a", "b] fertig"], 2) == "Eine Liste [siehe unten] und [ab] fertig"


def test_cited_sentences() -> None:
    text = "Erster Satz [3]. Zweiter Satz [1][3]."
    cited = _cited_sentences(text, 3)
    assert set(cited) == {1, 3}
    assert cited[3] == ["Erster Satz .", "Zweiter Satz ."]
