"""A translation checked for more than numbers and names: translated back, and compared word by word.

Across languages the support score can compare only numbers and names (`support.py`): a translation that
reverses a meaning, swaps a name for another of the article's or moves a Tuesday to a Friday passes. Here each
translated sentence is translated back into the language of the sentence it translates, by a model the run
already has for that pair (an instruction model translates both ways), and the two are compared as a summary
sentence is compared with its article (`support.evidence`, same language: words, names, numbers, negations).
A back-translation that the sentence does not support flags the translation. Measured on planted errors of
FRANK's kinds in real translations (benchmarks/bench_backcheck.py; docs/benchmarks.md, "Evidence across
languages").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .support import evidence

# A translated sentence whose back-translation scores under this against the sentence it translates is flagged.
# Chosen on the even half of the planted-error set (the highest threshold keeping false alarms on true
# translations at or under 10% there); the odd half is only measured (benchmarks/bench_backcheck.py).
FLAG_BELOW = 0.5

Translate = Callable[[list[str], list[str], list[str]], list[str]]  # texts, their languages, targets -> texts


def back_scores(model, originals: Sequence[str], original_languages: Sequence[str], translations: Sequence[str],
                translation_languages: Sequence[str], translate: Translate | None = None) -> list[tuple[float, str]]:
    """For each translation of an original sentence: the support its back-translation finds in the original (0
    to 1) and the back-translation, all in one call. `translate(texts, sources, targets)` defaults to the
    instruction model's `translate` with its translation settings."""
    if translate is None:
        settings = model.translation_defaults()

        def translate(texts, sources, targets):
            return [out.text for out in model.translate(texts, sources, targets, settings=settings)]

    back = translate(list(translations), list(translation_languages), list(original_languages)) if translations else []
    scores = []
    for original, language, text in zip(originals, original_languages, back, strict=True):
        if not text.strip():
            scores.append((0.0, text))
            continue
        checked = evidence(original, text, language, article_language=language)
        scores.append((min((s.score for s in checked.sentences), default=1.0), text))
    return scores
