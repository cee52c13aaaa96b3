"""What a question asks for: shape, wanted value, named count, focus and parts."""

from __future__ import annotations

import pytest

from assistant.question import analyse, classify


@pytest.mark.parametrize(("question", "shape", "wants"), [
    ("Welche drei Handlungsfelder nennt die Strategie?", "list", "list"),
    ("Wie verstetige ich einen Makerspace?", "howto", "procedure"),
    ("Wie viele Modellprojekte gibt es?", "number", "count"),
    ("Was kostet der Makerspace-Bus?", "number", "amount"),
    ("Wer leitet das POTSDAM LAB?", "fact", "person"),
    ("Ist ein 3D-Drucker nötig?", "yesno", "yesno"),
    ("Was will Berlin in seinem Modellprojekt konkret angehen?", "list", "list"),  # a plan lists intentions
    ("Was will die Stadt mit dem Labor erreichen?", "fact", "other"),
])
def test_shape_and_wanted_value(question: str, shape: str, wants: str) -> None:
    part = classify(question)
    assert (part.shape, part.wants) == (shape, wants)


def test_a_list_question_names_its_count_and_focus() -> None:
    part = classify("Welche drei Handlungsfelder nennt die Strategie?")
    assert part.count == 3
    assert part.focus == ("Handlungsfelder",)


def test_two_questions_in_one_are_split_and_one_with_two_question_words_is_not() -> None:
    assert [part.text for part in analyse("Wie viele Besucher kamen? Und wer hat das Labor eröffnet?").parts] == [
        "Wie viele Besucher kamen?", "Und wer hat das Labor eröffnet?"]
    assert len(analyse("Wann und wo fand der 11. Bundesländerworkshop statt?").parts) == 1


def test_a_second_question_that_only_points_back_is_asked_with_the_first() -> None:
    assert len(analyse("Was ist das Cross-Innovation-Lab in Regensburg und wie arbeitet es?").parts) == 1
    assert len(analyse("Wo ist der IthPunkt angesiedelt, und was will er?").parts) == 1
    # "davon" points back too, but "2020 ausgewählt" is a question of its own.
    assert len(analyse("Wie viele Modellprojekte Smart Cities gibt es insgesamt, und wie viele davon wurden 2020 "
                       "ausgewählt?").parts) == 2
