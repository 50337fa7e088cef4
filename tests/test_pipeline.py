import json
from types import SimpleNamespace

import pytest

from summarizer import Summarizer, Summary, load_model, summarize
from summarizer.errors import EmptyTextError, InputError, SummarizerError, UnsupportedLanguageError
from summarizer.models.base import Generated
from summarizer.text.splitting import split_sentences
from tests.articles import COUNCIL_FLOODS as ARTICLE
from tests.recording import spy

LONG_EN = (
    "The city council of Riverton approved a budget of 4.7 million dollars on Monday to rebuild the old bridge. "
    "Mayor Anna Keller said work would start in March and the bridge would reopen to traffic in 2027. "
    "The bridge, built in 1889, was closed last year after engineers found deep cracks in two of its arches. "
    "Local shop owners say the closure has cut their sales by a third since the spring. "
    "The council also voted to add a protected cycle lane and wider pavements on both sides. "
    "Opposition councillors criticised the cost, but the plan passed by 31 votes to 12."
)
FRENCH = ("Le conseil municipal a approuvé lundi un budget de 4 700 euros pour la ville. "
          "La maire Anna Keller a déclaré que le nouveau pont ouvrirait en 2027.")


def _long_article(words: int = 4000) -> str:
    sentences = [f"Paragraph {i} reports that the council met again and discussed item number {i} at length."
                 for i in range(words // 14)]
    return "\n".join(" ".join(sentences[i:i + 5]) for i in range(0, len(sentences), 5))


def test_routes_each_language_to_the_right_model(tiny_summarizer, tiny):
    result = tiny_summarizer.summarize(ARTICLE, ["en", "fr", "pl", "ja"])
    assert isinstance(result, Summary)
    assert result.source_language == "en" and list(result.summaries) == ["en", "fr", "pl", "ja"]
    assert result.models == {
        "en": [tiny["bart"]],
        "fr": [tiny["bart"], tiny["en-fr"]],
        "pl": [tiny["bart"], tiny["en-sla"]],
        "ja": [tiny["bart"], tiny["m2m100"]],
    }
    assert all(isinstance(text, str) and text for text in result.summaries.values())
    assert result.chunks == 1
    json.dumps(result.to_dict())  # JSON-serialisable


def test_non_english_article_is_pivoted_through_english_and_translated_back(tiny_summarizer, tiny, monkeypatch):
    pivot_calls = spy(monkeypatch, load_model(tiny["mul-en"], device="cpu"))
    result = tiny_summarizer.summarize(FRENCH, ["fr", "en"])
    assert result.source_language == "fr"
    assert result.models["en"] == [tiny["mul-en"], tiny["bart"]]
    assert result.models["fr"] == [tiny["mul-en"], tiny["bart"], tiny["en-fr"]]
    assert pivot_calls[0][0] == split_sentences(FRENCH)  # the article went in sentence by sentence


def test_source_language_override_skips_detection(tiny_summarizer):
    result = tiny_summarizer.summarize(ARTICLE, ["en"], source_language="fr")
    assert result.source_language == "fr" and result.language_confidence is None
    assert len(result.models["en"]) == 2  # pivoted, because we said French


def test_a_long_article_is_chunked_whole_and_reduced(tiny_summarizer, tiny, monkeypatch):
    article = _long_article()
    assert len(article.split()) >= 3900
    calls = spy(monkeypatch, load_model(tiny["bart"], device="cpu"))
    result = tiny_summarizer.summarize(article, ["en", "fr"])
    assert result.chunks > 1
    first_round = calls[0][0]
    assert len(first_round) == result.chunks
    # every sentence of the article went to the summariser, in order, none cut
    assert " ".join(first_round).split() == article.split()
    assert len(calls) >= 2  # the chunk summaries were summarised again
    assert any("chunks" in w for w in result.warnings)
    assert result.summaries["fr"]


def test_translation_keeps_every_sentence(tiny_summarizer, tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    summary = "The council approved the budget. The mayor spoke! Will the bridge open in 2027?"
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(summary, True, False) for _ in texts])
    calls = spy(monkeypatch, load_model(tiny["en-fr"], device="cpu"))
    result = tiny_summarizer.summarize(ARTICLE, ["en", "fr"])
    assert calls[0][0] == split_sentences(summary)  # one translator input per sentence
    assert result.sentences == {"en": 3, "fr": 3}


def test_batch_summarises_all_articles_in_one_call_and_translates_once_per_model(tiny_summarizer, tiny, monkeypatch):
    bart_calls = spy(monkeypatch, load_model(tiny["bart"], device="cpu"))
    fr_calls = spy(monkeypatch, load_model(tiny["en-fr"], device="cpu"))
    articles = [ARTICLE, ARTICLE.replace("Monday", "Tuesday"), ARTICLE.replace("rain", "snow")]
    results = tiny_summarizer.summarize_batch(articles, ["en", "fr"])
    assert len(results) == 3 and len(bart_calls) == 1 and len(bart_calls[0][0]) == 3
    assert len(fr_calls) == 1
    # identical summary sentences are translated once
    assert len(fr_calls[0][0]) == len(set(fr_calls[0][0]))


def test_batch_with_on_error_return_keeps_going(tiny_summarizer):
    results = tiny_summarizer.summarize_batch([ARTICLE, "   ", ARTICLE], ["en"], on_error="return")
    assert isinstance(results[0], Summary) and isinstance(results[2], Summary)
    assert isinstance(results[1], EmptyTextError)


def test_results_are_deterministic(tiny_summarizer):
    first = tiny_summarizer.summarize(ARTICLE, ["en", "fr", "ja"])
    second = tiny_summarizer.summarize(ARTICLE, ["en", "fr", "ja"])
    assert first.summaries == second.summaries


def test_multilingual_summariser_writes_in_the_source_language_without_pivot(tiny):
    summarizer = Summarizer("multilingual", language_check="warn", summarizer_model=tiny["mt5"], device="cpu",
                            translators={"en": tiny["mul-en"], "de": tiny["m2m100"]})
    result = summarizer.summarize(FRENCH, ["fr", "de", "en"])
    assert result.models == {"fr": [tiny["mt5"]], "de": [tiny["mt5"], tiny["m2m100"]],
                             "en": [tiny["mt5"], tiny["mul-en"]]}


@pytest.mark.parametrize(("text", "error", "message"), [
    ("", EmptyTextError, "empty"),
    ("   \n\t  ", EmptyTextError, "empty"),
    ("\x00\u200b\u200b", EmptyTextError, "empty"),
    (None, InputError, "not text"),
    ("x" * 600_000, InputError, "limit is 500,000"),
])
def test_bad_text_is_a_clear_error(tiny_summarizer, text, error, message):
    with pytest.raises(error, match=message):
        tiny_summarizer.summarize(text, ["en"])


@pytest.mark.parametrize(("languages", "message"), [
    (["xx"], "'xx' is not a known language. Supported: "),
    (["en", "tlh"], "'tlh' is not a known language"),
    (["fr!"], "is not a language code"),
    ([], "No target language"),
    (["en"] * 21, "limit is 20"),
])
def test_bad_languages_are_refused_before_any_model_work(languages, message):
    summarizer = Summarizer(summarizer_model="/nonexistent/model", device="cpu")
    with pytest.raises(SummarizerError, match=message):
        summarizer.summarize(ARTICLE, languages, include_source=False)


def test_unknown_language_error_lists_supported_codes():
    with pytest.raises(UnsupportedLanguageError) as info:
        Summarizer(device="cpu").summarize(ARTICLE, ["xx"])
    for code in ("en", "fr", "de", "ja", "ko", "hi", "zh"):
        assert code in str(info.value)


def test_bad_length_is_an_input_error(tiny_summarizer):
    with pytest.raises(InputError, match="length: Input should be 'short'"):
        tiny_summarizer.summarize(ARTICLE, ["en"], length="huge")


def test_length_presets_change_the_generation_limit(tiny_summarizer, tiny, monkeypatch):
    calls = spy(monkeypatch, load_model(tiny["bart"], device="cpu"))
    tiny_summarizer.summarize(ARTICLE, ["en"], length="short")
    tiny_summarizer.summarize(ARTICLE, ["en"], length="long")
    short, long = (c[1]["settings"].max_new_tokens for c in calls)
    assert short < long


def test_unfinished_summary_is_cut_at_the_last_sentence_with_a_warning(tiny_summarizer, tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [
        Generated("The council approved the budget. The mayor said that", False, False) for _ in texts])
    result = tiny_summarizer.summarize(ARTICLE, ["en"])
    assert result.summaries["en"] == "The council approved the budget."
    assert any("unfinished last sentence was removed" in w for w in result.warnings)


def test_missing_models_fail_with_the_download_command():
    with pytest.raises(SummarizerError, match="summarize download --model distilbart-cnn-12-6"):
        summarize(ARTICLE, ["en"], device="cpu")


def test_an_empty_summary_is_reported_not_silent(tiny_summarizer, tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated("", True, False) for _ in texts])
    result = tiny_summarizer.summarize(ARTICLE, ["en"])
    assert result.summaries["en"] == "" and "the summariser produced an empty summary" in result.warnings


