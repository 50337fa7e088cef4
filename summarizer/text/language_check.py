"""Is a summary written in the language it is labelled with? Checked on every summary and translation.

Two tests, both offline and deterministic:

1. **Script.** The letters of the text are counted by writing system. A language written in its own
   script (Chinese, Japanese, Korean, Thai, Arabic, Cyrillic, Greek, Hebrew, Devanagari, Bengali) needs
   most of the letters in it (names in Latin letters are allowed); Japanese needs kana among its
   ideographs, Chinese almost none. A Latin-script language needs most letters Latin.
2. **Language within the script** (Latin, Cyrillic, Arabic), by the detector of `detect.py` limited to
   the languages of that script: the label fails only when another language is clearly more likely.

Each sentence long enough to tell is checked too: a translation that leaves one sentence in the language
it translates from fails even when the rest is right (`Verdict.wrong_sentences`), so that just that
sentence can be made again.

`benchmarks/bench_languages.py` measures both directions on real text: false alarms on NTREX-128's
human translations (29 languages) and wrong labels caught on real model output, against an independent
identifier.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..languages import HAN, KANA, LANGUAGES
from .detect import rank_languages
from .splitting import split_sentences

# Writing system of each language of the table that does not use Latin letters.
SCRIPT_OF = {"ru": "Cyrillic", "uk": "Cyrillic", "zh": "Han", "ja": "Han", "ko": "Hangul", "ar": "Arabic",
             "fa": "Arabic", "ur": "Arabic", "he": "Hebrew", "hi": "Devanagari", "bn": "Bengali", "el": "Greek",
             "th": "Thai"}
# Unicode name prefixes of letters, by script (kana counts as Han here, and is also counted alone)
_SCRIPT_NAMES = (("LATIN", "Latin"), ("CYRILLIC", "Cyrillic"), ("CJK", "Han"), ("HIRAGANA", "Han"),
                 ("KATAKANA", "Han"), ("HANGUL", "Hangul"), ("ARABIC", "Arabic"), ("HEBREW", "Hebrew"),
                 ("DEVANAGARI", "Devanagari"), ("BENGALI", "Bengali"), ("GREEK", "Greek"), ("THAI", "Thai"))
_WEIGHT = {"Han": 3, "Hangul": 2}
_KANA = re.compile(f"[{KANA}]")
_HAN = re.compile(f"[{HAN}]")

# share of (weighted) letters in the language's script, at least: a Latin-script language needs most letters
# Latin; another script a good part (news in Chinese or Thai often holds many names in Latin letters)
OWN_SCRIPT = {"Latin": 0.5}
OTHER_SCRIPT = 0.25
KANA_JA = 0.05  # Japanese: kana among kana and ideographs, at least; Chinese: below it
MIN_LETTERS = 12  # fewer letters than this: too little to tell (not a failure)
SENTENCE_LETTERS = 40  # a sentence is checked alone from this many letters
# Within a script, the label fails when another language has at least this probability and the labelled
# one at most CLEARLY_NOT (measured in benchmarks/bench_languages.py: no false alarm on NTREX-128)
CLEARLY = 0.9
CLEARLY_NOT = 0.05
# A translation whose counted words are at least this share of the words of the text it translates is partly
# left untranslated (NTREX-128's human translations of 3 sentences: at most 0.30 in 18 languages; measured in
# benchmarks/bench_languages.py), checked from COPIED_MIN counted words
COPIED = 0.35
COPIED_MIN = 8


def script_of(code: str) -> str:
    return SCRIPT_OF.get(code, "Latin")


def _letter_scripts(text: str) -> dict[str, int]:
    """Letters (and vowel signs) by script, an ideograph or kana counted 3 times and a Hangul syllable twice, so
    that a count stands for about as much text in every script (a name in Latin letters weighs what it says)."""
    counts: dict[str, int] = {}
    for ch in text:
        if unicodedata.category(ch)[0] not in "LM":
            continue
        name = unicodedata.name(ch, "")
        script = next((s for prefix, s in _SCRIPT_NAMES if name.startswith(prefix)), "other")
        counts[script] = counts.get(script, 0) + _WEIGHT.get(script, 1)
    return counts


@dataclass(frozen=True)
class Verdict:
    expected: str
    found: str | None  # what the text looks like (None: too little text to tell)
    ok: bool
    reason: str = ""  # why not, in words
    wrong_sentences: tuple[int, ...] = ()  # sentences that are clearly in another language


def _judge(text: str, expected: str) -> tuple[str | None, bool, str]:
    """(what the text looks like, whether it is `expected`, why not)."""
    counts = _letter_scripts(text)
    letters = sum(counts.values())
    if letters < MIN_LETTERS:
        return None, True, ""
    script = script_of(expected)
    share = counts.get(script, 0) / letters
    name = LANGUAGES[expected].name if expected in LANGUAGES else expected
    if share < OWN_SCRIPT.get(script, OTHER_SCRIPT):
        main = max(counts, key=counts.get)
        found = _likeliest(text, main) if main != "other" else None
        return found, False, (f"written in {_name(found) if found else main + ' script'}, not {name} "
                              f"({100 * share:.0f}% of its letters are {script})")
    if script == "Han":
        kana, han = len(_KANA.findall(text)), len(_HAN.findall(text))
        kana_share = kana / max(1, kana + han)
        if expected == "ja" and kana_share < KANA_JA:
            return "zh", False, "written in Chinese, not Japanese (no kana)"
        if expected == "zh" and kana_share >= KANA_JA:
            return "ja", False, f"written in Japanese, not Chinese ({100 * kana_share:.0f}% kana)"
        return expected, True, ""
    candidates = [code for code in LANGUAGES if script_of(code) == script]
    if len(candidates) == 1:
        return expected, True, ""
    ranked = rank_languages(text, candidates)
    top, probability = ranked[0]
    mine = dict(ranked).get(expected, 0.0)
    if top != expected and probability >= CLEARLY and mine <= CLEARLY_NOT:
        return top, False, f"written in {_name(top)}, not {name}"
    return (top if top == expected or probability >= CLEARLY else expected), True, ""


def _likeliest(text: str, script: str) -> str | None:
    candidates = [code for code in LANGUAGES if script_of(code) == script]
    if script == "Han":
        return "ja" if _KANA.search(text) else "zh"
    return rank_languages(text, candidates)[0][0] if candidates else None


def _name(code: str | None) -> str:
    return LANGUAGES[code].name if code in LANGUAGES else str(code)


def check_language(text: str, expected: str, *, copied_from: str | None = None) -> Verdict:
    """Whether `text` is written in `expected`. `copied_from`: the text it translates, when that is in another
    language: a translation identical to it, or whose words are largely its words, is not one."""
    if copied_from is not None and _same(text, copied_from):
        return Verdict(expected, None, False, "left untranslated (the same text as the summary it translates)")
    if copied_from is not None:
        share, counted = copied_share(text, copied_from)
        if counted >= COPIED_MIN and share >= COPIED:
            sentences = split_sentences(text)
            wrong = tuple(i for i, sentence in enumerate(sentences)
                          if (part := copied_share(sentence, copied_from))[1] >= 4 and part[0] >= COPIED)
            return Verdict(expected, None, False, f"partly left untranslated ({100 * share:.0f}% of its words are "
                                                  "the words of the text it translates)", wrong)
    found, ok, reason = _judge(text, expected)
    wrong = []
    sentences = split_sentences(text)
    if len(sentences) > 1:
        for position, sentence in enumerate(sentences):
            if sum(_letter_scripts(sentence).values()) >= SENTENCE_LETTERS and not _judge(sentence, expected)[1]:
                wrong.append(position)
    if ok and wrong:
        return Verdict(expected, found, False, f"partly in another language ({len(wrong)} of its {len(sentences)} "
                                               f"sentences not in {_name(expected)})", tuple(wrong))
    return Verdict(expected, found, ok, reason, tuple(wrong) if not ok else ())


_WORD = re.compile(r"[^\W\d_]+")


def copied_share(text: str, source: str) -> tuple[float, int]:
    """(the share of the text's words that are words of `source`, how many words were counted). Counted: words of
    4 letters or more that do not start with a capital (names and a sentence's first word stay as written in
    any translation); an ideograph or kana counts as a word of its own."""
    known = {word.casefold() for word in _WORD.findall(source)}
    copied = counted = 0
    for word in _WORD.findall(text):
        dense = len(_HAN.findall(word)) + len(_KANA.findall(word))
        if dense:
            counted += dense
        elif len(word) >= 4 and not word[0].isupper():
            counted += 1
            copied += word.casefold() in known
    return (copied / counted if counted else 0.0), counted


def _same(a: str, b: str) -> bool:
    def squash(s: str) -> str:
        return re.sub(r"\W+", "", s).casefold()
    return bool(squash(a)) and squash(a) == squash(b)
