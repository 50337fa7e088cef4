"""A translation checked for more than numbers and names: translated back, and compared with what it translates.

Across languages the support score can compare only numbers and names (`support.py`): a translation that
reverses a meaning, or puts another of the article's people or places in a sentence, passes. Here each translated
sentence is translated back into the language of the sentence it translates, by the instruction model that
made it, and the two are compared as a summary sentence is compared with its article (`support.evidence`, same
language). A small model's back-translation paraphrases, so its words alone say little (on true translations
they fell below any useful threshold as often as on wrong ones); what it flags is what paraphrase does not
explain: a negation the sentence does not have (or lost), a number it does not state, or a name it does not
name that the article does (another of the article's people, places or teams). Measured on planted errors of
FRANK's kinds in real translations, and on translations read by hand (benchmarks/bench_backcheck.py;
docs/benchmarks.md, "Evidence across languages").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .support import evidence

# "a"/"an" count as 1 for the support score ("a hundred"); a back-translation that writes "a champion" for
# "champions" states no new number
ARTICLES = frozenset({"a", "an"})

# Words that carry a negation without "not" ("is yet to decide", "refused to", "failed to"): a back-translation
# that writes it with "not" says the same, and a negation of one of them is not compared (English only)
_IMPLICIT = re.compile(r"\b(yet to|refus\w*|fail\w*|den(?:y|ies|ied)|lack\w*|unable|instead of|rather than|"
                       r"absent|without|never|neither|nor|no longer)\b", re.IGNORECASE)

Translate = Callable[[list[str], list[str], list[str]], list[str]]  # texts, their languages, targets -> texts


@dataclass(frozen=True)
class BackCheck:
    back: str  # the translation translated back into the language of the sentence it translates
    support: float  # 0..1: how much of the back-translation that sentence supports, word by word
    differences: tuple[str, ...]  # what the back-translation states that the sentence does not (flagged)

    @property
    def flagged(self) -> bool:
        return bool(self.differences)


def back_checks(model, originals: Sequence[str], original_languages: Sequence[str], translations: Sequence[str],
                translation_languages: Sequence[str], contexts: Sequence[str],
                translate: Translate | None = None) -> list[BackCheck]:
    """For each translation of an original sentence (from `contexts[i]`, its article): its back-translation,
    made in one call, and what that states that the original does not. `translate(texts, sources, targets)`
    defaults to the instruction model's `translate` with its translation settings."""
    if translate is None:
        settings = model.translation_defaults()

        def translate(texts, sources, targets):
            return [out.text for out in model.translate(texts, sources, targets, settings=settings)]

    back = translate(list(translations), list(translation_languages), list(original_languages)) if translations else []
    return [compare(original, language, text, context)
            for original, language, text, context in zip(originals, original_languages, back, contexts, strict=True)]


def compare(original: str, language: str, back: str, context: str) -> BackCheck:
    """What `back` (a back-translation of a translation of `original`) states that `original` does not."""
    if not back.strip():
        return BackCheck(back, 0.0, ("nothing came back",))
    checked = evidence(original, back, language, article_language=language)
    differences = []
    for sentence in checked.sentences:
        for mark in sentence.unsupported:
            if mark.kind == "negation":
                if not _IMPLICIT.search(original):
                    differences.append(f"a negation differs (at {mark.text!r})")
            elif mark.kind == "number" and mark.text.lower() not in ARTICLES:
                differences.append(f"number {mark.text!r}")
            elif (mark.kind == "name" and re.search(rf"(?<!\w){re.escape(mark.text)}(?!\w)", context)
                  and not _form_of(mark.text, original)):
                differences.append(f"name {mark.text!r} (another of the article's)")
    support = min((s.score for s in checked.sentences), default=1.0)
    return BackCheck(back, support, tuple(differences))


def _form_of(name: str, sentence: str) -> bool:
    """Whether `name` is a form of a word of `sentence` (Russian and Russia, Syrians and Syrian)."""
    stem = name.lower()[:max(4, len(name) - 2)]
    return any(word.lower().startswith(stem) or stem.startswith(word.lower()[:max(4, len(word) - 2)])
               for word in re.findall(r"\w{4,}", sentence))
