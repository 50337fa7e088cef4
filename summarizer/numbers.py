"""Reading the numbers of a text in any of the table's languages, for the faithfulness checks.

Two things are read:

- `claims`: the numbers a text states with digits (any script's digits, full-width ones too, every
  locale's separators, scale words after them, dates split into parts, clock times, decades), and
  CJK numerals (三百万, 五千, 两周). A translation must keep them, and add none of its own.
- `values`: everything that can stand for a number, which a claim is checked against: the claims'
  readings plus numbers written in words, month names (June is 6, and 6月 is June) and Roman numerals.

Language data comes from CLDR through Babel (month names, scale words like "millions", "Mio.", 万,
लाख) and from num2words (number words, cardinal and ordinal); nothing here is a hand-written table of
a language's words but the CJK numeral grammar.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

_SEP = "[,.\u00a0\u202f\u2009' ]"
_NUMBER = re.compile(rf"(?<!\d[.,])(?<!\d)(\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)")
_DATE = re.compile(r"(?<!\d)(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?!\d)")
_TIME = re.compile(r"(?<!\d[.,])(?<!\d)(\d{1,2})[:h](\d{2})(?!\d)|(?<!\d[.,])(?<!\d)(\d{1,2})(?:[:.](\d{2}))?\s*"
                   r"([ap])\.?\s?m\b",
                   re.IGNORECASE)
_DECADE = re.compile(r"(?<![\d.,])(1\d|20)?(\d0)['’]?s\b|['’](\d0)s\b")
_ROMAN = re.compile(r"\b(?=[MDCLXVI]{2,}(?:e|er|ème|th|\.)?\b)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})"
                    r"(?:IX|IV|V?I{0,3})(?=(?:e|er|ème|th|\.)?\b)")
# A number before a unit of the other system is also read converted, as translators convert units
# (550 pounds, 250 kg; 85 mph, 137 km/h), with the roundings they use.
_UNITS = [
    (re.compile(r"\s?-?(?:pounds?|lbs?)\b", re.I), 0.45359),
    (re.compile(r"\s?-?(?:mph|miles? (?:per|an) hour)\b", re.I), 1.60934),
    (re.compile(r"\s?-?(?:miles?|mi)\b", re.I), 1.60934),
    (re.compile(r"\s?-?(?:inch(?:es)?|in\.)", re.I), 2.54),
    (re.compile(r"\s?-?(?:inch(?:es)?|in\.)", re.I), 25.4),  # or millimetres
    (re.compile(r"\s?-?(?:feet|foot|ft)\b", re.I), 0.3048),
    (re.compile(r"\s?-?(?:yards?|yds?)\b", re.I), 0.9144),
    (re.compile(r"\s?-?(?:gallons?)\b", re.I), 3.78541),
    (re.compile(r"\s?-?(?:ounces?|oz)\b", re.I), 28.3495),
    (re.compile(r"\s?-?(?:acres?)\b", re.I), 0.404686),
    (re.compile(r"\s?-?(?:kg|kilo\w*|кг)", re.I), 1 / 0.45359),
    (re.compile(r"\s?-?(?:km/h|kmh|км/ч)", re.I), 1 / 1.60934),
    (re.compile(r"\s?-?(?:km|kilom\w*|км)\b", re.I), 1 / 1.60934),
    (re.compile(r"\s?-?(?:cm|centim\w*|см)\b", re.I), 1 / 2.54),
]
_FAHRENHEIT = re.compile(r"\s?-?(?:°\s?F|degrees?(?: Fahrenheit)?|F\b)")
_RANGE = re.compile(r"\s*(?:to|-|–|or|and)\s*\d[\d.,]*")  # "1 to 4 inches": the unit is the range's
_CJK_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
               "八": 8, "九": 9}
_CJK_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CJK_BIG = {"万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "兆": 1e12}
_UNSPACED = frozenset({"zh", "ja", "th"})  # words are not separated by spaces: no word boundaries to match
# prepositions and articles written as one word with what follows (Hebrew ביוני, "in June")
_PREFIXES = {"he": "(?:[בלמהושכ]{0,2})", "ar": "(?:(?:[وفبلك]|ال){0,2})"}
_CJK_RUN = re.compile(f"[{''.join(_CJK_DIGITS)}{''.join(_CJK_UNITS)}{''.join(_CJK_BIG)}]+")
# after a CJK numeral, these make it a count (两周: two weeks) rather than part of a word (一些: some)
_CJK_COUNTERS = set("个個名人位年月日天号號周週岁歲次件本张張条條台家座只隻倍元块塊"
                    "秒小时時场場届屆项項种種辆輛架艘户戶所间間枚回度")  # not 分: 十分 is "very"


@dataclass(frozen=True)
class Number:
    span: str  # as written
    values: frozenset[float]  # every value it can be read as (locale readings, scales, short forms)
    start: int = -1  # where it is in the text read


def normalize_digits(text: str) -> str:
    """NFKC (full-width digits become ASCII), then every script's decimal digits as ASCII; Arabic separators."""
    text = unicodedata.normalize("NFKC", text).replace("\u066b", ".").replace("\u066c", ",")
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None
                   else ch for ch in text)