DEFAULT_TARGETS = ["en", "fr", "de", "es", "it", "pt", "ru", "uk", "zh", "ja", "ko", "ar", "tr", "pl", "nl", "hi"]


def test_default_preset_routes_every_required_target_without_loading_anything():
    plan = Summarizer("default", device="cpu").plan(DEFAULT_TARGETS, "en").chains
    assert list(plan) == DEFAULT_TARGETS
    assert plan["en"] == ["distilbart-cnn-12-6"]
    last = {lang: chain[-1] for lang, chain in plan.items()}
    assert last["pt"] == "opus-mt-en-ROMANCE" and last["pl"] == "opus-mt-en-sla" and last["zh"] == "opus-mt-en-zh"
    assert last["ja"] == last["ko"] == last["hi"] == "m2m100_418M"
    assert last["ar"] == "opus-mt-tc-big-en-ar" and last["uk"] == "opus-mt-en-uk"
    german = Summarizer("default", device="cpu").plan(["de", "en", "ja"], "de").chains
    assert german == {"de": ["opus-mt-de-en", "distilbart-cnn-12-6", "opus-mt-en-de"],
                      "en": ["opus-mt-de-en", "distilbart-cnn-12-6"],
                      "ja": ["opus-mt-de-en", "distilbart-cnn-12-6", "m2m100_418M"]}
    assert Summarizer("fast").plan(["sv"], "sv").chains["sv"][0] == "opus-mt-mul-en"


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_a_translator_failing_while_generating_fails_its_language_naming_it(tiny, monkeypatch, engine):
    summarizer = Summarizer(language_check="warn", summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"]},
                            device="cpu", engine=engine)
    model = load_model(tiny["en-fr"], device="cpu", engine=engine)

    def fail(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(model.model if engine == "torch" else model.engine, "generate" if engine == "torch"
                        else "translator", fail if engine == "torch" else SimpleNamespace(translate_batch=fail))
    result = summarizer.summarize(ARTICLE, ["en", "fr"])  # the translator fails: only its language does
    assert list(result.summaries) == ["en"]
    assert result.errors["fr"].endswith("en-fr' failed while generating: CUDA out of memory")


def test_a_model_raising_mid_batch_fails_only_the_articles_it_fails_on(tiny, monkeypatch):
    from summarizer.errors import ModelError

    summarizer = Summarizer(language_check="warn", summarizer_model=tiny["bart"], device="cpu",
                            translators={"fr": tiny["en-fr"], "en": tiny["mul-en"]})
    model = load_model(tiny["bart"], device="cpu")
    original = model.generate

    def generate(texts, **kwargs):  # a model that crashes on one article, wherever it sits in a batch
        if any("POISON" in text for text in texts):
            raise ModelError(f"Model {model.name!r} failed while generating: device-side assert")
        return original(texts, **kwargs)

    monkeypatch.setattr(model, "generate", generate)
    texts = [ARTICLE, ARTICLE.replace("Monday", "Monday POISON"), FRENCH.replace("lundi", "mardi"), ARTICLE[:90]]
    results = summarizer.summarize_batch(texts, ["fr"], include_source=True, on_error="return")
    assert [type(r).__name__ for r in results] == ["Summary", "ModelError", "Summary", "Summary"]
    assert "device-side assert" in str(results[1]) and all(r.summaries["fr"] for r in results if r is not results[1])
    with pytest.raises(ModelError, match="device-side assert"):
        summarizer.summarize_batch(texts, ["fr"], on_error="raise")


def test_an_over_long_sentence_is_split_for_the_translator_and_only_its_article_is_flagged(tiny_summarizer):
    long_sentence = "Le conseil municipal a approuvé " + ", ".join(f"le projet numéro {i}" for i in range(40)) + "."
    short_article = FRENCH
    results = tiny_summarizer.summarize_batch([long_sentence, short_article], ["en"], source_language="fr")
    flagged, clean = results
    assert any("was split into" in w and "mul-en" in w for w in flagged.warnings)
    assert not any("was split into" in w for w in clean.warnings)


def test_include_source_adds_each_articles_own_language_first(tiny_summarizer):
    english, french = tiny_summarizer.summarize_batch([ARTICLE, FRENCH], ["ja"], include_source=True)
    assert list(english.summaries) == ["en", "ja"] and list(french.summaries) == ["fr", "ja"]
    only_source = tiny_summarizer.summarize(FRENCH, [], include_source=True)
    assert list(only_source.summaries) == ["fr"]


def test_a_warning_about_one_language_is_kept_with_that_language(tiny_summarizer, tiny, monkeypatch):
    french = load_model(tiny["en-fr"], device="cpu")
    monkeypatch.setattr(french, "generate", lambda texts, **kw: [Generated("", True, False) for _ in texts])
    result = tiny_summarizer.summarize(ARTICLE, ["en", "fr", "ja"])
    assert f"{tiny['en-fr']} produced an empty translation" in result.language_warnings["fr"]
    assert not any("empty translation" in w for w in result.language_warnings.get("ja", []))
    assert not any("empty translation" in w for w in result.warnings)  # once, with its language only


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_exact_output_lengths_for_benchmarks(tiny, engine, monkeypatch):
    from summarizer import SummarizeOptions

    options = SummarizeOptions(summary_tokens=7, translation_tokens=5)
    summarizer = Summarizer(language_check="warn", summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"]},
                            device="cpu", engine=engine, options=options)
    bart_calls = spy(monkeypatch, load_model(tiny["bart"], device="cpu", engine=engine))
    fr_calls = spy(monkeypatch, load_model(tiny["en-fr"], device="cpu", engine=engine))
    summarizer.summarize(ARTICLE, ["en", "fr"])
    assert bart_calls[0][1]["settings"].max_new_tokens == bart_calls[0][1]["settings"].min_new_tokens == 7
    assert fr_calls[0][1]["settings"].max_new_tokens == fr_calls[0][1]["settings"].min_new_tokens == 5
    assert fr_calls[0][1]["length_ratio"] is None


def test_extractive_preset_needs_no_model_and_reports_missing_translators():
    result = Summarizer("extractive", device="cpu").summarize(LONG_EN, ["en", "fr"])
    assert result.models == {"en": ["extractive"]} and result.engines == {"extractive": "extractive (no model)"}
    assert result.faithful == {"en": True}
    assert all(sentence in LONG_EN for sentence in split_sentences(result.summaries["en"]))
    assert "summarize download --model opus-mt-en-fr" in result.errors["fr"]
    assert result.language_warnings["fr"][0].startswith("error: ") and not result.warnings


def test_extractive_summaries_stay_in_the_article_language():
    french = FRENCH + " " + FRENCH.replace("lundi", "mardi").replace("4 700", "5 100")
    result = Summarizer("extractive", device="cpu").summarize(french, ["fr"])
    assert result.source_language == "fr" and result.models["fr"] == ["extractive"]


def test_unfaithful_summary_is_flagged_with_the_span(tiny_summarizer, tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [
        Generated("The council approved a budget of 9,999 dollars.", True, False) for _ in texts])
    french = load_model(tiny["en-fr"], device="cpu")
    monkeypatch.setattr(french, "generate", lambda texts, **kw: [
        Generated("Le conseil a approuvé un budget de 9 999 dollars.", True, False) for _ in texts])
    result = tiny_summarizer.summarize(ARTICLE, ["en", "fr"])
    # the French translates the English faithfully (no warning of its own about 9 999 against the English), but
    # what it says is what the English says, which the article does not support
    assert result.faithful == {"en": False, "fr": False}
    assert "unfaithful: number '9,999' does not appear in the article" in result.language_warnings["en"]
    assert not any("does not appear" in w or "translates" in w for w in result.language_warnings["fr"])
    assert any(w.startswith("unfaithful: 1 sentence(s) with support below 0.65")
               for w in result.language_warnings["fr"])


def test_a_summary_the_article_hardly_supports_is_not_faithful_and_a_supported_one_is(tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    invented = "The council approved a budget of 4,700 dollars on Monday. Volcanic ash grounded every zeppelin."
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(invented, True, False) for _ in texts])
    result = summarize(ARTICLE, ["en"], language_check="warn", summarizer_model=tiny["bart"], device="cpu")
    assert result.faithful == {"en": False}
    assert any(w.startswith("unfaithful: 1 sentence(s) with support below 0.65, the lowest sentence 2")
               for w in result.language_warnings["en"])
    copied = "The city council approved a budget of 4,700 dollars on Monday."
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(copied, True, False) for _ in texts])
    assert summarize(ARTICLE, ["en"], language_check="warn", summarizer_model=tiny["bart"], device="cpu",
                     ).faithful == {"en": True}
    # without the evidence step there is no support score to act on: only the numbers-and-names check
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(invented, True, False) for _ in texts])
    assert Summarizer(language_check="warn", summarizer_model=tiny["bart"], device="cpu", evidence=False,
                      ).summarize(ARTICLE, ["en"]).faithful == {"en": True}


