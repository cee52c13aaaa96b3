"""`Assistant.stream`/`ask` (assistant/pipeline.py) over a real store, fake embeddings and scripted LLMs."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.answer.extractive import ExtractiveAnswerer
from assistant.answer.llm import LLMAnswerer, LLMCondenser
from assistant.answer.types import Answer
from assistant.errors import EmptyQuestionError, LLMUnavailableError, QuestionTooLongError, TooManyTurnsError
from assistant.limits import QuestionLimits
from assistant.pipeline import Assistant
from assistant.prompts import load_prompt
from assistant.query import Turn
from assistant.wiring import Services
from ingest.errors import InvalidRequestError
from tests.support.fakes import (
    DroppingChatModel,
    ScriptedChatModel,
    UnreachableChatModel,
    scripted_chat,
)
from tests.unit.conftest import (
    MAKERSPACE,
    MAKERSPACE_TITLE,
    MIN_EVIDENCE,
    MOBILITY,
    UNRELATED_QUESTION,
    WORKSHOP_QUESTION,
    assistant_over,
)
from vectorstore.errors import UnknownDocumentError

REFUSAL_DE = load_prompt("refusal", "de")
LLM_REPLY = "Im Jahr 2023 nahmen 40 Fachleute an der Werkstatt teil [1]."


def extractive(services: Services, min_evidence: float = MIN_EVIDENCE, **kwargs: Any) -> Assistant:
    return assistant_over(services, ExtractiveAnswerer(), min_evidence=min_evidence, **kwargs)


def llm(services: Services, chat_model: Any, **kwargs: Any) -> Assistant:
    return assistant_over(services, LLMAnswerer(chat_model), **kwargs)


def split(items: list[str | Answer]) -> tuple[str, Answer]:
    *pieces, answer = items
    assert all(isinstance(piece, str) for piece in pieces)
    assert isinstance(answer, Answer)
    return "".join(pieces), answer  # type: ignore[arg-type]


# --- answers -------------------------------------------------------------------------------

def test_an_answer_quotes_the_passage_and_cites_its_page(seeded: Services) -> None:
    answer = extractive(seeded).ask(WORKSHOP_QUESTION)
    assert not answer.refused
    assert answer.mode == "extractive" and answer.language == "de"
    assert "40 Fachleute" in answer.answer and "[1]" in answer.answer
    [citation] = answer.citations
    assert (citation.n, citation.document, citation.title, citation.page) == (1, MAKERSPACE, MAKERSPACE_TITLE, 2)
    assert citation.url == f"/documents/{MAKERSPACE}#page=2"
    assert "40 Fachleute" in citation.quote
    assert answer.suggestions == []


def test_an_answer_carries_the_evidence_score_it_was_judged_by(seeded: Services) -> None:
    answer = extractive(seeded).ask(WORKSHOP_QUESTION)
    assert MIN_EVIDENCE <= answer.evidence_score <= 1.0
    assert extractive(seeded, min_evidence=answer.evidence_score).ask(WORKSHOP_QUESTION).refused is False
    assert extractive(seeded, min_evidence=answer.evidence_score + 0.001).ask(WORKSHOP_QUESTION).refused is True


def test_an_answer_reports_ids_queries_and_stage_timings(seeded: Services) -> None:
    first = extractive(seeded).ask(f"  {WORKSHOP_QUESTION}  ")
    second = extractive(seeded).ask(WORKSHOP_QUESTION)
    assert first.id != second.id and len(first.id) == 32
    assert first.query == WORKSHOP_QUESTION  # stripped
    assert {"query", "retrieval", "answer", "total", "retrieval_embed", "retrieval_keyword"} <= set(first.timings_ms)
    assert first.timings_ms["total"] >= first.timings_ms["retrieval"]


def test_the_stream_yields_the_answer_text_in_pieces_and_ends_with_the_answer(seeded: Services) -> None:
    items = list(extractive(seeded).stream(WORKSHOP_QUESTION))
    text, answer = split(items)
    assert len(items) >= 2
    assert text == answer.answer


def test_documents_restrict_the_search(seeded: Services) -> None:
    answer = extractive(seeded, min_evidence=0.0).ask(WORKSHOP_QUESTION, documents=[MOBILITY])
    assert all(citation.document == MOBILITY for citation in answer.citations + answer.suggestions)  # type: ignore[operator]
    assert "40 Fachleute" not in answer.answer


def test_an_english_question_is_answered_with_an_english_lead(seeded: Services) -> None:
    answer = extractive(seeded, min_evidence=0.0).ask("How many Fachleute took part in the Smart-City-Werkstatt?")
    assert answer.language == "en"
    assert answer.answer.startswith(load_prompt("extractive_lead", "en"))


# --- refusals ------------------------------------------------------------------------------

def test_below_the_threshold_the_assistant_refuses_and_suggests_documents(seeded: Services) -> None:
    answer = extractive(seeded).ask(UNRELATED_QUESTION)
    assert answer.refused
    assert answer.evidence_score < MIN_EVIDENCE
    assert answer.answer == REFUSAL_DE
    assert answer.citations == []
    assert {suggestion.document for suggestion in answer.suggestions} == {MAKERSPACE, MOBILITY}
    assert all(suggestion.url.startswith("/documents/") for suggestion in answer.suggestions)


def test_the_threshold_alone_turns_an_answer_into_a_refusal(seeded: Services) -> None:
    answer = extractive(seeded, min_evidence=0.99).ask(WORKSHOP_QUESTION)
    assert answer.refused and answer.citations == []
    assert answer.suggestions[0].document == MAKERSPACE  # the best passage's document comes first


def test_a_refusal_streams_its_text_too(seeded: Services) -> None:
    text, answer = split(list(extractive(seeded).stream("What does an identity card cost at the citizens' office?")))
    assert answer.refused and answer.language == "en"
    assert text == answer.answer == load_prompt("refusal", "en")


def test_an_empty_store_refuses_with_nothing_to_suggest(services: Services) -> None:
    answer = extractive(services).ask(WORKSHOP_QUESTION)
    assert answer.refused and answer.suggestions == [] and answer.evidence_score == 0.0


def test_an_answerer_that_cites_nothing_becomes_a_refusal(seeded: Services) -> None:
    answer = llm(seeded, scripted_chat("Das steht so nicht da, aber vermutlich 40.")).ask(WORKSHOP_QUESTION)
    assert answer.refused and answer.answer == REFUSAL_DE
    assert answer.suggestions


# --- unknown documents and limits ------------------------------------------------------------

def test_unknown_documents_raise_a_404_error(seeded: Services) -> None:
    with pytest.raises(UnknownDocumentError, match="nope.pdf") as raised:
        extractive(seeded).ask(WORKSHOP_QUESTION, documents=[MAKERSPACE, "nope.pdf"])
    assert raised.value.http_status == 404


def test_a_removed_document_is_unknown_at_once(seeded: Services) -> None:
    assistant = extractive(seeded)
    seeded.knowledge_base.remove_document(MAKERSPACE)
    with pytest.raises(UnknownDocumentError):
        assistant.ask(WORKSHOP_QUESTION, documents=[MAKERSPACE])


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_rejected(seeded: Services, question: str) -> None:
    with pytest.raises(EmptyQuestionError):
        extractive(seeded).ask(question)


def test_a_too_long_question_is_rejected_with_its_length(seeded: Services) -> None:
    assistant = extractive(seeded, limits=QuestionLimits(max_chars=20))
    assistant.ask("x" * 20)  # at the limit: fine
    with pytest.raises(QuestionTooLongError) as raised:
        assistant.ask("x" * 21)
    assert (raised.value.length, raised.value.limit) == (21, 20)


def test_too_many_turns_are_rejected(seeded: Services) -> None:
    assistant = extractive(seeded, limits=QuestionLimits(max_turns=2))
    history = [Turn("user", "Frage"), Turn("assistant", "Antwort"), Turn("user", "Noch eine")]
    assistant.ask(WORKSHOP_QUESTION, history[:2])
    with pytest.raises(TooManyTurnsError):
        assistant.ask(WORKSHOP_QUESTION, history)


@pytest.mark.parametrize("error", [EmptyQuestionError, QuestionTooLongError, TooManyTurnsError])
def test_limit_errors_are_bad_requests(error: type[InvalidRequestError]) -> None:
    assert issubclass(error, InvalidRequestError)
    assert error.http_status == 400 and error.exit_code == 2


def test_limits_are_checked_before_the_store_is_asked(seeded: Services) -> None:
    embeddings = seeded.embeddings
    before = embeddings.questions_embedded  # type: ignore[attr-defined]
    with pytest.raises(EmptyQuestionError):
        extractive(seeded).ask(" ", documents=["nope.pdf"])  # not UnknownDocumentError
    assert embeddings.questions_embedded == before  # type: ignore[attr-defined]


# --- the LLM answerer, its failures and the fallback -----------------------------------------

def test_the_llm_answer_streams_and_cites_the_numbered_source(seeded: Services) -> None:
    chat = scripted_chat(LLM_REPLY)
    text, answer = split(list(llm(seeded, chat).stream(WORKSHOP_QUESTION)))
    assert answer.mode == "llm" and not answer.refused
    assert text.strip() == answer.answer == LLM_REPLY
    [citation] = answer.citations
    assert (citation.document, citation.page) == (MAKERSPACE, 2)
    assert "40 Fachleute" in citation.quote
    prompt = "\n".join(str(message.content) for message in chat.received[0])
    assert "Im Jahr 2023 nahmen 40 Fachleute" in prompt and WORKSHOP_QUESTION in prompt


def test_markers_naming_no_source_are_dropped(seeded: Services) -> None:
    answer = llm(seeded, scripted_chat("Es waren 40 Fachleute [1] [9].")).ask(WORKSHOP_QUESTION)
    assert "[9]" not in answer.answer and "[1]" in answer.answer
    assert [citation.n for citation in answer.citations] == [1]


def test_the_llm_reads_the_situation_told_before_the_question(seeded: Services) -> None:
    chat = scripted_chat(LLM_REPLY)
    asked = f"Wir planen gerade eine Veranstaltung für Fachleute. {WORKSHOP_QUESTION}"
    llm(seeded, chat).ask(asked)
    assert asked in str(chat.received[-1][-1].content)


def test_an_unreachable_llm_falls_back_to_the_extractive_answer(seeded: Services) -> None:
    chat = UnreachableChatModel()
    answer = llm(seeded, chat, fallback=ExtractiveAnswerer()).ask(WORKSHOP_QUESTION)
    assert chat.calls == 1
    assert answer.mode == "extractive" and not answer.refused
    assert "40 Fachleute" in answer.answer and answer.citations[0].document == MAKERSPACE


def test_an_unreachable_llm_without_fallback_raises(seeded: Services) -> None:
    with pytest.raises(LLMUnavailableError) as raised:
        llm(seeded, UnreachableChatModel()).ask(WORKSHOP_QUESTION)
    assert raised.value.http_status == 503 and raised.value.exit_code == 3
    assert "ConnectError" in str(raised.value)


def test_a_refusal_does_not_need_the_llm(seeded: Services) -> None:
    chat = UnreachableChatModel()
    answer = llm(seeded, chat).ask(UNRELATED_QUESTION)
    assert answer.refused and chat.calls == 0


def test_a_fallback_after_a_dropped_stream_streams_only_the_fallback_answer(seeded: Services) -> None:
    chat = DroppingChatModel()
    text, answer = split(list(llm(seeded, chat, fallback=ExtractiveAnswerer()).stream(WORKSHOP_QUESTION)))
    assert chat.calls == 1 and answer.mode == "extractive"
    assert text == answer.answer


def test_an_llm_refusal_streams_the_refusal_once(seeded: Services) -> None:
    text, answer = split(list(llm(seeded, scripted_chat(REFUSAL_DE)).stream(WORKSHOP_QUESTION)))
    assert answer.refused
    assert text == answer.answer == REFUSAL_DE


def test_an_uncited_llm_answer_is_not_streamed_before_the_refusal(seeded: Services) -> None:
    uncited = "Das steht so nicht da, aber vermutlich 40."
    text, answer = split(list(llm(seeded, scripted_chat(uncited)).stream(WORKSHOP_QUESTION)))
    assert answer.refused
    assert "vermutlich" not in text  # an ungrounded claim must not reach the reader


# --- follow-ups and condensing ---------------------------------------------------------------

HISTORY = [Turn("user", "Was passierte bei der Smart-City-Werkstatt in Wismar?"),
           Turn("assistant", "Es nahmen Fachleute teil. [1]")]
FOLLOWUP = "Und wie viele Fachleute nahmen teil?"


def test_a_failing_condenser_falls_back_to_keyword_follow_up_resolution(seeded: Services) -> None:
    chat = UnreachableChatModel()
    assistant = extractive(seeded, condenser=LLMCondenser(chat))
    answer = assistant.ask(FOLLOWUP, HISTORY)
    assert chat.calls == 1
    assert answer.query.startswith(FOLLOWUP) and "wismar" in answer.query  # terms of the earlier turn
    assert not answer.refused and "40 Fachleute" in answer.answer


def test_the_condensed_question_is_what_gets_searched(seeded: Services) -> None:
    chat: ScriptedChatModel = scripted_chat(f"{WORKSHOP_QUESTION}\nzweite Zeile wird ignoriert")
    answer = extractive(seeded, condenser=LLMCondenser(chat)).ask(FOLLOWUP, HISTORY)
    assert answer.query == WORKSHOP_QUESTION
    transcript = str(chat.received[0][-1].content)
    assert HISTORY[0].content in transcript and FOLLOWUP in transcript


def test_a_standalone_question_is_not_condensed(seeded: Services) -> None:
    chat = UnreachableChatModel()
    answer = extractive(seeded, condenser=LLMCondenser(chat)).ask(WORKSHOP_QUESTION, HISTORY)
    assert chat.calls == 0 and answer.query == WORKSHOP_QUESTION


def test_a_situation_told_before_the_question_is_context_not_a_follow_up(seeded: Services) -> None:
    chat = UnreachableChatModel()
    answer = extractive(seeded, condenser=LLMCondenser(chat)).ask(
        f"Wir planen gerade eine Veranstaltung für Fachleute. {WORKSHOP_QUESTION}")
    assert chat.calls == 0
    assert answer.query.startswith(WORKSHOP_QUESTION) and "veranstaltung" in answer.query


# --- compound questions ----------------------------------------------------------------------
AIR_QUESTION = "Wo messen Sensoren die Luftqualität der Stadt?"


def test_each_part_of_a_compound_question_is_answered_and_cited(seeded: Services) -> None:
    answer = extractive(seeded).ask(f"{WORKSHOP_QUESTION} Und {AIR_QUESTION[0].lower()}{AIR_QUESTION[1:]}")
    assert "40 Fachleute" in answer.answer and "zwölf Kreuzungen" in answer.answer
    assert {citation.document for citation in answer.citations} == {MAKERSPACE, MOBILITY}
    assert answer.unanswered == [] and len(answer.signals) == 2
    # The "Und" that joins the two questions does not carry the first one's topic into the second.
    first, second = answer.query.split(" | ")
    assert "werkstatt" not in second.lower() and "luftqualität" in second.lower()


def test_a_part_the_documents_do_not_answer_is_named_as_unanswered(seeded: Services) -> None:
    answer = extractive(seeded).ask(f"{WORKSHOP_QUESTION} Und {UNRELATED_QUESTION[0].lower()}{UNRELATED_QUESTION[1:]}")
    assert not answer.refused and "40 Fachleute" in answer.answer
    assert len(answer.unanswered) == 1 and "Personalausweis" in answer.unanswered[0]


# --- wiring ----------------------------------------------------------------------------------

def test_services_build_the_configured_extractive_assistant(seeded: Services) -> None:
    assistant = seeded.assistant
    assert assistant is seeded.assistant  # built once
    assert assistant.mode == "extractive" and assistant.fallback is None and assistant.condenser is None
    assert assistant.refusal.min_evidence == MIN_EVIDENCE
    assert not assistant.ask(WORKSHOP_QUESTION).refused


def test_services_reject_unknown_parts(seeded: Services) -> None:
    with pytest.raises(TypeError, match="unknown part"):
        Services(seeded.settings, retriever=object())


def test_sharing_services_reuse_store_knowledge_base_and_model(seeded: Services) -> None:
    other = seeded.sharing(seeded.settings.model_copy(update={"max_question_chars": 50}))
    assert other.store is seeded.store and other.knowledge_base is seeded.knowledge_base
    assert other.embeddings is seeded.embeddings
    assert other.limits.max_chars == 50
