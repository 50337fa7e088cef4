"""Options of a summarisation run, as a frozen dataclass with defaults in one place."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError

# Multipliers on the summariser's own min/max summary lengths (from its model card).
LENGTHS = {"short": 0.5, "medium": 1.0, "long": 1.6}


@dataclass(frozen=True)
class SummarizeOptions:
    length: str = "short"  # "short", "medium" or "long": scales the model card's summary lengths
    source_language: str | None = None  # the article's language; None detects it
    batch_size: int = 8  # texts per generate() call
    max_chars: int = 500_000  # longest article accepted, in characters (checked before any model work)
    max_languages: int = 20  # most target languages in one request
    max_reduce_rounds: int = 8  # summarise-the-summaries rounds for very long articles
    strict: bool = False  # a summary failing the faithfulness check is regenerated, then made extractive
    # Exact output lengths in tokens (min = max), overriding `length`: for benchmarks with
    # random-weight models, where generation would otherwise stop at random places.
    summary_tokens: int | None = None
    translation_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.length not in LENGTHS:
            raise InputError(f"length={self.length!r} is not one of: {', '.join(LENGTHS)}.")
        for name in ("batch_size", "max_chars", "max_languages", "max_reduce_rounds", "summary_tokens",
                     "translation_tokens"):
            value = getattr(self, name)
            if value is None and name.endswith("_tokens"):
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InputError(f"{name}={value!r} must be a whole number of at least 1.")
