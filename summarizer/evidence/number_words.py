"""Words that stand for numbers, and `values`: everything a text can be read to hold, which a claim
(`numbers.claims`) is checked against: the claims' readings plus numbers written in words, month names
(June is 6, and 6月 is June) and Roman numerals; and `word_claims`, the number words a translation must keep.

Language data comes from CLDR through Babel (month names) and from num2words (number words, cardinal and
ordinal); the hand-written tables are Korean native numerals and English words for quantities.
"""

from __future__ import annotations

import functools
import re

from ..languages import UNSPACED
from .numbers import Number, cjk_numbers, claims, normalize_digits, scale_after

_ROMAN = re.compile(r"\b(?=[MDCLXVI]{2,}(?:e|er|ème|th|\.)?\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})"
                    r"(?:IX|IV|V?I{0,3})(?=(?:e|er|ème|th|\.)?\b)")
# prepositions and articles written as one word with what follows (Hebrew ביוני, "in June")
_PREFIXES = {"he": "(?:[בלמהושכ]{0,2})", "ar": "(?:(?:[وفبلك]|ال){0,2})"}


# Korean counts things with its native numerals (두 교회: two churches), which num2words does not write.
_KOREAN_NATIVE = {"한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "석": 3, "네": 4, "넷": 4, "넉": 4,
                  "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "스무": 20, "스물": 20, "서른": 30,
                  "마흔": 40, "쉰": 50, "예순": 60, "일흔": 70, "여든": 80, "아흔": 90,
                  # and its words for a number of days (이틀 동안: for two days)
                  "하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5, "엿새": 6, "이레": 7, "여드레": 8, "아흐레": 9,
                  "열흘": 10}


@functools.lru_cache(maxsize=64)
def _words(language: str | None) -> dict[str, float]:
    """Number words of a language (num2words: cardinals 0-100 and round hundreds/thousands, ordinals 1-31)."""
    from num2words import num2words

    codes = [language] if language and language != "en" else []
    words: dict[str, float] = {}
    for code in [*codes, "en"]:
        for value in [*range(0, 101), *range(200, 1001, 100), 10**4, 10**5, 10**6, 10**9]:
            for kind in ("cardinal", "ordinal"):
                if kind == "ordinal" and not 1 <= value <= 31:
                    continue
                try:
                    word = num2words(value, lang=code, to=kind)
                except (NotImplementedError, OverflowError, ValueError, TypeError, KeyError, AttributeError):
                    continue
                word = word.casefold().strip()
                if word and not any(ch.isdigit() for ch in word):
                    words.setdefault(word, float(value))
                    if value >= 100 and str(value).strip("0") == "1" and " " in word:  # "одна тысяча": тысяча
                        words.setdefault(word.split()[-1], float(value))
                    for leading in ("one ", "un ", "une ", "ein ", "een ", "uno ", "um "):  # "one hundred"
                        if word.startswith(leading):
                            words.setdefault(word[len(leading):], float(value))
        if codes and words:
            break  # the language's own words; English only where num2words has none
    if language == "ko":
        words.update({word: float(value) for word, value in _KOREAN_NATIVE.items()})
    return words


@functools.lru_cache(maxsize=64)
def _months(language: str | None) -> dict[str, float]:
    """Month names of a language (CLDR: wide and abbreviated, formatting and stand-alone forms)."""
    from babel import UnknownLocaleError
    from babel.dates import get_month_names

    months: dict[str, float] = {}
    for code in dict.fromkeys([language or "en", "en"]):
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                try:
                    names = get_month_names(width, context=context, locale=code)
                except (UnknownLocaleError, ValueError):
                    continue
                for number, name in names.items():
                    name = name.casefold().rstrip(".")
                    if len(name) >= 3 and not any(ch.isdigit() for ch in name) and name != "may":
                        months.setdefault(name, float(number))
    return months


# English words that stand for a number without being number words (the next couple of decades: 2, 10).
_MAY = re.compile(r"\bMay \d|\b(?:in|last|next|since|until|of|early|late|mid|this|by)[- ]May\b")
_QUANTITIES = {"a": 1.0, "an": 1.0, "another": 1.0, "single": 1.0, "both": 2.0, "duo": 2.0, "couple": 2.0,
               "pair": 2.0, "double": 2.0, "doubling": 2.0, "twice": 2.0, "triple": 3.0, "dozen": 12.0,
               "dozens": 12.0, "decade": 10.0, "decades": 10.0, "teenage": 10.0, "teenager": 10.0,
               "teenagers": 10.0, "teens": 10.0, "half": 0.5, "quarter": 0.25, "century": 100.0,
               "hundreds": 100.0, "thousands": 1000.0, "millions": 1e6}


