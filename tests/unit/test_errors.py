"""The error hierarchy (ingest/errors.py, vectorstore/errors.py, assistant/errors.py): how every edge shows each error.

Each class carries its HTTP status and code, the CLI's exit code and the messages people read;
a new class must be added to `CASES` (the last test finds any that is missing).
"""

from __future__ import annotations

import pytest

from assistant.api.errors import _STATUS_CODES, INTERNAL_MESSAGE, ApiError, describe
from assistant.errors import EmptyQuestionError, LLMUnavailableError, QuestionTooLongError, TooManyTurnsError
from evals.dataset import DatasetError
from ingest.errors import (
    EXIT_FAILURE,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    DocumentError,
    InvalidRequestError,
    NotFoundError,
    SettingsError,
    SmartCityError,
)
from vectorstore.errors import StoreMismatchError, StoreUnavailableError, UnknownDocumentError

SECRET_DETAIL = "Chroma is not reachable: http://10.0.0.5:8000 token=s3cr3t"

# (error, code, HTTP status, exit code, Retry-After seconds, detail shown to API clients)
CASES: list[tuple[SmartCityError, str, int, int, int | None, bool]] = [
    (SmartCityError("unexpected: " + SECRET_DETAIL), "internal_error", 500, EXIT_FAILURE, None, False),
    (SettingsError("SMARTCITY_PORT: not an integer"), "bad_setting", 500, EXIT_USAGE, None, False),
    (InvalidRequestError("documents: not a list"), "invalid_request", 400, EXIT_USAGE, None, True),
    (NotFoundError("no answer with id 'x'"), "not_found", 404, EXIT_USAGE, None, True),
    (DocumentError("x.pdf", "encrypted"), "bad_document", 422, EXIT_FAILURE, None, True),
    (StoreUnavailableError(SECRET_DETAIL), "store_unavailable", 503, EXIT_UNAVAILABLE, 30, False),
    (StoreMismatchError("built with 'a', settings name 'b'"), "store_mismatch", 503, EXIT_USAGE, 30, True),
    (UnknownDocumentError("unknown document(s): x.pdf"), "not_found", 404, EXIT_USAGE, None, True),
    (LLMUnavailableError("the language model is not reachable: " + SECRET_DETAIL), "llm_unavailable", 503,
     EXIT_UNAVAILABLE, 30, False),
    (EmptyQuestionError(), "empty_question", 400, EXIT_USAGE, None, True),
    (QuestionTooLongError(2100, 2000), "question_too_long", 400, EXIT_USAGE, None, True),
    (TooManyTurnsError(25, 20), "too_many_turns", 400, EXIT_USAGE, None, True),
    (ApiError(401, "unauthorized", "missing 'Authorization' header"), "unauthorized", 401, EXIT_FAILURE, None, True),
    (DatasetError("questions.yaml: item 3 has no question"), "bad_dataset", 400, EXIT_USAGE, None, True),
]
IDS = [type(case[0]).__name__ for case in CASES]


@pytest.mark.parametrize(("error", "code", "status", "exit_code", "retry_after", "public"), CASES, ids=IDS)
def test_each_error_names_its_code_status_and_exit_code(error: SmartCityError, code: str, status: int,
                                                        exit_code: int, retry_after: int | None,
                                                        public: bool) -> None:
    assert (error.code, error.http_status, error.exit_code, error.retry_after_s, error.public) == (
        code, status, exit_code, retry_after, public)
    assert status in _STATUS_CODES  # a status the API knows how to name


@pytest.mark.parametrize("error", [case[0] for case in CASES], ids=IDS)
def test_each_error_has_a_german_and_an_english_user_message(error: SmartCityError) -> None:
    german, english = error.user_message("de"), error.user_message("en")
    assert german and english and german != english
    assert error.user_message() == german  # German is the default ...
    assert error.user_message("fr") == german  # ... and the fallback
    assert str(error) not in german + english  # never the operator's detail


@pytest.mark.parametrize(("error", "public"), [(case[0], case[5]) for case in CASES], ids=IDS)
def test_clients_see_the_detail_only_when_it_is_public(error: SmartCityError, public: bool) -> None:
    message = error.client_message()
    if public:
        assert message == str(error)
    else:
        assert message == f"{error.user_message('de')} / {error.user_message('en')}"
        assert "s3cr3t" not in message and "10.0.0.5" not in message


def test_a_public_error_without_detail_shows_the_user_messages() -> None:
    error = InvalidRequestError()
    assert error.client_message() == f"{error.user_message('de')} / {error.user_message('en')}"


def test_the_too_long_message_names_length_and_limit() -> None:
    error = QuestionTooLongError(2100, 2000)
    assert "2100" in error.user_message("de") and "2000" in error.user_message("de")
    assert "2100" in error.user_message("en") and "shorten" in error.user_message("en")
    assert "2100" in str(error) and "2000" in str(error)


def test_document_errors_keep_file_and_reason() -> None:
    error = DocumentError("x.pdf", "encrypted")
    assert (error.file, error.reason, str(error)) == ("x.pdf", "encrypted", "x.pdf: encrypted")


def test_an_unknown_document_is_a_not_found_error() -> None:
    assert issubclass(UnknownDocumentError, NotFoundError)


def test_describe_reads_status_code_and_message_from_the_error() -> None:
    assert describe(UnknownDocumentError("unknown document(s): x.pdf")) == (
        404, "not_found", "unknown document(s): x.pdf")
    status, code, message = describe(StoreUnavailableError(SECRET_DETAIL))
    assert (status, code) == (503, "store_unavailable") and "s3cr3t" not in message


def test_describe_turns_any_other_exception_into_a_generic_500() -> None:
    assert describe(RuntimeError("boom " + SECRET_DETAIL)) == (500, "internal_error", INTERNAL_MESSAGE)
    assert "s3cr3t" not in INTERNAL_MESSAGE


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) if found else set()


def test_every_error_class_is_covered_here() -> None:
    covered = {type(case[0]) for case in CASES}
    defined = {cls for cls in _subclasses(SmartCityError) | {SmartCityError}
               if cls.__module__.split(".")[0] in ("assistant", "ingest", "vectorstore", "evals", "ui", "bench")}
    assert defined - covered == set(), "add the new error class(es) to CASES"
