"""The staff UI's HTML: escaped, markers linked to their sources, refusals recognisable."""

from assistant.answer.types import Answer, Citation, Suggestion
from assistant.errors import LLMUnavailableError, StoreUnavailableError
from ui.render import error_message, render_answer, render_question, render_refusal, render_sources


def _answer(text: str, quote: str = "Zitat", title: str = "Studie") -> Answer:
    citation = Citation(n=1, document="a.pdf", title=title, page=12, quote=quote, url="/documents/a.pdf#page=12",
                        score=0.9)
    return Answer(id="x", answer=text, citations=[citation], refused=False, mode="extractive", language="de")


def test_markers_become_links_to_the_cited_page() -> None:
    html = render_answer(_answer("Ein Satz. [1]"))
    assert 'href="/documents/a.pdf#page=12"' in html
    assert "[1]" in html


def test_question_and_document_text_are_escaped() -> None:
    assert "<script>" not in render_question("<script>alert(1)</script>")
    assert "&lt;script&gt;" in render_question("<script>alert(1)</script>")
    sources = render_sources(_answer("x [1]", quote='<img src=x onerror="alert(1)">', title="<b>T</b>").citations)
    assert "<img" not in sources and "<b>T</b>" not in sources
    assert "&lt;img" in sources


def test_refusal_names_the_suggested_documents() -> None:
    refused = Answer(id="r", answer="Dazu finde ich in den vorliegenden Dokumenten keine Angabe.", citations=[],
                     refused=True, mode="extractive", language="de",
                     suggestions=[Suggestion("b.pdf", "Bericht B", "/documents/b.pdf#page=3", 0.1)])
    html = render_refusal(refused)
    assert "keine Angabe" in html and "Bericht B" in html and "/documents/b.pdf#page=3" in html


def test_errors_have_friendly_german_messages() -> None:
    assert "nicht erreichbar" in error_message(StoreUnavailableError("down"))
    assert "nicht erreichbar" in error_message(LLMUnavailableError("down"))
    assert "Traceback" not in error_message(RuntimeError("boom"))
