"""The embeddable widget in a real browser, on a page from another origin."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.axe import axe_violations, report
from tests.support.net import free_port

pytestmark = pytest.mark.e2e

WORKSHOP = "stadt-land-digital_bundeslaenderworkshop-11_2023.pdf"
# the widget's own elements only: the (deliberately bad) host page is not ours to judge
WIDGET = {"include": [["smartcity-chat"]]}
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> Was ist ein Makerspace?'

# Deliberately hostile host CSS: none of it may reach the widget.
HOST_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Stadtportal</title>
<style>
  body {{ font-family: "Comic Sans MS", cursive; color: rgb(255, 0, 0); font-size: 30px; }}
  * {{ letter-spacing: 7px !important; box-sizing: content-box !important; }}
  button {{ background: rgb(255, 0, 255) !important; color: rgb(0, 255, 0) !important; }}
  div, section, p, a {{ display: inline !important; border: 5px dashed lime !important; }}
  smartcity-chat {{ opacity: 0.1; }}
</style></head>
<body>
  <h1>Stadtportal Beispielhausen</h1>
  <p><a href="#inhalt">Zum Inhalt</a></p>
  <script src="{api}/widget.js" data-title="Fragen an das Stadtportal" data-lang="de" data-accent="#0a5"></script>
</body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(directory: Path, port: int) -> tuple[http.server.ThreadingHTTPServer, threading.Thread]:
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="module")
def host_page(live_server: Any, widget_origin_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The host page on the origin that CORS allows."""
    folder = tmp_path_factory.mktemp("host-page")
    (folder / "index.html").write_text(HOST_PAGE.format(api=live_server.url), encoding="utf-8")
    server, thread = _serve(folder, widget_origin_port)
    yield f"http://127.0.0.1:{widget_origin_port}/index.html"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="de-DE")
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))  # type: ignore[attr-defined]
    yield tab
    context.close()


def _focus_in_widget(page: Any) -> str:
    return str(page.evaluate("""() => {
        const host = document.querySelector('smartcity-chat');
        if (document.activeElement !== host) return '';
        const el = host.shadowRoot.activeElement;
        return el ? (el.id || el.className || el.tagName) : '';
    }"""))


def _tab_to_launcher(page: Any) -> None:
    for _ in range(10):
        page.keyboard.press("Tab")
        if _focus_in_widget(page) == "launcher":
            return
    pytest.fail("the chat button cannot be reached with the Tab key")


def _ask(page: Any, question: str) -> None:
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.locator("smartcity-chat .send:not([disabled])").wait_for()
    page.locator("smartcity-chat .msg.bot:not([aria-busy])").last.wait_for()