@pytest.mark.parametrize(("second", "expected", "note"), [
    ("The council approved a budget of 4,700 dollars.", "The council approved a budget of 4,700 dollars.",
     "regenerated with wider beam search"),
    ("The council approved 8,888 dollars.", "The city council approved a budget of 4,700 dollars on Monday.",
     "replaced by the article's 1 most central sentences"),
])
def test_strict_regenerates_then_falls_back_to_extractive(tiny, monkeypatch, second, expected, note):
    from summarizer import SummarizeOptions

    summarizer = Summarizer(language_check="warn",
                            summarizer_model=tiny["bart"], device="cpu", options=SummarizeOptions(strict=True))
    bart = load_model(tiny["bart"], device="cpu")
    outputs = iter(["The council approved a budget of 9,999 dollars.", second])
    calls = []

    def fake(texts, **kwargs):
        calls.append(kwargs["settings"])
        return [Generated(next(outputs), True, False) for _ in texts]

    monkeypatch.setattr(bart, "generate", fake)
    result = summarizer.summarize(ARTICLE, ["en"])
    assert result.summaries["en"] == expected and result.faithful == {"en": True}
    assert any(note in w for w in result.language_warnings["en"])
    assert calls[1].num_beams == 2 * calls[0].num_beams


def test_the_summarize_function_can_be_told_strict(tiny, monkeypatch):
    bart = load_model(tiny["bart"], device="cpu")
    outputs = iter(["The council approved a budget of 9,999 dollars.", "The council approved 4,700 dollars."])
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(next(outputs), True, False) for _ in texts])
    result = summarize(ARTICLE, ["en"], language_check="warn", summarizer_model=tiny["bart"], device="cpu", strict=True)
    # regenerated (the number is right), then held to the article: the reworded sentence scores below 0.9
    assert result.summaries["en"] == "The city council approved a budget of 4,700 dollars on Monday."
    assert result.faithful == {"en": True}
    assert any("regenerated with wider beam search" in w for w in result.language_warnings["en"])
    assert any("strict: no summary sentence had support of 0.9 or more" in w
               for w in result.language_warnings["en"])


