"""Shared fixtures: tiny random-weight models of every family, built once per session."""

from __future__ import annotations

import pytest

from summarizer.models.cache import default_cache
from tests import factory
from tests.configs import tiny_config


def pytest_collection_modifyitems(config, items):
    from summarizer.models.hub import hub_reachable

    skip_hub = pytest.mark.skip(reason="the Hugging Face hub cannot be reached (or HF_HUB_OFFLINE=1)")
    skip_gpu = pytest.mark.skip(reason="no CUDA device")
    hub_checked = gpu_checked = None
    for item in items:
        if item.get_closest_marker("hub"):
            hub_checked = hub_reachable() if hub_checked is None else hub_checked
            if not hub_checked:
                item.add_marker(skip_hub)
        if item.get_closest_marker("gpu"):
            if gpu_checked is None:
                import torch

                gpu_checked = torch.cuda.is_available()
            if not gpu_checked:
                item.add_marker(skip_gpu)


@pytest.fixture(autouse=True)
def _isolated_store(request, tmp_path_factory, monkeypatch):
    """Unit tests see an empty model store and never wait on the network."""
    if not request.node.get_closest_marker("hub"):
        monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(tmp_path_factory.mktemp("store")))
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        from summarizer.models.hub import hub_reachable

        hub_reachable.cache_clear()
        yield
        hub_reachable.cache_clear()
    else:
        yield


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Folders of tiny models: name -> path (str)."""
    root = tmp_path_factory.mktemp("tiny-models")
    built = {
        "bart": factory.build_bart(root / "bart"),
        "en-fr": factory.build_marian(root / "en-fr"),
        "en-sla": factory.build_marian(root / "en-sla", (">>ces<<", ">>pol<<", ">>rus<<")),
        "mul-en": factory.build_marian(root / "mul-en"),
        "m2m100": factory.build_m2m100(root / "m2m100"),
        "mt5": factory.build_mt5(root / "mt5"),
    }
    yield {name: str(path) for name, path in built.items()}
    default_cache().clear()


@pytest.fixture(scope="session")
def tiny_llm(tmp_path_factory):
    """Tiny decoder-only models: "chat" (ChatML template) and "base" folders, and "gguf", the chat model as a
    GGUF file."""
    root = tmp_path_factory.mktemp("tiny-llm")
    chat = factory.build_llama(root / "chat")
    built = {"chat": chat, "base": factory.build_llama(root / "base", chat=False),
             "gguf": factory.write_gguf(chat, root / "tiny-chat.gguf")}
    yield {name: str(path) for name, path in built.items()}
    default_cache().clear()


@pytest.fixture
def tiny_summarizer(tiny):
    """A default-preset Summarizer whose every model is a tiny local one."""
    from summarizer import Summarizer

    return Summarizer(tiny_config(tiny, ("fr", "pl", "ja", "en")))
