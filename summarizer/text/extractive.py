"""Extractive summaries with no model weights: rank the article's own sentences.

Centrality (TextRank-style PageRank over TF-IDF cosine similarities between
sentences) combined with what news writing puts first (position), a length
prior (no fragments, no run-ons), and redundancy removal (a sentence too similar
to one already chosen is skipped). Works in any language the sentence splitter
handles: words are compared for spaced scripts, character pairs for Chinese,
Japanese and Thai. Pure Python; the chosen sentences come back in article order.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ..languages import UNSPACED
from .splitting import TokenCounter, ends_sentence, join_sentences, split_sentences

# Share of the score given to position (news puts the essentials first), and the length prior. Chosen on the
# 250 CNN/DailyMail test articles and the 300 OrangeSum (French) articles in ../shared/eval, together: at
# least Lead-3 on ROUGE-1/2/L in both, and on each half of each (benchmarks/bench_extractive_rouge.py).
POSITION_WEIGHT = 0.95
REDUNDANCY = 0.5  # cosine similarity above which a sentence repeats one already chosen
MIN_WORDS = 6  # shorter sentences (datelines, captions, bylines) are not chosen
SENTENCES_FOR_LENGTH = {"short": 3, "medium": 4, "long": 6}
FULL_WORDS, LONG_WORDS = 12, 45  # the length prior: full weight from 12 words, less beyond 45
GRAPH_SENTENCES = 300  # centrality is computed among the first 300 sentences (quadratic); later ones rank by
# position and length alone, which at a 0.9 position weight decides nearly everything anyway

_WORD = re.compile(r"\w+", re.UNICODE)
_BOILERPLATE = re.compile(r"(PUBLISHED|UPDATED|Last updated|Follow @|Click here|Scroll down|READ MORE)\b", re.I)


def _terms(sentence: str, spaced: bool) -> list[str]:
    words = [w.casefold() for w in _WORD.findall(sentence)]
    if spaced:
        return [w for w in words if len(w) > 1 or not w.isascii()]
    joined = "".join(words)
    return [joined[i:i + 2] for i in range(len(joined) - 1)]


def _size(sentence: str, spaced: bool) -> int:
    """Length in words (spaced scripts) or in characters / 2 (roughly words, for unspaced ones)."""
    return len(_WORD.findall(sentence)) if spaced else len(sentence) // 2


def _vectors(sentences: list[str], spaced: bool) -> list[dict[str, float]]:
    counts = [Counter(_terms(s, spaced)) for s in sentences]
    documents = Counter(term for c in counts for term in c)
    total = len(sentences)
    vectors = []
    for c in counts:
        vector = {t: (1 + math.log(n)) * math.log((1 + total) / (1 + documents[t])) for t, n in c.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({t: v / norm for t, v in vector.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _pagerank(similarity: list[list[float]], damping: float = 0.85, rounds: int = 30) -> list[float]:
    n = len(similarity)
    sums = [sum(row) or 1.0 for row in similarity]
    rank = [1.0 / n] * n
    for _ in range(rounds):
        rank = [(1 - damping) / n + damping * sum(similarity[j][i] * rank[j] / sums[j] for j in range(n))
                for i in range(n)]
    top = max(rank) or 1.0
    return [r / top for r in rank]


def score_sentences(sentences: list[str], language: str = "en") -> list[float]:
    """A score per sentence: higher is more summary-worthy. Ineligible sentences score -1."""
    if not sentences:
        return []
    spaced = language not in UNSPACED
    vectors = _vectors(sentences, spaced)[:GRAPH_SENTENCES]
    similarity = [[_cosine(a, b) if i != j else 0.0 for j, b in enumerate(vectors)] for i, a in enumerate(vectors)]
    centrality = _pagerank(similarity) if len(vectors) > 1 else [1.0]
    centrality += [0.0] * (len(sentences) - len(centrality))
    scores = []
    for index, (sentence, central) in enumerate(zip(sentences, centrality, strict=True)):
        words = _size(sentence, spaced)
        # fragments, headlines (no closing punctuation), datelines and page furniture are not chosen
        if words < MIN_WORDS or not ends_sentence(sentence) or _BOILERPLATE.search(sentence):
            scores.append(-1.0)
            continue
        position = 1.0 / math.sqrt(1 + index)
        length = min(1.0, words / FULL_WORDS) * (1.0 if words <= LONG_WORDS else LONG_WORDS / words)
        scores.append(((1 - POSITION_WEIGHT) * central + POSITION_WEIGHT * position) * length)
    return scores


def extract(text: str, language: str = "en", count: int = 3) -> list[str]:
    """The `count` best sentences of `text`, in article order, without near-repeats."""
    sentences = split_sentences(text)
    scores = score_sentences(sentences, language)
    spaced = language not in UNSPACED
    vectors = _vectors(sentences, spaced) if sentences else []
    chosen: list[int] = []
    for index in sorted(range(len(sentences)), key=lambda i: scores[i], reverse=True):
        if len(chosen) == count or scores[index] < 0:
            break
        if all(_cosine(vectors[index], vectors[j]) < REDUNDANCY for j in chosen):
            chosen.append(index)
    if not chosen:  # nothing eligible (a very short text): keep what there is
        chosen = list(range(min(count, len(sentences))))
    return [sentences[i] for i in sorted(chosen)]


def central_part(text: str, language: str, count: TokenCounter, budget: int) -> tuple[str, int, int]:
    """The text's best sentences by the extractive ranking (position, centrality, length) that fit in `budget`
    tokens (`count`: texts -> token counts), in their order, with how many sentences were kept of how many. A
    text within the budget comes back whole."""
    sentences = split_sentences(text)
    if not sentences or count([text])[0] <= budget:
        return text, len(sentences), len(sentences)
    scores, sizes = score_sentences(sentences, language), count(sentences)
    spaced = language not in UNSPACED
    # ineligible sentences (headlines, datelines) rank after every eligible one, earliest first
    ranked = sorted(range(len(sentences)), key=lambda i: (scores[i] < 0, -scores[i], i))
    chosen, used = [], 0
    for index in ranked:
        if used + sizes[index] <= budget:
            chosen.append(index)
            used += sizes[index]
    if not chosen:  # no sentence fits alone: the chunker splits them
        return text, len(sentences), len(sentences)
    while len(chosen) > 1:  # joined sentences can tokenise a little longer than their sum
        kept = join_sentences([sentences[i] for i in sorted(chosen)], spaced)
        if count([kept])[0] <= budget:
            return kept, len(chosen), len(sentences)
        chosen.pop()  # the lowest ranked
    return join_sentences([sentences[i] for i in chosen], spaced), len(chosen), len(sentences)
