from pathlib import Path

import pytest

from assistant.settings import load_settings
from ingest.errors import SettingsError


def test_environment_maps_to_groups_and_flat_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_DATA_DIR", "/tmp/x")
    monkeypatch.setenv("SMARTCITY_LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("SMARTCITY_RETRIEVAL_TOP_K", "4")
    monkeypatch.setenv("SMARTCITY_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("SMARTCITY_ADMIN_TOKEN", "secret")
    settings = load_settings(_env_file=None)
    assert settings.data_dir == Path("/tmp/x")
    assert settings.llm.base_url == "http://127.0.0.1:8080/v1"
    assert settings.retrieval.top_k == 4
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.admin_token.get_secret_value() == "secret"
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value"),
    [("SMARTCITY_RETRIEVAL_TOP_K", "viele"), ("SMARTCITY_INGEST_CHUNK_TOKENS", "5"),
     ("SMARTCITY_RATE_LIMIT", "schnell"), ("SMARTCITY_CHROMA_URL", "localhost")],
)
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings(_env_file=None)


def test_llm_mode_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARTCITY_ANSWER_MODE", "llm")
    with pytest.raises(SettingsError, match="SMARTCITY_LLM_BASE_URL"):
        load_settings(_env_file=None)
