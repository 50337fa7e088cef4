"""Finding the names of people (and the like) in a text, and whether another text keeps them.

Capital letters alone cry wolf: a correct French translation renders "Welsh Parliament" as "Parlement
gallois" and "Wales" as "pays de Galles". What is kept across Latin-script languages is the names of
people and other proper names that are not words of the language. So a name here is:

- a run of two or more capitalised words ("Anna Keller", "Tony Macaroni Arena"), or one after a
  title ("Mr Keller"), or one word that the same text also uses inside such a run ("Keller said");
- less its tokens that are common words (an English lexicon: "Arena", "Parliament", "Welsh", which a
  translation may translate) and its place and language names (CLDR through Babel: "Korea",
  "London", "Welsh"), which translations render in their own language.

`kept` tells whether a name's token is in another text, as it is or inflected (Kellera, Keller'in,
Anny for Anna); a misspelling ("Keler") is not kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from ..text.splitting import ABBREVIATIONS, LOOKBACK, is_abbreviation

_WORD = re.compile(r"[^\W\d_](?:[\w’'-]*\w)?")
_TITLES = frozenset("sir dame lord lady president senator governor mayor minister det insp supt cpl pc pte maj brig "
                    "cllr fr rt".split()) | ABBREVIATIONS
_IRREGULAR = {"women": "woman", "men": "man", "children": "child", "people": "person"}
_PARTICLES = frozenset("de del della der di da do dos du van von la le al el bin ibn ez ben".split())  # in lower case
_PLACE_PREFIXES = frozenset("San Santa Santo São St Saint Los Las Des El Fort Port Lake Mount".split())
_FUNCTION = frozenset("""
i a an the this that these those it its he she they we you his her their our your there here what when where
who why how but and or if as at in on of for by to from with after before while not no yes so all some
le la les un une des il elle ils elles nous vous ce cette ces et mais ou si dans sur pour par avec selon
el los las una unos unas ella ellos este esta estos estas pero en con según lo gli uno questo questa
de het een dit dat deze die maar voor met na um uma os as mas em com segundo der das ein eine und
""".split())
_SENTENCE_END = re.compile(r"[.!?…]['\"”’»)]*\s+|\n|^\s*['\"“‘«]")


def _sentence_starts(text: str) -> set[int]:
    """Where sentences start (after . ! ? and line breaks, not after "Mr." or an initial)."""
    return {0} | {m.end() for m in _SENTENCE_END.finditer(text)
                  if not (text[m.start()] == "." and  # the word before the stop: a bounded slice, not all the text
                          is_abbreviation(text[max(0, m.start() - LOOKBACK - 1):m.start() + 1]))}


def _base(token: str) -> str:
    """A token without a possessive, contraction or trailing apostrophe ("HBO's" -> "HBO", "I'm" -> "I",
    "Didn't" -> "Did")."""
    return re.sub(r"(?:n['’]t|['’](?:[a-z]{1,2})?)$", "", token)


@functools.lru_cache(maxsize=1)
def _english_common() -> frozenset[str]:
    """Lower-case English words (Webster's, via english-words): a capitalised one is a common word, not a name."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], lower=False) if w.islower())


def _country_names() -> list[str]:
    """The countries of ISO 3166 in English (pycountry): their names, official and common names."""
    import pycountry

    return [getattr(country, key, "") for country in pycountry.countries
            for key in ("name", "official_name", "common_name")]


@functools.lru_cache(maxsize=32)
def place_names(language: str) -> frozenset[tuple[str, ...]]:
    """Place and language names in a language, as lower-cased word tuples (("korea",), ("baja", "california")):
    CLDR's territories, languages, cities, days and months (through Babel), and in English also the countries
    and their subdivisions of ISO 3166 (through pycountry: US states, "Scotland", "Baja California")."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return frozenset()
    names = [*locale.territories.values(), *locale.languages.values()]
    names += [zone.get("city", "") for zone in locale.time_zones.values() if isinstance(zone, dict)]
    for width in ("wide", "abbreviated"):  # Saturday, June: capitalised in English, words elsewhere
        names += [*locale.days["format"][width].values(), *locale.months["format"][width].values()]
    if language == "en":
        import pycountry

        names += [*_country_names(), *(subdivision.name for subdivision in pycountry.subdivisions)]
    phrases = {tuple(fold(w) for w in _WORD.findall(name)) for name in names}
    return frozenset(phrase for phrase in phrases if phrase and max(len(w) for w in phrase) > 2)


@functools.lru_cache(maxsize=32)
def _single_places(language: str) -> frozenset[str]:
    """One-word place and language names, and in English also the words of language names (British English,
    Scottish Gaelic), of country names (Great Britain, South Korea) and the cities of the time-zone database."""
    singles = {phrase[0] for phrase in place_names(language) if len(phrase) == 1}
    if language == "en":
        import zoneinfo

        from babel import Locale

        names = [*Locale.parse("en").languages.values(), *_country_names()]
        singles |= {fold(w) for name in names for w in _WORD.findall(name) if len(w) > 3}
        singles |= {fold(zone.rsplit("/", 1)[-1]) for zone in zoneinfo.available_timezones()
                    if "_" not in zone and "/" in zone}
    return frozenset(singles)


@functools.lru_cache(maxsize=32)
def _longest_place(language: str) -> int:
    return max(map(len, place_names(language)), default=0)


def place_tokens(tokens: list[str], language: str) -> set[int]:
    """Positions of the tokens that spell a place or language name ("Baja California", "Virginia")."""
    folded = [fold(t) for t in tokens]
    places = place_names(language)
    longest = _longest_place(language)  # no longer run can be a place: the work stays linear in the run
    found: set[int] = set()
    for start in range(len(folded)):
        for end in range(min(len(folded), start + longest), start, -1):
            if tuple(folded[start:end]) in places:
                found |= set(range(start, end))
                break
    return found


def _demonym(word: str, language: str) -> bool:
    """Syrian(s), Koreans, Tennessean, Israelis, Czechoslovak: a one-word place name with a demonym's ending."""
    places = _single_places(language)

    def place_from(stem: str, slack: int) -> bool:
        return len(stem) >= 3 and any(place.startswith(stem) and len(place) - len(stem) <= slack
                                      for place in places if place[:1] == stem[:1])

    for suffix in ("ians", "ian", "eans", "ean", "ans", "an", "ese", "ish"):
        if word.endswith(suffix) and place_from(word[:-len(suffix)], 1):
            return True
    if word.endswith(("is", "i")) and word.rstrip("s")[:-1] in places:  # Israelis, Pakistani
        return True
    return len(word) >= 6 and place_from(word, 2)


def common_english(word: str) -> bool:
    """A common English word: in the lexicon in lower case, or a regular inflection of one (presiding, members,
    carried); for hyphenated compounds (Mother-of-three), every part."""
    common = _english_common()
    for part in word.casefold().split("-"):
        stems = {part, _IRREGULAR.get(part, part)}
        for suffix, endings in (("ies", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ing", ("", "e")),
                                ("ed", ("", "e")), ("ly", ("",))):
            if part.endswith(suffix) and len(part) - len(suffix) >= 3:
                stems |= {part[:-len(suffix)] + ending for ending in endings}
        if not stems & common:
            return False
    return True


def _common(token: str, language: str) -> bool:
    """Not a name to check: a common word or demonym of `language` (known for English only), a title, a short
    acronym that translations expand (TV, HQ), or an adjective made from a name (Russian-backed)."""
    word = fold(token)
    if word in _FUNCTION or word in _TITLES or word in _single_places(language):
        return True
    if token.rstrip("s").isupper():  # acronyms (TV, HQ, AMs, UEFA) are expanded or translated, not names
        return True
    parts = word.split("-")
    if len(parts) > 1 and any(part in _single_places(language) or (language == "en" and common_english(part))
                              for part in parts):
        return True
    return language == "en" and (common_english(word) or _demonym(word, language))


def runs(text: str) -> list[tuple[list[str], bool]]:
    """Runs of capitalised tokens, inner particles allowed ("Deir ez-Zor", "Ludwig van Beethoven"), each with
    whether it opens a sentence (where a capital says nothing)."""
    starts = _sentence_starts(text)
    found: list[tuple[list[str], bool]] = []
    current: list[str] = []
    opens, last_end = False, -1
    for match in _WORD.finditer(text):
        token = _base(match.group())
        capital = token[:1].isupper() or ("-" in token and token.split("-")[-1][:1].isupper())
        gap = text[last_end:match.start()]
        after_title = gap in (". ", ".\u00a0") and current and current[-1].casefold() in _TITLES
        if current and (gap in (" ", "\u00a0") or after_title) and (capital or token in _PARTICLES):
            current.append(token)
        else:
            if current:
                found.append((current, opens))
            current, opens = ([token], match.start() in starts) if capital and token.casefold() not in _FUNCTION \
                else ([], False)
        last_end = match.end()
    if current:
        found.append((current, opens))
    out = []
    for tokens, at_start in found:
        while tokens and tokens[-1] in _PARTICLES:
            tokens = tokens[:-1]
        if tokens:
            out.append((tokens, at_start))
    return out


def names(text: str, language: str = "en") -> list[str]:
    """The name tokens of a text that a faithful translation into a Latin-script language keeps."""
    found: list[str] = []
    singles: list[str] = []
    for run, at_start in runs(text):
        if run[0].rstrip(".") in _PLACE_PREFIXES:  # San Diego, St Mirren, Los Angeles: a place (or its club)
            continue
        places = place_tokens(run, language)
        tokens = [t for i, t in enumerate(run) if t not in _PARTICLES and i not in places]
        named = [t for t in run if t not in _PARTICLES]
        if len(named) >= 2:
            titled = named[0].casefold().rstrip(".") in _TITLES
            found += [t for t in tokens if not (titled and t == named[0]) and len(t) >= 2 and not _common(t, language)]
        elif tokens and not at_start:
            singles.append(tokens[0])
    found += [token for token in singles if token in found]  # "Keller said", after "Anna Keller"
    return list(dict.fromkeys(found))


def fold(word: str) -> str:
    """Lower case without diacritics or apostrophe styles: Kovačić and Kovacic, O’Hagan and O'Hagan alike."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def kept(name: str, words: set[str]) -> bool:
    """The name, or an inflected form of it (Keller's, Kellera, Anny for Anna, yorkshire-i), is among `words`
    (folded: see `words_of`). Only the ending may change: "Keler" is not "Keller"."""
    folded = fold(name)
    if folded in words:
        return True
    stem = folded[:-1] if len(folded) >= 4 else folded  # Anna: Anny; Jon: Jona
    return len(stem) >= 3 and any(w.startswith(stem) and len(w) <= len(folded) + 5 for w in words)


def words_of(text: str) -> set[str]:
    """The folded words of a text, also without possessives and elisions (l'UEFA, d'Harlem: uefa, harlem)."""
    out = set()
    for token in _WORD.findall(text):
        for form in (token, _base(token), re.sub(r"^\w{1,4}['’]", "", token)):
            out.add(fold(form))
    return out
