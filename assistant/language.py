"""Which language a question is in (German or English), from its function words."""

from __future__ import annotations

import re

from ingest.lexicon import ENGLISH_MARKER_WORDS as _ENGLISH
from ingest.lexicon import GERMAN_MARKER_WORDS as _GERMAN


def detect_language(text: str) -> str:
    """'en' when English function words dominate, else 'de' (the product's default)."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    if any(char in text for char in "äöüßÄÖÜ"):
        return "de"
    english = sum(word in _ENGLISH for word in words)
    german = sum(word in _GERMAN for word in words)
    return "en" if english > german else "de"
