"""The staff UI: a German chat over the assistant, with sources, document filter and feedback.

`build_ui(services, settings)` returns the `gr.Blocks`; the API mounts them at /ui with
`gr.mount_gradio_app(app, build_ui(...), path="/ui", **mount_options(settings))`, which adds the
local theme and CSS (Gradio 6 takes those at mount time). Gradio is imported inside functions
only, so importing this module is cheap.

Three layers in one file: HTML rendering (pure functions, everything from users or PDFs goes
through `html.escape`), `ChatController` (talks to the services, knows no Gradio) and
`build_ui` (layout and event wiring).
"""

import html
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from assistant.answer.types import Answer, Citation, Suggestion, document_url
from assistant.errors import (
    InvalidRequestError,
    LLMUnavailableError,
    NotFoundError,
    StoreMismatchError,
    StoreUnavailableError,
)
from assistant.query import Turn

if TYPE_CHECKING:  # no `from __future__ import annotations`: Gradio reads the LikeData hint
    import gradio as gr

    from assistant.settings import Settings
    from assistant.wiring import Services
    from vectorstore.chroma import DocumentRecord

log = logging.getLogger(__name__)

TITLE = "Smart-City-Assistent"
EXAMPLES = (
    "Wie verstetige ich einen Makerspace?",
    "Wann fand der 11. Bundesländerworkshop statt?",
    "Welche Erfolgsfaktoren gibt es für den Betrieb eines Stadtlabors?",
    "Wie hoch ist das durchschnittliche Fördervolumen je Modellprojekt in der Strategiephase?",
)
CONCURRENT_ANSWERS = 4  # sessions answered at once; more wait in Gradio's queue

MSG_EMPTY_STORE = ("Es sind noch keine Dokumente aufgenommen. Sobald die Berichte aufgenommen "
                   "sind (z. B. mit <code>smartcity ingest</code>), können Sie hier Fragen stellen.")
MSG_STORE_DOWN = ("Die Dokumentensuche ist gerade nicht erreichbar. Bitte versuchen Sie es in "
                  "einigen Minuten erneut; bleibt das Problem bestehen, informieren Sie bitte "
                  "den IT-Betrieb.")
MSG_STORE_MISMATCH = ("Der Dokumentenbestand passt nicht zur Konfiguration des Assistenten. "
                      "Bitte informieren Sie den IT-Betrieb.")
MSG_LLM_DOWN = ("Der Sprachdienst, der die Antworten formuliert, ist gerade nicht erreichbar. "
                "Bitte versuchen Sie es in einigen Minuten erneut.")
MSG_TOO_LONG = ("Ihre Frage ist mit {length} Zeichen zu lang (höchstens {limit}). "
                "Bitte kürzen Sie sie.")
MSG_INVALID = "Diese Anfrage kann nicht verarbeitet werden. Bitte formulieren Sie Ihre Frage neu."
MSG_EMPTY_QUESTION = "Bitte geben Sie zuerst eine Frage ein."
MSG_UNKNOWN_DOCUMENT = ("Mindestens eines der ausgewählten Dokumente ist nicht mehr vorhanden. "
                        "Bitte laden Sie die Seite neu und passen Sie die Dokumentauswahl an.")
MSG_UNEXPECTED = ("Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es erneut; "
                  "der Fehler wurde protokolliert.")
MSG_THANKS = "Danke für Ihr Feedback! Es hilft uns, den Assistenten zu verbessern."
MSG_FEEDBACK_FAILED = ("Ihr Feedback konnte leider nicht gespeichert werden. "
                       "Bitte versuchen Sie es später erneut.")
MSG_NO_FEEDBACK_TARGET = "Bewerten können Sie nur Antworten des Assistenten."
MSG_PENDING = "Suche in den Dokumenten …"

NoticeKind = Literal["info", "error", "ok"]
Rating = Literal["up", "down"]
_MARKER = re.compile(r"\[(\d{1,3})\]")
_PAGE = re.compile(r"#page=(\d+)$")


# --- rendering (pure; every text from users or documents is escaped) ----------------------

