"""The staff UI's HTML: escaped, markers linked to their sources, refusals recognisable,
Markdown answers (paragraphs, lists, bold part headings) rendered without letting HTML in."""

from html.parser import HTMLParser

from assistant.answer.types import Answer, Citation, Suggestion
from assistant.errors import LLMUnavailableError
from ui.render import (
    PART_HEADING,
    error_message,
    render_answer,
    render_pending,
    render_question,
    render_refusal,
    render_sources,
)
from vectorstore.errors import StoreUnavailableError


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


# --- Markdown answers ------------------------------------------------------------------

class _Tags(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parsed(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(markup)
    return parser.tags


def _tags(markup: str) -> list[str]:
    return [tag for tag, _ in _parsed(markup)]


def _two_sources() -> list[Citation]:
    return [Citation(n=n, document=f"{name}.pdf", title=f"Bericht {name}", page=n + 2, quote="Zitat",
                     url=f"/documents/{name}.pdf#page={n + 2}", score=0.9) for n, name in ((1, "a"), (2, "b"))]


def _markdown_answer(text: str, unanswered: list[str] | None = None) -> Answer:
    return Answer(id="m", answer=text, citations=_two_sources(), refused=False, mode="extractive",
                  language="de", unanswered=unanswered or [])


def test_markdown_list_items_become_a_list_with_linked_markers() -> None:
    html = render_answer(_markdown_answer(
        "Für Verantwortliche bedeutet das: [1]\n\n- Räume früh sichern [1]\n- Ehrenamt einbinden [2]"))
    tags = _tags(html)
    assert tags[:2] == ["div", "p"] and tags.count("ul") == 1 and tags.count("li") == 2 + 2  # + 2 sources
    items = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    assert items.startswith("<li>Räume früh sichern <a href=\"/documents/a.pdf#page=3\"")
    assert 'href="/documents/b.pdf#page=4"' in items and 'class="sc-ref"' in items
    assert "- " not in items  # the list marker is the bullet, not text
    assert "\n" not in html  # one HTML block for Gradio's Markdown: no blank lines, no line breaks


def test_bold_part_headings_and_inline_bold() -> None:
    html = render_answer(_markdown_answer(
        "**Wann fand der Workshop statt?**\n\nAm 25. April 2023. [1]\n\n**Wie viele Personen nahmen teil?**"
        "\n\nDazu steht in den vorliegenden Dokumenten nichts.\n\nEin **wichtiger** Punkt. [2]",
        unanswered=["wie viele Personen nahmen teil?"]))
    assert f'<{PART_HEADING} class="sc-part-title">Wann fand der Workshop statt?</{PART_HEADING}>' in html
    assert f'<{PART_HEADING} class="sc-part-title">Wie viele Personen nahmen teil?</{PART_HEADING}>' in html
    assert "Ein <strong>wichtiger</strong> Punkt." in html
    assert "**" not in html


def test_partial_answer_names_the_unanswered_parts_above_the_sources() -> None:
    html = render_answer(_markdown_answer("**A?**\n\nJa. [1]\n\n**B?**\n\nDazu steht nichts.",
                                          unanswered=["wie viele <b>Kommunen</b>?", "wann?"]))
    notice = html.index('<div class="sc-partial" role="note">')
    assert notice < html.index('class="sc-sources"')
    assert ("<strong>Teilweise beantwortet:</strong> Zu „Wie viele &lt;b&gt;Kommunen&lt;/b&gt;?“ und „Wann?“ "
            "steht in den Dokumenten nichts.") in html
    assert "sc-partial" not in render_answer(_markdown_answer("Ja. [1]"))


def test_markers_link_only_known_sources_and_only_in_text() -> None:
    html = render_answer(_markdown_answer("Satz [1], Liste [9] und `[2]` im Code."))
    assert html.count('class="sc-ref"') == 1 and "[9]" in html
    assert "<code>[2]</code>" in html
    # a "reference definition" in quoted text cannot turn a marker into a link elsewhere
    html = render_answer(_markdown_answer("Satz [1]\n\n[1]: https://example.org/boese"))
    assert 'href="https://example.org' not in html and html.count('class="sc-ref"') == 2


def test_escaped_markdown_characters_stay_literal() -> None:
    html = render_answer(_markdown_answer("Die \\*Sternchen\\* bleiben. [1]\n\n\\- kein Listenpunkt [1]\n\n"
                                          "\\# keine Überschrift [2]"))
    assert "Die *Sternchen* bleiben." in html and "<em>" not in html
    assert "<p>- kein Listenpunkt" in html and "<ul>" not in html
    assert "<p># keine Überschrift" in html and "<h1" not in html


def test_html_and_links_in_an_answer_are_shown_as_text() -> None:
    attack = ('<script>alert(1)</script> <img src=x onerror="alert(2)"> [1]\n\n'
              '<div onclick="alert(3)">Block</div>\n\n'
              "- [Klick](javascript:alert(4)) ![Bild](http://example.org/x.png) <http://example.org/y> [2]")
    html = render_answer(_markdown_answer(attack))
    assert set(_tags(html)) <= {"div", "p", "ul", "ol", "li", "a", "span", "details", "summary", "blockquote"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x" in html
    assert "&lt;div onclick=" in html
    links = [attrs.get("href") or "" for tag, attrs in _parsed(html) if tag == "a"]
    assert all(href.startswith("/documents/") for href in links), links
    assert "example.org" in html and 'src="http' not in html and "javascript:" not in "".join(links)


def test_pending_answer_is_markdown_without_links() -> None:
    html = render_pending("**Teil A?**\n\n- erstes [1]\n- zwei")
    assert f'<{PART_HEADING} class="sc-part-title">Teil A?' in html and "<li>erstes [1]</li>" in html
    assert "<a " not in html and render_pending("<b>x</b>").count("<b>") == 0


def test_refusal_text_is_rendered_safely() -> None:
    refused = Answer(id="r", answer="Keine Angabe zu <b>Kaffee</b>.", citations=[], refused=True,
                     mode="extractive", language="de")
    assert "&lt;b&gt;Kaffee&lt;/b&gt;" in render_refusal(refused)
