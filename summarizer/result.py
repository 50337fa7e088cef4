"""The result of summarising one article."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Summary:
    source_language: str  # ISO 639-1 code of the article
    summaries: dict[str, str]  # language -> summary text, in the order asked
    models: dict[str, list[str]]  # language -> the chain of models that produced its summary
    chunks: int  # pieces the article was split into for the summariser (1 = read whole)
    warnings: list[str] = field(default_factory=list)  # about the article as a whole: split, trimmed, uncertain
    # seconds per stage: this article's share of its batch's time (split by the text it brought to each
    # stage), so that the timings of a batch's results add up to what the batch took
    timings: dict[str, float] = field(default_factory=dict)
    language_confidence: float | None = None  # detector's probability; None when given by the caller
    sentences: dict[str, int] = field(default_factory=dict)  # language -> sentences in its summary
    language_warnings: dict[str, list[str]] = field(default_factory=dict)  # language -> warnings about it alone
    engines: dict[str, str] = field(default_factory=dict)  # model id -> engine/precision that ran it
    faithful: dict[str, bool] = field(default_factory=dict)  # language -> passed the numbers, names, support checks
    errors: dict[str, str] = field(default_factory=dict)  # languages that could not be produced, and why
    # language -> the article sentences behind each summary sentence, what nothing supports, a support score
    # (support.Evidence; in to_dict() a plain dict)
    evidence: dict[str, Any] = field(default_factory=dict)
    # language -> how its summary was made: method ("summarised", "written directly", "translated", "extractive"),
    # "from" and "by" for a translation, language_check ("passed", "too short to tell", or "failed" under
    # language_check="warn"), "retried" (why) where a first answer was in another language (language_repair.py),
    # and "quality": what reading the translator's translations by hand found, where that was measured
    # (registry.ModelSpec.translation_quality)
    made: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"[{lang}] {text}" for lang, text in self.summaries.items()]
        lines += [f"[{lang}] error: {message}" for lang, message in self.errors.items()]
        lines += [f"warning: {w}" for w in self.warnings]
        lines += [f"warning: {lang}: {w}" for lang, notes in self.language_warnings.items() for w in notes
                  if not w.startswith("error: ")]
        return "\n".join(lines)


def describe_made(made: dict) -> str:
    """How one language's summary was made, in words (`Summary.made`)."""
    how = made.get("method", "?")
    if how == "translated":
        how += f" from {made.get('from')} by {made.get('by')}"
    check = {"passed": "language checked", "too short to tell": "language: too short to tell",
             "failed": "LANGUAGE CHECK FAILED"}.get(made.get("language_check", ""), "")
    retried = f"; asked again: {made['retried']}" if made.get("retried") else ""
    quality = f"; {made['quality']}" if made.get("quality") else ""
    return (f"{how}; {check}" if check else how) + retried + quality
