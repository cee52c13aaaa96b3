"""One error hierarchy for the whole project.

Edges map these to user-facing responses: the CLI prints the message, the API
turns each class into a status code (see ``assistant.api.errors``).
"""

from __future__ import annotations


class SmartCityError(Exception):
    """Base class: every error we raise on purpose derives from it."""

    code = "error"


class SettingsError(SmartCityError):
    """A setting has a bad value; the message names the environment variable."""

    code = "bad_setting"


class DocumentError(SmartCityError):
    """A PDF cannot be ingested (encrypted, corrupt, empty, no text layer, ...)."""

    code = "bad_document"

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class StoreUnavailableError(SmartCityError):
    """The vector store (embedded or Chroma server) cannot be reached."""

    code = "store_unavailable"


class StoreMismatchError(SmartCityError):
    """The store was built with another embedding model than the one configured."""

    code = "store_mismatch"


class LLMUnavailableError(SmartCityError):
    """The OpenAI-compatible LLM endpoint is down, slow or answered with an error."""

    code = "llm_unavailable"


class InvalidRequestError(SmartCityError):
    """A request is malformed or exceeds a limit (question length, history, ...)."""

    code = "invalid_request"


class NotFoundError(SmartCityError):
    """A named document (or other resource) does not exist."""

    code = "not_found"
