"""A summary is never returned under a language it is not written in (language_check.py, language_repair.py).

The checks are tested on texts written here, and the pipeline's repair on a tiny instruction model whose answers
are scripted (its real answers, on random weights, are in no language at all)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from summarizer import Summarizer
from summarizer.models import gguf as gguf_import
from summarizer.models.base import Generated
from summarizer.models.registry import ModelSpec
from summarizer.pipeline.routing import Router
from summarizer.text.language_check import check_language
from tests.articles import COUNCIL_CRITICS as ARTICLE

ENGLISH = "The council approved 4,700 dollars for a bridge on Monday. Anna Keller said it opens in 2026."
FRENCH = ("Le conseil a approuvé lundi 4 700 dollars pour un pont. Anna Keller a dit qu'il ouvrira en 2026.")
CHINESE = "市议会周一批准了一项4700美元的预算。市长Anna Keller说，这座新桥将于2026年开通。"
TEXTS = {
    "en": ENGLISH, "fr": FRENCH, "zh": CHINESE,
    "de": "Der Stadtrat hat am Montag 4.700 Dollar für eine Brücke bewilligt. Anna Keller sagte, sie werde 2026 "
          "eröffnet.",
    "es": "El ayuntamiento aprobó el lunes 4.700 dólares para un puente. Anna Keller dijo que abrirá en 2026.",
    "ja": "市議会は月曜日、橋のために4700ドルの予算を承認した。Anna Keller市長は、橋は2026年に開通すると述べた。",
    "ru": "Городской совет в понедельник одобрил 4700 долларов на строительство моста. Анна Келлер сообщила, что "
          "он откроется в 2026 году.",
    "ko": "시의회는 월요일에 다리 건설을 위해 4,700달러의 예산을 승인했다. Anna Keller 시장은 다리가 2026년에 "
          "개통된다고 말했다.",
}


# ----------------------------------------------------------------------------------------- the check
@pytest.mark.parametrize("language", sorted(TEXTS))
def test_a_text_in_its_language_passes(language):
    verdict = check_language(TEXTS[language], language)
    assert verdict.ok and verdict.found == language and not verdict.wrong_sentences


@pytest.mark.parametrize("label", ["fr", "de", "es", "zh", "ja", "ru", "ko"])
def test_english_under_another_label_fails_and_says_what_it_is(label):
    verdict = check_language(ENGLISH, label)
    assert not verdict.ok and verdict.found == "en" and "English" in verdict.reason


def test_chinese_and_japanese_are_told_apart_by_their_kana():
    assert "Chinese, not Japanese" in check_language(CHINESE, "ja").reason
    assert "Japanese, not Chinese" in check_language(TEXTS["ja"], "zh").reason


def test_one_sentence_left_in_english_fails_a_translation_and_is_named():
    mixed = FRENCH + " Critics said the plan ignores the northern districts of the city entirely."
    verdict = check_language(mixed, "fr")
    assert not verdict.ok and verdict.wrong_sentences == (2,) and "1 of its 3 sentences" in verdict.reason


def test_a_translation_identical_to_its_source_is_not_one():
    verdict = check_language("Anna Keller, Berlin, 2026.", "de", copied_from="Anna Keller, Berlin, 2026.")
    assert not verdict.ok and "untranslated" in verdict.reason


def test_names_and_numbers_alone_are_too_little_to_tell():
    verdict = check_language("Anna Keller, 2026", "fr")
    assert verdict.ok and verdict.found is None


def test_names_in_latin_letters_inside_chinese_are_allowed():
    text = "BBC Scotland 的 Alasdair Lamont 在 Tony Macaroni 球场报道了 Livingston 对 Rangers 的比赛。"
    assert check_language(text, "zh").ok


# ----------------------------------------------------------------------------------------- repair in the pipeline
def _model(monkeypatch, tiny_llm, *, writes=("en",), translates=("en", "fr", "de")) -> str:
    """The tiny GGUF as a known instruction model that reads every language and translates `translates`."""
    spec = ModelSpec("tiny-polyglot", "test/tiny-polyglot", None, "apache-2.0", "summarization", ("*",),
                     {"num_beams": 1}, 256, family="instruct", writes=writes, translates=translates)
    monkeypatch.setattr(gguf_import, "identify", lambda path: ("0" * 64, spec))
    return tiny_llm["gguf"]


def _script(monkeypatch, model, summaries, translations):
    """The model's answers: summaries[(language, again)] and translations[(target, again)] (a function of the
    sentence), recorded in `calls`."""
    calls = []

    def summarize(texts, languages, *, again=False, **_):
        calls.append(("summarize", list(languages), again))
        return [Generated(summaries[(lang, again)], True, False) for lang in languages]

    def translate(texts, sources, targets, *, again=False, **_):
        calls.append(("translate", list(targets), again))
        return [Generated(translations[(target, again)](text), True, False) for text, target in
                zip(texts, targets, strict=True)]

    monkeypatch.setattr(model, "summarize", summarize)
    monkeypatch.setattr(model, "translate", translate)
    return calls


FR = dict(zip(["The council approved 4,700 dollars for a bridge on Monday.", "Anna Keller said it opens in 2026."],
              ["Le conseil a approuvé lundi 4 700 dollars pour un pont.", "Anna Keller a dit qu'il ouvrira en 2026."],
              strict=True))


def test_a_translation_answered_in_english_is_asked_again_and_returned_only_in_french(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    calls = _script(monkeypatch, model, {("en", False): ENGLISH},
                    {("fr", False): lambda s: s, ("fr", True): lambda s: FR[s]})
    result = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert result.summaries["fr"] == FRENCH and not result.errors
    assert result.models["fr"] == [model.model_id, model.model_id]  # it translated its own summary
    assert result.made["fr"]["method"] == "translated" and "untranslated" in result.made["fr"]["retried"]
    assert result.made["en"] == {"method": "summarised", "language_check": "passed"}
    assert calls == [("summarize", ["en"], False), ("translate", ["fr", "fr"], False),
                     ("translate", ["fr", "fr"], True)]


def test_a_translation_still_in_english_is_refused_with_the_reason(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    english = "The council approved the money for the bridge on Monday, and the mayor said so."
    _script(monkeypatch, model, {("en", False): ENGLISH},
            {("fr", False): lambda s: english, ("fr", True): lambda s: english})
    result = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert "fr" not in result.summaries and "fr" not in result.made
    assert "did not write French" in result.errors["fr"] and "left untranslated" in result.errors["fr"]
    assert "[fr] error:" in str(result)


def test_warn_returns_a_wrong_language_flagged_instead(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch", language_check="warn")
    model = summarizer.load(path)
    calls = _script(monkeypatch, model, {("en", False): ENGLISH}, {("fr", False): lambda s: s})
    result = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert result.summaries["fr"] == ENGLISH and result.made["fr"]["language_check"] == "failed"
    assert any("language_check='warn'" in w for w in result.language_warnings["fr"])
    assert len(calls) == 2  # nothing asked again


def test_a_direct_language_answered_in_english_twice_is_translated_instead(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm, writes=("en", "fr"))
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    calls = _script(monkeypatch, model, {("en", False): ENGLISH, ("fr", False): ENGLISH, ("fr", True): ENGLISH},
                    {("fr", False): lambda s: FR[s]})
    result = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert result.summaries["fr"] == FRENCH and result.made["fr"]["method"] == "translated"
    assert any("translated from the English summary instead" in w for w in result.language_warnings["fr"])
    assert calls[:2] == [("summarize", ["en", "fr"], False), ("summarize", ["fr"], True)]


def test_an_english_summary_answered_in_chinese_is_kept_as_the_chinese_one_and_translated(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    article = CHINESE + "批评者说该计划忽视了北部地区。"
    english = {"市议会周一批准了一项4700美元的预算。": "The council approved 4,700 dollars on Monday.",
               "市长Anna Keller说，这座新桥将于2026年开通。": "Mayor Anna Keller said the bridge opens in 2026."}
    _script(monkeypatch, model, {("en", False): CHINESE, ("en", True): CHINESE}, {("en", False): english.get})
    result = summarizer.summarize(article, ["en"], source_language="zh")
    assert result.summaries["zh"] == CHINESE and result.made["zh"]["method"] == "summarised"
    assert result.summaries["en"].startswith("The council approved") and result.made["en"]["from"] == "zh"
    assert any("kept as the Chinese summary" in w for w in result.warnings)


def test_a_summary_in_no_language_it_could_be_becomes_the_articles_own_sentences(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    german = TEXTS["de"]
    _script(monkeypatch, model, {("en", False): german, ("en", True): german}, {})
    result = summarizer.summarize(ARTICLE, ["en"])
    assert result.summaries["en"] in ARTICLE and result.made["en"]["method"] == "extractive"
    assert result.models["en"] == ["extractive"]


def test_the_summariser_translates_only_where_no_translator_for_the_language_is_here(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    nothing_here = Router.build("default", path)
    assert nothing_here.plan(["fr", "ja"], "en").chains == {"fr": [path, path], "ja": [path, "m2m100_418M"]}
    everything_here = replace(nothing_here, have=lambda name: True)
    assert everything_here.plan(["fr"], "en").chains == {"fr": [path, "opus-mt-en-fr"]}


def test_a_language_whose_translator_is_not_here_is_refused_before_anything_is_generated(monkeypatch, tiny_llm):
    path = _model(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch")
    model = summarizer.load(path)
    calls = _script(monkeypatch, model, {("en", False): ENGLISH}, {("fr", False): lambda s: FR[s]})
    loaded = []
    monkeypatch.setattr(summarizer, "load", lambda name: loaded.append(name) or model)
    assert summarizer.missing(["fr", "ko"]) == {"ko": ["m2m100_418M"]}
    result = summarizer.summarize(ARTICLE, ["fr", "ko"])
    assert set(result.summaries) == {"en", "fr"}
    assert result.errors["ko"].endswith("Fetch it with: summarize download --model m2m100_418M")
    assert "m2m100_418M" not in loaded and all("ko" not in call[1] for call in calls)


def test_a_support_score_across_languages_with_nothing_to_compare_says_so():
    from summarizer.evidence.support import evidence, support_words

    found = evidence("The council met on Monday and approved the bridge.", "Le conseil s'est réuni et a voté.", "fr",
                     article_language="en")
    assert found.method == "numbers and names" and found.compared == 0
    assert support_words(found.score, found.compared) == "support: nothing compared (no numbers or names to check)"
    counted = evidence("The council approved 4,700 dollars on Monday.", "Le conseil a voté 4 700 dollars.", "fr",
                       article_language="en")
    assert counted.compared == 1 and support_words(counted.score, counted.compared) == "support 1.00"


def test_a_translation_that_keeps_most_of_the_english_words_is_not_one():
    english = ("Tom Wood prepared for the top-of-the-table clash with Saracens. The champions have creaked in recent "
               "weeks and the England flanker claims their opponents smelt blood.")
    mixed = ("Tom Wood preparò per la convenzione top-of-the-table con Saracens. Il Champions ha creaked in recent "
             "weeks e l'England flanker claims che opponents smelt blood.")
    right = ("Tom Wood si è preparato per lo scontro al vertice con i Saracens. I campioni hanno vacillato nelle "
             "ultime settimane e il flanker dell'Inghilterra sostiene che gli avversari abbiano fiutato il sangue.")
    verdict = check_language(mixed, "it", copied_from=english)
    assert not verdict.ok and "left untranslated" in verdict.reason and verdict.wrong_sentences == (1,)
    assert check_language(right, "it", copied_from=english).ok


def test_the_readable_output_says_how_each_language_was_made(capsys):
    from summarizer.cli.main import print_text
    from summarizer.result import describe_made

    made = {"method": "translated", "from": "en", "by": "qwen", "language_check": "passed",
            "retried": "the first translation was written in English, not French; translated again, asked more "
                       "firmly", "quality": "read by hand, 38 of 40 held an error"}
    assert describe_made(made) == ("translated from en by qwen; language checked; asked again: the first "
                                   "translation was written in English, not French; translated again, asked more "
                                   "firmly; read by hand, 38 of 40 held an error")
    assert describe_made({"method": "summarised", "language_check": "too short to tell"}) == \
        "summarised; language: too short to tell"
    row = {"id": "a", "error": None, "source_language": "en", "chunks": 1, "summaries": {"fr": FRENCH},
           "models": {"fr": ["qwen", "qwen"]}, "faithful": {}, "language_warnings": {}, "errors": {},
           "warnings": [], "made": {"fr": made}}
    print_text(row)
    assert "    made: translated from en by qwen; language checked; asked again" in capsys.readouterr().out
