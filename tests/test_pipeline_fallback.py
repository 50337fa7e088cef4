"""Edges of the pipeline's own bookkeeping: the one-by-one fallback keeps every second it spent and detects each
language once; strict mode says so when a summary cannot be regenerated because its chunks never converged."""

from __future__ import annotations

import time

import pytest

from summarizer import Summarizer, load_model
from summarizer.errors import ModelError
from summarizer.models.base import Generated
from summarizer.pipeline import article as pipeline_module

SHORT = "The city council approved a budget of 4,700 dollars on Monday. Mayor Anna Keller welcomed the vote."
OTHER = "Heavy rain flooded the streets of the old town for three days. The mayor asked people to stay home."


def test_the_one_by_one_fallback_keeps_every_stage_second_and_detects_each_article_once(tiny, monkeypatch):
    summarizer = Summarizer(language_check="warn",
                            summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"]}, device="cpu")
    bart = load_model(tiny["bart"], device="cpu")
    calls = []

    def slow_and_failing_once(texts, **kwargs):  # each call takes at least 0.2 s; the first, for both, fails
        calls.append(len(texts))
        time.sleep(0.2)
        if len(calls) == 1:
            raise ModelError("the summariser failed on this batch")
        return [Generated(SHORT, True, False) for _ in texts]

    monkeypatch.setattr(bart, "generate", slow_and_failing_once)
    detected = []
    real_detect = pipeline_module.detect_language
    monkeypatch.setattr(pipeline_module, "detect_language", lambda text: detected.append(text) or real_detect(text))
    a, b = summarizer.summarize_batch([SHORT, OTHER], ["fr"], on_error="return")
    assert calls == [2, 1, 1] and a.summaries["fr"] and b.summaries["fr"]  # the batch failed, then each alone
    assert len(detected) == 2  # the fallback starts from the prepared articles: no second detection
    # the failed batch call and both single calls all count: at least 3 x 0.2 s of summarising in all
    assert a.timings["summarize_s"] + b.timings["summarize_s"] >= 0.6
    for result in (a, b):
        stages = {k: v for k, v in result.timings.items() if k != "total_s"}
        assert result.timings["total_s"] == pytest.approx(sum(stages.values()), abs=1e-3)


def test_strict_mode_says_a_summary_whose_chunks_never_converged_cannot_be_regenerated(tiny, monkeypatch):
    summarizer = Summarizer(language_check="warn", summarizer_model=tiny["bart"], device="cpu", max_reduce_rounds=1)
    bart = summarizer.load(tiny["bart"])
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [
        Generated("The council spent 999 dollars on the bridge in 1850 and more.", True, False) for _ in texts])
    article = " ".join(f"On day {day} the council of Riverton met again and discussed the old stone bridge, its "
                       f"cracks and the budget for the repairs in the northern district." for day in range(1, 200))
    result = summarizer.summarize(article, ["en"], strict=True)
    assert result.chunks > 1
    assert any("never converged" in w for w in result.language_warnings["en"])
    # nothing of it holds, so strict mode gives the article's own sentences instead, and says so
    assert any("no summary sentence had support of 0.9 or more" in w for w in result.language_warnings["en"])
    from summarizer.text.splitting import split_sentences
    assert set(split_sentences(result.summaries["en"])) <= set(split_sentences(article))
    assert result.faithful["en"] is True
