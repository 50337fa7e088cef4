"""Faithfulness checks: numbers and names in an output must come from its source.

Pure Python, no model. A summary is checked against the article it summarises;
a translation against the summary it translates (numbers both ways: none
invented, none dropped; names kept in Latin-script targets). Each problem is a
short sentence quoting the offending span.

Numbers are compared by value, reading every locale form: "4,700", "4 700",
"4.700" and "4700" are the same number; "4,7" and "4.7" too; "4.7 thousand"
and "4,7 Tausend" mean 4,700; and where feasible numbers written in words in
the source count ("three" supports "3"). Ambiguous forms ("4.700") keep both
readings, so a locale difference is never reported as a change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --------------------------------------------------------------------- numbers
_SEP = "[,.\u00a0\u202f\u2009' ]"
_NUMBER = re.compile(rf"(?<![\d.,])(\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?!\d)")
_DATE = re.compile(r"(?<!\d)(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?!\d)")
_SCALES = {
    1e3: "thousand thousands tausend mille mil tysiąc tysiące tysięcy тысяча тысячи тысяч bin duizend mila k",
    1e6: "million millions millionen mio mln millón millones milione milioni milhão milhões miljoen miljoenen "
         "milion miliony milionów миллион миллиона миллионов мільйон мільйонів milyon m",
    1e9: "billion billions milliard milliarde milliarden milliards mrd mld bn miliardo miliardi bilhão bilhões "
         "miljard miljarden miliard miliardy miliardów миллиард миллиарда миллиардов мільярд мільярдів milyar",
    1e12: "trillion trillions billionen billón billones trilione trilhão triljoen bilion bilionów триллион трлн",
}
_SCALE_WORDS = {word: value for value, words in _SCALES.items() for word in words.split()}
_CJK_SCALES = {"千": 1e3, "万": 1e4, "萬": 1e4, "億": 1e8, "亿": 1e8, "兆": 1e12}
_NUMBER_WORDS = {
    "en": "zero one two three four five six seven eight nine ten eleven twelve",
    "fr": "zéro un deux trois quatre cinq six sept huit neuf dix onze douze",
    "de": "null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf",
    "es": "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
    "it": "zero uno due tre quattro cinque sei sette otto nove dieci undici dodici",
    "pt": "zero um dois três quatro cinco seis sete oito nove dez onze doze",
    "nl": "nul een twee drie vier vijf zes zeven acht negen tien elf twaalf",
}
_TENS = {
    "en": {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
           "ninety": 90, "hundred": 100, "dozen": 12},
    "fr": {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "cent": 100},
    "de": {"zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100, "dutzend": 12},
    "es": {"veinte": 20, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "cien": 100, "docena": 12},
}
_WORD_VALUES: dict[str, dict[str, float]] = {
    lang: {**{w: float(i) for i, w in enumerate(words.split())},
           **{w: float(v) for w, v in _TENS.get(lang, {}).items()}}
    for lang, words in _NUMBER_WORDS.items()
}
_ALL_WORD_VALUES = {w: v for table in _WORD_VALUES.values() for w, v in table.items() if w not in ("un", "een")}


@dataclass(frozen=True)
class Number:
    span: str
    values: frozenset[float]


def _readings(raw: str) -> set[float]:
    """Every value a written number can have across locales."""
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


def extract_numbers(text: str) -> list[Number]:
    """Numbers written with digits (dates split into their parts), with every reading and scale."""
    text = unicodedata.normalize("NFKC", text)
    numbers: list[Number] = []
    taken: list[tuple[int, int]] = []
    for match in _DATE.finditer(text):
        taken.append(match.span())
        for part in match.groups():
            numbers.append(Number(part, frozenset({float(part)})))
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in taken):
            continue
        raw = match.group(1).strip()
        values = _readings(raw)
        after = text[match.end():match.end() + 20]
        word = re.match(r"\s*([^\W\d_]+)", after)
        scale = _CJK_SCALES.get(after[:1]) or (_SCALE_WORDS.get(word.group(1).casefold()) if word else None)
        if scale:
            values |= {v * scale for v in values}
        numbers.append(Number(raw, frozenset(values)))
    return numbers


def _word_numbers(text: str, language: str | None) -> set[float]:
    table = _WORD_VALUES.get(language or "", _ALL_WORD_VALUES)
    return {table[w] for w in re.findall(r"[^\W\d_]+", text.casefold()) if w in table}


def _values(text: str, language: str | None) -> set[float]:
    return {v for n in extract_numbers(text) for v in n.values} | _word_numbers(text, language)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _supported(number: Number, values: set[float]) -> bool:
    return any(_close(v, w) for v in number.values for w in values)


# ----------------------------------------------------------------------- names
_NAME = re.compile(r"(?<![\w'’])([A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁЄІЇҐΑ-Ω][\w'’-]+)", re.UNICODE)
_NOT_NAMES = frozenset("""
I A The This That These Those It Its He She They We You His Her Their Our Your There Here What When Where Who Why How
Mr Mrs Ms Dr Prof Sir Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December But And Or If As At In On Of For By To From With After Before While
Le La Les Un Une Des Il Elle Ils Elles Nous Vous Ce Cette Ces Et Mais Ou Si Dans Sur Pour Par Avec Selon Lors
El Los Las Una Unos Unas Ella Ellos Este Esta Estos Estas Pero En Con Según Lo Il Lo Gli Una Uno Questo Questa
De Het Een Dit Dat Deze Die Maar Voor Met Na Um Uma Os As Este Esta Mas Em Com Segundo
""".split())
_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ſ]")
# Languages whose capital letters do not mark names (German capitalises every noun).
_NO_NAME_CHECK = frozenset({"de", "lb"})


def _sentence_starts(text: str) -> set[int]:
    starts = {0}
    for match in re.finditer(r"[.!?…]['\"”’»)]*\s+|\n", text):
        starts.add(match.end())
    return starts


def extract_names(text: str) -> list[str]:
    """Capitalised words that are names, places or organisations, as far as capitals tell.

    A sentence's first word counts only if the text also capitalises it elsewhere.
    """
    starts = _sentence_starts(text)
    found = []
    for match in _NAME.finditer(text):
        base = re.split(r"['’]", match.group(1).rstrip("'’-"))[0]
        if base not in _NOT_NAMES and len(base) >= 2:
            found.append((base, match.start() in starts))
    inside = {base for base, initial in found if not initial}
    return [base for base, initial in found if not initial or base in inside]


def _edit_distance(a: str, b: str, limit: int = 2) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _name_found(name: str, words: set[str]) -> bool:
    """The name, or an inflected form of it (Keller's, Kellera, Anny for Anna), appears among `words`.

    Only the ending may change: "Keler" is not "Keller".
    """
    if name in words:
        return True
    if len(name) < 4:
        return False
    stem = name[:-1]
    return any(w.startswith(stem) and len(w) <= len(name) + 4 for w in words)


# ---------------------------------------------------------------------- checks
def check_summary(article: str, summary: str, language: str | None = None) -> list[str]:
    """Problems with a summary: numbers or names it has that the article does not."""
    problems = []
    values = _values(article, language)
    for number in extract_numbers(summary):
        if not _supported(number, values):
            problems.append(f"number {number.span!r} does not appear in the article")
    if language not in _NO_NAME_CHECK:
        words = set(re.findall(r"[\w'’-]+", article))
        capitalised = sorted({w for w in words if w[:1].isupper()})
        for name in dict.fromkeys(extract_names(summary)):
            if _name_found(name, words):
                continue
            near = [w for w in capitalised if w[:1] == name[:1] and _edit_distance(w, name) <= 2]
            hint = f" (the article has {near[0]!r})" if near else ""
            problems.append(f"name {name!r} does not appear in the article{hint}")
    return problems


def check_translation(source: str, translation: str, source_language: str | None,
                      target_language: str | None) -> list[str]:
    """Problems with a translation: numbers added or dropped; names dropped (Latin-script targets)."""
    problems = []
    source_values = _values(source, source_language)
    target_values = _values(translation, target_language)
    for number in extract_numbers(translation):
        if not _supported(number, source_values):
            problems.append(f"number {number.span!r} is not in the text it translates")
    for number in extract_numbers(source):
        if not _supported(number, target_values):
            problems.append(f"number {number.span!r} of the text it translates is missing")
    latin_target = bool(_LATIN.search(translation)) and len(_LATIN.findall(translation)) > len(translation) / 3
    if latin_target and source_language not in _NO_NAME_CHECK:
        words = set(re.findall(r"[\w'’-]+", translation))
        for name in dict.fromkeys(extract_names(source)):
            if not _LATIN.match(name) or (name.isupper() and len(name) <= 3):
                continue
            if not _name_found(name, words):
                problems.append(f"name {name!r} of the text it translates is missing")
    return problems