@functools.lru_cache(maxsize=64)
def _matcher(language: str | None) -> tuple[re.Pattern, dict[str, set[float]]]:
    """One pattern for a language's number words and month names, longest first, at word boundaries.

    Words of four letters or more match inflected too (июня, июне; júniusban), by their stem (the word less
    its last letter) and up to five more letters; shorter words match only as they are.
    """
    table = {**_months(language), **_words(language), **(_QUANTITIES if language in (None, "en") else {})}
    forms: dict[str, set[float]] = {}
    for word, value in table.items():
        forms.setdefault(word, set()).add(value)
        if len(word) >= 4:
            forms.setdefault(word[:-1] + "*", set()).add(value)
    alternatives = "|".join(re.escape(form[:-1]) + r"\w{0,5}" if form.endswith("*") else re.escape(form)
                            for form in sorted(forms, key=len, reverse=True))
    prefix = _PREFIXES.get(language or "", "")
    boundary = language not in UNSPACED  # words not separated by spaces: no word boundaries to match
    pattern = rf"(?<!\w){prefix}({alternatives})(?!\w)" if boundary else f"({alternatives})"
    return re.compile(pattern), forms


def _lookup(found: str, forms: dict[str, set[float]]) -> set[float]:
    """The values of a matched word: as it is, else by the stems it starts with."""
    if found in forms:
        return forms[found]
    return {v for cut in range(1, 7) for v in forms.get(found[:len(found) - cut] + "*", ())}


# Into these languages translators write English number words as digits or numerals (two weeks: 两周, 2週間),
# so "two" is a claim there; elsewhere "two" may come out as deux, двух or δύο, which cannot all be read, and
# it is not (measured on NTREX-128: benchmarks/bench_faithfulness.py).
WORD_CLAIM_TARGETS = frozenset({"ja", "zh", "ko"})


def word_claims(text: str, language: str | None, target: str | None = None) -> list[Number]:
    """Numbers an English text states in words that a translation must keep: month names always (as June,
    juin, 6月 or 6); number words (two to a hundred) into `WORD_CLAIM_TARGETS`."""
    if language not in (None, "en"):
        return []
    months = _months("en")
    found = [Number(m.group(), frozenset({months[m.group().casefold()]})) for m in _month_pattern().finditer(text)]
    if target in WORD_CLAIM_TARGETS:
        words = _cardinal_words()
        for m in _cardinal_pattern().finditer(text):
            if m.group()[0].isupper() and re.search(r"\w[,;:]?\s+$", text[:m.start()]):
                continue  # not "the Four Corners", a name
            value = words[m.group().casefold()]
            scale = scale_after(text, m.end(), "en")  # three million
            found.append(Number(m.group(), frozenset({value, value * scale} if scale else {value}), m.start()))
    return found


@functools.lru_cache(maxsize=1)
def _month_pattern() -> re.Pattern:
    from babel.dates import get_month_names

    names = [name for name in get_month_names("wide", locale="en").values() if name != "May"]
    return re.compile(rf"\b(?:{'|'.join(names)})\b")


@functools.lru_cache(maxsize=1)
def _cardinal_words() -> dict[str, float]:
    from num2words import num2words

    return {num2words(value, lang="en"): float(value) for value in range(2, 101)}


@functools.lru_cache(maxsize=1)
def _cardinal_pattern() -> re.Pattern:
    words = sorted(_cardinal_words(), key=len, reverse=True)
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\b", re.IGNORECASE)


def values(text: str, language: str | None = None) -> set[float]:
    """Every value the text can be read to hold: its claims, number words, month names, Roman numerals."""
    found = {v for number in claims(text, language) for v in number.values}
    found |= {v for number in cjk_numbers(normalize_digits(text), counting=False) for v in number.values}
    pattern, forms = _matcher(language)
    folded = text.casefold()
    for match in pattern.finditer(folded):
        found_here = _lookup(match.group(1), forms)
        scale = scale_after(folded, match.end(), language) if found_here else None  # three million
        found |= found_here | ({v * scale for v in found_here} if scale else set())
    found |= {float(_roman(m.group())) for m in _ROMAN.finditer(text) if m.group()}
    if language in (None, "en") and _MAY.search(text):  # the month, not the verb
        found.add(5.0)
    return found


def _roman(numeral: str) -> int:
    digits = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(numeral):
        value = digits[ch]
        total += -value if i + 1 < len(numeral) and digits[numeral[i + 1]] > value else value
    return total


def number_word(word: str, language: str | None = None) -> frozenset[float]:
    """The values of one word that is, exactly as written, a number word, month name or quantity word of
    `language` (or English): "two" 2, "juin" 6, "dozen" 12. Empty for any other word: not "found", which
    `values` reads as an inflected "four" (it matches stems, for declined forms)."""
    _, forms = _matcher(language)
    return frozenset(forms.get(word.casefold(), ()))
