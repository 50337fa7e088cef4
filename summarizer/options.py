"""What one request asks for, as a frozen dataclass with its defaults in one place."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError

# Multipliers on the summariser's own min/max summary lengths (from its model card).
LENGTHS = {"short": 0.5, "medium": 1.0, "long": 1.6}


@dataclass(frozen=True)
class SummarizeOptions:
    length: str = "short"  # "short", "medium" or "long": scales the model card's summary lengths
    source_language: str | None = None  # the article's language; None detects it
    include_source: bool = True  # also summarise in each article's own language (first)
    strict: bool = False  # regenerate what fails the checks; replace unsupported sentences (summarizing.py)
    # Exact output lengths in tokens (min = max), overriding `length`: for benchmarks with
    # random-weight models, where generation would otherwise stop at random places.
    summary_tokens: int | None = None
    translation_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.length not in LENGTHS:
            raise InputError(f"length={self.length!r} is not one of: {', '.join(LENGTHS)}.")
        for name in ("summary_tokens", "translation_tokens"):
            check_count(name, getattr(self, name), optional=True)
        for name in ("include_source", "strict"):
            if not isinstance(getattr(self, name), bool):
                raise InputError(f"{name}={getattr(self, name)!r} must be true or false.")
        if self.source_language is not None and not isinstance(self.source_language, str):
            raise InputError(f"source_language={self.source_language!r} must be a language code or None.")


def check_count(name: str, value: object, optional: bool = False) -> None:
    """A setting that counts something must be a whole number of at least 1 (or None where optional)."""
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError(f"{name}={value!r} must be a whole number of at least 1.")

