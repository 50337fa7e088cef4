from types import SimpleNamespace

import pytest

from summarizer import available_models, load_model
from summarizer.errors import ModelLoadError, UnsupportedLanguageError
from summarizer.models.drivers import infer_driver
from summarizer.models.engines.base import Decoding
from summarizer.models.registry import MODELS, PRESETS


@pytest.mark.parametrize(("name", "kind", "model_type"), [
    ("bart", "plain", "bart"),
    ("en-fr", "plain", "marian"),
    ("en-sla", "target_token", "marian"),
    ("m2m100", "lang_code", "m2m_100"),
    ("mt5", "plain", "mt5"),
])
def test_each_family_loads_from_a_folder_with_the_right_driver(tiny, name, kind, model_type):
    model = load_model(tiny[name], device="cpu")
    assert model.driver.kind == kind
    assert model.config.model_type == model_type
    assert model.model_id == tiny[name]


def test_models_are_loaded_once_and_cached(tiny):
    assert load_model(tiny["en-fr"], device="cpu") is load_model(tiny["en-fr"], device="cpu")


def test_multi_target_marian_gets_the_target_token_as_first_input_token(tiny, monkeypatch):
    model = load_model(tiny["en-sla"], device="cpu", engine="torch")
    seen = []
    original = model.model.generate

    def capture(**kwargs):
        seen.append(kwargs["input_ids"])
        return original(**kwargs)

    monkeypatch.setattr(model.model, "generate", capture)
    model.generate(["The mayor spoke."], target="pl", settings=Decoding(num_beams=1, max_new_tokens=4))
    assert int(seen[0][0, 0]) == model.tokenizer.get_vocab()[">>pol<<"]
    with pytest.raises(UnsupportedLanguageError, match="cannot write 'de'"):
        model.generate(["x"], target="de", settings=Decoding())


def test_m2m100_sets_source_language_and_forces_the_target_token(tiny, monkeypatch):
    model = load_model(tiny["m2m100"], device="cpu", engine="torch")
    seen = []
    original = model.model.generate

    def capture(**kwargs):
        seen.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(model.model, "generate", capture)
    outputs = model.generate(["Le maire a parlé."], source="fr", target="ja",
                             settings=Decoding(num_beams=2, max_new_tokens=5))
    assert seen[0]["forced_bos_token_id"] == model.tokenizer.get_lang_id("ja")
    assert int(seen[0]["input_ids"][0, 0]) == model.tokenizer.get_lang_id("fr")
    assert "__ja__" not in outputs[0].text  # language tokens are stripped from the output


def test_t5_style_prefixes_come_from_the_config():
    class Tok:
        def get_vocab(self):
            return {"<pad>": 0, "▁hello": 1}

    config = SimpleNamespace(task_specific_params={
        "summarization": {"prefix": "summarize: "},
        "translation_en_to_de": {"prefix": "translate English to German: "}})
    driver = infer_driver(Tok(), config)
    assert driver.kind == "prefix" and driver.languages() == {"de"}
    assert driver.prepare(["Hi."], "en", "de", "t5").texts == ["translate English to German: Hi."]
    assert driver.prepare(["Long text."], None, None, "t5").texts == ["summarize: Long text."]


def test_generate_returns_one_output_per_input_in_order_and_is_deterministic(tiny):
    model = load_model(tiny["en-fr"], device="cpu")
    texts = ["A short one.", "A much longer sentence about the council budget and the bridge.", "Mid length text."]
    settings = Decoding(num_beams=2, max_new_tokens=6)
    first = model.generate(texts, settings=settings, batch_size=2)
    second = [model.generate([t], settings=settings)[0] for t in texts]
    assert len(first) == 3
    assert [g.text for g in first] == [g.text for g in second]


def test_missing_registry_model_names_it_and_the_fetch_command():
    with pytest.raises(ModelLoadError) as info:
        load_model("opus-mt-en-fr", device="cpu")
    message = str(info.value)
    assert "'opus-mt-en-fr'" in message and "summarize download --model opus-mt-en-fr" in message
    assert "cannot be reached" in message


def test_unknown_model_name_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="neither a folder, a registry name nor a hub id"):
        load_model("no-such-model", device="cpu")


def test_broken_folder_is_a_load_error(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError, match=r"Check that the folder holds config\.json"):
        load_model(str(tmp_path), device="cpu")