def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _link(url: str, text: str, css_class: str = "", title: str = "") -> str:
    """A link that opens in a new tab; `text` must already be escaped."""
    attributes = f' class="{css_class}"' if css_class else ""
    attributes += f' title="{_esc(title)}"' if title else ""
    return f'<a href="{_esc(url)}" target="_blank" rel="noopener noreferrer"{attributes}>{text}</a>'


def _paragraphs(escaped: str) -> str:
    """Blank lines become paragraphs, single newlines line breaks (Markdown is not applied)."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", escaped) if block.strip()]
    return "".join(f"<p>{block.replace(chr(10), '<br>')}</p>" for block in blocks)


def render_notice(message: str, kind: NoticeKind = "info") -> str:
    """A coloured message box; `message` is trusted HTML written in this module."""
    role = "alert" if kind == "error" else "status"
    return f'<div class="sc-notice sc-notice-{kind}" role="{role}"><p>{message}</p></div>'


def render_question(text: str) -> str:
    """The user's question, shown literally (no HTML, no Markdown)."""
    return f'<div class="sc-question">{_paragraphs(_esc(text))}</div>'


def render_pending(partial: str) -> str:
    """An answer while it streams in."""
    body = _paragraphs(_esc(partial)) if partial.strip() else f'<p class="sc-pending-label">{MSG_PENDING}</p>'
    cursor = '<span class="sc-cursor" aria-hidden="true">▍</span>'
    return f'<div class="sc-answer sc-pending" aria-busy="true">{body}{cursor}</div>'


def render_answer(answer: Answer, base_url: str = "") -> str:
    """A finished answer: text with linked [n] markers and its sources, or a refusal."""
    if answer.refused:
        return render_refusal(answer, base_url)
    by_number = {citation.n: citation for citation in answer.citations}

    def marker(match: re.Match[str]) -> str:
        citation = by_number.get(int(match.group(1)))
        if citation is None:
            return match.group(0)
        title = f"Quelle {citation.n}: {citation.title}, S. {citation.page}"
        return _link(base_url + citation.url, f"[{citation.n}]", "sc-ref", title)

    text = _MARKER.sub(marker, _paragraphs(_esc(answer.answer)))
    return f'<div class="sc-answer">{text}{render_sources(answer.citations, base_url)}</div>'


def render_sources(citations: Sequence[Citation], base_url: str = "") -> str:
    """Numbered sources: title and page as a link to the PDF page, the quote collapsible."""
    if not citations:
        return ""
    items = []
    for citation in citations:
        link = _link(base_url + citation.url, f"{_esc(citation.title)}, S. {citation.page}")
        items.append(
            f'<li class="sc-source"><span class="sc-source-n">[{citation.n}]</span>{link}'
            '<details class="sc-quote"><summary>Zitierte Textstelle anzeigen</summary>'
            f"<blockquote>{_esc(citation.quote)}</blockquote></details></li>")
    return (f'<div class="sc-sources"><p class="sc-sources-title">Quellen</p>'
            f'<ol class="sc-source-list">{"".join(items)}</ol></div>')


def render_refusal(answer: Answer, base_url: str = "") -> str:
    """'No statement in the documents', with documents that may still help."""
    parts = ['<div class="sc-refusal" role="note">',
             '<p class="sc-refusal-title">Keine Angabe in den Dokumenten</p>',
             _paragraphs(_esc(answer.answer))]
    if answer.suggestions:
        parts.append("<p>Diese Dokumente behandeln verwandte Themen:</p><ul>")
        parts.extend(f"<li>{_suggestion(suggestion, base_url)}</li>" for suggestion in answer.suggestions)
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _suggestion(suggestion: Suggestion, base_url: str) -> str:
    page = _PAGE.search(suggestion.url)
    where = f" (ab S. {page.group(1)})" if page else ""
    return _link(base_url + suggestion.url, _esc(suggestion.title)) + where


def short_title(record: "DocumentRecord", limit: int = 70) -> str:
    """A title short enough for the filter: the part before the dash, plus the year."""
    title = record.title.split(" – ")[0].strip() or record.file
    if len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return f"{title} ({record.year})" if record.year and str(record.year) not in title else title


