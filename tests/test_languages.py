import pytest

from summarizer import normalize_language
from summarizer.errors import SummarizerError, UnsupportedLanguageError
from summarizer.languages import LANGUAGES, normalize_languages


@pytest.mark.parametrize(("value", "code"), [
    ("fr", "fr"), ("FR", "fr"), ("fra", "fr"), ("fra_Latn", "fr"), ("French", "fr"), ("Français", "fr"),
    ("zh-CN", "zh"), ("zh_Hans", "zh"), ("pt-BR", "pt"), ("日本語", "ja"), (" de ", "de"), ("iw", "he"),
])
def test_normalize_language_accepts_codes_aliases_and_names(value, code):
    assert normalize_language(value) == code


@pytest.mark.parametrize("value", ["xx", "klingon", "", "   ", "fr!!", "12"])
def test_unknown_language_names_the_value_and_lists_supported(value):
    with pytest.raises(UnsupportedLanguageError) as info:
        normalize_language(value)
    assert repr(value) in str(info.value) and "Supported: " in str(info.value) and "fr" in str(info.value)
    assert isinstance(info.value, SummarizerError)


def test_language_outside_supported_set_is_refused():
    with pytest.raises(UnsupportedLanguageError, match=r"not supported by these models\. Supported: en, fr"):
        normalize_language("de", {"en", "fr"})


def test_normalize_languages_drops_duplicates_in_order():
    assert normalize_languages("fr, en,French,de") == ("fr", "en", "de")
    with pytest.raises(UnsupportedLanguageError, match="No target language"):
        normalize_languages([])


def test_every_default_target_is_in_the_table():
    targets = {"en", "fr", "de", "es", "it", "pt", "ru", "uk", "zh", "ja", "ko", "ar", "tr", "pl", "nl", "hi"}
    assert targets <= set(LANGUAGES)
    assert LANGUAGES["ar"].rtl and not LANGUAGES["fr"].rtl
    assert LANGUAGES["pl"].marian_tokens()[0] == ">>pol<<"
    assert LANGUAGES["zh"].marian_tokens()[0] == ">>cmn_Hans<<"
