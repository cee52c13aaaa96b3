"""Cleaning rules, on page texts shaped like the corpus's extractions."""

from __future__ import annotations

from collections import Counter

from ingest.clean import DocumentProfile, clean_document, join_lines


def _profile(*texts: str) -> DocumentProfile:
    vocabulary: Counter[str] = Counter()
    lowercase: Counter[str] = Counter()
    for text in texts:
        for word in text.split():
            vocabulary[word.lower()] += 1
            if word[:1].islower():
                lowercase[word] += 1
    return DocumentProfile(vocabulary=vocabulary, lowercase_words=lowercase)


def test_line_break_hyphenation_is_joined() -> None:
    assert join_lines("eine tragfähige Verstetigungs-", "strategie entwickeln", _profile()) == \
        "eine tragfähige Verstetigungsstrategie entwickeln"


def test_real_hyphens_before_capitalised_words_are_kept() -> None:
    assert join_lines("die neue Smart-City-", "Strategie der Stadt", _profile()) == \
        "die neue Smart-City-Strategie der Stadt"
    assert join_lines("das Bund-Länder-", "Programm", _profile()) == "das Bund-Länder-Programm"


def test_hyphen_kept_when_the_document_writes_the_word_with_one() -> None:
    profile = _profile("Kommunen und Start-ups arbeiten mit Start-ups zusammen")
    assert join_lines("gemeinsam mit Start-", "ups entwickeln", profile) == "gemeinsam mit Start-ups entwickeln"


def test_elliptic_hyphen_before_conjunction_keeps_space() -> None:
    assert join_lines("die Bau-", "und Verkehrsplanung", _profile()) == "die Bau- und Verkehrsplanung"


def test_compound_broken_without_hyphen_is_joined_when_the_text_knows_it() -> None:
    profile = _profile("Stadtentwicklung ist Stadtentwicklung")
    assert join_lines("für die nachhaltige Stadt", "entwicklung der Innenstadt", profile) == \
        "für die nachhaltige Stadtentwicklung der Innenstadt"
    assert join_lines("in der Stadt", "entwickelt sich", profile) == "in der Stadt entwickelt sich"


def _page(number: int, body: list[str]) -> str:
    return "\n".join(["Bericht über Ankerorte", f"Seite {number}", *body])


def test_running_headers_footers_and_credits_are_removed_and_paragraphs_joined() -> None:
    pages = [
        _page(1, ["1.1     Einleitung und Ziel", "Die Kommune richtet einen Makerspace ein. Dafür",
                  "braucht sie eine Verstetigungs-", "strategie und Personal.",
                  "Quelle: Stadt Beispielhausen", "Im Jahr 2024 kamen 40 Personen täglich."]),
        _page(2, ["Weitere Angebote gibt es am Wochenende.", "•     Werkstatt für Kinder",
                  "•     Sprechstunde für Ältere"]),
        _page(3, ["Die Förderung endet 2026. Danach übernimmt die", "Bibliothek den Betrieb."]),
        _page(4, ["Ein weiterer Absatz beginnt hier und endet hier."]),
    ]
    blocks = clean_document(pages)
    texts = [block.text for block in blocks]
    joined = "\n".join(texts)
    assert "Seite" not in joined
    assert "Bericht über Ankerorte" not in joined
    assert "Quelle" not in joined and "Beispielhausen" not in joined
    assert blocks[0].kind == "heading" and blocks[0].text == "1.1 Einleitung und Ziel"
    assert ("Die Kommune richtet einen Makerspace ein. Dafür braucht sie eine Verstetigungsstrategie "
            "und Personal.") in texts
    items = [block for block in blocks if block.kind == "item"]
    assert [item.text for item in items] == ["• Werkstatt für Kinder", "• Sprechstunde für Ältere"]


def test_sentence_running_over_a_page_break_is_one_block_with_both_pages() -> None:
    pages = [
        _page(1, ["Der Experimentierraum wurde im April 2024 eröffnet und", "bietet Angebote für alle Alters-"]),
        _page(2, ["gruppen an. Danach folgte ein zweiter Raum."]),
        _page(3, ["Schluss."]),
    ]
    blocks = clean_document(pages)
    block = next(b for b in blocks if "Altersgruppen" in b.text)
    assert block.page == 1 and block.page_end == 2
    assert "bietet Angebote für alle Altersgruppen an." in block.text


def test_footnotes_are_taken_out_of_the_running_text() -> None:
    body = [
        "Das Programm1 hat drei Ziele. Die Kommunen2 setzen sie um, und die",
        "1 Programm meint das Förderprogramm.",
        "2 Gemeint sind alle Kommunen.",
        "Stelle3 begleitet sie dabei sehr eng.",
        "3 Koordinierungs- und Transferstelle.",
    ]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    text = " ".join(block.text for block in blocks)
    running = " ".join(block.text for block in blocks if block.kind != "footnote")
    footnotes = [block.text for block in blocks if block.kind == "footnote"]
    assert "Programm meint" not in running and "Gemeint sind" not in running
    assert footnotes[:2] == ["Programm meint das Förderprogramm.", "Gemeint sind alle Kommunen."]
    assert "Das Programm hat drei Ziele." in text
    assert "und die Stelle begleitet sie dabei sehr eng." in text
    co2 = clean_document([_page(1, ["Weniger CO2 und mehr Grün."]), _page(2, ["A."]), _page(3, ["B."])])
    assert "Weniger CO2 und mehr Grün." in co2[0].text


