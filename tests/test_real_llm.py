"""The real-LM tier: SmolLM2-135M-Instruct, a trained model (Apache-2.0), fetched from PyPI by the project's own
recipe (tests/real_models.py, hashes checked), imported from its GGUF file and run on both engines. Qwen2.5-Coder-
0.5B summarising French in French is slower: it runs with ``-m slow``.

What is asserted is what a user sees: an English summary within the length budget that names the article's main
actors, a long article chunked and still summarised whole, and the GGUF import's record in the store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import ModelCache, Summarizer, load_model
from summarizer.errors import ModelLoadError
from summarizer.models import gguf as gguf_import
from summarizer.models.engines.base import Decoding
from summarizer.models.store import models_dir
from summarizer.text.detect import detect_language
from summarizer.text.language_check import check_language
from summarizer.text.splitting import split_sentences
from tests import real_models
from tests.articles import LAKEPORT_FERRY as ARTICLE

pytestmark = pytest.mark.real  # the real-model tier (models fetched from PyPI, checked by SHA-256)

ACTORS = ("Lakeport", "Harwick", "Brandt", "ferry")


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory):
    """The GGUF file, and a model store kept for this module (the import and conversions are done once)."""
    return str(real_models.smollm2_gguf())


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return tmp_path_factory.mktemp("real-llm-store")


@pytest.fixture(autouse=True)
def _module_store(store, monkeypatch):
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))


@pytest.mark.parametrize("engine", ["ctranslate2", "torch"])
def test_an_english_article_gets_a_short_summary_that_names_its_actors(smollm2, engine):
    summarizer = Summarizer("default", summarizer_model=smollm2, device="cpu", engine=engine, cache=ModelCache())
    result = summarizer.summarize(ARTICLE, ["en"])
    summary = result.summaries["en"]
    assert detect_language(summary).language == "en"
    assert 1 <= len(split_sentences(summary)) <= 3  # "short" is three sentences at most
    assert sum(actor in summary for actor in ACTORS) >= 2, summary
    assert not summary.lower().startswith(("here is", "here's", "sure", "summary"))  # no preamble left
    assert "**" not in summary and "\n" not in summary  # no Markdown
    assert result.engines[result.models["en"][0]].startswith(engine)
    assert result.models["en"][0].startswith("gguf/SmolLM2-135M-Instruct.Q4_1--b179c9523d0e")


def test_the_gguf_import_is_recorded_and_a_changed_import_is_refused(smollm2, store):
    model = load_model(smollm2, device="cpu", engine="ctranslate2", cache=ModelCache())
    assert model.name == "smollm2-135m-instruct"  # known by its SHA-256: the registry's entry and settings
    entry = json.loads((models_dir() / "manifest.json").read_text())["models"][model.model_id]
    assert entry["gguf"]["sha256"] == real_models.GGUF["smollm2"][1] == gguf_import.identify(smollm2)[0]
    assert entry["gguf"]["architecture"] == "llama" and entry["gguf"]["license"] == "apache-2.0"
    folder = gguf_import.import_gguf(smollm2, models_dir()).folder
    tokenizer = folder / "tokenizer_config.json"
    original = tokenizer.read_bytes()
    tokenizer.write_bytes(original.replace(b"}", b' , "x": 1}', 1) if b"}" in original else original + b" ")
    try:
        with pytest.raises(ModelLoadError, match="does not match the sha256 recorded"):
            load_model(smollm2, device="cpu", engine="torch", cache=ModelCache())
    finally:
        tokenizer.write_bytes(original)


def test_the_command_summarises_with_the_gguf_offline(smollm2, store, tmp_path):
    """The README's offline example, as a user runs it: no hub, an empty home, the GGUF file named."""
    article = tmp_path / "ferry.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / ".cache"),
           "SUMMARIZER_MODELS_DIR": str(store)}
    done = subprocess.run([sys.executable, "-m", "summarizer", str(article), "--summarizer-model", smollm2,
                           "--to", "en", "--device", "cpu"], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("[en] "))
    assert sum(actor in line for actor in ACTORS) >= 2, done.stdout
    assert "gguf/SmolLM2-135M-Instruct.Q4_1--b179c9523d0e" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("way", ["chunks", "central"])
