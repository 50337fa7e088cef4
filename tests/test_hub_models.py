"""Real models from the Hugging Face hub. Skipped when the hub cannot be reached.

Run them with `pytest -m hub` on a machine with network access (first run
downloads about 4 GB into the Hugging Face cache).
"""

import re
import unicodedata

import pytest

from summarizer import Summarizer, load_model
from summarizer.models.registry import PRESETS
from summarizer.text.detect import detect_language
from tests.articles import RIVERTON as ARTICLE

pytestmark = pytest.mark.hub


FRENCH_ARTICLE = """La ville de Riverton a approuvé lundi un budget de 4,7 millions de dollars pour reconstruire le
vieux pont de pierre qui relie le quartier du marché aux banlieues du nord. La maire Anna Keller a déclaré que les
travaux commenceraient en mars et que le pont rouvrirait à la circulation en 2027. Le pont, construit en 1889, a été
fermé l'année dernière après que des ingénieurs ont découvert de profondes fissures dans deux de ses arches."""


@pytest.fixture(scope="module")
def default():
    return Summarizer("default", device="auto")


def test_default_preset_summarises_into_three_languages(default):
    result = default.summarize(ARTICLE, ["en", "fr", "de"])
    assert result.source_language == "en" and result.chunks == 1
    for lang, text in result.summaries.items():
        assert detect_language(text).language == lang, (lang, text)
        assert text.rstrip()[-1] in ".!?\"'”»"  # ends at a sentence boundary
    assert "2027" in result.summaries["en"] or "Keller" in result.summaries["en"]
    assert result.models["fr"] == ["sshleifer/distilbart-cnn-12-6", "Helsinki-NLP/opus-mt-en-fr"]
    assert result.sentences["fr"] == result.sentences["en"]


def test_french_article_is_pivoted_and_translated_back(default):
    result = default.summarize(FRENCH_ARTICLE, ["fr", "en"])
    assert result.source_language == "fr"
    assert detect_language(result.summaries["fr"]).language == "fr"
    assert result.models["fr"][0] == "Helsinki-NLP/opus-mt-fr-en"


@pytest.mark.parametrize("target", [*sorted(PRESETS["default"].translators), "ja", "ko", "hi"])
def test_every_default_translator_writes_its_language(default, target):
    name = default._translator_for("en", target)
    model = load_model(name)
    sentence = "The mayor of the city said on Monday that the new bridge over the river would open in 2027."
    out = default._translate_sentences(model, [sentence], "en", target, default.options)[0][0]
    assert detect_language(out).language == target, (name, out)
    ascii_digits = "".join(str(unicodedata.digit(ch)) if ch.isdigit() else ch for ch in out)
    assert re.search(r"2027|二〇二七", ascii_digits), (name, out)