def _strict_with(tiny, monkeypatch, summary: str, article: str = ARTICLE, **changes):
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(summary, True, False) for _ in texts])
    return summarize(article, ["en"], language_check="warn", summarizer_model=tiny["bart"], device="cpu", **changes)


def test_strict_puts_a_copied_sentence_that_refers_back_after_the_sentence_it_refers_to(tiny, monkeypatch):
    article = ("The city council approved a budget of 4,700 dollars on Monday. "
               "Mayor Anna Keller said the new bridge over the river would open in 2027. "
               "She added that the old bridge would become a park for the whole town. "
               "Heavy rain flooded the streets of the old town for three days last week.")
    copied = "She added that the old bridge would become a park for the whole town."
    result = _strict_with(tiny, monkeypatch, copied, article, strict=True)
    assert result.summaries["en"] == ("Mayor Anna Keller said the new bridge over the river would open in 2027. "
                                      + copied)  # "She" is someone again
    assert any("1 article sentence(s) put before the summary sentences that refer back to them" in w
               for w in result.language_warnings["en"])
    named = "Mayor Anna Keller said the new bridge over the river would open in 2027."
    assert _strict_with(tiny, monkeypatch, named, article, strict=True).summaries["en"] == named
    assert _strict_with(tiny, monkeypatch, copied, article).summaries["en"] == copied  # not strict: as written