def test_a_long_article_is_read_in_chunks_or_by_its_central_sentences(smollm2, monkeypatch, way):
    summarizer = Summarizer("default", summarizer_model=smollm2, device="cpu", engine="ctranslate2",
                            cache=ModelCache(), long_articles=way)
    model = summarizer.load(smollm2)
    # a prompt of 600 article tokens instead of 2,048: the same chunking and reduction, a third of the reading
    monkeypatch.setattr(type(model), "max_input_tokens", property(lambda self: 600))
    paragraphs = ARTICLE.split("\n")[1:]
    filler = [f"In other business on day {day}, the council discussed the {name} road, the library's opening hours "
              f"and a request from the fishing club to repaint the pier." for day, name in
              enumerate(["north", "south", "harbour", "station", "school", "market"] * 4, 1)]
    article = "\n".join([*paragraphs, *filler])
    assert model.count_tokens([article])[0] > model.max_input_tokens  # it cannot be read in one prompt
    result = summarizer.summarize(article, ["en"])
    if way == "chunks":
        assert result.chunks > 1 and any("summarised in" in w for w in result.warnings)
    else:  # one prompt: the council's news (the article's first paragraphs) rather than the filler
        assert result.chunks == 1 and any("most central" in w for w in result.warnings)
    assert result.summaries["en"] and len(split_sentences(result.summaries["en"])) <= 3


@pytest.mark.slow
def test_qwen_summarises_a_french_article_in_french():
    qwen = str(real_models.qwen_coder_gguf())
    french = ("Le conseil municipal de Lyon a approuvé lundi un budget de 45 millions d'euros pour prolonger la "
              "ligne de tramway T10 jusqu'à Vénissieux. La maire adjointe, Claire Martin, a déclaré que les travaux "
              "commenceraient en 2026. Les commerçants du quartier craignent deux ans de chantier. La nouvelle "
              "ligne transportera 30 000 voyageurs par jour.")
    summarizer = Summarizer("default", summarizer_model=qwen, device="cpu", engine="ctranslate2", cache=ModelCache())
    result = summarizer.summarize(french, ["fr"])
    assert result.models["fr"] == [result.models["fr"][0]]  # read and written in French: no translator
    assert detect_language(result.summaries["fr"]).language == "fr"
    assert "Lyon" in result.summaries["fr"] or "T10" in result.summaries["fr"]


def _unpermute(weight, heads: int):
    """llama.cpp's converter interleaves the halves of q and k for its rotary layout; this undoes it."""
    rows = weight.shape[0]
    return weight.reshape(heads, rows // heads // 2, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def test_the_gguf_import_holds_the_files_own_dequantised_weights_in_float32(smollm2, store):
    """The import against gguf's own reading of the file: every tensor, dequantised by the gguf package (not
    through transformers), equals the stored float32 weight exactly, whatever the installed versions call "auto"."""
    import gguf
    import numpy as np
    import safetensors.numpy

    imported = gguf_import.import_gguf(smollm2, models_dir())
    gguf_import.restore_weights(imported.model_id, imported.folder)  # dropped after a CTranslate2 conversion
    stored = safetensors.numpy.load_file(imported.folder / "model.safetensors")
    assert {str(array.dtype) for array in stored.values()} == {"float32"}
    config = json.loads((imported.folder / "config.json").read_text())
    assert config["dtype"] == "float32"
    tensors = {tensor.name: tensor for tensor in gguf.GGUFReader(smollm2).tensors}
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config["num_hidden_layers"])  # transformers -> GGUF
    heads = {"attn_q": config["num_attention_heads"], "attn_k": config["num_key_value_heads"]}
    compared = 0
    for hf_name, imported_weight in stored.items():
        tensor = tensors[names.get_name(hf_name, try_suffixes=(".weight", ".bias"))]
        shape = tuple(reversed([int(n) for n in tensor.shape]))
        weight = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape).astype(np.float32)
        kind = tensor.name.split(".")[-2]
        if kind in heads:
            weight = _unpermute(weight, heads[kind])
        assert np.array_equal(weight, imported_weight), tensor.name
        compared += 1
    assert compared == len(stored) >= 9 * config["num_hidden_layers"]  # every stored tensor, 9 per layer at least


