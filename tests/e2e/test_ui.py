"""The staff chat UI in a real browser: answers with sources, follow-ups, feedback, filter,
documents tab, escaping, error states, offline operation and text contrast.

Runs Debian's Chromium against the real app (uvicorn, the ingested corpus). Locators use the
UI's elem_ids and German labels; waits are generous because answers stream in.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.types import Answer, Citation, document_url
from assistant.wiring import Services
from tests.conftest import ROOT, make_settings
from tests.support.axe import axe_violations, report
from tests.support.net import free_port
from tests.support.server import LiveServer, start_server

pytestmark = pytest.mark.e2e

ANKERORTE = "mpsc_ankerorte-des-digitalen-wandels_studie.pdf"
EX_POST = "mpsc_ex-post-evaluation_strategiephasen.pdf"
FIRST_QUESTION = "Wie verstetige ich einen Makerspace?"
FOLLOW_UP = "Und welche Rolle spielt dabei das Ehrenamt?"
# a compound question: one part is answered (under its own bold heading), the other is not
PARTIAL_QUESTION = ("Wann fand der 11. Bundesländerworkshop statt und wie hoch ist das Budget für Kaffee "
                    "in der Kantine des Ministeriums?")
ANSWER_WAIT_MS = 90_000
FINISHED = "#sc-chat .sc-answer:not(.sc-pending), #sc-chat .sc-refusal, #sc-chat .sc-notice"

CONTRAST_JS = """
(selector) => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : null; };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const el = document.querySelector(selector);
  if (!el) return null;
  let bg = null;
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && (c.length < 4 || c[3] > 0.9)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const fg = parse(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


@dataclass
class UiPage:
    """One browser tab on the UI, recording every request it makes and every dialog."""

    page: Any
    origin: str
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, query: str = "") -> UiPage:
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        self.page.goto(self.origin + "/ui/" + query, wait_until="load")
        self.page.wait_for_selector("#sc-question textarea", timeout=60_000)
        return self

    def finished(self) -> Any:
        return self.page.locator(FINISHED)

    def ask(self, question: str, send_with: str = "enter") -> Any:
        """Type `question`, send it and return the locator of the finished reply."""
        before = self.finished().count()
        box = self.page.locator("#sc-question textarea")
        box.fill(question)
        if send_with == "enter":
            box.press("Enter")
        else:
            self.page.locator("#sc-send").click()
        self.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length > n", arg=[FINISHED, before],
            timeout=ANSWER_WAIT_MS)
        return self.finished().nth(before)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(self.origin + "/") and not url.startswith(("data:", "blob:"))]


@contextmanager
def ui_page(browser: Any, server: LiveServer, dark: bool = False) -> Iterator[UiPage]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 1000},
                                  color_scheme="dark" if dark else "light")
    try:
        yield UiPage(context.new_page(), server.url).open("?__theme=dark" if dark else "")
    finally:
        context.close()


