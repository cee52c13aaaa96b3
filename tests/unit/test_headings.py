"""The document outline the cleaner settles: real headings only, each with its level."""

from __future__ import annotations

from ingest.clean import clean_document
from ingest.models import Block


def _page(number: int, body: list[str]) -> str:
    return "\n".join(["Bericht über Ankerorte", f"Seite {number}", *body])


def _headings(blocks: list[Block]) -> list[tuple[int, str, int]]:
    return [(block.level, block.text, block.page) for block in blocks if block.kind == "heading"]


REPORT = [
    _page(1, [
        "Einleitende Worte stehen am Anfang des Berichts und",
        "erklären kurz, worum es in den Kapiteln geht und was",
        "die Leserinnen und Leser in diesem Bericht erwartet.",
        "1.1     Ziele der Studie",
        "Die Studie verfolgt drei Ziele, die im Folgenden kurz",
        "beschrieben werden und die den Aufbau bestimmen.",
        "1         Einleitung und Überblick",  # the layout emits the chapter title late
    ]),
    _page(2, [
        "Die Kommunen arbeiten seit Jahren an ihren Strategien",
        "und setzen dabei auf Beteiligung und Kooperation.",
        "2         Erfolgsfaktoren",
        "Dieses Kapitel stellt die Erfolgsfaktoren vor, die aus",
        "der Praxis der Kommunen gewonnen worden sind.",
        "2.1     Verstetigen und absichern",
        "Die Verstetigung beginnt früh und braucht Zeit, Geld",
        "und Personal in der Verwaltung der ganzen Kommune.",
        "Frühzeitige Verstetigungsstrategie",
        "Die Verstetigung eines Ortes muss früh bedacht werden,",
        "damit die Förderung nicht einfach ins Leere läuft.",
        "Für Verantwortliche bedeutet eine frühe Strategie:",
        "•     Finanzierung früh klären und Mittel einplanen",
        "•     Träger suchen und Partner gewinnen",
        "Monitoring und Evaluation",
        "Nur wer weiß, was wirkt, kann andere überzeugen und",
        "die Arbeit des Ortes gut begründen und vertreten.",
    ]),
    _page(3, ["Mit diesem Ausblick endet der Bericht über die Orte."]),
]


def test_numbers_give_levels_and_unnumbered_headings_nest_one_deeper() -> None:
    assert _headings(clean_document(REPORT)) == [
        (1, "1 Einleitung und Überblick", 1),
        (2, "1.1 Ziele der Studie", 1),
        (1, "2 Erfolgsfaktoren", 2),
        (2, "2.1 Verstetigen und absichern", 2),
        (3, "Frühzeitige Verstetigungsstrategie", 2),
        (3, "Monitoring und Evaluation", 2),
    ]


def test_a_chapter_title_printed_after_its_sections_moves_to_their_start() -> None:
    blocks = clean_document(REPORT)
    assert blocks[0].kind == "heading" and blocks[0].text == "1 Einleitung und Überblick"
    assert blocks[1].text.startswith("Einleitende Worte")


def test_a_list_lead_is_a_paragraph_above_its_items_not_a_heading() -> None:
    blocks = clean_document(REPORT)
    index = next(i for i, block in enumerate(blocks) if block.text.startswith("Für Verantwortliche"))
    assert blocks[index].kind == "paragraph"
    assert blocks[index].text == "Für Verantwortliche bedeutet eine frühe Strategie:"  # a block of its own
    assert [block.kind for block in blocks[index + 1:index + 3]] == ["item", "item"]


def test_a_list_title_without_a_colon_leads_its_list_too() -> None:
    body = ["Die Förderung verfolgt seit Beginn mehrere Ziele, die sich", "im Programm so wiederfinden.",
            "Zentrale Ziele des Programms", "•     Entscheidungsgrundlagen verbessern",
            "•     Lernprozesse anstoßen", "Die Ziele gelten für alle Kommunen gleichermaßen und sind",
            "im Programm verbindlich festgelegt."]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    assert not [block for block in blocks if block.kind == "heading"]


def test_entries_group_under_their_kind_and_their_field_labels_head_nothing() -> None:
    def entry(name: str, kind: str) -> list[str]:
        return [name, f"{kind} • Bayern", f"Projekttitel: Smart {name}", f"Motto: Gemeinsam für {name}",
                f"Die Stadt {name} entwickelt eine Strategie für die digitale",
                "Stadtentwicklung gemeinsam mit der Bürgerschaft."]

    pages = [
        _page(1, ["3         Modellprojekte", "Mittelstädte", *entry("Bamberg", "Größere Mittelstadt"),
                  *entry("Iserlohn", "Größere Mittelstadt")]),
        _page(2, ["Kleinstädte", *entry("Hagenow", "Größere Kleinstadt")]),
        _page(3, ["Mit diesem Ausblick endet der Bericht über die Orte."]),
    ]
    assert [(level, text) for level, text, _ in _headings(clean_document(pages))] == [
        (1, "3 Modellprojekte"), (2, "Mittelstädte"), (3, "Bamberg"), (3, "Iserlohn"),
        (2, "Kleinstädte"), (3, "Hagenow"),
    ]


def test_an_item_running_on_over_a_page_break_is_no_heading() -> None:
    pages = [
        _page(1, ["Die Vernetzung beginnt früh und braucht viel Geduld und",
                  "Für Verantwortliche bedeutet das:",
                  "•     Erste Projekte starten: Kleine Aktivitäten früh umsetzen, um Kooperationen mit"]),
        _page(2, ["Leben zu füllen", "•     Verbindlichkeit aufbauen: Vereinbarungen treffen"]),
        _page(3, ["Mit diesem Ausblick endet der Bericht über die Orte."]),
    ]
    blocks = clean_document(pages)
    assert not [block for block in blocks if block.kind == "heading"]
    assert any(block.text.endswith("um Kooperationen mit Leben zu füllen") for block in blocks)


def test_a_photo_credit_wrapped_onto_the_next_line_heads_nothing() -> None:
    body = ["Die Werkstatt bietet Kurse für alle Generationen an, vom",
            "Schulkind bis zu den Seniorinnen und Senioren im Ort.",
            "Makerspaces bieten auch Möglichkeiten für handwerkliche Arbeiten  |  Quelle: Amt Süderbrarup - Kira",
            "Kutscher",
            "Die Angebote werden von Ehrenamtlichen betreut, die sich",
            "in der Werkstatt gut auskennen und gerne helfen."]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    assert not [block for block in blocks if block.kind == "heading"]
    assert "Kutscher" not in " ".join(block.text for block in blocks)
