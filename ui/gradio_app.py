"""The staff UI: a German chat over the assistant, with sources, document filter and feedback.

`build_ui(services, settings)` returns the `gr.Blocks`; `mount_ui(app, ...)` mounts them into
the API's FastAPI app at /ui with the local theme and CSS (Gradio 6 takes those at mount time).
Gradio is imported inside functions only, so importing this module is cheap.

Three layers: `ui.render` (HTML, pure functions), `ui.controller` (talks to the services,
knows no Gradio) and this module (layout and event wiring).
"""

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ui.controller import (
    ChatController,
    Conversation,
    FeedbackTarget,
)
from ui.render import (
    CONCURRENT_ANSWERS,
    EXAMPLES,
    MSG_NO_FEEDBACK_TARGET,
    TITLE,
    render_documents,
    render_notice,
    short_title,
)

if TYPE_CHECKING:  # no `from __future__ import annotations`: Gradio reads the LikeData hint
    import gradio as gr

    from assistant.settings import Settings
    from assistant.wiring import Services

log = logging.getLogger(__name__)


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
    """The Blocks of the staff UI (`mount_ui` mounts them with the theme)."""
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


def mount_ui(app: Any, services: "Services", settings: "Settings", path: str = "/ui") -> None:
    """Mount the staff UI into the FastAPI `app` at `path`, with its theme and upload limit."""
    import gradio as gr

    from ui.theme import mount_options  # Gradio 6 takes theme and CSS at mount time

    options: dict[str, Any] = {"max_file_size": f"{settings.max_upload_mb}mb", "ssr_mode": False}
    options.update(mount_options())
    gr.mount_gradio_app(app, build_ui(services, settings), path=path, **options)
