from assistant.query import Turn, is_followup, resolve_query


def test_followups_are_searched_with_the_previous_topic() -> None:
    history = [Turn("user", "Wann fand der 11. Bundesländerworkshop statt?"),
               Turn("assistant", "Am 25. April 2023 in Wismar [1].")]
    query = resolve_query("Und wie viele Fachleute nahmen teil?", history)
    assert query.question == "Und wie viele Fachleute nahmen teil?"
    assert "bundesländerworkshop" in query.context
    assert query.search_text.startswith(query.question) and query.context in query.search_text
    assert "wismar" not in query.search_text.lower()  # assistant turns do not steer the search


def test_standalone_questions_are_left_alone() -> None:
    history = [Turn("user", "Wann fand der 11. Bundesländerworkshop statt?")]
    question = "Welche Erfolgsfaktoren nennt die Studie für Makerspaces?"
    assert not is_followup(question)
    assert resolve_query(question, history).search_text == question
    assert resolve_query("Und dort?", []).search_text == "Und dort?"


def test_references_mark_a_followup() -> None:
    assert is_followup("Wie viel Geld steht dort zur Verfügung?")
    assert is_followup("And how much money was there?")


def test_a_situation_before_the_question_is_context_and_kept_verbatim() -> None:
    situation = "Unser Ankerort läuft seit einem Jahr, aber im Programm fehlen Themen."
    query = resolve_query(f"{situation} Wie gewinnen wir neue Partner?", [])
    assert query.question == "Wie gewinnen wir neue Partner?" and not query.followup
    assert "ankerort" in query.context and "ankerort" not in query.question.lower()
    assert query.asked == f"{situation} Wie gewinnen wir neue Partner?"  # what a language model reads
