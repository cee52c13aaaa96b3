"""Markdown answers in OpenAI chat completions (assistant/api/openai_compat.py): the answer goes
into `content` unchanged, and the "Quellen:" block after it reads well as text and as Markdown."""

from __future__ import annotations

from markdown_it import MarkdownIt

from assistant.answer.types import Answer, Citation
from assistant.api import openai_compat
from assistant.api.schemas import ChatMessage

MARKDOWN = ("**Wie verstetige ich einen Makerspace?**\n\n"
            "Für Verantwortliche bedeutet das: [1]\n\n"
            "- Räume früh sichern [1]\n"
            "- Ehrenamt einbinden [2]\n\n"
            "**Wie viele Makerspaces gibt es?**\n\n"
            "Dazu steht in den vorliegenden Dokumenten nichts.")


def _answer(text: str = MARKDOWN, unanswered: tuple[str, ...] = ("wie viele Makerspaces gibt es?",)) -> Answer:
    citations = [Citation(n=n, document=f"{name}.pdf", title=f"Bericht {name.upper()}", page=n * 2, quote="Zitat",
                          url=f"/documents/{name}.pdf#page={n * 2}", score=0.9) for n, name in ((1, "a"), (2, "b"))]
    return Answer(id="abc", answer=text, citations=citations, refused=False, mode="extractive", language="de",
                  unanswered=list(unanswered))


def test_the_markdown_answer_is_passed_on_unchanged_with_the_sources_after_it() -> None:
    body = openai_compat.completion(_answer(), "smartcity")
    content = body["choices"][0]["message"]["content"]
    answer, sources = content.split("\n\nQuellen:\n")
    assert answer == MARKDOWN
    assert sources.split("  \n") == ["[1] Bericht A, S. 2 (a.pdf)", "[2] Bericht B, S. 4 (b.pdf)"]
    assert body["partial"] is True and body["unanswered"] == ["wie viele Makerspaces gibt es?"]


def test_the_sources_after_a_list_are_no_part_of_it_and_one_per_line() -> None:
    text = "Das hilft: [1]\n\n- Räume früh sichern [1]\n- Ehrenamt einbinden [2]"
    content = openai_compat.completion(_answer(text, ()), "smartcity")["choices"][0]["message"]["content"]
    html = MarkdownIt("commonmark", {"html": False}).render(content)
    items = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    assert items.count("<li>") == 2 and "Quellen" not in items
    assert html.rstrip().endswith("<p>Quellen:\n[1] Bericht A, S. 2 (a.pdf)<br />\n[2] Bericht B, S. 4 (b.pdf)</p>")


def test_an_answer_sent_back_as_history_loses_only_the_sources() -> None:
    content = openai_compat.completion(_answer(), "smartcity")["choices"][0]["message"]["content"]
    _, history = openai_compat.conversation([
        ChatMessage(role="user", content="Wie verstetige ich einen Makerspace?"),
        ChatMessage(role="assistant", content=content),
        ChatMessage(role="user", content="Und wer hilft dabei?"),
    ])
    assert history[1].content == MARKDOWN
