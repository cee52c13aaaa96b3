"""Which language a question is in (German or English), from its function words."""

from __future__ import annotations

import re

from ingest.lexicon import ENGLISH_MARKER_WORDS as _ENGLISH
from ingest.lexicon import GERMAN_MARKER_WORDS as _GERMAN


def detect_language(text: str) -> str:
    """'en' when English function words dominate, else 'de' (the product's default).

    Words of both languages ("in", "was", "will") count for neither: "Was will Berlin in seinem
    Modellprojekt angehen?" is German. An umlaut counts as one German word, no more: English
    questions name German places and projects ("the Digitalzentrum in Süderbrarup").
    """
    words = re.findall(r"[a-zäöüß]+", text.lower())
    english = sum(word in _ENGLISH and word not in _GERMAN for word in words)
    german = sum(word in _GERMAN and word not in _ENGLISH for word in words)
    german += any(char in text for char in "äöüßÄÖÜ")
    return "en" if english > german else "de"
