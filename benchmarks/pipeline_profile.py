"""Where each second goes: the project's pipeline and the plain CTranslate2 script on the same articles, timed by
category (bench_pipeline.py's `profile` section).

Clocks wrap the tokenizers, the CTranslate2 translators and the project's text functions (splitting, chunking,
joining, the faithfulness checks) in this process; a call inside another timed call counts for the outer one.
"other Python" is the wall time no clock saw: the pipeline's own bookkeeping, batching and result building.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections import defaultdict

CATEGORIES = ("tokenise", "split sentences, chunk", "generate: summariser", "generate: translators",
              "detokenise", "faithfulness checks", "join", "other Python")
TEXT_FUNCTIONS = {"split_sentences": "split sentences, chunk", "chunk": "split sentences, chunk",
                  "join_sentences": "join", "check_summary": "faithfulness checks",
                  "check_translation": "faithfulness checks"}


class Clocks:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.active: str | None = None

    def wrap(self, category: str, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            if self.active is not None:  # inside another timed call: that one counts it
                return function(*args, **kwargs)
            self.active, started = category, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[category] += time.perf_counter() - started
                self.calls[category] += 1
                self.active = None

        return timed


class TimedTokenizer:
    """A tokenizer whose encoding and decoding calls are timed; everything else passes through."""

    def __init__(self, tokenizer, clocks: Clocks):
        object.__setattr__(self, "_tokenizer", tokenizer)
        object.__setattr__(self, "_clocks", clocks)

    def __call__(self, *args, **kwargs):
        return self._clocks.wrap("tokenise", self._tokenizer.__call__)(*args, **kwargs)

    def __getattr__(self, name):
        value = getattr(self._tokenizer, name)
        category = {"convert_ids_to_tokens": "tokenise", "encode": "tokenise", "decode": "detokenise",
                    "convert_tokens_to_ids": "detokenise", "convert_tokens_to_string": "detokenise",
                    "batch_decode": "detokenise"}.get(name)
        return self._clocks.wrap(category, value) if category else value

    def __setattr__(self, name, value):  # e.g. src_lang
        setattr(self._tokenizer, name, value)

    def __len__(self):
        return len(self._tokenizer)


class TimedTranslator:
    def __init__(self, translator, clocks: Clocks, category: str):
        self._translator, self.translate_batch = translator, clocks.wrap(category, translator.translate_batch)

    def __getattr__(self, name):
        return getattr(self._translator, name)


def _clock_text_functions(clocks: Clocks) -> None:
    """The project's text functions, wherever a module of the package imported them by name."""
    import summarizer.evidence.faithfulness
    import summarizer.text.splitting

    originals = {name: getattr(summarizer.text.splitting, name, None) or getattr(summarizer.evidence.faithfulness, name)
                 for name in TEXT_FUNCTIONS}
    for module in [m for name, m in sys.modules.items() if name.startswith("summarizer")]:
        for name, function in originals.items():
            if getattr(module, name, None) is function:
                setattr(module, name, clocks.wrap(TEXT_FUNCTIONS[name], function))


def _table(clocks: Clocks, wall: float) -> dict:
    seen = sum(clocks.seconds.values())
    rows = {category: round(clocks.seconds.get(category, 0.0), 3) for category in CATEGORIES[:-1]}
    rows["other Python"] = round(wall - seen, 3)
    return {"wall_s": round(wall, 3), "seconds": rows, "calls": dict(clocks.calls)}


def profile(spec: dict, items: list, make_project, run_ct2) -> dict:
    """The project's summarize_batch, then the plain script, on `items`, each with its clocks."""
    targets = ["fr", "de", "es"]
    clocks = Clocks()
    summarizer = make_project(spec)
    for name in (spec["models"]["bart"], *(spec["models"][t] for t in targets)):
        model = summarizer.load(name)
        timed = TimedTokenizer(model.tokenizer, clocks)
        model.tokenizer = timed
        model.engine.tokenizer = timed
        kind = "summariser" if name == spec["models"]["bart"] else "translators"
        model.engine.translator = TimedTranslator(model.engine.translator, clocks, f"generate: {kind}")
    _clock_text_functions(clocks)
    started = time.perf_counter()
    summarizer.summarize_batch([item.article for item in items], ["en", *targets], source_language="en")
    project = _table(clocks, time.perf_counter() - started)

    plain_clocks = Clocks()

    def instrument(kind, tokenizer, translator):
        return TimedTokenizer(tokenizer, plain_clocks), TimedTranslator(translator, plain_clocks, f"generate: {kind}")

    _clock_text_functions(plain_clocks)
    plain = run_ct2(spec, items, instrument)
    return {"articles": len(items), "project": project, "plain_ct2": _table(plain_clocks, plain["seconds"]),
            "floor": floor(spec, items)}


