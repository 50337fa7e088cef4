"""The CUDA path, on tiny models. Skipped without a CUDA device."""

import pytest

from summarizer import Summarizer, load_model
from summarizer.models.engines.base import Decoding
from tests.articles import COUNCIL as ARTICLE

pytestmark = pytest.mark.gpu


def test_auto_device_uses_cuda_with_a_half_precision_dtype(tiny):
    import torch

    model = load_model(tiny["bart"], engine="torch")
    parameter = next(model.model.parameters())
    assert model.device == "cuda" and parameter.is_cuda
    assert parameter.dtype in (torch.bfloat16, torch.float16)


def test_pipeline_runs_on_cuda_and_is_deterministic(tiny):
    summarizer = Summarizer(language_check="warn", summarizer_model=tiny["bart"], device="auto", translators={
        "fr": tiny["en-fr"], "pl": tiny["en-sla"], "ja": tiny["m2m100"], "en": tiny["mul-en"]})
    first = summarizer.summarize(ARTICLE, ["en", "fr", "pl", "ja"])
    second = summarizer.summarize(ARTICLE, ["en", "fr", "pl", "ja"])
    assert first.summaries == second.summaries and all(first.summaries.values())
    long = summarizer.summarize(" ".join([ARTICLE] * 40), ["en", "fr"])
    assert long.chunks > 1 and long.summaries["fr"]


def test_multilingual_summariser_on_cuda(tiny):
    summarizer = Summarizer("multilingual", language_check="warn", summarizer_model=tiny["mt5"], device="cuda",
                            translators={"en": tiny["mul-en"], "de": tiny["m2m100"]})
    result = summarizer.summarize(ARTICLE.replace("The city", "La ville"), ["en", "de"], source_language="fr")
    assert set(result.summaries) == {"en", "de"}
    assert result.models["de"] == [tiny["mt5"], tiny["m2m100"]]
    # random weights may stop at once; an empty output must then be reported, never silent
    assert result.summaries["en"] or any("empty" in w for w in result.warnings)


def test_auto_engine_is_torch_on_cuda(tiny):
    assert load_model(tiny["en-fr"]).engine_name == "torch/bfloat16"


def test_ctranslate2_on_cuda_in_float16_or_a_clear_error(tiny):
    from summarizer.errors import ModelError

    model = load_model(tiny["en-sla"], engine="ctranslate2")
    assert model.device == "cuda" and model.engine_name == "ctranslate2/float16"
    try:
        outputs = model.generate(["The mayor spoke.", "The council voted."], target="pl",
                                 settings=Decoding(num_beams=2, max_new_tokens=8))
    except ModelError as exc:
        assert "pip install nvidia-cublas-cu12" in str(exc)
        pytest.skip(f"CTranslate2 cannot use this machine's CUDA: {exc}")
    assert len(outputs) == 2
