"""The project's one error hierarchy, rooted in the bottom layer so that every layer can raise it.

Each class knows how every edge shows it: the HTTP status and code of the API's error body,
the exit code of the CLI, and the message a person reads in the UI or the widget (German and
English). The edges read these attributes; none of them maps exceptions in an isinstance
chain of its own (the datasette pattern: the status travels on the exception).

Layers add their own subclasses next to the code that raises them (`vectorstore.errors`,
`assistant.errors`); the kinds every layer needs live here.

Exit codes: 1 failure, 2 usage or configuration error, 3 the store or the LLM is unreachable.
"""

from __future__ import annotations

from collections.abc import Mapping

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNAVAILABLE = 3


class SmartCityError(Exception):
    """Base class: every error raised on purpose derives from it.

    `str(exc)` is the detail for logs and operators. `public` says whether that detail may be
    shown to API clients as it is (it names the client's own input, never internals or
    secrets); otherwise clients get the user message.
    """

    code: str = "internal_error"
    http_status: int = 500
    exit_code: int = EXIT_FAILURE
    public: bool = False
    retry_after_s: int | None = None
    messages: Mapping[str, str] = {
        "de": "Es ist ein unerwarteter Fehler aufgetreten. Bitte versuchen Sie es erneut; "
              "der Fehler wurde protokolliert.",
        "en": "An unexpected error occurred. Please try again; the error has been logged.",
    }

    def user_message(self, language: str = "de") -> str:
        """What a person reads in the UI or the widget, in their language, without internals."""
        return self.messages.get(language) or self.messages["de"]

    def client_message(self) -> str:
        """The `message` of the API's error body: the detail when public, else both user messages."""
        if self.public and str(self):
            return str(self)
        return f"{self.user_message('de')} / {self.user_message('en')}"


class SettingsError(SmartCityError):
    """A setting has a bad value; the message names the environment variable."""

    code = "bad_setting"
    exit_code = EXIT_USAGE


class InvalidRequestError(SmartCityError):
    """A request is malformed or breaks a limit; the detail says which, in terms of the input."""

    code = "invalid_request"
    http_status = 400
    exit_code = EXIT_USAGE
    public = True
    messages = {
        "de": "Diese Anfrage kann nicht verarbeitet werden. Bitte formulieren Sie Ihre Frage neu.",
        "en": "This request cannot be processed. Please rephrase your question.",
    }


class NotFoundError(SmartCityError):
    """A named document, answer or other resource does not exist."""

    code = "not_found"
    http_status = 404
    exit_code = EXIT_USAGE
    public = True
    messages = {
        "de": "Das Angefragte ist nicht (mehr) vorhanden.",
        "en": "What was asked for does not exist (any more).",
    }


class DocumentError(SmartCityError):
    """A PDF cannot be ingested (encrypted, corrupt, empty, no text, ...): reported and skipped."""

    code = "bad_document"
    http_status = 422
    public = True
    messages = {
        "de": "Dieses PDF kann nicht aufgenommen werden.",
        "en": "This PDF cannot be ingested.",
    }

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason
