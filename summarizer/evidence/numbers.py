"""The numbers a text states, in any of the table's languages, for the faithfulness checks.

`claims`: the numbers written with digits (any script's digits, full-width ones too, every locale's
separators, scale words after them, dates split into parts, clock times, decades), and CJK numerals
(三百万, 五千, 两周). A translation must keep them, and add none of its own. What a claim is checked
against (numbers in words, month names) is read by `number_words.values`.

Scale words ("millions", "Mio.", 万, लाख) come from CLDR through Babel; nothing here is a hand-written
table of a language's words but the CJK numeral grammar.
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
_CJK_SCALES = frozenset("万萬亿億만억")  # unambiguous: a number before them is only ever scaled
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


def scale_after(text: str, end: int, language: str | None) -> float | None:
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
    taken: set[int] = set()  # the characters of dates, times and decades (a set: a look-up per number, not a scan)

    def free(start: int) -> bool:
        return start not in taken

    for match in _DATE.finditer(text):
        taken.update(range(*match.span()))
        numbers += [Number(part, frozenset({float(part)})) for part in match.groups()]
    for match in _TIME.finditer(text):  # 15:00, 15h30, 3 p.m.: an hour is also its 12-hour (or 24-hour) twin
        if not free(match.start()):
            continue
        taken.update(range(*match.span()))
        hour = float(match.group(1) or match.group(3))
        minutes = match.group(2) or match.group(4)
        twin = hour + 12 if hour < 12 else hour - 12
        numbers.append(Number(match.group(0), frozenset({hour, twin})))
        if minutes and int(minutes):
            numbers.append(Number(minutes, frozenset({float(minutes)})))
    for match in _DECADE.finditer(text):
        if not free(match.start()):
            continue
        taken.update(range(*match.span()))
        short = float(match.group(2) or match.group(3))
        full = float((match.group(1) or "19") + (match.group(2) or match.group(3)))
        numbers.append(Number(match.group(0), frozenset({full, short, float(int(full) // 100 + 1)})))
    for match in _NUMBER.finditer(text):
        if not free(match.start()):
            continue
        raw = match.group(1).strip()
        values = _readings(raw)
        scale = scale_after(text, match.end(), language)
        if scale and text[match.end():match.end() + 2].lstrip()[:1] in _CJK_SCALES:
            values = {v * scale for v in values}  # 380万 is 3.8 million and never 380
        elif scale:  # "5 m" may be metres: the number is also read as it is
            values |= {v * scale for v in values}
        values |= _converted(text, match.end(), values)
        if re.fullmatch(r"\d{1,2}\.\d{2}", raw) and int(raw[:-3]) < 24 and int(raw[-2:]) < 60:  # 7.55 (a.m.)
            values |= {float(raw[:-3]), float(raw[-2:])}
        if language == "th" and any(2400 <= v <= 2700 for v in values):  # Buddhist era: 2561 is 2018
            values |= {v - 543 for v in values}
        before = text[max(0, match.start() - 64):match.start()]  # what is read before a number: bounded, not all
        previous = re.search(r"(\d\d)\d\d[-–]$", before)
        if previous and len(raw) == 2:  # 1950-53: 1953
            values.add(float(previous.group(1) + raw))
        if language == "sw" and before.rstrip().endswith("saa"):  # Swahili hours start at 6 a.m.
            values |= {(v + 6) % 12 for v in values} | {(v + 6) % 12 + 12 for v in values}
        numbers.append(Number(raw, frozenset(values), match.start()))
    numbers += [number for number in cjk_numbers(text) if number.values - {1.0}]
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


def cjk_numbers(text: str, counting: bool = True) -> list[Number]:
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


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def supported(number: Number, found: set[float]) -> bool:
    return any(close(v, w) for v in number.values for w in found)
