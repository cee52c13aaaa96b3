"""The one loader for prompt and message texts in ``prompts/`` (no prompt strings in code)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from ingest.errors import SettingsError

DEFAULT_LANGUAGE = "de"


@lru_cache(maxsize=64)
def load_prompt(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Text of ``prompts/<name>.<language>.txt``, falling back to German."""
    package = resources.files("prompts")
    for candidate in (language, DEFAULT_LANGUAGE):
        resource = package / f"{name}.{candidate}.txt"
        if resource.is_file():
            return resource.read_text(encoding="utf-8").strip()
    raise SettingsError(f"prompt {name!r} is missing from prompts/")


def render_prompt(name: str, language: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """A prompt with its ``{placeholders}`` filled in."""
    return load_prompt(name, language).format(**values)
