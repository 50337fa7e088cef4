"""The language table: one row per language, with every code a model may use for it.

Models name languages differently: ISO 639-1 (``fr``) for M2M100 and langid,
ISO 639-3 tokens for multi-target Marian (``>>pol<<``, ``>>cmn_Hans<<``),
FLORES codes for NLLB (``fra_Latn``) and mBART-50 codes (``fr_XX``). This
module maps them all to one ISO 639-1 code, the one the public API uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InputError, UnsupportedLanguageError


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639-1, the code used everywhere in this package
    name: str  # English name
    native: str  # the language's own name, for the demo
    iso3: str  # ISO 639-3
    nllb: str  # FLORES-200 code used by NLLB
    mbart: str = ""  # mBART-50 code, where it has one
    marian: tuple[str, ...] = ()  # further Marian >>xx<< tokens tried after iso3 and code
    rtl: bool = False  # written right to left
    spaced: bool = True  # words separated by spaces (False for zh, ja, th)
    aliases: tuple[str, ...] = field(default=())

    def marian_tokens(self) -> tuple[str, ...]:
        """Candidate multi-target Marian tokens, most specific first."""
        codes = (*self.marian, self.iso3, self.code, self.nllb)
        return tuple(f">>{c}<<" for c in dict.fromkeys(codes))


_TABLE = (
    Language("en", "English", "English", "eng", "eng_Latn", "en_XX", aliases=("english",)),
    Language("fr", "French", "Français", "fra", "fra_Latn", "fr_XX", aliases=("french", "francais", "français")),
    Language("de", "German", "Deutsch", "deu", "deu_Latn", "de_DE", aliases=("german", "deutsch")),
    Language("es", "Spanish", "Español", "spa", "spa_Latn", "es_XX", aliases=("spanish", "espanol", "español")),
    Language("it", "Italian", "Italiano", "ita", "ita_Latn", "it_IT", aliases=("italian", "italiano")),
    Language("pt", "Portuguese", "Português", "por", "por_Latn", "pt_XX", marian=("pt", "por"),
             aliases=("portuguese", "portugues", "português")),
    Language("ru", "Russian", "Русский", "rus", "rus_Cyrl", "ru_RU", aliases=("russian",)),
    Language("uk", "Ukrainian", "Українська", "ukr", "ukr_Cyrl", "uk_UA", aliases=("ukrainian",)),
    Language("zh", "Chinese", "中文", "zho", "zho_Hans", "zh_CN", marian=("cmn_Hans", "zho_Hans", "cmn"),
             spaced=False, aliases=("chinese", "zh-cn", "zh-hans", "zh_cn", "cmn")),
    Language("ja", "Japanese", "日本語", "jpn", "jpn_Jpan", "ja_XX", spaced=False, aliases=("japanese",)),
    Language("ko", "Korean", "한국어", "kor", "kor_Hang", "ko_KR", aliases=("korean",)),
    Language("ar", "Arabic", "العربية", "ara", "arb_Arab", "ar_AR", marian=("ara", "arb"), rtl=True,
             aliases=("arabic", "arb")),
    Language("tr", "Turkish", "Türkçe", "tur", "tur_Latn", "tr_TR", aliases=("turkish",)),
    Language("pl", "Polish", "Polski", "pol", "pol_Latn", "pl_PL", aliases=("polish",)),
    Language("nl", "Dutch", "Nederlands", "nld", "nld_Latn", "nl_XX", aliases=("dutch",)),
    Language("hi", "Hindi", "हिन्दी", "hin", "hin_Deva", "hi_IN", aliases=("hindi",)),
    Language("bn", "Bengali", "বাংলা", "ben", "ben_Beng", "bn_IN", aliases=("bengali", "bangla")),
    Language("cs", "Czech", "Čeština", "ces", "ces_Latn", "cs_CZ", aliases=("czech",)),
    Language("el", "Greek", "Ελληνικά", "ell", "ell_Grek", aliases=("greek",)),
    Language("fa", "Persian", "فارسی", "fas", "pes_Arab", "fa_IR", rtl=True, aliases=("persian", "farsi")),
    Language("he", "Hebrew", "עברית", "heb", "heb_Hebr", "he_IL", rtl=True, aliases=("hebrew", "iw")),
    Language("hu", "Hungarian", "Magyar", "hun", "hun_Latn", aliases=("hungarian",)),
    Language("id", "Indonesian", "Bahasa Indonesia", "ind", "ind_Latn", "id_ID", aliases=("indonesian",)),
    Language("ro", "Romanian", "Română", "ron", "ron_Latn", "ro_RO", aliases=("romanian",)),
    Language("sv", "Swedish", "Svenska", "swe", "swe_Latn", "sv_SE", aliases=("swedish",)),
    Language("sw", "Swahili", "Kiswahili", "swa", "swh_Latn", "sw_KE", aliases=("swahili",)),
    Language("th", "Thai", "ไทย", "tha", "tha_Thai", "th_TH", spaced=False, aliases=("thai",)),
    Language("ur", "Urdu", "اردو", "urd", "urd_Arab", "ur_PK", rtl=True, aliases=("urdu",)),
    Language("vi", "Vietnamese", "Tiếng Việt", "vie", "vie_Latn", "vi_VN", aliases=("vietnamese",)),
)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _TABLE}

_ALIASES: dict[str, str] = {}
for _lang in _TABLE:
    for _key in (_lang.code, _lang.iso3, _lang.nllb, _lang.mbart, _lang.name, _lang.native, *_lang.aliases):
        if _key:
            _ALIASES.setdefault(_key.casefold(), _lang.code)
del _lang, _key

# Scripts by Unicode block, as bodies of a regex character class: the one place they are written.
# kana and CJK ideographs (with their compatibility block): Chinese and Japanese, no spaces between words
KANA = "\u3040-\u30ff"  # hiragana and katakana: Japanese
HAN = "\u3400-\u9fff\uf900-\ufaff"  # CJK ideographs and their compatibility block
CJK = KANA + HAN
HANGUL = "\uac00-\ud7af"  # Korean syllables (Korean puts spaces between words)
THAI = "\u0e00-\u0e7f"
UNSPACED = frozenset(lang.code for lang in _TABLE if not lang.spaced)  # languages written without spaces

_CODE_SHAPE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def normalize_language(value: str, supported: set[str] | None = None) -> str:
    """Return the ISO 639-1 code for `value` (a code, an alias or a name).

    Raises `UnsupportedLanguageError` naming the value and listing the supported
    codes when the language is unknown, malformed, or outside `supported`.
    """
    allowed = sorted(supported if supported is not None else LANGUAGES)
    if not isinstance(value, str) or not value.strip():
        raise UnsupportedLanguageError(
            f"Language code {value!r} is empty or not text. Supported: {', '.join(allowed)}."
        )
    key = value.strip().casefold()
    code = _ALIASES.get(key)
    if code is None and _CODE_SHAPE.match(key):  # a regional or script variant: pt-BR, zh_Hant
        code = _ALIASES.get(key.replace("_", "-").split("-")[0])
    if code is None:
        shape = "is not a language code" if not _CODE_SHAPE.match(value.strip()) else "is not a known language"
        raise UnsupportedLanguageError(f"Language {value!r} {shape}. Supported: {', '.join(allowed)}.")
    if supported is not None and code not in supported:
        raise UnsupportedLanguageError(
            f"Language {value!r} ({LANGUAGES[code].name}) is not supported by these models. "
            f"Supported: {', '.join(allowed)}."
        )
    return code


def normalize_languages(values, supported: set[str] | None = None, limit: int | None = None) -> tuple[str, ...]:
    """Normalise a list (or a comma-separated string) of languages, dropping duplicates in order.

    More than `limit` entries (counted as given, before anything is parsed) is an error.
    """
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    if limit is not None and len(values) > limit:
        raise InputError(f"{len(values)} target languages asked for; the limit is {limit} per request "
                         "(max_languages).")
    codes = [normalize_language(v, supported) for v in values]
    if not codes:
        raise UnsupportedLanguageError("No target language given: name at least one, e.g. 'en' or 'fr,de'.")
    return tuple(dict.fromkeys(codes))