def test_models_folder_is_used_before_the_hub(tiny, tmp_path, monkeypatch):
    import shutil

    store = tmp_path / "store"
    shutil.copytree(tiny["en-fr"], store / "Helsinki-NLP" / "opus-mt-en-fr")
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))
    model = load_model("opus-mt-en-fr", device="cpu")
    assert model.model_id == "Helsinki-NLP/opus-mt-en-fr" and model.spec.name == "opus-mt-en-fr"
    assert model.location.local


def test_registry_has_pinned_or_manifest_revisions_licences_and_presets():
    assert "distilbart-cnn-12-6" in available_models()
    assert MODELS["distilbart-cnn-12-6"].revision
    assert all(spec.license for spec in MODELS.values())
    assert not MODELS["mt5-xlsum"].commercial_use
    assert set(PRESETS) >= {"default", "fast", "multilingual"}
    for preset in PRESETS.values():
        assert {preset.summarizer_model, preset.multilingual, preset.to_english_fallback, *preset.translators.values(),
                *preset.to_english.values()} <= set(MODELS)


def test_cuda_request_without_cuda_is_a_clear_error(tiny):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present")
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        load_model(tiny["en-fr"], device="cuda")



def test_an_output_cut_by_the_length_limit_is_not_reported_finished(tiny):
    model = load_model(tiny["bart"], device="cpu", engine="torch")  # BART forces end-of-sequence at the limit
    out = model.generate(["The council approved the budget on Monday."],
                         settings=Decoding(num_beams=2, max_new_tokens=6))[0]
    assert not out.finished


def test_target_tokens_never_appear_in_the_output(tiny):
    model = load_model(tiny["en-sla"], device="cpu")
    vocab = model.tokenizer.get_vocab()
    assert {vocab[">>ces<<"], vocab[">>pol<<"]} <= model._strip_ids
    texts = [f"Sentence number {i} about the council." for i in range(12)]
    outputs = model.generate(texts, target="pl", settings=Decoding(num_beams=2, max_new_tokens=12))
    assert not any(">>" in out.text for out in outputs)


def test_a_batch_that_runs_out_of_memory_is_run_in_halves(tiny, monkeypatch):
    from summarizer.errors import ModelError

    model = load_model(tiny["en-fr"], device="cpu")
    sizes = []
    real_run = model.engine.run

    def run(batch, settings):
        sizes.append(len(batch))
        if len(batch) > 2:
            raise ModelError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_run(batch, settings)

    monkeypatch.setattr(model.engine, "run", run)
    texts = [f"Sentence number {i} about the council budget." for i in range(8)]
    outputs = model.generate(texts, settings=Decoding(num_beams=1, max_new_tokens=4), batch_size=8)
    assert len(outputs) == 8 and sizes == [8, 4, 2, 2, 4, 2, 2]
    reference = [model.generate([t], settings=Decoding(num_beams=1, max_new_tokens=4))[0].text for t in texts]
    assert [o.text for o in outputs] == reference  # same results, in input order


def test_other_generation_errors_are_not_retried(tiny, monkeypatch):
    from summarizer.errors import ModelError

    model = load_model(tiny["en-fr"], device="cpu")
    calls = []

    def run(batch, settings):
        calls.append(len(batch))
        raise ModelError("index out of range in self")

    monkeypatch.setattr(model.engine, "run", run)
    with pytest.raises(ModelError, match="failed while generating: index out of range"):
        model.generate(["One.", "Two."], settings=Decoding(num_beams=1, max_new_tokens=2))
    assert calls == [2]


def test_models_in_the_store_are_checked_against_the_manifest(tiny, tmp_path, monkeypatch):
    import hashlib
    import json
    import shutil

    from summarizer.models.cache import default_cache

    store = tmp_path / "store"
    folder = store / "Helsinki-NLP" / "opus-mt-en-fr"
    shutil.copytree(tiny["en-fr"], folder)
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}
    (store / "manifest.json").write_text(json.dumps({"models": {"Helsinki-NLP/opus-mt-en-fr": {
        "revision": "abc", "files": files}}}))
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))
    default_cache().clear()
    assert load_model("opus-mt-en-fr", device="cpu").location.local
    (folder / "vocab.json").write_text((folder / "vocab.json").read_text().replace("<unk>", "<UNK>"))
    default_cache().clear()
    with pytest.raises(ModelLoadError, match=r"vocab\.json in .* does not match the sha256 recorded"):
        load_model("opus-mt-en-fr", device="cpu")
    (folder / "source.spm").unlink()
    with pytest.raises(ModelLoadError, match=r"source\.spm is missing"):
        load_model("opus-mt-en-fr", device="cpu")


