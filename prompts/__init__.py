"""Prompt and message texts, one file per text and language (see `assistant.prompts`)."""
