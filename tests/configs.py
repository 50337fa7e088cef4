"""The test configuration: every model a tiny local one (conftest.py's `tiny`), as a `Config` and as the same
flags for the CLI. The language check only warns: random weights write no language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from summarizer import Config

# target language -> the tiny model (a key of `tiny`) that translates into it
TINY_TRANSLATORS = {"fr": "en-fr", "pl": "en-sla", "ja": "m2m100", "en": "mul-en", "ar": "m2m100"}
LANGUAGES = ("fr", "ja", "en")  # the translators most tests give


def tiny_config(tiny: dict[str, str], languages: Sequence[str] = LANGUAGES, **extra: Any) -> Config:
    """The tiny BART summariser and a tiny translator into each of `languages`, on the CPU; `extra` changes any
    other field."""
    return Config(**{"language_check": "warn", "summarizer_model": tiny["bart"], "device": "cpu",
                     "translators": {lang: tiny[TINY_TRANSLATORS[lang]] for lang in languages}, **extra})


def tiny_flags(tiny: dict[str, str], languages: Sequence[str] = LANGUAGES) -> list[str]:
    """`tiny_config` as `summarize` flags."""
    flags = ["--language-check", "warn", "--summarizer-model", tiny["bart"], "--device", "cpu"]
    for lang in languages:
        flags += ["--translator", f"{lang}={tiny[TINY_TRANSLATORS[lang]]}"]
    return flags