def test_a_translation_does_not_depend_on_its_batch_mates(tiny):
    """The output length limit follows each text's own length: alone or beside a long text, the same output."""
    model = load_model(tiny["en-fr"], device="cpu")
    short = "The council approved the budget."
    long = " ".join(["Mayor Anna Keller said the new bridge over the river would open in 2027."] * 4)
    settings = Decoding(num_beams=2)
    alone = model.generate([short], settings=settings, length_ratio=2.0)[0].text
    together = model.generate([long, short], settings=settings, length_ratio=2.0)[1].text
    assert alone == together


def test_translation_batches_are_not_cut_where_limits_change_and_each_output_keeps_its_own_limit(tiny, monkeypatch):
    """Texts of different lengths (so different output limits) share one batch that runs to the longest's limit;
    an output that reaches its own lower limit there is generated again with that limit: the results are those
    of each text alone."""
    from summarizer.models.engines.base import Run

    model = load_model(tiny["en-fr"], device="cpu", engine="ctranslate2")
    calls = []

    def run(batch, settings):  # ends after 3 tokens, except a text with "forever", which never ends by itself
        calls.append((len(batch), settings.max_new_tokens))
        runaway = model.tokenizer("forever", add_special_tokens=False)["input_ids"][0]
        return [Run([7] * settings.max_new_tokens, False) if runaway in ids else Run([7, 8, 9], True)
                for ids in batch]

    monkeypatch.setattr(model.engine, "run", run)
    texts = ["Short.", "A somewhat longer sentence about the council and the budget for the bridge.",
             "Forever forever forever.", " ".join(["A much longer sentence about the river and the town."] * 3)]
    together = model.generate(texts, settings=Decoding(num_beams=2), batch_size=8, length_ratio=2.0)
    merged = calls[:]
    calls.clear()
    alone = [model.generate([text], settings=Decoding(num_beams=2), length_ratio=2.0)[0] for text in texts]
    limits = [limit for _, limit in calls]
    assert len(set(limits)) > 1  # the texts have different limits...
    assert merged[0] == (4, max(limits))  # ...and still went in one batch, to the longest's limit
    assert merged[1:] == [(1, limits[2])]  # only the runaway text, whose limit is lower, was run again
    assert [(g.text, g.finished) for g in together] == [(g.text, g.finished) for g in alone]


def test_on_a_cpu_a_batch_holds_at_most_the_cpu_token_budget_unless_told_otherwise(tiny, monkeypatch):
    import summarizer.models.base as models

    model = load_model(tiny["en-fr"], device="cpu")
    sizes = []
    real_run = model.engine.run

    def run(batch, settings):
        sizes.append(len(batch))
        return real_run(batch, settings)

    monkeypatch.setattr(model.engine, "run", run)
    texts = [f"The council met on day {i} to talk about the budget of the old stone bridge." for i in range(6)]
    width = max(len(ids) for ids in model.tokenizer(texts)["input_ids"])
    monkeypatch.setitem(models.BATCH_TOKENS, "cpu", 3 * width)
    settings = Decoding(num_beams=1, max_new_tokens=2)
    model.generate(texts, settings=settings, batch_size=8)
    assert sizes == [3, 3]
    sizes.clear()
    model.generate(texts, settings=settings, batch_size=8, max_batch_tokens=100 * width)
    assert sizes == [6]


def test_what_a_model_name_refers_to_is_decided_in_one_place(tiny, tiny_llm, tmp_path):
    from summarizer.models.reference import refer

    (tmp_path / "pkg.argosmodel").write_bytes(b"not a zip")
    kinds = {name: refer(name).kind for name in (
        "extractive", tiny["bart"], tiny_llm["gguf"], str(tmp_path / "gone.gguf"), str(tmp_path / "pkg.argosmodel"),
        "opus-mt-en-fr", "someone/some-model", "../no/such/folder", "no-such-name")}
    assert list(kinds.values()) == ["extractive", "folder", "gguf", "gguf", "argos", "hub", "hub", "unknown", "unknown"]
    assert [refer(name).here for name in kinds] == [True, True, True, False, True, False, False, False, False]
    assert refer(tiny["bart"]).config()["model_type"] == "bart"
    assert refer("opus-mt-en-fr").spec().name == "opus-mt-en-fr"
    with pytest.raises(ModelLoadError, match="neither a folder, a registry name nor a hub id"):
        refer("no-such-name").location()