def format_date(iso: str) -> str:
    """'2026-11-23T17:48:35+00:00' -> '23.11.2026'."""
    try:
        return datetime.fromisoformat(iso).strftime("%d.%m.%Y")
    except ValueError:
        return iso


def render_documents(records: Sequence["DocumentRecord"], base_url: str = "") -> str:
    """The indexed documents as an accessible table with links to the PDFs."""
    if not records:
        return render_notice(MSG_EMPTY_STORE, "info")
    rows = []
    for record in records:
        url = base_url + document_url(record.file)
        link = _link(url, f'PDF öffnen<span class="sc-visually-hidden">: {_esc(record.title)}</span>')
        meta = [_esc(record.publisher)] if record.publisher else []
        meta.append(_esc(record.file))
        title = f'<span class="sc-doc-title">{_esc(record.title)}</span>' + "".join(
            f'<br><span class="sc-doc-meta">{line}</span>' for line in meta)
        rows.append(
            f'<tr data-file="{_esc(record.file)}"><td>{title}</td>'
            f'<td class="sc-num">{record.year or "–"}</td><td class="sc-num">{record.pages}</td>'
            f'<td class="sc-num">{record.chunks}</td><td>{_esc(format_date(record.ingested_at))}</td>'
            f"<td>{link}</td></tr>")
    pages = sum(record.pages for record in records)
    chunks = sum(record.chunks for record in records)
    noun = "Dokument" if len(records) == 1 else "Dokumente"
    caption = f"{len(records)} {noun} aufgenommen · {pages} Seiten · {chunks} Textabschnitte"
    head = ('<tr><th scope="col">Titel</th><th scope="col" class="sc-num">Jahr</th>'
            '<th scope="col" class="sc-num">Seiten</th><th scope="col" class="sc-num">Abschnitte</th>'
            '<th scope="col">Aufgenommen am</th><th scope="col">PDF</th></tr>')
    return (f'<table class="sc-docs"><caption>{caption}</caption><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def error_message(exc: Exception) -> str:
    """The German message for a project error (unexpected errors get a generic one)."""
    if isinstance(exc, StoreUnavailableError):
        return MSG_STORE_DOWN
    if isinstance(exc, StoreMismatchError):
        return MSG_STORE_MISMATCH
    if isinstance(exc, LLMUnavailableError):
        return MSG_LLM_DOWN
    if isinstance(exc, NotFoundError):
        return MSG_UNKNOWN_DOCUMENT
    if isinstance(exc, InvalidRequestError):
        return MSG_INVALID
    return MSG_UNEXPECTED


def _notice_message(message: str) -> dict[str, str]:
    return {"role": "assistant", "content": render_notice(message, "error")}


# --- behaviour (no Gradio) -----------------------------------------------------------------

@dataclass
class Conversation:
    """One browser session's chat: what is shown, what the pipeline sees, which answer is where."""

    messages: list[dict[str, str]] = field(default_factory=list)  # Chatbot messages (HTML content)
    turns: list[Turn] = field(default_factory=list)  # plain text of earlier turns, for follow-ups
    answers: dict[int, str] = field(default_factory=dict)  # message index -> answer id


@dataclass(frozen=True)
class FeedbackTarget:
    """The answer a thumb was clicked on, waiting for an optional comment."""

    answer_id: str
    rating: Rating
    number: int  # 1-based position among the assistant's answers, for the panel title


class ChatController:
    """Answers, documents and feedback for the UI; returns display-ready values."""

    def __init__(self, services: "Services", settings: "Settings") -> None:
        self.services = services
        self.settings = settings
        self.base_url = settings.public_url.rstrip("/")

    # documents
    def documents(self) -> tuple[list["DocumentRecord"], str]:
        """The indexed documents, and a notice when there are none or the store is down."""
        try:
            records = list(self.services.knowledge_base.snapshot().documents)
        except (StoreUnavailableError, StoreMismatchError) as exc:
            return [], render_notice(error_message(exc), "error")
        return records, "" if records else render_notice(MSG_EMPTY_STORE, "info")

    # asking
    def check_question(self, question: str) -> str:
        """An error notice for a question that cannot be sent, else ''."""
        text = question.strip()
        if not text:
            return render_notice(MSG_EMPTY_QUESTION, "info")
        if len(text) > self.settings.max_question_chars:
            message = MSG_TOO_LONG.format(length=len(text), limit=self.settings.max_question_chars)
            return render_notice(message, "error")
        return ""

    def answer(self, question: str, conversation: Conversation,
               documents: Sequence[str] | None) -> Iterator[Conversation]:
        """Append the question and stream the answer into `conversation`, yielding after each step."""
        text = question.strip()
        messages = conversation.messages
        messages.append({"role": "user", "content": render_question(text)})
        messages.append({"role": "assistant", "content": render_pending("")})
        yield conversation
        try:
            records, notice = self.documents()
            if not records:
                messages[-1] = {"role": "assistant", "content": notice}
                yield conversation
                return
            limit = self.settings.max_history_turns
            history = conversation.turns[-limit:] if limit else []
            result: Answer | None = None
            partial = ""
            chosen = list(documents or []) or None
            for item in self.services.assistant.stream(text, history=history, documents=chosen):
                if isinstance(item, Answer):
                    result = item
                else:
                    partial += item
                    messages[-1] = {"role": "assistant", "content": render_pending(partial)}
                    yield conversation
        except (StoreUnavailableError, StoreMismatchError, LLMUnavailableError, NotFoundError,
                InvalidRequestError) as exc:
            log.warning("UI question failed: %s", exc)
            messages[-1] = _notice_message(error_message(exc))
            yield conversation
            return
        except Exception:  # the last line of defence: a message instead of a traceback
            log.exception("unexpected error while answering in the UI")
            messages[-1] = _notice_message(MSG_UNEXPECTED)
            yield conversation
            return
        if result is None:  # the pipeline always ends with an Answer; be safe anyway
            log.error("the assistant stream ended without an answer")
            messages[-1] = _notice_message(MSG_UNEXPECTED)
            yield conversation
            return
        messages[-1] = {"role": "assistant", "content": render_answer(result, self.base_url)}
        conversation.turns += [Turn("user", text), Turn("assistant", result.answer)]
        conversation.answers[len(messages) - 1] = result.id
        self._record(text, result)
        yield conversation

    def _record(self, question: str, answer: Answer) -> None:
        try:
            self.services.feedback.record_answer(question, answer)
        except sqlite3.Error:
            log.exception("could not record answer %s for feedback", answer.id)

    # feedback
    def feedback_target(self, conversation: Conversation, index: int,
                        liked: object) -> FeedbackTarget | None:
        """Which answer a thumb click refers to, or None (user message, error notice, un-click)."""
        answer_id = conversation.answers.get(index)
        if answer_id is None or not isinstance(liked, bool):
            return None
        number = sorted(conversation.answers).index(index) + 1
        return FeedbackTarget(answer_id, "up" if liked else "down", number)

    def send_feedback(self, target: FeedbackTarget, rating: Rating, comment: str) -> tuple[bool, str]:
        """Store the rating with its comment; (stored?, notice)."""
        try:
            self.services.feedback.add(target.answer_id, rating, comment.strip(), source="ui")
        except (NotFoundError, sqlite3.Error):
            log.exception("could not store UI feedback for answer %s", target.answer_id)
            return False, render_notice(MSG_FEEDBACK_FAILED, "error")
        return True, render_notice(MSG_THANKS, "ok")


# --- layout and wiring ----------------------------------------------------------------------

HEADER = (f'<header class="sc-header"><h1>{TITLE}</h1><p>Antworten mit Quellenangaben aus den '
          "Berichten der Modellprojekte Smart Cities und der Initiative Stadt.Land.Digital – für "
          "Mitarbeitende in Kommunalverwaltungen.</p></header>")
HELP = ('<div class="sc-help"><p><strong>So funktioniert es:</strong> Die Antworten stammen '
        "ausschließlich aus den aufgenommenen Dokumenten. Die Nummern wie <strong>[1]</strong> "
        "verweisen auf die Quellen unter der Antwort; ein Klick öffnet das PDF auf der genannten "
        "Seite.</p><p>Steht nichts dazu in den Dokumenten, sagt der Assistent das und nennt "
        "Dokumente zum Weiterlesen. Anschlussfragen („Und wie …?“) beziehen sich auf das bisherige "
        "Gespräch.</p><p>Mit den Daumen-Symbolen unter einer Antwort können Sie sie bewerten und "
        "kommentieren.</p></div>")
PLACEHOLDER = ("**Willkommen!** Stellen Sie eine Frage zu den Smart-City-Programmen "
               "oder beginnen Sie mit einem der Beispiele.")


def build_ui(services: "Services", settings: "Settings") -> "gr.Blocks":
    """The Blocks of the staff UI; mount them with the arguments from `mount_options`."""
    import gradio as gr

    controller = ChatController(services, settings)
    private: dict[str, Any] = {"api_visibility": "private"}  # the public API is the FastAPI one

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        conversation = gr.State(Conversation())
        feedback_target = gr.State(None)

        gr.HTML(HEADER, elem_id="sc-header", js_on_load=None)
        banner = gr.HTML("", elem_id="sc-banner", js_on_load=None)
        with gr.Tabs(elem_id="sc-tabs"):
            with gr.Tab("Fragen", id="chat", elem_id="sc-tab-chat"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=360):
                        chatbot = gr.Chatbot(
                            label="Gespräch", elem_id="sc-chat", height=560, latex_delimiters=[],
                            placeholder=PLACEHOLDER, examples=[{"text": text} for text in EXAMPLES],
                            buttons=["copy", "copy_all"], feedback_options=("Like", "Dislike"),
                            group_consecutive_messages=False)
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                label="Ihre Frage", elem_id="sc-question", scale=5, lines=1,
                                max_lines=6, autofocus=True,
                                placeholder="Frage eingeben und mit Enter senden …")
                            send = gr.Button("Senden", variant="primary", elem_id="sc-send", scale=1,
                                             min_width=110)
                        status = gr.HTML("", elem_id="sc-status", js_on_load=None)
                        # a Column, not a Group: Gradio 6 renders a Group's elem_id twice
                        with gr.Column(visible=False, elem_id="sc-feedback", variant="panel") as panel:
                            panel_title = gr.Markdown("", elem_id="sc-feedback-title")
                            rating = gr.Radio([("Hilfreich", "up"), ("Nicht hilfreich", "down")],
                                              label="Ihre Bewertung", elem_id="sc-feedback-rating")
                            comment = gr.Textbox(
                                label="Kommentar (optional)", elem_id="sc-feedback-comment", lines=2,
                                max_lines=6, max_length=2000,
                                placeholder="Was war gut, was fehlt oder stimmt nicht?")
                            with gr.Row():
                                feedback_send = gr.Button("Feedback senden", variant="primary",
                                                          elem_id="sc-feedback-send")
                                feedback_cancel = gr.Button("Abbrechen", elem_id="sc-feedback-cancel")
                    with gr.Column(scale=1, min_width=260):
                        document_filter = gr.Dropdown(
                            choices=[], value=[], multiselect=True, elem_id="sc-filter",
                            label="Nur in diesen Dokumenten suchen",
                            info="Leer lassen, um in allen Dokumenten zu suchen.")
                        new_chat = gr.Button("Neues Gespräch", elem_id="sc-new-chat")
                        gr.HTML(HELP, elem_id="sc-help", js_on_load=None)
            with gr.Tab("Dokumente", id="documents", elem_id="sc-tab-documents") as documents_tab:
                documents_table = gr.HTML("", elem_id="sc-documents", js_on_load=None)
                with gr.Row():
                    refresh = gr.Button("Liste aktualisieren", elem_id="sc-documents-refresh",
                                        size="sm", scale=0)

        # --- handlers: translate between the controller and Gradio updates ----------------
        def load_documents() -> tuple[Any, str, str]:
            records, notice = controller.documents()
            choices = [(short_title(record), record.file) for record in records]
            table = render_documents(records, controller.base_url) if records else notice
            return gr.update(choices=choices), table, notice

        def ask(text: str, state: Conversation,
                documents: list[str] | None) -> Iterator[tuple[Any, ...]]:
            problem = controller.check_question(text or "")
            if problem:  # keep the text in the box so it can be corrected
                yield gr.skip(), gr.skip(), gr.skip(), problem
                return
            for step, updated in enumerate(controller.answer(text, state, documents or [])):
                yield ("" if step == 0 else gr.skip()), list(updated.messages), updated, ""

        def use_example(data: gr.SelectData) -> str:
            value = data.value
            return str(value.get("text", "")) if isinstance(value, dict) else str(value or "")

        def open_feedback(state: Conversation, data: gr.LikeData) -> tuple[Any, ...]:
            index = data.index[0] if isinstance(data.index, (tuple, list)) else data.index
            target = controller.feedback_target(state, int(index), data.liked)
            if target is None:
                message = render_notice(MSG_NO_FEEDBACK_TARGET) if isinstance(data.liked, bool) else ""
                return None, gr.update(visible=False), gr.skip(), gr.skip(), gr.skip(), message
            title = f"**Feedback zu Antwort {target.number}**"
            return target, gr.update(visible=True), title, target.rating, "", ""

        def send_feedback(target: FeedbackTarget | None, chosen: str | None,
                          text: str) -> tuple[Any, ...]:
            if target is None:
                return None, gr.update(visible=False), gr.skip(), ""
            stored, notice = controller.send_feedback(target, "down" if chosen == "down" else "up",
                                                      text or "")
            if not stored:
                return target, gr.skip(), gr.skip(), notice
            return None, gr.update(visible=False), "", notice

        def cancel_feedback() -> tuple[Any, ...]:
            return None, gr.update(visible=False), "", ""

        def reset() -> tuple[Any, ...]:
            return Conversation(), [], "", None, gr.update(visible=False), ""

        # --- events ----------------------------------------------------------------------
        document_outputs = [document_filter, documents_table, banner]
        demo.load(load_documents, None, document_outputs, show_progress="hidden", **private)
        documents_tab.select(load_documents, None, document_outputs, show_progress="hidden",
                             **private)
        refresh.click(load_documents, None, document_outputs, **private)

        ask_inputs = [question, conversation, document_filter]
        ask_outputs = [question, chatbot, conversation, status]
        asking = gr.on([question.submit, send.click], ask, ask_inputs, ask_outputs,
                       show_progress="hidden", trigger_mode="once", **private)
        asking_example = chatbot.example_select(use_example, None, question, **private).then(
            ask, ask_inputs, ask_outputs, show_progress="hidden", **private)

        feedback_outputs = [feedback_target, panel, comment, status]
        chatbot.like(open_feedback, conversation,
                     [feedback_target, panel, panel_title, rating, comment, status],
                     scroll_to_output=True, **private)
        feedback_send.click(send_feedback, [feedback_target, rating, comment], feedback_outputs,
                            **private)
        feedback_cancel.click(cancel_feedback, None, feedback_outputs, **private)

        # a new conversation also stops an answer still streaming into the old one
        reset_outputs = [conversation, chatbot, question, feedback_target, panel, status]
        for trigger in (new_chat.click, chatbot.clear):
            trigger(reset, None, reset_outputs, cancels=[asking, asking_example], **private)

    demo.queue(default_concurrency_limit=CONCURRENT_ANSWERS)
    return demo


def mount_options(settings: "Settings") -> dict[str, Any]:
    """Extra `gr.mount_gradio_app` arguments: local theme, CSS, page language, no Gradio footer.

    The API's `create_app` passes these when it mounts `build_ui(...)` at /ui (Gradio 6 takes
    theme and CSS at mount time, not in the Blocks constructor).
    """
    from ui.theme import mount_options as theme_options

    return theme_options()