def test_widget_answers_with_citation_links(page: Any, host_page: str, live_server: Any, artifacts: Path) -> None:
    requests: list[Any] = []
    page.on("request", lambda request: requests.append(request) if "/v1/ask/stream" in request.url else None)
    page.goto(host_page, wait_until="load")

    _tab_to_launcher(page)
    launcher = page.locator("smartcity-chat .launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.locator("smartcity-chat [role=dialog]").is_visible()
    assert _focus_in_widget(page) == "sc-input"

    _ask(page, "Wann fand der 11. Bundesländerworkshop statt?")
    answer = page.locator("smartcity-chat .msg.bot").last
    assert "25. April 2023" in answer.locator(".answer").inner_text()
    link = answer.locator(".citations a").first
    href = link.get_attribute("href")
    assert re.fullmatch(rf"{re.escape(live_server.url)}/documents/{re.escape(WORKSHOP)}#page=\d+", href or ""), href
    assert link.get_attribute("target") == "_blank" and "noopener" in (link.get_attribute("rel") or "")
    assert "S." in link.inner_text()
    # [n] markers in the text link to the same pages
    assert answer.locator(".answer a.marker").first.get_attribute("href", timeout=1000).startswith(live_server.url)
    # screen readers get the finished answer once, via the live region
    live = page.locator("smartcity-chat [aria-live=polite]")
    assert "25. April 2023" in live.text_content()
    page.screenshot(path=str(artifacts / "widget-answer.png"))

    # the follow-up carries the conversation
    page.locator("smartcity-chat #sc-input").focus()
    _ask(page, "Und wo fand er statt?")
    body = requests[-1].post_data_json
    assert [turn["role"] for turn in body["history"]] == ["user", "assistant"]
    assert "Bundesländerworkshop" in body["history"][0]["content"]
    assert "Wismar" in page.locator("smartcity-chat .msg.bot").last.inner_text()

    # feedback buttons work across origins
    with page.expect_response(lambda response: "/v1/feedback" in response.url) as feedback:
        page.locator("smartcity-chat .msg.bot").last.locator("button[data-rating=up]").click()
    assert feedback.value.status == 201

    # Escape closes and returns focus to the chat button
    page.locator("smartcity-chat #sc-input").focus()
    page.keyboard.press("Escape")
    assert not page.locator("smartcity-chat [role=dialog]").is_visible()
    assert _focus_in_widget(page) == "launcher"
    assert page.errors == []  # type: ignore[attr-defined]


def test_host_page_css_does_not_leak_in(page: Any, host_page: str) -> None:
    page.goto(host_page, wait_until="load")
    page.locator("smartcity-chat .launcher").click()
    styles = page.evaluate("""() => {
        const root = document.querySelector('smartcity-chat').shadowRoot;
        const style = (selector) => getComputedStyle(root.querySelector(selector));
        const button = style('.launcher'), panel = style('.panel'), text = style('.intro');
        return {buttonBg: button.backgroundColor, buttonColor: button.color, font: text.fontFamily,
                color: style('.root').color, spacing: text.letterSpacing, size: style('.root').fontSize,
                panelDisplay: panel.display, panelBorder: panel.borderTopStyle, sizing: panel.boxSizing};
    }""")
    assert styles["buttonBg"] == "rgb(0, 170, 85)"  # data-accent="#0a5"
    assert styles["buttonColor"] == "rgb(17, 17, 17)"  # dark text: white on #0a5 would fail WCAG AA
    assert "Comic" not in styles["font"] and styles["font"].startswith("system-ui")
    assert styles["color"] == "rgb(26, 26, 26)"
    assert styles["spacing"] == "normal" and styles["size"] == "16px"
    assert styles["panelDisplay"] == "flex" and styles["panelBorder"] == "solid"
    assert styles["sizing"] == "border-box"


def test_question_markup_is_shown_as_text(page: Any, host_page: str) -> None:
    page.goto(host_page, wait_until="load")
    page.locator("smartcity-chat .launcher").click()
    page.locator("smartcity-chat #sc-input").focus()
    _ask(page, XSS)
    shown = page.locator("smartcity-chat .msg.user p").last.text_content()
    assert shown == XSS
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelector('smartcity-chat').shadowRoot.querySelectorAll("
                         "'img, script').length") == 0
    assert page.locator("img").count() == 0


def test_a_page_from_an_origin_outside_the_allowlist_gets_a_kind_error(
        page: Any, live_server: Any, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(HOST_PAGE.format(api=live_server.url), encoding="utf-8")
    server, thread = _serve(tmp_path, free_port())
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html", wait_until="load")
        page.locator("smartcity-chat .launcher").click()
        page.locator("smartcity-chat #sc-input").fill("Wie verstetige ich einen Makerspace?")
        page.keyboard.press("Enter")
        alert = page.locator("smartcity-chat [role=alert]")
        alert.wait_for()
        assert "nicht erreichbar" in alert.inner_text()
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_demo_page_works_under_its_strict_csp(page: Any, live_server: Any) -> None:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/widget/demo", wait_until="load")
    page.locator("smartcity-chat .launcher").click()
    page.locator("smartcity-chat #sc-input").focus()
    _ask(page, "Wie verstetige ich einen Makerspace?")
    link = page.locator("smartcity-chat .citations a").first.get_attribute("href") or ""
    assert link.startswith(f"{live_server.url}/documents/") and "#page=" in link
    assert violations == []


def test_widget_has_no_wcag_violations(page: Any, host_page: str) -> None:
    """axe-core finds nothing against WCAG 2.1 A/AA (BITV 2.0): the closed launcher, the open chat
    with an answer and its sources, on a host page whose CSS tries to interfere."""
    page.goto(host_page, wait_until="load")
    violations = axe_violations(page, WIDGET)
    assert not violations, report(violations)

    page.locator("smartcity-chat .launcher").click()
    page.locator("smartcity-chat #sc-input").focus()
    _ask(page, "Wann fand der 11. Bundesländerworkshop statt?")
    answer = page.locator("smartcity-chat .msg.bot").last
    assert answer.locator("a.marker").count()
    answer.locator("details summary").first.click()
    violations = axe_violations(page, WIDGET)
    assert not violations, report(violations)


# An answer in the service's Markdown, with everything the widget must render or refuse to.
MARKDOWN_ANSWER = (
    "**Wann fand der Workshop statt?**\n\n"
    "Am 25. April 2023 in \\*Wismar\\*. [1] Mit <img src=x onerror=\"window.__xss=3\"> Gästen. [2]\n"
    "Zweite Zeile [9].\n\n"
    "- Räume **früh** sichern [1]\n"
    "- \\- kein Spiegelstrich <script>window.__xss=4</script> [2]\n\n"
    "**Wie viele Personen nahmen teil?**\n\n"
    "Dazu steht in den vorliegenden Dokumenten nichts."
)


def _visible(locator: Any) -> list[str]:
    """The text of each element as shown, without the screen-reader-only hints ("opens in a new tab")."""
    return list(locator.evaluate_all("""(nodes) => nodes.map((node) => {
        const copy = node.cloneNode(true);
        copy.querySelectorAll('.sr-only').forEach((hint) => hint.remove());
        return copy.textContent;
    })"""))


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def test_markdown_answer_is_rendered_with_elements_and_partial_note(
        page: Any, host_page: str, live_server: Any, artifacts: Path) -> None:
    citations = [{"n": n, "document": WORKSHOP, "title": f"Workshop {n}", "page": n, "quote": f"Zitat {n}",
                  "url": f"/documents/{WORKSHOP}#page={n}", "score": 1.0} for n in (1, 2)]
    done = {"id": "md-test", "answer": MARKDOWN_ANSWER, "refused": False, "mode": "extractive",
            "language": "de", "citations": citations, "suggestions": [], "partial": True,
            "unanswered": ["wie viele Personen nahmen teil?"], "evidence_score": 0.9, "timings_ms": {}}
    tokens = [MARKDOWN_ANSWER[:40], MARKDOWN_ANSWER[40:]]
    body = "".join(_sse("token", {"text": token}) for token in tokens) + _sse("citations", {"citations": citations})
    body += _sse("done", done)
    origin = host_page.rsplit("/", 1)[0]

    def fulfil(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()  # the CORS preflight goes to the real server
            return
        route.fulfill(status=200, body=body, headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Access-Control-Allow-Origin": origin})

    page.route(f"{live_server.url}/v1/ask/stream", fulfil)
    page.goto(host_page, wait_until="load")
    page.locator("smartcity-chat .launcher").click()
    page.locator("smartcity-chat #sc-input").focus()
    _ask(page, "Wann fand der Workshop statt und wie viele Personen nahmen teil?")
    answer = page.locator("smartcity-chat .msg.bot").last
    rendered = answer.locator(".answer")
    headings = rendered.locator("h3.part")
    assert headings.all_inner_texts() == ["Wann fand der Workshop statt?", "Wie viele Personen nahmen teil?"]
    paragraphs = _visible(rendered.locator("p"))
    assert paragraphs[0].startswith("Am 25. April 2023 in *Wismar*. [1] Mit <img src=x") and "Gästen." in paragraphs[0]
    assert paragraphs[0].endswith("Zweite Zeile [9].")  # a single newline joins lines; [9] names no source
    assert paragraphs[1] == "Dazu steht in den vorliegenden Dokumenten nichts."
    items = rendered.locator("ul > li")
    assert items.count() == 2
    assert _visible(items) == ["Räume früh sichern [1]", "- kein Spiegelstrich <script>window.__xss=4</script> [2]"]
    assert items.nth(0).locator("strong").inner_text() == "früh"
    markers = rendered.locator("a.marker")
    assert markers.count() == 4
    hrefs = [marker.get_attribute("href") for marker in markers.all()]
    assert hrefs == [f"{live_server.url}/documents/{WORKSHOP}#page={n}" for n in (1, 2, 1, 2)]
    assert "**" not in rendered.inner_text() and rendered.locator("em").count() == 0
    assert markers.first.get_attribute("title") == "Workshop 1, S. 1"
    # the partial answer is marked, visibly and for screen readers
    note = answer.locator(".partial[role=note]")
    assert note.inner_text() == ("Teilweise beantwortet: Zu „Wie viele Personen nahmen teil?“ steht in den "
                                 "Dokumenten nichts.")
    live = page.locator("smartcity-chat [aria-live=polite]").text_content() or ""
    assert "Teilweise beantwortet" in live and "**" not in live and "öffnet in neuem Tab" not in live
    # nothing from the text became markup
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => document.querySelector('smartcity-chat').shadowRoot"
                         ".querySelectorAll('img, script').length") == 0
    page.screenshot(path=str(artifacts / "widget-markdown.png"))
    violations = axe_violations(page, WIDGET)
    assert not violations, report(violations)
    assert page.errors == []  # type: ignore[attr-defined]
