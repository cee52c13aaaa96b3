from ingest.sentences import sentence_spans, split_sentences


def test_abbreviations_and_ordinals_do_not_end_sentences() -> None:
    text = ("Der 11. Bundesländerworkshop fand am 25. April 2023 in Wismar statt. Es kamen z. B. "
            "Vertreter von Bund u. a. Ländern. Die Förderung beträgt 1,4 Mio. EUR je Projekt. "
            "Dr. Franziska Brantner eröffnete. Das war in Staffel 3. Die Kommunen folgten.")
    assert split_sentences(text) == [
        "Der 11. Bundesländerworkshop fand am 25. April 2023 in Wismar statt.",
        "Es kamen z. B. Vertreter von Bund u. a. Ländern.",
        "Die Förderung beträgt 1,4 Mio. EUR je Projekt.",
        "Dr. Franziska Brantner eröffnete.",
        "Das war in Staffel 3.",
        "Die Kommunen folgten.",
    ]


def test_line_breaks_end_sentences_and_offsets_point_into_the_text() -> None:
    text = "Einleitung\n• Punkt eins\n• Punkt zwei. Zweiter Satz?"
    spans = sentence_spans(text)
    assert [span.text for span in spans] == ["Einleitung", "• Punkt eins", "• Punkt zwei.", "Zweiter Satz?"]
    for span in spans:
        assert text[span.start:span.end] == span.text


def test_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = "„Was ist diese Smart City?“ Erst dann beteiligen sich Menschen (vgl. BBSR 2021). Danach nicht."
    assert split_sentences(text) == ["„Was ist diese Smart City?“",
                                     "Erst dann beteiligen sich Menschen (vgl. BBSR 2021).",
                                     "Danach nicht."]