def _readings(raw: str) -> set[float]:
    """Every value a number written with digits can have across locales (4.700 is 4700 or 4.7)."""
    groups = re.split(_SEP, raw)
    readings: set[float] = set()
    if len(groups) > 1 and all(len(g) == 3 for g in groups[1:-1]):
        last = groups[-1]
        separators = re.findall(_SEP, raw)
        head = "".join(groups[:-1])
        if len(last) == 3:  # 4,700 / 4.700 / 4 700: thousands; with , or . also a decimal reading
            readings.add(float(head + last))
            if len(separators) == 1 and separators[0] in ",.":
                readings.add(float(f"{head}.{last}"))
        else:  # 4,700.5 / 4.700,5 or 4,7 / 3.5
            readings.add(float(f"{head}.{last}"))
        if len(separators) > 1 and separators[-1] in ",." and len(last) != 3:
            readings.add(float("".join(groups[:-1]) + "." + last))
    else:
        readings.add(float(raw.replace(",", ".")) if raw.count(",") + raw.count(".") <= 1 else float(raw[:1]))
    return readings


@functools.lru_cache(maxsize=64)
def _scales(language: str | None) -> tuple[dict[str, float], dict[str, float]]:
    """Scale words after a number ("4,7 millions", "3万", "5 लाख") and before it (Swahili "milioni 5"), from CLDR."""
    from babel import Locale, UnknownLocaleError

    after: dict[str, float] = {"k": 1e3, "m": 1e6, "bn": 1e9, "mn": 1e6}
    before: dict[str, float] = {}
    for code in dict.fromkeys(["en", language or "en"]):
        try:
            formats = Locale.parse(code).compact_decimal_formats
        except (UnknownLocaleError, ValueError):
            continue
        for width in formats:
            for forms in formats[width].values():
                for magnitude, pattern in forms.items():
                    text = pattern.pattern.replace("'", "")
                    zeros = text.count("0")
                    word = " ".join(text.replace("0", " ").split()).casefold()
                    if not zeros or not word:
                        continue
                    scale = int(magnitude) / 10 ** (zeros - 1)
                    (before if text.lstrip().startswith(word[:1]) and not text.lstrip()[0].isdigit()
                     else after)[word.rstrip(".")] = scale
    return after, before


def _rounded(value: float) -> set[float]:
    """A converted value as a translator would write it: to one decimal, a whole number, the nearest 5 or 10,
    and for larger ones the nearest 50 or 100."""
    out = {round(value, 1), float(round(value)), float(5 * round(value / 5)), float(10 * round(value / 10))}
    if value >= 100:
        out |= {float(50 * round(value / 50)), float(100 * round(value / 100))}
    return {v for v in out if v > 0}


