"""Decoder-only instruction models as summarisers: loading (folder, GGUF), prompting, cleaning, routing, both
engines, chunking and direct summaries in another language, on tiny random-weight models built here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import safetensors.torch
import torch

from summarizer import ModelCache, Summarizer, load_model
from summarizer.errors import ModelLoadError
from summarizer.models import gguf as gguf_import
from summarizer.models.base import Generated
from summarizer.models.engines.base import Decoding
from summarizer.models.instruct import InstructModel
from summarizer.models.prompts import clean_summary, summary_instruction
from summarizer.models.registry import MODELS, ModelSpec
from summarizer.models.store import models_dir
from summarizer.pipeline.routing import Router
from summarizer.text.splitting import split_sentences
from tests.articles import COUNCIL_FOR_INSTRUCT as ARTICLE


# ----------------------------------------------------------------------------------------- the prompt, the answer
def test_the_instruction_names_the_length_the_language_and_carries_the_article():
    prompt = summary_instruction("Le conseil a voté.", "fr", 3)
    assert "at most 3 sentences" in prompt and "in French" in prompt and prompt.endswith("Le conseil a voté.")
    assert "one sentence" in summary_instruction("x", "en", 1)


@pytest.mark.parametrize(("raw", "clean"), [
    ("Here is a summary of the article:\n\nThe council approved the budget.", "The council approved the budget."),
    ("Sure! Here's the summary: The council approved the budget.", "The council approved the budget."),
    ("Summary: The council approved the budget.", "The council approved the budget."),
    ("Voici un résumé de l'article : Le conseil a voté le budget.", "Le conseil a voté le budget."),
    ("## Summary\n**The council** approved the *new* budget.", "The council approved the new budget."),
    ("- The council approved the budget\n- The bridge opens in 2027.",
     "The council approved the budget. The bridge opens in 2027."),
    ("1. The council met.\n2. It approved the budget.", "The council met. It approved the budget."),
    ("The council approved the budget.\n\nNote: this summary leaves out the vote count.",
     "The council approved the budget."),
    ("The council approved the budget. I hope this helps!", "The council approved the budget."),
    ('"The council approved the budget."', "The council approved the budget."),
])
def test_preambles_markdown_and_remarks_are_removed(raw, clean):
    assert clean_summary(raw)[0] == clean


@pytest.mark.parametrize("text", [
    "Here, the council approved the budget: 4,700 dollars.",  # "Here" starts a real sentence
    "The summary of the council's debate was published on Monday.",
    "Sales fell by a third: shop owners blame the closure.",
])
def test_real_sentences_are_never_taken_for_preambles_or_remarks(text):
    assert clean_summary(text)[0] == text


def test_the_summary_keeps_its_sentence_budget_and_an_unfinished_last_line_stays_unfinished():
    text, over = clean_summary("One. Two. Three. Four.", 2)
    assert (text, over) == ("One. Two.", True)
    text, over = clean_summary("The council met.\nIt approved the budget of", 3)
    assert text == "The council met. It approved the budget of" and not over


# ----------------------------------------------------------------------------------------- loading and engines
@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_a_chat_model_folder_loads_as_an_instruction_model_and_summarises(tiny_llm, engine):
    model = load_model(tiny_llm["chat"], device="cpu", engine=engine, cache=ModelCache())
    assert isinstance(model, InstructModel) and model.family == "instruct" and model.chat
    assert model.engine_name.startswith(engine)
    first = model.summarize([ARTICLE], ["en"], settings=Decoding(max_new_tokens=12, sentences=3))
    second = model.summarize([ARTICLE], ["en"], settings=Decoding(max_new_tokens=12, sentences=3))
    assert first == second and isinstance(first[0], Generated)  # deterministic: the config's sampling is off


def test_the_prompt_goes_through_the_chat_template_and_a_base_model_gets_plain_text(tiny_llm):
    chat = load_model(tiny_llm["chat"], device="cpu", engine="torch", cache=ModelCache())
    text = chat.tokenizer.decode(chat.prompt(ARTICLE, "fr", 2))
    assert text.startswith("<|im_start|>user\n") and text.endswith("<|im_start|>assistant\n") and "French" in text
    base = load_model(tiny_llm["base"], device="cpu", engine="torch", cache=ModelCache())
    assert not base.chat
    assert base.tokenizer.decode(base.prompt(ARTICLE, "en", 2)).rstrip().endswith("in English:")


def test_both_engines_generate_the_same_tokens(tiny_llm):
    prompts = [[5, 6, 7, 8, 9], [10, 11, 12]]  # two lengths in one batch: left padding must not change a token
    settings = Decoding(max_new_tokens=8, min_new_tokens=8, num_beams=1)
    torch_runs = load_model(tiny_llm["chat"], device="cpu", engine="torch", cache=ModelCache()).engine.run(
        prompts, settings)
    ct2 = load_model(tiny_llm["chat"], device="cpu", engine="ctranslate2", precision="float32", cache=ModelCache())
    assert [run.ids for run in ct2.engine.run(prompts, settings)] == [run.ids for run in torch_runs]
    assert [len(run.ids) for run in torch_runs] == [8, 8]


def test_a_decoder_only_model_translates_through_its_chat_template(tiny_llm, tiny):
    summarizer = Summarizer("default", language_check="warn", summarizer_model=tiny["bart"], device="cpu",
                            translators={"fr": tiny_llm["chat"]})
    result = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert set(result.summaries) == {"en", "fr"} and not result.errors
    assert result.models["fr"] == [tiny["bart"], tiny_llm["chat"]]
    assert result.made["fr"]["method"] == "translated" and result.made["fr"]["from"] == "en"


# ----------------------------------------------------------------------------------------- GGUF
def test_a_gguf_file_is_imported_once_with_its_hash_and_gives_back_the_same_weights(tiny_llm):
    from transformers import AutoModelForCausalLM

    path = Path(tiny_llm["gguf"])
    model = load_model(str(path), device="cpu", engine="torch", cache=ModelCache())
    digest = gguf_import.identify(path)[0]
    assert model.model_id == f"gguf/tiny-chat--{digest[:12]}" and isinstance(model, InstructModel) and model.chat
    entry = json.loads((models_dir() / "manifest.json").read_text())["models"][model.model_id]
    assert entry["gguf"]["sha256"] == digest and entry["gguf"]["architecture"] == "llama"
    assert entry["gguf"]["path"] == str(path.resolve()) and "model.safetensors" in entry["files"]
    original = AutoModelForCausalLM.from_pretrained(tiny_llm["chat"], dtype=torch.float32).state_dict()
    stored = safetensors.torch.load_file(models_dir() / model.model_id / "model.safetensors")
    assert {str(t.dtype) for t in stored.values()} == {"torch.float32"}
    assert set(original) - set(stored) <= {"lm_head.weight"}  # tied to the embeddings, stored once
    assert all(torch.equal(original[name], stored[name]) for name in stored)  # the import: exact round trip
    # loaded in float32, the model holds those weights exactly; with precision "auto" the torch engine may
    # take bfloat16 on a CPU that computes it natively (avx512_bf16, amx_bf16): a choice of loading, not import
    exact = load_model(str(path), device="cpu", engine="torch", precision="float32", cache=ModelCache())
    assert all(torch.equal(original[name], exact.model.state_dict()[name]) for name in original)
    stamp = entry["imported"]
    load_model(str(path), device="cpu", engine="ctranslate2", cache=ModelCache())  # another engine: no re-import
    assert json.loads((models_dir() / "manifest.json").read_text())["models"][model.model_id]["imported"] == stamp


def test_a_changed_import_in_the_store_is_refused(tiny_llm):
    load_model(tiny_llm["gguf"], device="cpu", engine="torch", cache=ModelCache())
    imported = gguf_import.import_gguf(tiny_llm["gguf"], models_dir())
    with (imported.folder / "config.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(ModelLoadError, match="does not match the sha256"):
        load_model(tiny_llm["gguf"], device="cpu", engine="torch", cache=ModelCache())


def _leftovers() -> list[str]:
    root = models_dir() / "gguf"
    return [p.name for p in root.iterdir() if ".tmp" in p.name] if root.is_dir() else []


@pytest.mark.parametrize(("damage", "message"), [
    (lambda data: data[: len(data) // 2], "is not inside the file"),
    (lambda data: b"GGUX" + data[4:], "not a GGUF file"),
    (lambda data: data[:4] + (9).to_bytes(4, "little") + data[8:], "GGUF version 9"),
    (lambda data: data[:8] + (10**9).to_bytes(8, "little") + data[16:], "over the limits"),
    (lambda data: b"", "not a GGUF file"),
])
def test_a_damaged_gguf_file_is_one_clear_error_and_leaves_nothing_behind(tiny_llm, tmp_path, damage, message):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(damage(Path(tiny_llm["gguf"]).read_bytes()))
    with pytest.raises(ModelLoadError, match=message):
        load_model(str(bad), device="cpu", engine="torch", cache=ModelCache())
    assert not _leftovers()


def test_an_architecture_not_run_here_is_refused_naming_those_that_are(tiny_llm, tmp_path):
    from tests import factory

    odd = factory.write_gguf(Path(tiny_llm["chat"]), tmp_path / "odd.gguf", architecture="mamba")
    with pytest.raises(ModelLoadError, match="'mamba' model; the architectures imported here are llama, qwen2"):
        load_model(str(odd), device="cpu", engine="torch", cache=ModelCache())
    assert not _leftovers()


def test_a_missing_gguf_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelLoadError, match=r"Cannot read the GGUF file .*nope\.gguf.: No such file"):
        Summarizer("default", summarizer_model=str(tmp_path / "nope.gguf"), device="cpu").summarize(ARTICLE)


# ----------------------------------------------------------------------------------------- routing and the pipeline
def _writes_french(monkeypatch, tiny_llm) -> str:
    """Make the tiny GGUF a known file whose registry entry writes French directly."""
    spec = ModelSpec("tiny-writer", "test/tiny-writer", None, "apache-2.0", "summarization", ("*",),
                     {"num_beams": 1}, 256, family="instruct", writes=("en", "fr"))
    monkeypatch.setattr(gguf_import, "identify", lambda path: ("0" * 64, spec))
    return tiny_llm["gguf"]


def test_an_unknown_instruction_model_reads_and_writes_english_only(tiny_llm, tiny):
    router = Router.build("default", tiny_llm["chat"], {"fr": tiny["en-fr"]})
    assert router.plan(["en", "fr"], "en").chains == {"en": [tiny_llm["chat"]], "fr": [tiny_llm["chat"], tiny["en-fr"]]}
    assert router.plan(["en"], "de").chains["en"] == ["opus-mt-de-en", tiny_llm["chat"]]  # pivot: it reads English only


def test_a_registry_instruction_model_writes_its_measured_languages_directly(monkeypatch, tiny_llm, tiny):
    path = _writes_french(monkeypatch, tiny_llm)
    router = Router.build("default", path, {"de": tiny["m2m100"]})
    assert router.direct("en", "fr") and not router.direct("en", "de")
    assert router.plan(["en", "fr", "de"], "en").chains == {"en": [path], "fr": [path], "de": [path, tiny["m2m100"]]}
    assert router.plan(["fr"], "fr").chains == {"fr": [path]}  # a French article: read and summarised in French


def test_the_summariser_writes_direct_languages_in_the_same_batched_call(monkeypatch, tiny_llm, tiny):
    path = _writes_french(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch",
                            translators={"de": tiny["m2m100"]}, language_check="warn")
    model = summarizer.load(path)
    calls = []
    original = model.summarize

    def recording(texts, languages, **kwargs):
        calls.append(list(languages))
        return original(texts, languages, **kwargs)

    monkeypatch.setattr(model, "summarize", recording)
    results = summarizer.summarize_batch([ARTICLE, ARTICLE.replace("Monday", "Friday")], ["en", "fr", "de"])
    assert calls == [["en", "fr", "en", "fr"]]  # both articles, both languages it writes: one call
    for result in results:
        assert result.models["fr"] == [model.model_id] and result.models["de"] == [model.model_id, tiny["m2m100"]]
        assert set(result.summaries) == {"en", "fr", "de"}
    assert summarizer.plan(["en", "fr", "de"]).chains == {"en": [path], "fr": [path], "de": [path, tiny["m2m100"]]}


LONG = " ".join(f"The council met for the {n}th time on Monday and approved a budget of {n} dollars."
                for n in range(1, 160))


def _recorded(summarizer, path, monkeypatch):
    model = summarizer.load(path)
    calls = []
    original = model.summarize

    def recording(texts, languages, **kwargs):
        calls.append(list(texts))
        return original(texts, languages, **kwargs)

    monkeypatch.setattr(model, "summarize", recording)
    return model, calls


def test_a_long_article_is_chunked_by_the_context_window_and_reduced(tiny_llm, monkeypatch):
    article = LONG
    summarizer = Summarizer("default", summarizer_model=tiny_llm["chat"], device="cpu", engine="ctranslate2",
                            long_articles="chunks")
    model, calls = _recorded(summarizer, tiny_llm["chat"], monkeypatch)
    result = summarizer.summarize(article, ["en"])
    assert result.chunks > 1 and len(calls) >= 2
    assert " ".join(calls[0]).split() == article.split()  # every word went to the model, in order, once
    assert all(n <= model.max_input_tokens for n in model.count_tokens(calls[0]))
    assert any("chunks" in warning for warning in result.warnings)


def test_by_default_a_long_article_is_read_by_its_most_central_sentences_in_one_prompt(tiny_llm, monkeypatch):
    summarizer = Summarizer("default", summarizer_model=tiny_llm["chat"], device="cpu", engine="ctranslate2")
    model, calls = _recorded(summarizer, tiny_llm["chat"], monkeypatch)
    result = summarizer.summarize(LONG, ["en"])
    assert result.chunks == 1 and len(calls) == 1 and len(calls[0]) == 1  # one prompt, no summary of summaries
    read = split_sentences(calls[0][0])
    article = split_sentences(LONG)
    assert model.count_tokens(calls[0])[0] <= model.max_input_tokens
    assert 1 < len(read) < len(article) and read[0] == article[0]  # the lead first, then by centrality
    assert [article.index(s) for s in read] == sorted(article.index(s) for s in read)  # in the article's order
    assert any(f"read its {len(read)} most central of {len(article)} sentences" in w for w in result.warnings)
    assert result.evidence["en"].article_sentences == len(article)  # the evidence is still the whole article


def _writing(monkeypatch, tiny_llm, tiny, answers: dict[str, str]):
    """A summariser whose instruction model writes English and French directly, answering `answers`."""
    path = _writes_french(monkeypatch, tiny_llm)
    summarizer = Summarizer("default", summarizer_model=path, device="cpu", engine="torch",
                            translators={"fr": tiny["en-fr"]})
    model = summarizer.load(path)
    monkeypatch.setattr(model, "summarize", lambda texts, languages, **kw: [
        Generated(answers[lang], True, False) for lang in languages])
    return summarizer, model


def test_strict_mode_translates_a_direct_summary_that_fails_twice(monkeypatch, tiny_llm, tiny):
    answers = {"en": "The city council approved a budget of 4,700 dollars on Monday.",
               "fr": "Le conseil a voté 9 999 dollars."}
    summarizer, model = _writing(monkeypatch, tiny_llm, tiny, answers)
    result = summarizer.summarize(ARTICLE, ["en", "fr"], strict=True)
    assert result.summaries["en"] == answers["en"] and result.faithful["en"]
    assert result.models["fr"] == [model.model_id, tiny["en-fr"]]  # translated from the English summary
    assert any("translated from the 'en' summary" in w for w in result.language_warnings["fr"])


def test_strict_mode_translates_direct_summaries_when_it_repairs_the_summary_they_share_a_reading_with(
        monkeypatch, tiny_llm, tiny):
    answers = {"en": "The council said the bridge was never going to be built.",
               "fr": "Le conseil a approuvé un budget de 4 700 dollars lundi."}
    summarizer, model = _writing(monkeypatch, tiny_llm, tiny, answers)
    result = summarizer.summarize(ARTICLE, ["en", "fr"], strict=True)
    assert result.summaries["en"] in split_sentences(ARTICLE)
    assert result.models["fr"] == [model.model_id, tiny["en-fr"]]
    assert any("translated from it instead of written directly" in w for w in result.language_warnings["fr"])
    plain = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert plain.summaries["fr"] == answers["fr"] and plain.models["fr"] == [model.model_id]


def test_strict_mode_keeps_direct_summaries_when_the_held_one_only_gained_context(monkeypatch, tiny_llm, tiny):
    article = ARTICLE + " She added that the old bridge would become a park for the whole town."
    answers = {"en": "She added that the old bridge would become a park for the whole town.",
               "fr": "Elle a ajouté que l'ancien pont deviendrait un parc."}
    summarizer, model = _writing(monkeypatch, tiny_llm, tiny, answers)
    result = summarizer.summarize(article, ["en", "fr"], strict=True)
    assert result.summaries["en"].endswith(answers["en"]) and result.summaries["en"] != answers["en"]
    assert result.summaries["fr"] == answers["fr"] and result.models["fr"] == [model.model_id]


def test_offline_a_missing_preset_summariser_gives_way_to_a_measured_instruction_model_in_the_store(
        tiny_llm, monkeypatch):
    import summarizer.models.store as store

    imported = gguf_import.import_gguf(tiny_llm["gguf"], models_dir())
    real = store.imported_spec
    monkeypatch.setattr(store, "imported_spec", lambda key: MODELS["qwen2.5-0.5b-instruct"]
                        if key == imported.model_id else real(key))
    summarizer = Summarizer("default", device="cpu", engine="torch", extractive_fallback=True)
    result = summarizer.summarize(ARTICLE, ["en"])
    assert result.models["en"] == [imported.model_id]
    assert result.warnings[0].startswith("PRESET SUMMARISER UNAVAILABLE: Could not load model 'distilbart-cnn-12-6'")
    assert summarizer.plan(["en"]).chains == {"en": [imported.model_id]}  # the route that ran is the route it shows
    monkeypatch.setattr(store, "imported_spec", real)  # a GGUF the registry does not rank: not used on its own
    fallback = Summarizer("default", device="cpu", engine="torch", extractive_fallback=True).summarize(ARTICLE)
    assert fallback.models["en"] == ["extractive"] and "EXTRACTIVE" in fallback.warnings[0]


def test_a_converted_gguf_import_keeps_no_float32_weights_and_gets_them_back_when_needed(tiny_llm, monkeypatch):
    ct2 = load_model(tiny_llm["gguf"], device="cpu", engine="ctranslate2", precision="float32", cache=ModelCache())
    folder = models_dir() / ct2.model_id
    entry = json.loads((models_dir() / "manifest.json").read_text())["models"][ct2.model_id]
    assert not list(folder.glob("*.safetensors")) and "removed after conversion" in entry["weights"]
    assert "model.safetensors" not in entry["files"]
    torch_model = load_model(tiny_llm["gguf"], device="cpu", engine="torch", precision="float32", cache=ModelCache())
    assert (folder / "model.safetensors").is_file()  # imported again from the GGUF file, and checked in
    entry = json.loads((models_dir() / "manifest.json").read_text())["models"][ct2.model_id]
    assert "model.safetensors" in entry["files"] and "weights" not in entry
    prompts = [torch_model.prompt(ARTICLE, "en", 1)]
    settings = Decoding(max_new_tokens=6, num_beams=1)
    same = [r.ids for r in torch_model.engine.run(prompts, settings)]
    assert [r.ids for r in ct2.engine.run(prompts, settings)] == same
