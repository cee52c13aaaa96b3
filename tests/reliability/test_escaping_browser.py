"""Markup inside a document is shown as text in the staff UI and in the widget, never run.

A PDF whose text and title carry `<script>` and `<img onerror>` is uploaded through the admin
API into a server of its own. Its answer quotes that text, so the markup reaches the browser
in the answer, the quote, the source title, the suggestions and the documents table. In
Debian's Chromium: `window.__pwned` stays undefined and the text appears literally.
(tests/e2e covers markup typed into the question; this covers markup from documents.)
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from assistant.wiring import Services
from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_ui import ui_page
from tests.reliability.conftest import fresh_services
from tests.support.net import free_port
from tests.support.pdfs import pdf_bytes
from tests.support.server import LiveServer, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
TITLE = '<img src=x onerror="window.__pwned=2">Zukunftshafen <b>Bericht</b>'
QUESTION = "Wann eröffnete die Stadt Quellbrunn den Zukunftshafen?"
REFUSED_QUESTION = "Wie hoch ist das Budget für Kaffee in der Kantine des Ministeriums?"
FILE = "zukunftshafen-markup.pdf"
HOST_PAGE = """<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Stadtportal</title></head>
<body><h1>Stadtportal</h1><script src="{api}/widget.js" data-lang="de"></script></body></html>
"""
NO_MARKUP_RAN = """() => window.__pwned === undefined"""


@dataclass
class Markup:
    server: LiveServer
    host_page: str


@pytest.fixture(scope="module")
def markup(tmp_path_factory: pytest.TempPathFactory, ingested_services: Services) -> Iterator[Markup]:
    root = tmp_path_factory.mktemp("markup")
    (root / "corpus").mkdir()
    (root / "site").mkdir()
    origin_port = free_port()
    services = fresh_services(ingested_services, root / "data", root / "corpus",
                              cors_origins=[f"http://127.0.0.1:{origin_port}"])
    server = start_server(services.settings, services)
    content = pdf_bytes([[
        "Kapitel 1: Der Zukunftshafen Quellbrunn",
        f"Die Stadt Quellbrunn eröffnete am 4. Oktober 2029 {SCRIPT}",
        f"{IMG} den Zukunftshafen.",
        "Der Zukunftshafen ist ein Reallabor für autonome Lastenräder.",
        "Betrieben wird er von der Quellbrunner Hafengenossenschaft <b>fett</b> &amp; mehr."]], title=TITLE)
    with httpx.Client(base_url=server.url, timeout=120) as client:
        uploaded = client.post("/v1/documents", files={"file": (FILE, content, "application/pdf")},
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        assert uploaded.status_code == 201, uploaded.text
        answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    # the markup really reaches the clients: in the answer, the quote and the title
    assert answer["refused"] is False and SCRIPT in answer["answer"] and IMG in answer["answer"], answer
    assert IMG in answer["citations"][0]["quote"] and answer["citations"][0]["title"] == TITLE, answer
    (root / "site" / "index.html").write_text(HOST_PAGE.format(api=server.url), encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(root / "site"))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", origin_port), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield Markup(server, f"http://127.0.0.1:{origin_port}/index.html")
    site.shutdown()
    thread.join(timeout=5)
    server.stop()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_gradio_ui_shows_document_markup_as_text(browser: Any, markup: Markup) -> None:
    with ui_page(browser, markup.server) as ui:
        page = ui.page
        reply = ui.ask(QUESTION)
        assert "sc-answer" in (reply.get_attribute("class") or ""), reply.inner_html()
        shown = reply.locator("p").first.inner_text()
        assert SCRIPT in shown and IMG in shown, shown
        reply.locator(".sc-quote summary").first.click()
        assert IMG in reply.locator(".sc-quote blockquote").first.inner_text()
        assert TITLE in reply.locator(".sc-source a").first.inner_text()
        assert reply.locator("img, script, b").count() == 0, reply.inner_html()

        refusal = ui.ask(REFUSED_QUESTION)  # suggestions show the title too
        assert "sc-refusal" in (refusal.get_attribute("class") or ""), refusal.inner_html()
        assert TITLE in refusal.inner_text() and refusal.locator("img, b").count() == 0

        page.get_by_role("tab", name="Dokumente").click()
        row = page.locator(f'#sc-documents tr[data-file="{FILE}"]')
        row.wait_for(timeout=30_000)
        assert TITLE in row.inner_text() and row.locator("img, b").count() == 0

        assert page.evaluate(NO_MARKUP_RAN)
        assert page.locator("img[src='x']").count() == 0
        assert not ui.dialogs
        assert not any(url.endswith("/x") for url in ui.requests), "the injected <img> was loaded"


@pytest.fixture
def widget_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="de-DE", viewport={"width": 1200, "height": 900})
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.requested = []  # type: ignore[attr-defined]
    tab.on("request", lambda request: tab.requested.append(request.url))  # type: ignore[attr-defined]
    yield tab
    context.close()


def _widget_ask(page: Any, question: str) -> Any:
    page.locator("smartcity-chat #sc-input").fill(question)
    page.locator("smartcity-chat #sc-input").press("Enter")
    page.locator("smartcity-chat .send:not([disabled])").wait_for()
    reply = page.locator("smartcity-chat .msg.bot:not([aria-busy])").last
    reply.wait_for()
    return reply


def test_widget_on_another_origin_shows_document_markup_as_text(widget_page: Any, markup: Markup) -> None:
    page = widget_page
    page.goto(markup.host_page, wait_until="load")
    page.locator("smartcity-chat .launcher").click()
    reply = _widget_ask(page, QUESTION)
    shown = reply.locator("p").first.text_content()
    assert SCRIPT in shown and IMG in shown, shown
    citation = reply.locator(".citations li").first
    assert TITLE in citation.locator("a").text_content()
    assert IMG in citation.locator("blockquote").text_content()

    refusal = _widget_ask(page, REFUSED_QUESTION)
    assert TITLE in refusal.locator(".suggestions a").first.text_content()

    assert page.evaluate(NO_MARKUP_RAN)
    injected = page.evaluate("""() => document.querySelector('smartcity-chat').shadowRoot
        .querySelectorAll('img, script, b').length""")
    assert injected == 0
    assert page.locator("img").count() == 0
    assert not any(url.endswith("/x") for url in page.requested), "the injected <img> was loaded"