def _converted(text: str, end: int, values: set[float]) -> set[float]:
    rest = text[end:end + 40]
    rest = rest[_RANGE.match(rest).end():] if _RANGE.match(rest) else rest
    if _FAHRENHEIT.match(rest):  # a temperature, or a difference of temperatures
        return {r for v in values for r in _rounded((v - 32) * 5 / 9) | _rounded(v * 5 / 9)}
    return {r for pattern, factor in _UNITS if pattern.match(rest) for v in values for r in _rounded(v * factor)}


def _scale_after(text: str, end: int, language: str | None) -> float | None:
    rest = text[end:end + 24]
    stripped = rest.lstrip()
    if stripped[:1] in _CJK_BIG:  # 1.25 亿
        return _CJK_BIG[stripped[0]]
    if stripped and stripped[0] in "만억조천":  # Korean
        return {"만": 1e4, "억": 1e8, "조": 1e12, "천": 1e3}[stripped[0]]
    word = re.match(r"\s*([^\W\d_]+(?: [^\W\d_]+)?)", rest)
    if not word:
        return None
    after, _ = _scales(language)
    first = word.group(1).casefold()
    return after.get(first) or after.get(first.split(" ")[0])


def claims(text: str, language: str | None = None) -> list[Number]:
    """The numbers a text states: digits in any script, and CJK numerals that count something."""
    text = normalize_digits(text)
    numbers: list[Number] = []
    taken: list[tuple[int, int]] = []

    def free(start: int) -> bool:
        return not any(a <= start < b for a, b in taken)

    for match in _DATE.finditer(text):
        taken.append(match.span())
        numbers += [Number(part, frozenset({float(part)})) for part in match.groups()]
    for match in _TIME.finditer(text):  # 15:00, 15h30, 3 p.m.: an hour is also its 12-hour (or 24-hour) twin
        if not free(match.start()):
            continue
        taken.append(match.span())
        hour = float(match.group(1) or match.group(3))
        minutes = match.group(2) or match.group(4)
        twin = hour + 12 if hour < 12 else hour - 12
        numbers.append(Number(match.group(0), frozenset({hour, twin})))
        if minutes and int(minutes):
            numbers.append(Number(minutes, frozenset({float(minutes)})))
    for match in _DECADE.finditer(text):
        if not free(match.start()):
            continue
        taken.append(match.span())
        short = float(match.group(2) or match.group(3))
        full = float((match.group(1) or "19") + (match.group(2) or match.group(3)))
        numbers.append(Number(match.group(0), frozenset({full, short, float(int(full) // 100 + 1)})))
    for match in _NUMBER.finditer(text):
        if not free(match.start()):
            continue
        raw = match.group(1).strip()
        values = _readings(raw)
        scale = _scale_after(text, match.end(), language)
        if scale:
            values |= {v * scale for v in values}
        values |= _converted(text, match.end(), values)
        if re.fullmatch(r"\d{1,2}\.\d{2}", raw) and int(raw[:-3]) < 24 and int(raw[-2:]) < 60:  # 7.55 (a.m.)
            values |= {float(raw[:-3]), float(raw[-2:])}
        if language == "th" and any(2400 <= v <= 2700 for v in values):  # Buddhist era: 2561 is 2018
            values |= {v - 543 for v in values}
        previous = re.search(r"(\d\d)\d\d[-–]$", text[:match.start()])
        if previous and len(raw) == 2:  # 1950-53: 1953
            values.add(float(previous.group(1) + raw))
        if language == "sw" and text[:match.start()].rstrip().endswith("saa"):  # Swahili hours start at 6 a.m.
            values |= {(v + 6) % 12 for v in values} | {(v + 6) % 12 + 12 for v in values}
        numbers.append(Number(raw, frozenset(values), match.start()))
    numbers += [number for number in _cjk_numbers(text) if number.values - {1.0}]
    return _compounds(numbers, text)


def _compounds(numbers: list[Number], text: str) -> list[Number]:
    """1億2,500万 and 1억 2,500만 are one number (125 million): each part is also read as the whole."""
    big = sorted((n for n in numbers if n.start >= 0 and any(v >= 1e4 for v in n.values)), key=lambda n: n.start)
    for first, second in itertools.pairwise(big):
        gap = text[first.start + len(first.span):second.start]
        if len(gap) <= 3 and gap.strip(" 億亿万萬억만") == "":
            total = {a + b for a in first.values for b in second.values if a > b >= 1e4}
            if total:
                numbers[numbers.index(first)] = Number(first.span, first.values | total, first.start)
                numbers[numbers.index(second)] = Number(second.span, second.values | total, second.start)
    return numbers


def _cjk_value(run: str) -> float | None:
    """The value of a CJK numeral (三百万 3000000, 二十一 21, 一千二百五十万 12500000); None if it is not one."""
    total, section, digit = 0.0, 0.0, None
    for ch in run:
        if ch in _CJK_DIGITS:
            # 二〇一九 is read digit by digit
            digit = _CJK_DIGITS[ch] if digit is None else digit * 10 + _CJK_DIGITS[ch]
        elif ch in _CJK_UNITS:
            section += (digit if digit is not None else 1) * _CJK_UNITS[ch]
            digit = None
        else:  # 万, 亿
            total = (total + section + (digit or 0)) * _CJK_BIG[ch]
            section, digit = 0.0, None
    return total + section + (digit or 0)


def _cjk_numbers(text: str, counting: bool = True) -> list[Number]:
    """CJK numerals. With `counting`, only those that count something: two characters or more (五千), or one
    before a counter (两周); not 一些 (some), 第一 (first), 数十年 (decades), 十多 (10-odd)."""
    numbers = []
    for match in _CJK_RUN.finditer(text):
        run, after, before = match.group(), text[match.end():match.end() + 1], text[match.start() - 1:match.start()]
        if run[0] in _CJK_BIG:
            continue
        weekday = text[max(0, match.start() - 2):match.start()] in ("禮拜", "礼拜", "星期") or \
            (before and before in "周週")
        if weekday or (counting and set(run) == {"一"}):  # 星期二 (Tuesday); 唯一一 (the only one)
            continue
        if counting and ((before and before in "第数數几幾") or (after and after in "多余餘来來")
                         or (len(run) == 1 and after not in _CJK_COUNTERS)):
            continue
        if len(run) == 2 and run[0] in _CJK_DIGITS and run[1] in _CJK_DIGITS and run[0] != run[1] \
                and "〇" not in run and "零" not in run:  # 七八 (seven or eight), or 七八十 below
            values = {float(_CJK_DIGITS[run[0]]), float(_CJK_DIGITS[run[1]])}
        elif len(run) >= 3 and run[0] in _CJK_DIGITS and run[1] in _CJK_DIGITS and run[2] in _CJK_UNITS:
            unit = _CJK_UNITS[run[2]]  # 七八十: seventy or eighty
            values = {_CJK_DIGITS[run[0]] * unit, _CJK_DIGITS[run[1]] * unit}
        else:
            value = _cjk_value(run)
            values = {value} if value is not None else set()
        if values:
            numbers.append(Number(run, frozenset(values)))
    return numbers


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
    boundary = language not in _UNSPACED
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
            scale = _scale_after(text, m.end(), "en")  # three million
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
    found |= {v for number in _cjk_numbers(normalize_digits(text), counting=False) for v in number.values}
    pattern, forms = _matcher(language)
    folded = text.casefold()
    for match in pattern.finditer(folded):
        found_here = _lookup(match.group(1), forms)
        scale = _scale_after(folded, match.end(), language) if found_here else None  # three million
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


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def supported(number: Number, found: set[float]) -> bool:
    return any(close(v, w) for v in number.values for w in found)
