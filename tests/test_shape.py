"""The shape the code keeps: layers that import only downwards, one configuration, a bounded model cache, one
place for the model store."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from summarizer import Config, ModelCache, Summarizer, load_model
from summarizer.errors import InputError

PACKAGE = Path(__file__).resolve().parent.parent / "summarizer"


def _layers():
    spec = importlib.util.spec_from_file_location("gen_layers", PACKAGE.parent / "docs" / "gen_layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_unit_imports_only_units_below_it():
    """A unit (a subpackage, or a module at the top) imports only units before it in the intended order, at the top
    of a module or inside a function: the models never import the pipeline, the pipeline never the server."""
    layers = _layers()
    graph = layers.unit_graph()
    assert set(graph) == set(layers.ORDER), "a new unit: give it its place in docs/gen_layers.py's ORDER"
    upward = {(unit, target) for unit, targets in graph.items() for target in targets
              if layers.ORDER.index(target) >= layers.ORDER.index(unit)}
    assert upward == set()
    layers.layers(graph)  # an import cycle between units raises


def test_at_most_a_dozen_modules_stay_at_the_top():
    top = sorted(path.name for path in PACKAGE.glob("*.py") if path.name != "__init__.py")
    assert len(top) <= 12, top


def test_a_bounded_cache_drops_the_least_recently_used_model(tiny):
    cache = ModelCache(max_models=2)
    fr = load_model(tiny["en-fr"], device="cpu", cache=cache)
    load_model(tiny["mul-en"], device="cpu", cache=cache)
    assert load_model(tiny["en-fr"], device="cpu", cache=cache) is fr  # used again: now the most recent
    load_model(tiny["bart"], device="cpu", cache=cache)  # a third: mul-en, the least recent, goes
    assert len(cache) == 2 and cache.evictions == 1
    assert set(cache.names()) == {tiny["en-fr"], tiny["bart"]}
    assert load_model(tiny["en-fr"], device="cpu", cache=cache) is fr
    with pytest.raises(InputError, match="max_models=0"):
        ModelCache(0)


def test_concurrent_requests_for_one_model_load_it_once(tiny):
    cache = ModelCache()
    seen, gate = [], threading.Barrier(6)

    def ask():
        gate.wait()
        seen.append(load_model(tiny["en-sla"], device="cpu", cache=cache))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.loads == 1 and len({id(model) for model in seen}) == 1


def test_a_summarizer_with_room_for_one_model_still_serves_every_language(tiny):
    cache = ModelCache(max_models=1)
    summarizer = Summarizer(language_check="warn",
                            summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"], "ja": tiny["m2m100"]},
                            device="cpu", max_models=1, cache=cache)
    result = summarizer.summarize("The city council approved a budget of 4,700 dollars on Monday.", ["fr", "ja"])
    assert list(result.summaries) == ["en", "fr", "ja"] and len(cache) == 1


def test_the_summarizer_takes_models_that_load_model_returned(tiny):
    bart, french = load_model(tiny["bart"], device="cpu"), load_model(tiny["en-fr"], device="cpu")
    summarizer = Summarizer(summarizer_model=bart, translators={"fr": french}, device="cpu", cache=ModelCache(),
                            language_check="warn")
    result = summarizer.summarize("The city council approved a budget of 4,700 dollars on Monday.", ["fr"])
    assert result.models["fr"] == [bart.model_id, french.model_id]
    assert len(summarizer.cache) == 0  # nothing loaded twice: the models handed over were used


def test_one_configuration_is_built_once_and_handed_on(tiny):
    config = Config(language_check="warn",
                    summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"]}, device="cpu", batch_size=4)
    summarizer = Summarizer.from_config(config)
    assert summarizer.config is config and summarizer.router.translator("en", "fr") == tiny["en-fr"]
    changed = Summarizer(config, batch_size=2)
    assert changed.config.batch_size == 2 and config.batch_size == 4  # frozen: a change is a new Config
    with pytest.raises(TypeError):
        Summarizer(config, no_such_setting=1)


def test_each_results_timings_are_its_share_of_the_batch(tiny):
    short = "The city council approved a budget of 4,700 dollars on Monday."
    long = " ".join([short.replace("Monday", f"day {i}") for i in range(3)])
    summarizer = Summarizer(language_check="warn",
                            summarizer_model=tiny["bart"], translators={"fr": tiny["en-fr"]}, device="cpu")
    a, b = summarizer.summarize_batch([short, long], ["fr"])
    for result in (a, b):
        stages = {k: v for k, v in result.timings.items() if k != "total_s"}
        assert result.timings["total_s"] == pytest.approx(sum(stages.values()), abs=1e-3)
    if b.timings["summarize_s"] > 0.01:  # split by the text each article brought
        assert b.timings["summarize_s"] / a.timings["summarize_s"] == pytest.approx(len(long) / len(short), rel=0.05)


def test_the_model_store_is_the_checkout_the_environment_or_a_user_cache(monkeypatch, tmp_path):
    from summarizer.models import store

    monkeypatch.delenv("SUMMARIZER_MODELS_DIR", raising=False)
    folder, why = store.store_location()
    assert folder == PACKAGE.parent / "models" and "checkout" in why  # these tests run from a checkout
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(tmp_path / "elsewhere"))
    assert store.store_location() == (tmp_path / "elsewhere", "set by SUMMARIZER_MODELS_DIR")
    monkeypatch.delenv("SUMMARIZER_MODELS_DIR")
    monkeypatch.setattr(store, "package_root", lambda: tmp_path / "site-packages")  # an installed wheel
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder, why = store.store_location()
    assert folder == tmp_path / "cache" / "multilingual-summarizer" / "models" and "per-user" in why


def test_routing_reads_what_a_local_model_can_do_without_loading_it(tiny):
    from summarizer.pipeline.routing import Router

    router = Router.build("multilingual", tiny["mt5"], {"de": tiny["m2m100"], "fr": tiny["en-fr"]})
    assert router.summarizer_reads == ("*",) and router.pivot("fr") == (None, "fr")
    assert router.translator("fr", "de") == tiny["m2m100"]  # many-to-many: it reads French summaries
    assert router.translator("es", "fr") == "m2m100_418M"  # en-fr reads English only: the preset's multilingual


def test_no_module_grows_past_about_350_lines():
    sizes = {path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for path in PACKAGE.rglob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > 360} == {}