def floor(spec: dict, items: list, summary_tokens: int = 60, translation_tokens: int = 24) -> dict:
    """What generation alone costs on this machine, per article, from CTranslate2 itself: the summariser's encoder
    (its run stopped after one decoding step) and its decoding steps (the rest of a full run), and one
    translator on every sentence of the summaries, its encoder and its steps alike, at the batch sizes of the
    plain script. No pipeline can go below encoder + steps without another model, precision or machine."""
    import ctranslate2
    from bench_pipeline import plain_copy
    from transformers import AutoTokenizer
    from workload import sentences

    def load(name):
        return AutoTokenizer.from_pretrained(spec["models"][name]), ctranslate2.Translator(
            str(plain_copy(spec, name)), device="cuda" if spec["device"].startswith("cuda") else "cpu",
            compute_type="float16" if spec["device"].startswith("cuda") else "int8", intra_threads=os.cpu_count() or 1)

    def timed(translator, batch, steps, prefix, max_batch):
        started = time.perf_counter()
        translator.translate_batch(batch, target_prefix=prefix, beam_size=4, max_batch_size=max_batch,
                                   min_decoding_length=steps, max_decoding_length=steps)
        return time.perf_counter() - started

    tok, bart = load("bart")
    sources = [tok.convert_ids_to_tokens(ids) for ids in
               tok([item.article for item in items], truncation=True, max_length=1024)["input_ids"]]
    prefix = [["<s>"]] * len(sources)
    encoder = timed(bart, sources, 2, prefix, 8)  # the encoder and one step
    full = timed(bart, sources, summary_tokens + 1, prefix, 8)
    tok, marian = load("fr")
    pieces = [s for item in items for s in sentences(item.summary)]
    batch = [tok.convert_ids_to_tokens(ids) for ids in tok(pieces)["input_ids"]]
    t_encoder = timed(marian, batch, 1, None, 16)
    t_full = timed(marian, batch, translation_tokens, None, 16)
    n = len(items)
    per_article = {"summariser_encoder_s": encoder / n, "summariser_steps_s": (full - encoder) / n,
                   "translation_s_per_language": t_full / n, "translation_encoder_s_per_language": t_encoder / n}
    per_article["total_s_3_languages"] = (full + 3 * t_full) / n
    return {"articles": n, "sentences": len(pieces), "per_article": per_article,
            "summariser_step_ms_per_article": 1000 * (full - encoder) / n / (summary_tokens - 1),
            "translation_step_ms_per_sentence": 1000 * (t_full - t_encoder) / len(pieces) / (translation_tokens - 1)}


def show(result: dict) -> None:
    project, plain = result["project"], result["plain_ct2"]
    print(f"{result['articles']} articles   {'project s':>10}{'%':>6}{'plain CT2 s':>13}{'%':>6}")
    for category in CATEGORIES:
        ours, theirs = project["seconds"][category], plain["seconds"][category]
        print(f"{category:<24}{ours:>10.2f}{100 * ours / project['wall_s']:>6.1f}"
              f"{theirs:>13.2f}{100 * theirs / plain['wall_s']:>6.1f}")
    print(f"{'total':<24}{project['wall_s']:>10.2f}{100:>6}{plain['wall_s']:>13.2f}{100:>6}")
    floor = result.get("floor")
    if floor:
        print("generation alone, per article: " + ", ".join(f"{k} {v:.2f}" for k, v in floor["per_article"].items())
              + f"; a summariser step {floor['summariser_step_ms_per_article']:.1f} ms per article (beam 4), a "
              f"translation step {floor['translation_step_ms_per_sentence']:.2f} ms per sentence")
