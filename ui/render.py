"""HTML for the staff UI: pure functions; everything from users or PDFs goes through `html.escape`."""

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from assistant.answer.types import Answer, Citation, Suggestion, document_url
from assistant.errors import (
    InvalidRequestError,
    LLMUnavailableError,
    NotFoundError,
    StoreMismatchError,
    StoreUnavailableError,
)

if TYPE_CHECKING:
    from vectorstore.chroma import DocumentRecord


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
