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

from .languages import CJK, HANGUL, THAI
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


def cover(words: list[str], sentences: list[frozenset[str]], weight: dict[str, float],
          default: float) -> list[tuple[int, float]]:
    """The article sentences a summary sentence draws on, best first, each with the share of the sentence's
    weight it explains that the ones before did not. Stops at `MAX_SOURCES`, or when a further sentence would
    explain less than `MIN_GAIN` of it. (Asking a further sentence to explain more than names and numbers, so
    that one sharing only a name is no source, lowered FRANK's AUC from 0.769 to 0.758: summaries join a
    name from one sentence to what another says of the same person.)"""
    scores = [weight.get(w, default) for w in words]
    total = sum(scores) or 1.0
    explained: set[int] = set()
    chosen: list[tuple[int, float]] = []
    for _ in range(MAX_SOURCES):
        best, gain = -1, 0.0
        for index, sentence in enumerate(sentences):
            if any(index == j for j, _ in chosen):
                continue
            here = sum(scores[i] for i, w in enumerate(words) if i not in explained and w in sentence)
            if here > gain:
                best, gain = index, here
        if best < 0 or gain < MIN_GAIN * total:
            break
        chosen.append((best, round(gain / total, 4)))
        explained |= {i for i, w in enumerate(words) if w in sentences[best]}
    return chosen


FULL_CONTEXT = 4  # a word copied with this many words around it (itself included) is fully supported


def context(words: list[str], sources: list[list[str]]) -> list[int]:
    """For each word, the longest run of words (up to `FULL_CONTEXT`, or the sentence's length) that holds it
    and that one of `sources` holds as it is; 0 for a word none of them has."""
    longest = min(FULL_CONTEXT, len(words))
    grams = {tuple(s[i:i + n]) for s in sources for n in range(1, longest + 1) for i in range(len(s) - n + 1)}
    best = [0] * len(words)
    for start in range(len(words)):
        for n in range(1, longest + 1):
            if start + n > len(words) or tuple(words[start:start + n]) not in grams:
                break
            for i in range(start, start + n):
                best[i] = max(best[i], n)
    return [b / longest for b in best]


def contains(haystack: list[str], needle: list[str]) -> bool:
    """Whether `needle` is a contiguous run of `haystack` (a summary sentence copied from its article)."""
    if not needle or len(needle) > len(haystack):
        return not needle
    first = needle[0]
    return any(haystack[i:i + len(needle)] == needle for i, w in enumerate(haystack) if w == first)
