"""An article read once for its evidence (`support.evidence`): its sentences' words, names, weights and numbers,
with indexes so that each summary sentence is compared with the article in time bounded by what it shares
with it, not by the article's length (a 10,000-line summary of a 10,000-line article took minutes)."""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
from collections.abc import Iterable

from ..text.splitting import split_sentences
from .alignment import MAX_CANDIDATES, NEGATIONS, Index, Token, grams, joined, tokens, unknown_weight, weights
from .names import fold, words_of
from .number_words import values
from .numbers import close


def negations(language: str | None) -> frozenset[str]:
    return NEGATIONS["en"] | NEGATIONS.get(language or "en", frozenset())


class Numbers:
    """Numbers, sorted: whether one of them is `numbers.close` to a value, in logarithmic time."""

    def __init__(self, found: Iterable[float]):
        self.finite = sorted(v for v in found if math.isfinite(v))
        self.other = [v for v in found if not math.isfinite(v)]

    def holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return any(close(value, w) for w in self.other)
        slack = 2e-9 * max(1.0, abs(value))  # wider than `close` allows; `close` decides
        at = bisect.bisect_left(self.finite, value - slack)
        while at < len(self.finite) and self.finite[at] <= value + slack:
            if close(value, self.finite[at]):
                return True
            at += 1
        return False

    def any(self, numeric: Iterable[float]) -> bool:
        return any(self.holds(v) for v in numeric)


class Article:
    """An article read once: its sentences' words, names, weights and numbers."""

    def __init__(self, text: str, language: str | None):
        self.text, self.language = text, language
        self.sentences = split_sentences(text)
        self.tokens = [tokens(s) for s in self.sentences]
        self.keys = [[t.key for t in sentence] for sentence in self.tokens]
        self.sets = [frozenset(k) for k in self.keys]
        self.vocabulary = frozenset().union(*self.sets)
        self.stream = joined([k for sentence in self.keys for k in sentence])
        self.index = Index(self.sets)
        self.weight = weights(self.tokens)
        self.default = unknown_weight(len(self.sentences))
        self.names = capitalised(self.tokens)
        self.capped = False  # whether an item of a sentence across languages was looked for in too many sentences
        self._values: dict[int, Numbers] = {}
        self._grams: dict[int, frozenset[tuple[str, ...]]] = {}
        self._negated: dict[int, list[int]] = {}

    def negated(self, index: int) -> list[int]:
        """Where sentence `index` has a negation of the article's language (or English), found once."""
        if index not in self._negated:
            found = negations(self.language)
            self._negated[index] = [k for k, word in enumerate(self.keys[index]) if word in found]
        return self._negated[index]

    def grams(self, index: int) -> frozenset[tuple[str, ...]]:
        """The runs of words of sentence `index` (`alignment.grams`), made once."""
        if index not in self._grams:
            self._grams[index] = grams(self.keys[index])
        return self._grams[index]

    def values(self, index: int | None = None) -> Numbers:
        """Every number sentence `index` (None: the whole article) can be read to hold."""
        key = -1 if index is None else index
        if key not in self._values:
            self._values[key] = Numbers(values(self.text if index is None else self.sentences[index], self.language))
        return self._values[key]

    @functools.cached_property
    def words(self) -> list[str]:
        """The article's folded words (`names.words_of`), sorted: a name is looked up by its stem."""
        return sorted(words_of(self.text))

    @functools.cached_property
    def _sentence_words(self) -> dict[str, list[int]]:
        """Each folded word (`names.words_of`) with the sentences that hold it, in article order."""
        found: dict[str, list[int]] = {}
        for index, sentence in enumerate(self.sentences):
            for word in words_of(sentence):
                found.setdefault(word, []).append(index)
        return found

    @functools.cached_property
    def _numbers(self) -> tuple[list[float], list[list[int]]]:
        """The article's distinct numbers, sorted, each with the sentences that hold it, in article order."""
        found: dict[float, list[int]] = {}
        for index in range(len(self.sentences)):
            for value in self.values(index).finite:
                found.setdefault(value, []).append(index)
        ordered = sorted(found)
        return ordered, [found[value] for value in ordered]

    def kept(self, name: str) -> bool:
        """`names.kept(name, words_of(article))`, by the stem's place among the sorted words."""
        return bool(self._spellings(name, 1))

    def _spellings(self, name: str, most: int = MAX_CANDIDATES) -> list[str]:
        """The article's words that keep `name` as `names.kept` reads it (itself, or its stem inflected): the
        first `most` of them in alphabetical order (then, for more than one, `capped` is set)."""
        folded = fold(name)
        stem = folded[:-1] if len(folded) >= 4 else folded
        found = [folded] if folded in self._word_set else []
        if len(stem) >= 3:
            at = bisect.bisect_left(self.words, stem)
            while at < len(self.words) and self.words[at].startswith(stem) and len(found) < most:
                if len(self.words[at]) <= len(folded) + 5:
                    found.append(self.words[at])
                at += 1
            self.capped |= most > 1 and len(found) >= most
        return found

    @functools.cached_property
    def _word_set(self) -> frozenset[str]:
        return frozenset(self.words)

    def holding(self, written: str, numeric: frozenset[float] | None) -> list[int]:
        """The sentences that hold a name (`numeric` None) or a number: in article order, the first
        `MAX_CANDIDATES` of them (then `capped` is set)."""
        if numeric is None:
            lists = [self._sentence_words.get(word, []) for word in self._spellings(written)]
        else:
            numbers, where = self._numbers
            lists = []
            for value in numeric:
                slack = 2e-9 * max(1.0, abs(value)) if math.isfinite(value) else 0.0
                at = bisect.bisect_left(numbers, value - slack)
                while at < len(numbers) and numbers[at] <= value + slack:
                    if close(value, numbers[at]):
                        lists.append(where[at])
                    at += 1
        merged = (index for index, _ in itertools.groupby(heapq.merge(*lists)))  # sorted: repeats are adjacent
        found = list(itertools.islice(merged, MAX_CANDIDATES + 1))
        if len(found) > MAX_CANDIDATES:
            self.capped = True
        return found[:MAX_CANDIDATES]


def capitalised(read: list[list[Token]]) -> frozenset[str]:
    """Folded words a text writes with a capital inside its sentences and never in lower case: its names."""
    upper, lower = set(), set()
    for words in read:
        for position, token in enumerate(words):
            if token.text[:1].isupper() and position > 0:
                upper.add(token.key)
            elif token.text[:1].islower():
                lower.add(token.key)
    return frozenset(upper - lower)