def test_strict_replaces_each_unsupported_sentence_by_the_article_sentence_behind_it(tiny, monkeypatch):
    summary = ("The city council approved a budget of 4,700 dollars on Monday. "
               "Mayor Keller promised that the bridge would be finished quickly. "
               "Volcanic ash grounded every zeppelin across Patagonia.")
    result = _strict_with(tiny, monkeypatch, summary, strict=True)
    assert result.summaries["en"] == ("The city council approved a budget of 4,700 dollars on Monday. "
                                      "Mayor Anna Keller said the new bridge over the river would open in 2027.")
    assert any("2 of 3 summary sentences had support below 0.9" in w for w in result.language_warnings["en"])
    assert all(s.score >= 0.9 for s in result.evidence["en"].sentences)
    # without strict the summary is left as written and only shown with its evidence
    plain = _strict_with(tiny, monkeypatch, summary)
    assert plain.summaries["en"] == summary
    assert [s.score < 0.9 for s in plain.evidence["en"].sentences] == [False, True, True]


def test_strict_leaves_a_supported_summary_as_it_is(tiny, monkeypatch):
    summary = "The city council approved a budget of 4,700 dollars on Monday. The new bridge would open in 2027."
    result = _strict_with(tiny, monkeypatch, summary, strict=True)
    assert result.summaries["en"] == summary
    assert not any("support below" in w for w in result.language_warnings.get("en", []))


