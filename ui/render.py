"""HTML for the staff UI: pure functions; everything from users or PDFs goes through `html.escape`.

Answers are Markdown (paragraphs, "- " lists, **bold** part headings, backslash escapes in
quoted text); `render_markdown` turns that subset into HTML with markdown-it-py, with raw HTML,
links, images and reference definitions switched off, so text from documents or an LLM can
format an answer but never inject markup, load anything or turn a `[n]` marker into a link of
its own. Questions are shown literally (no Markdown).
"""

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from markdown_it import MarkdownIt

from assistant.answer.types import Answer, Citation, Suggestion, document_url
from ingest.errors import SmartCityError

if TYPE_CHECKING:
    from ingest.models import DocumentRecord


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
MSG_UNEXPECTED = ("Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es erneut; "
                  "der Fehler wurde protokolliert.")
MSG_THANKS = "Danke für Ihr Feedback! Es hilft uns, den Assistenten zu verbessern."
MSG_FEEDBACK_FAILED = ("Ihr Feedback konnte leider nicht gespeichert werden. "
                       "Bitte versuchen Sie es später erneut.")
MSG_NO_FEEDBACK_TARGET = "Bewerten können Sie nur Antworten des Assistenten."
MSG_PENDING = "Suche in den Dokumenten …"
PARTIAL_LABEL = "Teilweise beantwortet:"

NoticeKind = Literal["info", "error", "ok"]
Rating = Literal["up", "down"]
_MARKER = re.compile(r"\[(\d{1,3})\]")
_PAGE = re.compile(r"#page=(\d+)$")
# Heading level of an answer's part headings ("**Wie viele …?**" alone in a paragraph): the page
# has its <h1> in the header, so each answer's sections sit one level below it.
PART_HEADING = "h2"


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


def _markdown_parser() -> MarkdownIt:
    """CommonMark without raw HTML, links, images, reference definitions and code blocks.

    Without links and reference definitions a line "[1]: …" in a document cannot make the
    markers link elsewhere; without images nothing is loaded; code blocks are off because
    document text indented by four spaces is still prose.
    """
    parser = MarkdownIt("commonmark", {"html": False})
    parser.disable(["html_block", "html_inline", "reference", "link", "image", "autolink", "code", "fence"])
    parser.add_render_rule("text", _render_text)
    parser.add_render_rule("softbreak", lambda *_: " ")
    parser.add_render_rule("hardbreak", lambda *_: "<br>")
    return parser


def _render_text(renderer: Any, tokens: Sequence[Any], index: int, options: Any, env: Mapping[str, Any]) -> str:
    """Escaped text, with each `[n]` that names a citation linked to the cited page."""
    text = _esc(tokens[index].content)
    by_number: Mapping[int, Citation] = env.get("citations", {})
    if not by_number:
        return text
    base_url = env.get("base_url", "")

    def marker(match: re.Match[str]) -> str:
        citation = by_number.get(int(match.group(1)))
        if citation is None:
            return match.group(0)
        title = f"Quelle {citation.n}: {citation.title}, S. {citation.page}"
        return _link(base_url + citation.url, f"[{citation.n}]", "sc-ref", title)

    return _MARKER.sub(marker, text)


def _promote_headings(tokens: list[Any]) -> None:
    """A top-level paragraph of nothing but bold text is a heading (WCAG 1.3.1), as are Markdown headings."""
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = PART_HEADING
            if token.type == "heading_open":
                token.attrSet("class", "sc-part-title")
        if token.type != "paragraph_open" or token.level or token.hidden or index + 2 >= len(tokens):
            continue
        inline, closing = tokens[index + 1], tokens[index + 2]
        children = [child for child in inline.children or [] if not (child.type == "text" and not child.content)]
        if (closing.type != "paragraph_close" or len(children) < 3 or children[0].type != "strong_open"
                or children[-1].type != "strong_close"
                or any(child.type in ("strong_open", "strong_close") for child in children[1:-1])):
            continue
        token.tag = closing.tag = PART_HEADING
        token.attrSet("class", "sc-part-title")
        inline.children = children[1:-1]


_PARSER = _markdown_parser()


def render_markdown(text: str, citations: Sequence[Citation] = (), base_url: str = "") -> str:
    """The answer subset of Markdown as HTML: paragraphs, lists, bold, part headings, linked markers.

    No newlines in the result: Gradio's chatbot reads its HTML as one Markdown HTML block, which
    a blank line would end.
    """
    env = {"citations": {citation.n: citation for citation in citations}, "base_url": base_url}
    tokens = _PARSER.parse(text, env)
    _promote_headings(tokens)
    return _PARSER.renderer.render(tokens, _PARSER.options, env).replace("\n", "")


def render_notice(message: str, kind: NoticeKind = "info") -> str:
    """A coloured message box; `message` is trusted HTML written in this module."""
    role = "alert" if kind == "error" else "status"
    return f'<div class="sc-notice sc-notice-{kind}" role="{role}"><p>{message}</p></div>'


def render_question(text: str) -> str:
    """The user's question, shown literally (no HTML, no Markdown)."""
    return f'<div class="sc-question">{_paragraphs(_esc(text))}</div>'


def render_pending(partial: str) -> str:
    """An answer while it streams in."""
    body = render_markdown(partial) if partial.strip() else f'<p class="sc-pending-label">{MSG_PENDING}</p>'
    cursor = '<span class="sc-cursor" aria-hidden="true">▍</span>'
    return f'<div class="sc-answer sc-pending" aria-busy="true">{body}{cursor}</div>'


def render_answer(answer: Answer, base_url: str = "") -> str:
    """A finished answer: Markdown with linked [n] markers, a note on unanswered parts, its sources."""
    if answer.refused:
        return render_refusal(answer, base_url)
    text = render_markdown(answer.answer, answer.citations, base_url)
    partial = render_partial(answer.unanswered) if answer.partial else ""
    return f'<div class="sc-answer">{text}{partial}{render_sources(answer.citations, base_url)}</div>'


def render_partial(unanswered: Sequence[str]) -> str:
    """'Partly answered': which parts of the question the documents do not answer."""
    parts = [f"„{_esc(part.strip()[:1].upper() + part.strip()[1:])}“" for part in unanswered if part.strip()]
    if not parts:
        return ""
    named = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]
    return (f'<div class="sc-partial" role="note"><p><strong>{PARTIAL_LABEL}</strong> '
            f"Zu {named} steht in den Dokumenten nichts.</p></div>")


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
             render_markdown(answer.answer)]
    if answer.suggestions:
        parts.append("<p>Diese Dokumente behandeln verwandte Themen:</p><ul>")
        parts.extend(f"<li>{_suggestion(suggestion, base_url)}</li>" for suggestion in answer.suggestions)
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)


def _suggestion(suggestion: Suggestion, base_url: str) -> str:
    page = _PAGE.search(suggestion.url)
    where = f" (ab S. {page.group(1)})" if page else ""
    section = f": „{_esc(suggestion.section)}“" if suggestion.section else ""
    return _link(base_url + suggestion.url, _esc(suggestion.title)) + section + where


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
    """The German message for a project error (each error class carries its own); a generic one else."""
    return exc.user_message("de") if isinstance(exc, SmartCityError) else MSG_UNEXPECTED


def _notice_message(message: str) -> dict[str, str]:
    return {"role": "assistant", "content": render_notice(message, "error")}
