"""Words of a text, and which sentences of an article a summary sentence draws on. Pure Python, no model.

Tokens keep their character spans, so that what is found can be pointed at. They are compared folded (lower
case, no diacritics: FRANK-style "u.s." and "$ 20million" read like "U.S." and "$20million"), with "n't" read as
"not" whether written "couldn't" or "could n't". Chinese, Japanese, Thai and Korean are read a character at a
time: their words are not separated by spaces (or, in Korean, carry their particles), and runs of characters
shared with the article then play the part that runs of words play elsewhere.

`cover` ranks the article sentences a summary sentence draws on: greedily, the one that holds most of what is
still unexplained, weighted by how rare each word is in the article (a word in every sentence tells nothing).
`context` measures, for each word, the longest run of words around it that the chosen sentences hold as it is:
a word copied with its neighbours is supported; one that only occurs somewhere in them is barely supported.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from ..languages import CJK, HANGUL, THAI
from .names import fold

_CHARACTERS = f"{THAI}{CJK}{HANGUL}"  # scripts where one character is a token
_TOKEN = re.compile(rf"\d+(?:[.,]\d+)*|[{_CHARACTERS}]|(?:(?![{_CHARACTERS}])[^\W\d_])+")
_APOSTROPHES = "'’"

# Words that negate, by language (folded). A summary that adds one, or drops one its article has, says the
# opposite of the article with the same words: the one change word overlap cannot see.
NEGATIONS: dict[str, frozenset[str]] = {code: frozenset(fold(w) for w in words.split()) for code, words in {
    "en": "not no never nobody nothing none neither nor without cannot",
    "fr": "ne n pas jamais aucun aucune rien personne sans ni non",
    "de": "nicht kein keine keinen keinem keiner keines nie niemals ohne weder niemand nichts",
    "es": "no nunca jamás sin ni ningún ninguna ninguno nadie nada",
    "it": "non mai senza né nessun nessuno nessuna niente nulla",
    "pt": "não nunca jamais sem nem nenhum nenhuma ninguém nada",
    "nl": "niet geen nooit zonder noch niemand niets",
    "sv": "inte ej aldrig ingen inget inga utan varken",
    "ro": "nu niciodată fără nici niciun nicio nimeni nimic",
    "pl": "nie nigdy bez żaden żadna żadne nikt nic ani",
    "cs": "ne nikdy bez žádný žádná žádné nikdo nic ani",
    "ru": "не нет никогда без ни никто ничего никакой",
    "uk": "не ні ніколи без ніхто нічого жоден",
    "el": "δεν μην όχι ποτέ χωρίς ούτε κανένας τίποτα",
    "tr": "değil yok hiç hiçbir asla",
    "hu": "nem nincs soha sem nélkül senki semmi",
    "id": "tidak bukan tanpa belum tak",
    "vi": "không chẳng chưa",
    "sw": "si hapana bila",
    "zh": "不 没 沒 未 无 無 非 别 別",
    "ja": "ない 不 無 未 非",
    "ko": "안 못 않 없",
    "ar": "لا لم لن ليس ليست بدون غير",
    "fa": "نه نمی نیست بدون هرگز",
    "he": "לא אין אף ללא מעולם",
    "hi": "नहीं न कभी बिना",
    "bn": "না নয় নি কখনো",
    "ur": "نہیں نہ کبھی بغیر",
    "th": "ไม่ ไม่มี ไม่ได้",
}.items()}


_fold = functools.lru_cache(maxsize=65536)(fold)


@dataclass(frozen=True)
class Token:
    text: str  # as written
    key: str  # folded, for comparing
    start: int  # character offsets in the text it was read from
    end: int


def tokens(text: str) -> list[Token]:
    """The words and numbers of `text` (single characters in Chinese, Japanese, Thai and Korean), folded."""
    found = [Token(m.group(), _fold(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    out: list[Token] = []
    index = 0
    while index < len(found):
        token = found[index]
        following = found[index + 1] if index + 1 < len(found) else None
        if (following is not None and following.key == "t" and token.key.endswith("n")
                and following.start == token.end + 1 and text[token.end] in _APOSTROPHES):
            if len(token.key) > 1:  # couldn't: could + not
                out.append(Token(token.text[:-1], token.key[:-1], token.start, token.end - 1))
            out.append(Token(text[token.end - 1:following.end], "not", token.end - 1, following.end))
            index += 2
            continue
        out.append(token)
        index += 1
    return out


def weights(sentences: list[list[Token]]) -> dict[str, float]:
    """How telling each word of an article is: the inverse of the share of its sentences that hold it."""
    count = len(sentences)
    frequency = Counter(key for sentence in sentences for key in {t.key for t in sentence})
    return {key: max(math.log((count + 1) / (n + 0.5)), 0.05) for key, n in frequency.items()}


def unknown_weight(sentence_count: int) -> float:
    """The weight of a word the article does not have: rarer than its rarest."""
    return math.log(2 * sentence_count + 2)


# Most article sentences one summary sentence is traced to, and the least share of it a further one must explain.
MAX_SOURCES = 3
MIN_GAIN = 0.15
# Most article sentences one summary sentence is compared with: those that share its rarest words first. Only an
# article with more sentences than this that share one word can reach it; then `Index.capped` says so.
MAX_CANDIDATES = 1000


class Index:
    """Which article sentences hold each word, so that a summary sentence is compared only with those that share
    a word with it (no other can explain any of it). Sentences with the same words are listed once, at the first
    of them: a later one explains nothing more, and loses a tie to the first."""

    def __init__(self, sentences: list[frozenset[str]]):
        self.sentences = sentences
        first: dict[frozenset[str], int] = {}
        for index, sentence in enumerate(sentences):
            first.setdefault(sentence, index)
        self.postings: dict[str, list[int]] = {}
        for index in sorted(first.values()):
            for word in sentences[index]:
                self.postings.setdefault(word, []).append(index)
        self.capped = False  # whether some summary sentence met more than MAX_CANDIDATES candidates

    def candidates(self, words: list[str]) -> list[int]:
        """The sentences that share a word with `words`, in article order: rarest words first, and at most
        `MAX_CANDIDATES` of them (then `capped` is set)."""
        lists = sorted((self.postings[w] for w in set(words) if w in self.postings), key=len)
        found: set[int] = set()
        for postings in lists:
            if len(found) + len(postings) > MAX_CANDIDATES and not found.issuperset(postings):
                self.capped = True
                found.update(postings[:MAX_CANDIDATES - len(found)] if not found else ())
                break
            found.update(postings)
        return sorted(found)


def cover(words: list[str], index: Index, weight: dict[str, float], default: float) -> list[tuple[int, float]]:
    """The article sentences a summary sentence draws on, best first, each with the share of the sentence's
    weight it explains that the ones before did not. Stops at `MAX_SOURCES`, or when a further sentence would
    explain less than `MIN_GAIN` of it. (Asking a further sentence to explain more than names and numbers, so
    that one sharing only a name is no source, lowered FRANK's AUC from 0.769 to 0.758: summaries join a
    name from one sentence to what another says of the same person.)"""
    scores = [weight.get(w, default) for w in words]
    total = sum(scores) or 1.0
    unexplained = list(zip(words, scores, strict=True))  # in order, so that sums are those of every position
    candidates = index.candidates(words)
    chosen: list[tuple[int, float]] = []
    for _ in range(MAX_SOURCES):
        best, gain = -1, 0.0
        for candidate in candidates:
            sentence = index.sentences[candidate]
            here = sum(score for word, score in unexplained if word in sentence)
            if here > gain and all(candidate != j for j, _ in chosen):
                best, gain = candidate, here
        if best < 0 or gain < MIN_GAIN * total:
            break
        chosen.append((best, round(gain / total, 4)))
        unexplained = [(word, score) for word, score in unexplained if word not in index.sentences[best]]
    return chosen


FULL_CONTEXT = 4  # a word copied with this many words around it (itself included) is fully supported


def grams(words: list[str]) -> frozenset[tuple[str, ...]]:
    """The runs of 1 to `FULL_CONTEXT` words of a sentence, for `context` (made once per article sentence)."""
    return frozenset(tuple(words[i:i + n]) for n in range(1, FULL_CONTEXT + 1) for i in range(len(words) - n + 1))


def context(words: list[str], sources: list[frozenset[tuple[str, ...]]]) -> list[float]:
    """For each word, the longest run of words (up to `FULL_CONTEXT`, or the sentence's length) that holds it
    and that one of `sources` (their `grams`) holds as it is; 0 for a word none of them has."""
    longest = min(FULL_CONTEXT, len(words))
    best = [0] * len(words)
    for start in range(len(words)):
        for n in range(1, longest + 1):
            run = tuple(words[start:start + n])
            if start + n > len(words) or not any(run in held for held in sources):
                break
            for i in range(start, start + n):
                best[i] = max(best[i], n)
    return [b / longest for b in best]


_APART = "\x00"  # between words joined into one string: no word holds it (they are letters and digits)


def joined(words: list[str]) -> str:
    """`words` as one string, for `contains` (made once per article)."""
    return _APART + _APART.join(words) + _APART


def contains(haystack: str, needle: list[str]) -> bool:
    """Whether `needle` is a contiguous run of the words of `haystack` (`joined`): a summary sentence copied
    from its article. A search in a string, in time linear in both."""
    return not needle or joined(needle) in haystack