def test_after_conversion_the_store_keeps_no_float32_copy_of_the_gguf(smollm2, store):
    model = load_model(smollm2, "cpu", "ctranslate2", cache=ModelCache())
    folder = models_dir() / model.model_id
    held = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert not list(folder.glob("*.safetensors")) and held < Path(smollm2).stat().st_size // 4
    torch_model = load_model(smollm2, "cpu", "torch", precision="float32", cache=ModelCache())  # weights again
    assert torch_model.summarize([ARTICLE], ["en"], settings=Decoding(max_new_tokens=8, num_beams=1))[0].text


CHINESE_ARTICLE = ("莱克波特镇议会周二投票决定购买一艘新的电动渡轮，用于往返哈威克岛。"
                   "镇长海伦·布兰特说，这艘渡轮将耗资1200万欧元，并于2028年春季投入使用。旧渡轮去年冬天发生了11次故障，导致岛上约900名居民多日无法前往大陆。"
                   "新渡轮将可搭载250名乘客和40辆汽车。")


@pytest.mark.slow
def test_qwen_writes_six_languages_each_in_the_language_it_is_labelled():
    """From an English article: English summarised, five languages translated by the same model, each checked."""
    qwen = str(real_models.qwen_coder_gguf())
    summarizer = Summarizer("default", summarizer_model=qwen, device="cpu", engine="ctranslate2", cache=ModelCache())
    result = summarizer.summarize(ARTICLE, ["fr", "de", "es", "zh", "ja", "ru"])
    assert set(result.summaries) == {"en", "fr", "de", "es", "zh", "ja", "ru"} and not result.errors
    model = result.models["en"][0]
    for lang, text in result.summaries.items():
        assert check_language(text, lang).ok, (lang, text)
        assert result.made[lang]["language_check"] == "passed"
        if lang != "en":
            assert result.models[lang] == [model, model] and result.made[lang]["method"] == "translated"
            assert len(split_sentences(text)) >= len(split_sentences(result.summaries["en"])) - 1  # sentences kept
    assert sum("Lakeport" in result.summaries[lang] for lang in ("en", "fr", "de", "es")) >= 3  # names survive


@pytest.mark.slow
def test_qwen_gives_an_english_summary_of_a_chinese_article_in_english():
    qwen = str(real_models.qwen_coder_gguf())
    summarizer = Summarizer("default", summarizer_model=qwen, device="cpu", engine="ctranslate2", cache=ModelCache())
    result = summarizer.summarize(CHINESE_ARTICLE, ["en"])
    assert result.source_language == "zh" and set(result.summaries) == {"zh", "en"}
    for lang, text in result.summaries.items():
        assert check_language(text, lang).ok, (lang, text)
    assert "2028" in result.summaries["en"] or "12" in result.summaries["en"] or "900" in result.summaries["en"]


def test_an_english_only_model_refuses_french_before_generating_and_names_what_to_fetch(smollm2, monkeypatch):
    summarizer = Summarizer("default", summarizer_model=smollm2, device="cpu", cache=ModelCache())
    assert summarizer.missing(["fr"]) == {"fr": ["opus-mt-en-fr"]}
    model = summarizer.load(smollm2)
    asked = []
    original = model.summarize
    monkeypatch.setattr(model, "summarize", lambda texts, languages, **kw: asked.append(list(languages)) or
                        original(texts, languages, **kw))
    result = summarizer.summarize(ARTICLE, ["fr"])
    assert result.errors["fr"].endswith("Fetch it with: summarize download --model opus-mt-en-fr")
    assert asked == [["en"]] and check_language(result.summaries["en"], "en").ok