def test_strict_holds_a_translated_summary_in_the_articles_language_to_the_article(tiny, tiny_summarizer,
                                                                                   monkeypatch):
    # a French article read through an English pivot: its French summary is a translation of the English one
    french = load_model(tiny["en-fr"], device="cpu")
    invented = "Le maire a démissionné en colère."
    monkeypatch.setattr(french, "generate", lambda texts, **kw: [
        Generated(split_sentences(FRENCH)[0] if i == 0 else invented, True, False) for i, _ in enumerate(texts)])
    pivot = load_model(tiny["mul-en"], device="cpu")
    english = ["The council approved a budget.", "The mayor resigned."]
    monkeypatch.setattr(pivot, "generate", lambda texts, **kw: [
        Generated(english[i % 2], True, False) for i, _ in enumerate(texts)])
    bart = load_model(tiny["bart"], device="cpu")
    summary = "The council approved a budget. Zeppelins flew over the harbour."
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(summary, True, False) for _ in texts])
    plain = tiny_summarizer.summarize(FRENCH, ["fr"])
    assert plain.summaries["fr"].endswith(invented)
    result = tiny_summarizer.summarize(FRENCH, ["fr", "en"], strict=True)
    assert result.summaries["fr"] == FRENCH  # the invented sentence replaced by the mayor's, its best source
    # the English summary was read from a machine translation of the article: it is not held to that
    assert result.summaries["en"] == summary
    assert any("1 of 2 summary sentences had support below 0.9" in w and "then held to the article" in w
               for w in result.language_warnings["fr"])
    assert result.evidence["fr"].method == "words" and result.evidence["fr"].score >= 0.9


def test_strict_with_nothing_supported_falls_back_to_the_most_central_sentences(tiny, monkeypatch):
    invented = "Volcanic ash grounded every zeppelin across Patagonia. A comet was named after the harbour."
    result = _strict_with(tiny, monkeypatch, invented, strict=True)
    held = split_sentences(result.summaries["en"])
    assert len(held) == 2 and all(sentence in split_sentences(ARTICLE) for sentence in held)
    assert any("no summary sentence had support of 0.9 or more: the summary was replaced by the article's most "
               "central sentences" in w for w in result.language_warnings["en"])


def test_without_models_the_fallback_is_extractive_and_loud():
    summarizer = Summarizer(device="cpu", extractive_fallback=True)
    result = summarizer.summarize(LONG_EN, ["en"])
    assert result.warnings[0].startswith("ABSTRACTIVE SUMMARISER UNAVAILABLE")
    assert result.models["en"] == ["extractive"]
    pinned = Summarizer(summarizer_model="distilbart-cnn-12-6", device="cpu", extractive_fallback=True)
    with pytest.raises(SummarizerError, match="summarize download --model distilbart-cnn-12-6"):
        pinned.summarize(LONG_EN, ["en"])


def test_the_route_plan_shows_is_the_route_that_runs(tiny_summarizer, monkeypatch):
    from summarizer.pipeline.routing import Router

    ran = []
    plan = Router.plan

    def recorded(self, *args, **kwargs):
        ran.append(plan(self, *args, **kwargs))
        return ran[-1]

    monkeypatch.setattr(Router, "plan", recorded)
    result = tiny_summarizer.summarize(ARTICLE, ["fr", "ja"], source_language="en")
    (route,) = ran  # one route per article
    assert route == tiny_summarizer.plan(["en", "fr", "ja"], "en")  # the one plan shows
    assert result.models == route.chains  # and every summary was made by the models it names
