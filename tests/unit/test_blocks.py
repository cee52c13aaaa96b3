"""List blocks in a passage: the lead and every item, even where layout breaks the list."""

from __future__ import annotations

from assistant.answer.blocks import item_text, list_blocks


def test_a_stray_bullet_before_a_list_does_not_hide_the_list() -> None:
    text = ("• Ein einzelner Punkt am Seitenrand\n"
            "Für Verantwortliche bedeutet das:\n"
            "• Ziele klären\n• Partner gewinnen\n• Räume sichern")
    blocks = list_blocks(text)
    assert len(blocks) == 1
    assert blocks[0].lead is not None and blocks[0].lead.text == "Für Verantwortliche bedeutet das:"
    assert [item_text(item.text) for item in blocks[0].items] == ["Ziele klären", "Partner gewinnen", "Räume sichern"]


def test_every_block_of_a_passage_is_found() -> None:
    text = "Erstens:\n• A eins\n• A zwei\nDazwischen steht ein Satz.\nZweitens:\n• B eins\n• B zwei"
    assert [len(block.items) for block in list_blocks(text)] == [2, 2]


def test_an_item_broken_over_two_lines_is_one_item() -> None:
    text = ("Dabei wurden drei Zielbereiche unterschieden:\n"
            "• Informationsangebote: über Smart-City- und Smart-Region\n\n"
            "Aktivitäten informieren\n\n"
            "• digitale Bildung: Technik ausprobieren\n"
            "• Netzwerkbildung: Vernetzung fördern")
    items = [item_text(item.text) for item in list_blocks(text)[0].items]
    assert items == ["Informationsangebote: über Smart-City- und Smart-Region Aktivitäten informieren",
                     "digitale Bildung: Technik ausprobieren", "Netzwerkbildung: Vernetzung fördern"]


def test_a_sentence_after_a_finished_item_is_not_part_of_it() -> None:
    text = "Wichtig sind:\n• Ziele klären.\nDas ist der Anfang.\n• Partner gewinnen.\n• Räume sichern."
    assert [item_text(item.text) for item in list_blocks(text)[-1].items] == ["Partner gewinnen.", "Räume sichern."]


def test_a_lead_that_runs_on_into_numbered_items_is_the_lead() -> None:
    text = ("Wir widmen uns Fragen, die alle Kommunen herausfordern. Wir wollen\n\n"
            "1. smarte Stadtplätze gestalten,\n2. Data Governance Konzepte erarbeiten und\n3. Kiezboxen aufbauen.")
    block = list_blocks(text)[0]
    assert block.lead is not None and block.lead.text == "Wir wollen"
    assert len(block.items) == 3
    # A finished sentence before the items is no lead.
    assert list_blocks("Das ist erledigt.\n1. Erstens\n2. Zweitens")[0].lead is None