@pytest.fixture
def calls(ingested_services: Services, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Arguments the UI hands to the real pipeline (which still runs unchanged)."""
    assistant = ingested_services.assistant
    real_stream = assistant.stream
    seen: list[dict[str, Any]] = []

    def recording_stream(question: str, history: Any = (), documents: Any = None) -> Any:
        seen.append({"question": question, "history": list(history), "documents": documents})
        return real_stream(question, history, documents)

    monkeypatch.setattr(assistant, "stream", recording_stream)
    return seen


def _source_links(reply: Any) -> list[str]:
    return [link.get_attribute("href") for link in reply.locator(".sc-source a").all()]


def test_chat_answers_with_sources_follow_up_and_feedback(
        browser: Any, live_server: LiveServer, ingested_services: Services,
        calls: list[dict[str, Any]], artifacts: Path) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        assert page.evaluate("document.documentElement.lang") == "de"
        assert "Smart-City-Assistent" in page.title()

        first = ui.ask(FIRST_QUESTION)
        assert "sc-answer" in (first.get_attribute("class") or ""), first.inner_text()
        # an answer with its markers and sources; the README's screenshot is
        # refreshed from it only on request, so a test run leaves the checkout clean
        page.screenshot(path=str(artifacts / "ui-answer.png"))
        if os.environ.get("SMARTCITY_UPDATE_SCREENSHOT") == "1":
            shutil.copyfile(artifacts / "ui-answer.png", ROOT / "docs" / "screenshot-ui.png")
        links = _source_links(first)
        page_link = re.compile(rf"/documents/{re.escape(ANKERORTE)}#page=\d+")
        assert any(page_link.fullmatch(href) for href in links), links
        for link in first.locator(".sc-source a").all():
            assert link.get_attribute("target") == "_blank"
            assert "noopener" in (link.get_attribute("rel") or "")
        # every [n] marker in the text links to the same PDF page as source n below
        sources = {item.locator(".sc-source-n").inner_text().strip("[]"):
                   item.locator("a").get_attribute("href") for item in first.locator(".sc-source").all()}
        markers = first.locator("a.sc-ref").all()
        assert markers, first.inner_html()
        for marker in markers:
            number = marker.inner_text().strip("[]")
            assert sources[number] == marker.get_attribute("href")
        # the quoted passage is collapsed until asked for
        quote = first.locator(".sc-quote blockquote").first
        assert not quote.is_visible()
        first.locator(".sc-quote summary").first.click()
        assert quote.is_visible() and len(quote.inner_text()) > 40

        second = ui.ask(FOLLOW_UP, send_with="button")
        assert ui.finished().count() == 2
        assert second.inner_text().strip()
        # the follow-up reached the pipeline with the plain text of the first exchange
        assert calls[-1]["question"] == FOLLOW_UP
        history = calls[-1]["history"]
        assert [(turn.role, turn.content) for turn in history][0] == ("user", FIRST_QUESTION)
        assert history[1].role == "assistant" and "Makerspace" in history[1].content
        assert "<" not in history[1].content and "Quellen" not in history[1].content

        # thumbs down on the second answer, with a comment
        comment = "UI-Test: Die Rolle des Ehrenamts fehlt."
        page.locator("#sc-chat").get_by_role("button", name="Gefällt mir nicht").last.click()
        panel = page.locator("#sc-feedback")
        panel.wait_for(state="visible", timeout=30_000)
        assert "Antwort 2" in panel.inner_text()
        assert page.get_by_label("Nicht hilfreich").is_checked()
        panel.get_by_label("Kommentar (optional)").fill(comment)
        panel.get_by_role("button", name="Feedback senden").click()
        page.get_by_text("Danke für Ihr Feedback").wait_for(timeout=30_000)
        panel.wait_for(state="hidden", timeout=30_000)
        stored = [entry for entry in ingested_services.feedback.entries() if entry.comment == comment]
        assert len(stored) == 1
        assert (stored[0].rating, stored[0].source, stored[0].question) == ("down", "ui", FOLLOW_UP)

        page.screenshot(path=str(artifacts / "ui.png"))
        assert not ui.dialogs
        assert ui.foreign_requests() == []


def test_new_conversation_forgets_the_history(
        browser: Any, live_server: LiveServer, calls: list[dict[str, Any]]) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        ui.ask(FIRST_QUESTION)
        page.locator("#sc-new-chat").click()
        page.wait_for_function("() => !document.querySelector('#sc-chat .sc-question')", timeout=30_000)
        # the example questions are offered again
        page.locator("#sc-chat").get_by_role("button", name=re.compile("Stadtlabors")).wait_for()
        ui.ask("Und welche Rolle spielen dabei Ehrenamtliche?")
        assert calls[-1]["history"] == []
        assert page.locator("#sc-chat .sc-question").count() == 1


def test_document_filter_restricts_the_search(
        browser: Any, live_server: LiveServer, calls: list[dict[str, Any]]) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        page.get_by_role("combobox", name="Nur in diesen Dokumenten suchen").click()
        page.get_by_role("option", name=re.compile(r"^Ex-Post-Evaluation")).click()
        page.locator("#sc-header").click()  # close the option list

        reply = ui.ask(FIRST_QUESTION)
        assert calls[-1]["documents"] == [EX_POST]
        # without the filter this question is answered from the Ankerorte study; now only the
        # chosen report may appear, as a source or as a suggestion
        hrefs = [link.get_attribute("href") for link in reply.locator("a").all()]
        assert hrefs, reply.inner_html()
        assert all(href.startswith(f"/documents/{EX_POST}") for href in hrefs), hrefs
        assert ui.foreign_requests() == []


def test_example_question_starts_a_conversation(browser: Any, live_server: LiveServer,
                                               calls: list[dict[str, Any]]) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        page.locator("#sc-chat").get_by_role("button", name=re.compile("11. Bundesländerworkshop")).click()
        page.wait_for_function("(sel) => document.querySelectorAll(sel).length > 0", arg=FINISHED,
                               timeout=ANSWER_WAIT_MS)
        reply = ui.finished().first
        assert calls[-1]["question"] == "Wann fand der 11. Bundesländerworkshop statt?"
        links = _source_links(reply)
        assert any(href.startswith("/documents/stadt-land-digital_bundeslaenderworkshop-11_2023.pdf#page=")
                   for href in links), reply.inner_html()
        assert "11. Bundesländerworkshop" in page.locator("#sc-chat .sc-question").first.inner_text()


def test_refusal_is_marked_and_suggests_documents(browser: Any, live_server: LiveServer) -> None:
    with ui_page(browser, live_server) as ui:
        reply = ui.ask("Wie hoch ist das Budget für Kaffee in der Kantine des Ministeriums?")
        assert "sc-refusal" in (reply.get_attribute("class") or ""), reply.inner_html()
        assert "Keine Angabe in den Dokumenten" in reply.inner_text()
        suggestions = [link.get_attribute("href") for link in reply.locator("a").all()]
        assert suggestions and all(href.startswith("/documents/") for href in suggestions)
        ratio = ui.page.evaluate(CONTRAST_JS, "#sc-chat .sc-refusal p")
        assert ratio >= 4.5, ratio
        # styled apart from answers: its own background and a coloured left border
        style = reply.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderLeftWidth]")
        assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent") and style[1] != "0px", style


def test_documents_tab_lists_the_corpus(browser: Any, live_server: LiveServer,
                                        ingested_services: Services, corpus_dir: Path) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        page.get_by_role("tab", name="Dokumente").click()
        rows = page.locator("#sc-documents table.sc-docs tbody tr")
        rows.first.wait_for(timeout=30_000)
        records = ingested_services.store.documents()  # the corpus, plus any test uploads
        files = {row.get_attribute("data-file") for row in rows.all()}
        assert rows.count() == len(records) and files == {record.file for record in records}
        assert {path.name for path in corpus_dir.glob("*.pdf")} <= files
        assert len({path.name for path in corpus_dir.glob("*.pdf")}) == 5
        for row in rows.all():
            link = row.get_by_role("link", name=re.compile("PDF öffnen"))
            assert link.get_attribute("href") == f"/documents/{row.get_attribute('data-file')}"
            assert re.search(r"\d{2}\.\d{2}\.\d{4}", row.inner_text())  # date ingested
        caption = page.locator("#sc-documents caption").inner_text()
        assert f"{len(records)} Dokumente aufgenommen" in caption
        assert f"{sum(record.pages for record in records)} Seiten" in caption
        href = page.locator("#sc-documents a").first.get_attribute("href")
        response = page.request.get(ui.origin + href)
        assert response.status == 200
        assert response.headers["content-type"].startswith("application/pdf")


# An answer in the pipeline's Markdown, with everything the UI must render or refuse to.
MARKDOWN_ANSWER = (
    "**Wann fand der Workshop statt?**\n\n"
    "Am 25. April 2023 in \\*Wismar\\*. [1] Mit <img src=\"/xss-probe.png\" onerror=\"window.__scXss = 3\"> "
    "Gästen. [2]\n\n"
    "- Räume **früh** sichern [1]\n"
    "- \\- kein Spiegelstrich <script>window.__scXss = 4</script> [2]\n\n"
    "**Wie viele Personen nahmen teil?**\n\n"
    "Dazu steht in den vorliegenden Dokumenten nichts."
)


def test_markdown_answer_is_rendered_safely(browser: Any, live_server: LiveServer, ingested_services: Services,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    citations = [Citation(n=n, document=ANKERORTE, title=f"Ankerorte {n}", page=n + 1, quote=f"Zitat {n}",
                          url=document_url(ANKERORTE, n + 1), score=1.0) for n in (1, 2)]
    answer = Answer(id="ui-markdown-test", answer=MARKDOWN_ANSWER, citations=citations, refused=False,
                    mode="extractive", language="de", unanswered=["wie viele Personen nahmen teil?"])

    def stream(question: str, history: Any = (), documents: Any = None) -> Iterator[str | Answer]:
        yield MARKDOWN_ANSWER[:50]
        yield MARKDOWN_ANSWER[50:]
        yield answer

    monkeypatch.setattr(ingested_services.assistant, "stream", stream)
    with ui_page(browser, live_server) as ui:
        page = ui.page
        reply = ui.ask("Wann fand der Workshop statt und wie viele Personen nahmen teil?")
        headings = reply.locator("h2.sc-part-title")
        assert headings.all_inner_texts() == ["Wann fand der Workshop statt?", "Wie viele Personen nahmen teil?"]
        first = reply.locator("p").first.inner_text()
        assert first.startswith("Am 25. April 2023 in *Wismar*. [1] Mit <img src=") and first.endswith("Gästen. [2]")
        items = reply.locator("ul > li")
        assert items.all_inner_texts() == ["Räume früh sichern [1]",
                                           "- kein Spiegelstrich <script>window.__scXss = 4</script> [2]"]
        assert items.first.locator("strong").inner_text() == "früh"
        hrefs = [marker.get_attribute("href") for marker in reply.locator("a.sc-ref").all()]
        assert hrefs == [f"/documents/{ANKERORTE}#page={n + 1}" for n in (1, 2, 1, 2)]
        assert "**" not in reply.inner_text() and reply.locator("em").count() == 0
        note = reply.locator(".sc-partial[role=note]")
        assert note.inner_text() == ("Teilweise beantwortet: Zu „Wie viele Personen nahmen teil?“ steht in den "
                                     "Dokumenten nichts.")
        assert reply.inner_html().index("sc-partial") < reply.inner_html().index("sc-sources")
        assert page.locator("#sc-chat img[src*='xss-probe'], #sc-chat script").count() == 0
        assert page.evaluate("window.__scXss") is None
        assert not any("xss-probe" in url for url in ui.requests) and not ui.dialogs


def test_markup_in_a_question_is_shown_as_text(browser: Any, live_server: LiveServer) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        attack = ('<script>window.__scXss = 1</script><img src="/xss-probe.png" '
                  'onerror="window.__scXss = 2"> Was ist ein <b>Stadtlabor</b>?')
        ui.ask(attack)
        user = page.locator("#sc-chat .sc-question").last
        assert "<script>window.__scXss = 1</script>" in user.inner_text()
        assert "<b>Stadtlabor</b>" in user.inner_text()
        assert page.locator("#sc-chat img[src*='xss-probe'], #sc-chat .sc-question b").count() == 0
        assert page.evaluate("window.__scXss") is None
        assert not any("xss-probe" in url for url in ui.requests)
        assert not ui.dialogs


def test_too_long_question_is_rejected_with_a_message(browser: Any, live_server: LiveServer,
                                                      live_settings: Any) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        too_long = "Makerspace " * (live_settings.max_question_chars // 10 + 5)
        box = page.locator("#sc-question textarea")
        box.fill(too_long)
        box.press("Enter")
        status = page.locator("#sc-status .sc-notice-error")
        status.wait_for(timeout=30_000)
        assert "zu lang" in status.inner_text()
        assert str(live_settings.max_question_chars) in status.inner_text()
        assert page.locator("#sc-chat .sc-question").count() == 0
        assert box.input_value() == too_long  # kept, so it can be shortened


def test_text_contrast_meets_wcag_aa(browser: Any, live_server: LiveServer) -> None:
    with ui_page(browser, live_server) as ui:
        page = ui.page
        ui.ask(FIRST_QUESTION)
        selectors = ["#sc-header h1", "#sc-header p", "#sc-chat .sc-answer p", "#sc-chat .sc-source a",
                     "#sc-chat .sc-source-n", "#sc-chat a.sc-ref", "#sc-chat .sc-quote summary",
                     "#sc-send", "#sc-new-chat", "#sc-help p", "#sc-filter .info-text"]
        ratios = {selector: page.evaluate(CONTRAST_JS, selector) for selector in selectors}
        assert None not in ratios.values(), ratios
        assert all(ratio >= 4.5 for ratio in ratios.values()), ratios


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_no_wcag_violations_with_an_answer_on_screen(browser: Any, live_server: LiveServer, dark: bool) -> None:
    """axe-core finds nothing against WCAG 2.1 A/AA (BITV 2.0): chat with a partial answer (part
    headings, markers, the note on the unanswered part, an opened quote), then the documents tab."""
    with ui_page(browser, live_server, dark=dark) as ui:
        page = ui.page
        reply = ui.ask(PARTIAL_QUESTION)
        assert reply.locator("a.sc-ref").count() and reply.locator(".sc-partial").count(), reply.inner_html()
        reply.locator(".sc-quote summary").first.click()
        violations = axe_violations(page)
        assert not violations, report(violations)

        page.get_by_role("tab", name="Dokumente").click()
        page.locator("#sc-documents table.sc-docs tbody tr").first.wait_for(timeout=30_000)
        violations = axe_violations(page)
        assert not violations, report(violations)


# --- the UI when parts are missing or down ------------------------------------------------

@contextmanager
def server_for(settings: Any) -> Iterator[LiveServer]:
    server = start_server(settings, Services(settings))
    try:
        yield server
    finally:
        server.stop()


def test_empty_store_is_explained(browser: Any, small_settings: Any) -> None:
    with server_for(small_settings) as server, ui_page(browser, server) as ui:
        banner = ui.page.locator("#sc-banner")
        banner.get_by_text("Es sind noch keine Dokumente aufgenommen").wait_for(timeout=30_000)
        reply = ui.ask(FIRST_QUESTION)
        assert "Es sind noch keine Dokumente aufgenommen" in reply.inner_text()
        ui.page.get_by_role("tab", name="Dokumente").click()
        ui.page.locator("#sc-documents").get_by_text("Es sind noch keine Dokumente").wait_for(timeout=30_000)
        assert ui.foreign_requests() == []


def test_unreachable_store_is_explained(browser: Any, tmp_path: Path, corpus_dir: Path) -> None:
    settings = make_settings(tmp_path / "data", corpus_dir, chroma_url=f"http://127.0.0.1:{free_port()}")
    with server_for(settings) as server, ui_page(browser, server) as ui:
        ui.page.locator("#sc-banner").get_by_text("nicht erreichbar").wait_for(timeout=60_000)
        reply = ui.ask(FIRST_QUESTION)
        assert "sc-notice-error" in (reply.get_attribute("class") or "")
        assert "Die Dokumentensuche ist gerade nicht erreichbar" in reply.inner_text()
        assert "Traceback" not in ui.page.content()


def test_unreachable_llm_is_explained(browser: Any, ingested_services: Services) -> None:
    base = ingested_services.settings
    settings = make_settings(base.data_dir, base.corpus_dir, answer={"mode": "llm"},
                             llm={"base_url": f"http://127.0.0.1:{free_port()}/v1", "model": "offline",
                                  "fallback_extractive": False, "timeout_s": 5})
    with server_for(settings) as server, ui_page(browser, server) as ui:
        reply = ui.ask(FIRST_QUESTION)
        assert "sc-notice-error" in (reply.get_attribute("class") or ""), reply.inner_html()
        assert "Sprachmodell" in reply.inner_text() and "nicht erreichbar" in reply.inner_text()
        # the page keeps working: the next question gets the same clear message, no traceback
        ui.ask("Welche Erfolgsfaktoren gibt es für den Betrieb eines Stadtlabors?")
        assert "Traceback" not in ui.page.content()
