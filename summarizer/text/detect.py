"""Offline, deterministic language identification.

Uses py3langid (a maintained fork of langid.py): a naive Bayes model shipped
inside the package, so nothing is downloaded and the same text always gets the
same answer (there is no sampling to seed). Candidates are limited to the
languages of our table, which removes look-alike languages we cannot serve.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from ..languages import CJK, HANGUL, LANGUAGES

_lock = threading.Lock()
_identifier = None

# Below this probability, or for very short text, the guess is reported as uncertain.
LOW_CONFIDENCE = 0.8
SHORT_TEXT = 40


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float  # normalised probability in [0, 1]

    @property
    def reliable(self) -> bool:
        return self.confidence >= LOW_CONFIDENCE


def _get_identifier():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
            identifier.set_languages([code for code in LANGUAGES if code in identifier.nb_classes])
            _identifier = identifier
        return _identifier


_DENSE = re.compile(f"[{CJK}{HANGUL}]")  # one character carries a word


def _weighted_length(text: str) -> int:
    """Length in characters, counting CJK ideographs, kana and Hangul three times (one carries a word)."""
    dense = len(_DENSE.findall(text))
    return len(text.strip()) + 2 * dense


def rank_languages(text: str, candidates: list[str]) -> list[tuple[str, float]]:
    """The identifier's probabilities over `candidates` only (renormalised to sum to 1), best first."""
    identifier = _get_identifier()
    with _lock:  # the identifier keeps per-call state in numpy buffers
        ranked = identifier.rank(text)
    kept = [(lang, prob) for lang, prob in ranked if lang in candidates]
    total = sum(prob for _, prob in kept) or 1.0
    return [(lang, prob / total) for lang, prob in kept]


def detect_language(text: str) -> Detection:
    """Guess the language of `text` among the languages of the table."""
    identifier = _get_identifier()
    with _lock:  # the identifier keeps per-call state in numpy buffers
        code, probability = identifier.classify(text)
    confidence = float(probability)
    if _weighted_length(text) < SHORT_TEXT:
        confidence = min(confidence, LOW_CONFIDENCE - 0.01)
    return Detection(code, round(confidence, 4))
