"""Where each second goes: the project's pipeline and the plain CTranslate2 script on the same articles, timed by
category (bench_pipeline.py's `profile` section).

Clocks wrap the tokenizers, the CTranslate2 translators and the project's text functions (splitting, chunking,
joining, the faithfulness checks) in this process; a call inside another timed call counts for the outer one.
"other Python" is the wall time no clock saw: the pipeline's own bookkeeping, batching and result building.
"""

from __future__ import annotations

import functools
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
    import summarizer.faithfulness
    import summarizer.text

    originals = {name: getattr(summarizer.text, name, None) or getattr(summarizer.faithfulness, name)
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
    return {"articles": len(items), "project": project, "plain_ct2": _table(plain_clocks, plain["seconds"])}


def show(result: dict) -> None:
    project, plain = result["project"], result["plain_ct2"]
    print(f"{result['articles']} articles   {'project s':>10}{'%':>6}{'plain CT2 s':>13}{'%':>6}")
    for category in CATEGORIES:
        ours, theirs = project["seconds"][category], plain["seconds"][category]
        print(f"{category:<24}{ours:>10.2f}{100 * ours / project['wall_s']:>6.1f}"
              f"{theirs:>13.2f}{100 * theirs / plain['wall_s']:>6.1f}")
    print(f"{'total':<24}{project['wall_s']:>10.2f}{100:>6}{plain['wall_s']:>13.2f}{100:>6}")
