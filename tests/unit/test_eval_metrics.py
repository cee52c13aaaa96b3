"""The eval metrics on small hand-made inputs, edge cases included."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals import metrics
from evals.judge import parse_verdict
from evals.metrics import CitedSource, Retrieved
from evals.runner import check_gate, load_gate
from ingest.errors import SettingsError

DOC_A = "a.pdf"
DOC_B = "b.pdf"


# --- normalisation ------------------------------------------------------------------------

def test_normalize_folds_case_space_quotes_and_dashes() -> None:
    assert metrics.normalize("  Der „Makerspace“\n ist  OFFEN – seit 2021 ") == 'der "makerspace" ist offen - seit 2021'
    assert metrics.normalize("‚Test‘ ’x’") == "'test' 'x'"


def test_normalize_undoes_hyphenation_but_keeps_real_hyphens() -> None:
    joined = metrics.normalize("Verstetigungsstrategie")
    assert metrics.normalize("Verstetigungs- strategie") == joined
    assert metrics.normalize("Verstetigungs-\nstrategie") == joined
    assert metrics.normalize("Verstetigungs\u00adstrategie") == joined
    assert metrics.normalize("Smart-City-Strategie") == "smart-city-strategie"  # before capitals: kept
    assert metrics.normalize("E-Mail") == "e-mail"


def test_strip_markers_and_answer_words() -> None:
    answer = "Es gibt 43 Orte [1]. Dazu 54 Orte [2, 3][4]."
    assert metrics.strip_markers(answer) == "Es gibt 43 Orte. Dazu 54 Orte."
    assert metrics.answer_words(answer) == 7


# --- retrieval ----------------------------------------------------------------------------

def test_retrieval_metrics_document_and_page_level() -> None:
    retrieved = [Retrieved(DOC_B, 1, 1), Retrieved(DOC_A, 3, 4), Retrieved(DOC_A, 9, 9)]
    result = metrics.retrieval_metrics(retrieved, {DOC_A: [9]})
    assert result["doc_hit_at_1"] == 0.0
    assert result["doc_hit_at_5"] == 1.0
    assert result["doc_mrr"] == pytest.approx(0.5)
    assert result["page_hit_at_1"] == 0.0
    assert result["page_hit_at_5"] == 1.0
    assert result["page_mrr"] == pytest.approx(1 / 3)


def test_retrieval_page_counts_within_the_hit_page_range() -> None:
    result = metrics.retrieval_metrics([Retrieved(DOC_A, 3, 5)], {DOC_A: [4]})
    assert result["page_hit_at_1"] == 1.0
    result = metrics.retrieval_metrics([Retrieved(DOC_A, 3, 5)], {DOC_A: [6]})
    assert result["page_hit_at_1"] == 0.0 and result["page_mrr"] == 0.0
    assert result["doc_hit_at_1"] == 1.0
    # the right page of the wrong document is no page hit
    assert metrics.retrieval_metrics([Retrieved(DOC_B, 4, 4)], {DOC_A: [4]})["page_hit_at_1"] == 0.0


def test_retrieval_metrics_beyond_k_and_nothing_retrieved() -> None:
    retrieved = [Retrieved(DOC_B, page, page) for page in range(1, 6)] + [Retrieved(DOC_A, 1, 1)]
    result = metrics.retrieval_metrics(retrieved, {DOC_A: [1]})
    assert result["doc_hit_at_5"] == 0.0
    assert result["doc_mrr"] == pytest.approx(1 / 6)
    empty = metrics.retrieval_metrics([], {DOC_A: [1]})
    assert all(value == 0.0 for value in empty.values())


def test_document_recall_for_multi_document_questions() -> None:
    result = metrics.retrieval_metrics([Retrieved(DOC_A, 1, 1), Retrieved(DOC_A, 2, 2)],
                                       {DOC_A: [1], DOC_B: [7]})
    assert result["doc_recall_at_5"] == 0.5


# --- evidence and facts -------------------------------------------------------------------

def test_evidence_recall_share_of_quotes_in_passages() -> None:
    passages = ["Das Labor wurde im Oktober 2022 er-\nöffnet.", "Es hat  „viele“ Besucher."]
    quotes = ["im Oktober 2022 eröffnet", 'Es hat "viele" Besucher', "nicht im Text"]
    assert metrics.evidence_recall(quotes, passages) == pytest.approx(2 / 3)
    assert metrics.evidence_recall([], passages) == 0.0
    assert metrics.evidence_recall(quotes, []) == 0.0


def test_fact_recall_needs_every_fact_in_some_variant() -> None:
    facts = [["43"], ["80 %", "80 Prozent"]]
    assert metrics.fact_recall(facts, "Es sind 43 [1] von 73, also 80 Prozent [2].") == (True, 1.0)
    assert metrics.fact_recall(facts, "Es sind 43 von 73.") == (False, 0.5)
    assert metrics.fact_recall(facts, "") == (False, 0.0)


def test_fact_numbers_must_stand_alone() -> None:
    assert not metrics.contains_fact("seit 1943 aktiv", "43")
    assert not metrics.contains_fact("430 orte", "43")
    assert not metrics.contains_fact("4,43 mio. euro", "43")
    assert metrics.contains_fact("es sind 43.", "43")
    assert metrics.contains_fact("1.000 euro", "1.000")
    assert metrics.contains_fact("bürgerbeteiligung", "Beteiligung")  # words may sit in compounds


# --- citations ----------------------------------------------------------------------------

def test_answer_sentences_attach_markers_to_the_sentence_before() -> None:
    sentences = metrics.answer_sentences("Erster Satz. [1] Zweiter Satz [2][3]. Dritter Satz ohne Quelle.")
    assert [(s.text, s.markers) for s in sentences] == [
        ("Erster Satz.", (1,)), ("Zweiter Satz.", (2, 3)), ("Dritter Satz ohne Quelle.", ())]
    assert metrics.answer_sentences("Satz A [1, 2].")[0].markers == (1, 2)
    assert metrics.answer_sentences("") == []


def test_cited_sentence_share_ignores_uncited_announcements() -> None:
    assert metrics.cited_sentence_share("Eins. [1] Zwei. [1] Drei.") == pytest.approx(2 / 3)
    answer = "The documents say (quoted in German):\nDer Ort ist offen. [1]"
    assert metrics.cited_sentence_share(answer) == 1.0
    assert metrics.cited_sentence_share("Kein Satz hat eine Quelle.") == 0.0


PASSAGE = Retrieved(DOC_A, 3, 4, "Das Labor öffnete 2021 in der Innenstadt. Es bot 40 Veranstaltungen im Jahr an. "
                                 "Nach vier Jahren wurde es geschlossen.")


def test_extractive_citation_is_precise() -> None:
    answer = "Es bot 40 Veranstaltungen im Jahr an. [1]"
    citation = CitedSource(1, DOC_A, 4, "Es bot 40 Veranstaltungen im Jahr an.")
    assert metrics.citation_precision(answer, [citation], [PASSAGE]) == 1.0


def test_citation_quote_may_join_sentences_of_the_passage() -> None:
    quote = "Das Labor öffnete 2021 in der Innenstadt. Nach vier Jahren wurde es geschlossen."
    answer = "Das Labor öffnete 2021 in der Innenstadt. [1] Nach vier Jahren wurde es geschlossen. [1]"
    assert metrics.citation_precision(answer, [CitedSource(1, DOC_A, 3, quote)], [PASSAGE]) == 1.0
    assert metrics.quoted_from(quote, PASSAGE.text)
    # single words collected from all over the passage are no quote
    assert not metrics.quoted_from("Labor Jahren Veranstaltungen Innenstadt geschlossen", PASSAGE.text)


@pytest.mark.parametrize("citation, answer", [
    (CitedSource(1, DOC_A, 4, "Es bot 50 Veranstaltungen im Jahr an."), "Es bot 50 Veranstaltungen im Jahr an. [1]"),
    (CitedSource(1, DOC_A, 7, "Es bot 40 Veranstaltungen im Jahr an."), "Es bot 40 Veranstaltungen im Jahr an. [1]"),
    (CitedSource(1, DOC_B, 4, "Es bot 40 Veranstaltungen im Jahr an."), "Es bot 40 Veranstaltungen im Jahr an. [1]"),
    (CitedSource(1, DOC_A, 4, "Es bot 40 Veranstaltungen im Jahr an."), "Die Stadt plant einen Neubau am Bahnhof. [1]"),
    (CitedSource(1, DOC_A, 4, "Es bot 40 Veranstaltungen im Jahr an."), "Es bot 40 Veranstaltungen im Jahr an."),
    (CitedSource(1, DOC_A, 4, ""), "Es bot 40 Veranstaltungen im Jahr an. [1]"),
], ids=["quote-not-in-source", "wrong-page", "wrong-document", "sentence-not-supported", "never-cited",
        "empty-quote"])
def test_imprecise_citations(citation: CitedSource, answer: str) -> None:
    assert metrics.citation_precision(answer, [citation], [PASSAGE]) == 0.0


def test_citation_precision_is_a_share_and_none_without_citations() -> None:
    answer = "Es bot 40 Veranstaltungen im Jahr an. [1] Der Bahnhof wird neu gebaut. [2]"
    citations = [CitedSource(1, DOC_A, 3, "Es bot 40 Veranstaltungen im Jahr an."),
                 CitedSource(2, DOC_A, 3, "Nach vier Jahren wurde es geschlossen.")]
    assert metrics.citation_precision(answer, citations, [PASSAGE]) == 0.5
    assert metrics.citation_precision("Keine Quelle.", [], [PASSAGE]) is None


def test_word_overlap_uses_content_words() -> None:
    assert metrics.word_overlap("Die Stadt und das Labor", "Ein Labor in der Stadt") == 1.0
    assert metrics.word_overlap("Labor Bahnhof", "Ein Labor") == 0.5
    assert metrics.word_overlap("und die", "irgendwas") == 1.0  # nothing to support


# --- aggregation --------------------------------------------------------------------------

def _row(category: str, answerable: bool, refused: bool, latency: float, **values: float) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(metrics.MEAN_METRICS)
    row.update(category=category, answerable=answerable, refused=refused, latency_ms=latency, wall_ms=latency + 1)
    row.update(values)
    return row


def test_aggregate_refusals_latency_and_missing_values() -> None:
    rows = [
        _row("fact", True, False, 100, fact_pass=1.0, page_hit_at_5=1.0),
        _row("fact", True, True, 300, fact_pass=0.0, page_hit_at_5=0.0),
        _row("number", True, False, 200, fact_pass=1.0, page_hit_at_5=1.0),
        _row("unanswerable", False, True, 50),
        _row("unanswerable", False, False, 400),
    ]
    result = metrics.aggregate_by_category(rows)
    overall = result["overall"]
    assert overall["items"] == 5
    assert overall["fact_pass"] == pytest.approx(2 / 3)
    assert overall["refusal_accuracy"] == 0.5
    assert overall["false_refusal_rate"] == pytest.approx(1 / 3)
    assert overall["latency_p50_ms"] == 200
    assert overall["latency_p95_ms"] == pytest.approx(380)
    assert overall["wall_p50_ms"] == 201
    assert overall["citation_precision"] is None
    assert result["unanswerable"]["fact_pass"] is None
    assert result["unanswerable"]["false_refusal_rate"] is None
    assert result["fact"]["false_refusal_rate"] == 0.5
    assert set(result) == {"overall", "fact", "number", "unanswerable"}


def test_percentile_edges() -> None:
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([7], 95) == 7
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5


# --- refusal threshold --------------------------------------------------------------------

def test_refusal_sweep_and_best_threshold() -> None:
    scores = [(0.2, False, False), (0.4, False, False), (0.9, False, False),  # unanswerable
              (0.5, True, False), (0.8, True, False), (0.95, True, True)]     # answerable (one refuses anyway)
    points = metrics.refusal_sweep(scores, [0.0, 0.3, 0.45, 0.6])
    assert [(p.refusal_accuracy, p.false_refusal_rate) for p in points] == [
        (0.0, pytest.approx(1 / 3)), (pytest.approx(1 / 3), pytest.approx(1 / 3)),
        (pytest.approx(2 / 3), pytest.approx(1 / 3)), (pytest.approx(2 / 3), pytest.approx(2 / 3))]
    assert metrics.best_threshold(points).threshold == 0.45


def test_best_threshold_takes_the_middle_of_a_plateau() -> None:
    scores = [(0.1, False, False), (0.9, True, False)]
    points = metrics.refusal_sweep(scores, [round(step / 10, 1) for step in range(11)])
    # every threshold in 0.2..0.9 refuses the unanswerable item and answers the other one
    assert metrics.best_threshold(points).threshold == 0.5
    assert metrics.best_threshold([]) is None


# --- gate and judge -----------------------------------------------------------------------

def test_gate_rules_and_failures(tmp_path: Path) -> None:
    gate = tmp_path / "gate.toml"
    gate.write_text("[min]\nfact_pass = 0.5\n[max]\nfalse_refusal_rate = 0.2\n"
                    "[category.unanswerable.min]\nrefusal_accuracy = 0.8\n", encoding="utf-8")
    rules = load_gate(gate)
    assert ("unanswerable", "refusal_accuracy", "min", 0.8) in rules
    good = {"overall": {"fact_pass": 0.5, "false_refusal_rate": 0.2}, "unanswerable": {"refusal_accuracy": 0.9}}
    assert check_gate(rules, good) == []
    bad = {"overall": {"fact_pass": 0.4, "false_refusal_rate": 0.3}, "unanswerable": {"refusal_accuracy": None}}
    failures = check_gate(rules, bad)
    assert len(failures) == 3
    assert any("overall.fact_pass" in failure and "below" in failure for failure in failures)
    assert any("false_refusal_rate" in failure and "above" in failure for failure in failures)
    assert any("unanswerable.refusal_accuracy" in failure and "not measured" in failure for failure in failures)


def test_gate_rejects_unknown_metrics(tmp_path: Path) -> None:
    gate = tmp_path / "gate.toml"
    gate.write_text("[min]\nfact_passes = 0.5\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="fact_passes"):
        load_gate(gate)


def test_shipped_gate_is_valid() -> None:
    rules = load_gate()
    assert rules and all(0.0 <= bound for _, _, _, bound in rules)


def test_judge_verdict_parsing() -> None:
    verdict = parse_verdict('Sure: {"correctness": 4, "faithfulness": 5, "reason": "ok"} done')
    assert verdict is not None and (verdict.correctness, verdict.faithfulness) == (4, 5)
    assert parse_verdict('{"correctness": 9, "faithfulness": 5}') is None
    assert parse_verdict("no json here") is None
    assert parse_verdict('{"broken": } {"correctness": "2", "faithfulness": 1}').correctness == 2