def test_a_short_credit_does_not_swallow_the_heading_after_it() -> None:
    body = ["Quelle: Amt Beispiel - Kira Muster", "Das Digitalzentrum im Amt Beispiel:",
            "Digitale Daseinsvorsorge im ländlichen Raum", "Das im Oktober 2022 eröffnete Zentrum im Amt Bei-",
            "spiel hat sich zu einem zentralen Ort entwickelt."]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    joined = " ".join(block.text for block in blocks)
    assert "Das im Oktober 2022 eröffnete Zentrum im Amt Beispiel hat sich zu einem zentralen Ort entwickelt." in joined
    assert blocks[0].kind == "heading" and blocks[0].text.startswith("Das Digitalzentrum im Amt Beispiel:")
    assert "Kira" not in joined


def test_numbered_lines_in_sequence_are_a_list_not_headings() -> None:
    body = ["Zentrale Ziele des Programms", "1. Erarbeitung verbesserter Entscheidungsgrundlagen und Lösungen",
            "2. Initiierung von Lernprozessen und Übertragung von digitalen Lösungen",
            "3. Erwirkung effektiver Beiträge für eine integrierte nachhaltige Stadtentwicklung"]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    # The title right above the list leads it (it heads no section of the outline).
    assert [b.kind for b in blocks[:4]] == ["paragraph", "item", "item", "item"]


def test_glued_original_page_number_running_head_is_dropped() -> None:
    body = ["Insbesondere dieses Angebot wird sehr gut angenommen. Er-",
            "29Informieren, bilden, mitgestalten: Modelle der Ankerorte",
            "gänzt wird es durch Workshops."]
    blocks = clean_document([_page(1, body), _page(2, ["Text."]), _page(3, ["Text."])])
    assert any("Ergänzt wird es durch Workshops." in block.text for block in blocks)
    assert not any("Informieren, bilden" in block.text for block in blocks)



def test_a_footnote_of_several_sentences_amid_the_body_is_taken_out_whole() -> None:
    # pypdf puts a footnote where the content stream has it: between two halves of a body
    # sentence, wrapped, with full stops of its own; the body goes on in lowercase.
    first = [
        "Das Programm1 hat drei Ziele. Die Kommunen2 setzen sie um.",
        "1 Programm meint das Förderprogramm.",
        "2 Gemeint sind alle Kommunen.",
    ]
    second = [
        "Das Verständnis3 für",
        "3 Gemeint sind Städte. Auch",
        "Landkreise zählen dazu.",
        "Ebenso Gemeinden. Das gilt",
        "für alle Staffeln.",
        "die Ziele wächst mit jedem Projekt.",
        "Mehr folgt im nächsten Kapitel.",
    ]
    blocks = clean_document([_page(1, first), _page(2, second), _page(3, ["Text."])])
    running = " ".join(block.text for block in blocks if block.kind != "footnote")
    footnotes = [block.text for block in blocks if block.kind == "footnote"]
    assert "Das Verständnis für die Ziele wächst mit jedem Projekt." in running
    assert "Landkreise" not in running and "Staffeln" not in running
    assert "Gemeint sind Städte. Auch Landkreise zählen dazu. Ebenso Gemeinden. Das gilt für alle Staffeln." \
        in footnotes


# --- page breaks inside blocks --------------------------------------------------------------

def test_a_block_joined_over_a_page_break_knows_where_the_next_page_starts() -> None:
    pages = [
        _page(1, ["Der Experimentierraum wurde im April 2024 eröffnet und", "bietet Angebote für alle Alters-"]),
        _page(2, ["gruppen an. Danach folgte ein zweiter Raum, der sich an alle"]),
        _page(3, ["richtet, die Fragen haben, und an die"]),
        _page(4, ["Schulen der Umgebung. Schluss."]),
    ]
    block = next(b for b in clean_document(pages) if "Altersgruppen" in b.text)
    assert (block.page, block.page_end) == (1, 4)
    # The hyphen is gone at the first join, a space was added at the others: the breaks say
    # where the text of pages 2, 3 and 4 starts all the same.
    assert [page for _, page in block.page_breaks] == [2, 3, 4]
    assert block.text[block.page_breaks[0][0]:].startswith("gruppen an.")
    assert block.text[block.page_breaks[1][0]:].startswith("richtet, die")
    assert block.text[block.page_breaks[2][0]:].startswith("Schulen der")
    assert block.page_at(block.text.index("Der Experimentierraum")) == 1
    assert block.page_at(block.text.index("Altersgruppen")) == 1
    assert block.page_at(block.text.index("Danach folgte")) == 2
    assert block.page_at(block.text.index("Schulen der Umgebung")) == 4
