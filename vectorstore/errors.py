"""Errors of the store layer: Chroma unreachable or built for another model, unknown documents."""

from __future__ import annotations

from ingest.errors import EXIT_UNAVAILABLE, EXIT_USAGE, NotFoundError, SmartCityError


class StoreUnavailableError(SmartCityError):
    """The vector store (embedded or Chroma server) cannot be reached; retrying later may help."""

    code = "store_unavailable"
    http_status = 503
    exit_code = EXIT_UNAVAILABLE
    retry_after_s = 30
    messages = {
        "de": "Die Dokumentensuche ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen "
              "Minuten erneut; bleibt das Problem bestehen, informieren Sie bitte den IT-Betrieb.",
        "en": "The document search is unavailable right now. Please try again in a few minutes; "
              "if the problem persists, please tell your IT operations.",
    }


class StoreMismatchError(SmartCityError):
    """The store was built with another embedding model than the one configured."""

    code = "store_mismatch"
    http_status = 503
    exit_code = EXIT_USAGE
    public = True  # names the two model names and what to do, nothing secret
    retry_after_s = 30
    messages = {
        "de": "Der Dokumentenbestand passt nicht zur Konfiguration des Assistenten. "
              "Bitte informieren Sie den IT-Betrieb.",
        "en": "The document store does not match the assistant's configuration. "
              "Please tell your IT operations.",
    }


class UnknownDocumentError(NotFoundError):
    """A question was restricted to documents the store does not hold (any more)."""

    messages = {
        "de": "Mindestens eines der ausgewählten Dokumente ist nicht mehr vorhanden. Bitte laden "
              "Sie die Seite neu und passen Sie die Dokumentauswahl an.",
        "en": "At least one of the chosen documents is no longer available. Please reload the "
              "page and adjust the document selection.",
    }
