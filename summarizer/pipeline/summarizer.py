"""`Summarizer`: summarise articles and translate the summaries, batched across articles and languages.

Requests come in resolved (`request.Resolved`); each batch goes through six steps:

1. prepare: clean the text and detect its language, or take ``source_language`` (`article.prepare`);
2. route: plan each article's `routing.Route` (`Router.plan`: what `Summarizer.plan` shows is what runs),
   refuse the languages whose models are neither here nor reachable (`availability.py`), and translate an
   article the summariser cannot read into English, sentence by sentence (the "pivot");
3. summarise: pack sentences into token-budgeted chunks, summarise every chunk of every article in one batched
   call, and the joined chunk summaries again until one remains, in each language it writes (`summarizing.py`);
4. check: each summary is in its language (`language_repair.py`), then its numbers and names, and in strict
   mode each sentence is held to the article (`summarizing.py`);
5. translate: the summary sentence by sentence into each other target, all sentences of all articles for one
   model in one call, identical sentences once, each checked for its language (`translation.py`);
6. ground: the evidence of every summary in every language (`grounding.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..config import Config
from ..errors import (
    ClientGoneError,
    InputError,
    ModelError,
    ModelLoadError,
    SummarizerError,
)
from ..languages import LANGUAGES, normalize_language, normalize_languages
from ..models.base import Model
from ..models.cache import ModelCache, default_cache
from ..models.loading import load_model
from ..models.registry import EXTRACTIVE
from ..models.store import stored_fallbacks
from ..options import SummarizeOptions
from ..request import Request, Resolved, check_length, resolve_options, run_batches
from ..result import Summary
from ..text.splitting import clean_text, join_sentences, split_sentences
from .article import Article, add_time, prepare, shared_timings, stage
from .availability import missing_models, refuse_unreachable
from .grounding import ground
from .language_repair import check_written
from .routing import Route, Router, abilities
from .summarizing import check_summaries, finish, hold_translated, summarize_articles, summarize_extractively
from .translation import Leg, run_legs, translate_sentences, translate_summaries

EXTRACTIVE_ENGINE = "extractive (no model)"
Partial = Callable[[int, str, str], None]  # (index of the request, language, its summary) as soon as it is ready
Active = Callable[[int], bool]  # whether the client of the request at this index still waits for it


class Summarizer:
    """Holds one configuration's models (loaded lazily, once, in a bounded cache) and summarises with them.

        Summarizer()                                   # the default preset
        Summarizer("extractive", device="cpu")         # a preset, with any `Config` field changed
        Summarizer.from_config(config, cache=shared)   # what the CLI, the server and Ray actors do

    The summariser and the translators (target language -> model) may be registry names, hub ids,
    local folders or models returned by `load_model`.
    """

    def __init__(self, config: Config | str = "default", /, *, cache: ModelCache | None = None, **changes: Any):
        config = Config(preset=config) if isinstance(config, str) else config
        self.config = replace(config, **changes) if changes else config
        self.cache = cache if cache is not None else default_cache(self.config.max_models)
        self._given: dict[str, Model] = {}  # models handed over already loaded, by id
        summarizer = self._name(self.config.summarizer_model)
        translators = {lang: self._name(model) for lang, model in self.config.translators.items()}
        self._known = {model.model_id: (model.config.model_type, model.family) for model in self._given.values()}
        self._names = (summarizer, translators)
        self.router = Router.build(self.config.preset, summarizer, translators, self._known)
        self._engines: dict[str, str] = {}  # model id -> engine that ran it, for the results

    @classmethod
    def from_config(cls, config: Config, *, cache: ModelCache | None = None) -> Summarizer:
        return cls(config, cache=cache)

    def _name(self, model: str | Model | None) -> str | None:
        if isinstance(model, Model):
            self._given[model.model_id] = model
            return model.model_id
        return model

    def load(self, name: str) -> Model:
        """The model `name` (registry name, hub id or folder), loaded once into this Summarizer's cache."""
        config = self.config
        model = self._given.get(name) or load_model(name, config.device, config.engine, precision=config.precision,
                                                    allow_pickle=config.allow_pickle, cache=self.cache)
        self._engines[model.model_id] = model.engine_name
        return model

    # ------------------------------------------------------------------ public
    def supported_languages(self) -> set[str]:
        """Target languages this configuration can write, known without loading a model."""
        return self.router.supported()

    def targets(self, languages: Sequence[str] | str | None = None) -> tuple[str, ...]:
        """Target languages (default: the configuration's) as codes, checked against this configuration and its
        `max_languages` (in order, duplicates dropped); an unknown, malformed or unreachable language is an error
        naming it."""
        asked = self.config.options.languages if languages is None else languages
        return normalize_languages(asked or (), self.supported_languages(), self.config.max_languages)

    def plan(self, languages: Sequence[str] | str | None = None, source_language: str = "en") -> Route:
        """The route an article in `source_language` would take into `languages` (default: the configuration's),
        as the pipeline runs it: `Route.chains` gives the models that make each language (loads nothing)."""
        return self.router.plan(self.targets(languages), source_language)

    def missing(self, languages: Sequence[str] | str, source_language: str = "en") -> dict[str, list[str]]:
        """The languages this configuration cannot make here for a `source_language` article, each with the models
        it would need that are neither here nor reachable; loads nothing (`availability.py`)."""
        return missing_models(self.router, self.targets(languages), source_language)

    def translate(self, texts: Sequence[str], target: str, source: str = "en") -> list[str]:
        """Translate texts sentence by sentence with the model this configuration routes `source` -> `target` to."""
        source, target = normalize_language(source), normalize_language(target, self.supported_languages())
        model = self.load(self.router.translator(source, target))
        per_text = [split_sentences(clean_text(text)) for text in texts]
        flat = [sentence for sentences in per_text for sentence in sentences]
        translated, _ = translate_sentences(model, flat, source, target, self.config.options, self.config.batch_size)
        out, position = [], 0
        for sentences in per_text:
            out.append(join_sentences(translated[position:position + len(sentences)], LANGUAGES[target].spaced))
            position += len(sentences)
        return out

    def summarize(self, text: str, languages: Sequence[str] | str | None = None,
                  options: SummarizeOptions | None = None, **changes: Any) -> Summary:
        """Summarise one article into each of `languages` (default: the configuration's) and, by default, its own
        language first.

        `options` (default: the configuration's) with `changes`, e.g. ``length="long", strict=True``.
        """
        return self.summarize_batch([text], languages, options, **changes)[0]  # type: ignore[return-value]

    def summarize_batch(self, texts: Sequence[str], languages: Sequence[str] | str | None = None,
                        options: SummarizeOptions | None = None, *, on_error: str = "raise",
                        **changes: Any) -> list[Summary | SummarizerError]:
        """Summarise many articles, batching model calls across articles and languages.

        With ``on_error="return"`` an article that cannot be summarised gets its `SummarizerError`
        in its place in the list and the others go on; ``"raise"`` (default) raises the first one.
        """
        if on_error not in ("raise", "return"):
            raise InputError(f"on_error={on_error!r} must be 'raise' or 'return'.")
        asked = {**(options.asked() if options else {}), **changes}
        if languages is not None:
            asked["languages"] = languages
        # The texts share their options: resolved once, and a bad one is the caller's error, whatever the texts
        shared = resolve_options(SummarizeOptions(**asked), self.config, self.supported_languages())
        items: list[Resolved | SummarizerError] = []
        for text in texts:
            try:
                if not isinstance(text, str):
                    raise InputError(f"The article is {type(text).__name__}, not text.")
                check_length(text, self.config)
                items.append(Resolved(text, shared))
            except SummarizerError as exc:
                if on_error == "raise":
                    raise
                items.append(exc)
        return self._summarize(items, on_error)

    def summarize_requests(self, requests: Sequence[Request | Resolved], partial: Partial | None = None,
                           active: Active | None = None) -> list[Summary | SummarizerError]:
        """Summarise typed requests (every door's), batched where they share a `batch_key`, each with its own
        languages; a `Request` is resolved against this configuration first (a `Resolved` one is taken as it
        is). A request that cannot be served gets its `SummarizerError` in its place, and only it
        (`request.run_batches`). `partial(index, language, text)` is called as each summary is ready, before
        the whole batch is; `active(index)` false says the client left: its request stops at the next chunk
        round or step and gets a `ClientGoneError`."""
        def run(indices: list[int], part: list[Resolved]) -> list[Summary | SummarizerError]:
            renumbered = partial and (lambda index, language, text: partial(indices[index], language, text))
            still = active and (lambda index: active(indices[index]))
            return self._summarize(part, "return", renumbered, still)

        return run_batches(requests, self.config, self.supported_languages(), run)

    def _summarize(self, items: Sequence[Resolved | SummarizerError], on_error: str, partial: Partial | None = None,
                   active: Active | None = None) -> list[Summary | SummarizerError]:
        """Resolved requests that share a batch key, summarised together (an error in place of one stays)."""
        results: list[Summary | SummarizerError | None] = [None] * len(items)
        articles: list[Article] = []
        stages: dict[str, float] = {}
        ready = [item for item in items if isinstance(item, Resolved)]
        if len({item.batch_key for item in ready}) > 1:
            raise InputError("Requests summarised together must share their batch key (request.BATCH_FIELDS).")
        if ready and ready[0].preset != self.config.preset:
            raise InputError(f"This Summarizer runs preset {self.config.preset!r}, not {ready[0].preset!r}: "
                             f"make one with Summarizer({ready[0].preset!r}).")
        for index, item in enumerate(items):
            try:
                if isinstance(item, SummarizerError):
                    raise item
                articles.append(prepare(index, item, stages))
            except SummarizerError as exc:
                if on_error == "raise":
                    raise
                results[index] = exc
        options = ready[0].options if ready else None
        if articles:
            try:
                self._run(articles, options, stages, partial, active)
            except ModelError:
                if on_error == "raise":
                    raise
                # A model raised on a call that served several articles: run them one by one, so
                # that only the articles it fails on get the error.
                articles = self._run_each(articles, options, stages, results, partial, active)
        timings = shared_timings(articles, stages)
        for art in articles:
            results[art.index] = ClientGoneError("The client left before its summary was ready.") if art.gone \
                else art.result(self._engines, timings[art.index])
        return results  # type: ignore[return-value]

    # ------------------------------------------------------------------ steps

    def _summarizer_model(self, articles: list[Article]) -> Model | None:
        """The abstractive summariser, or None for the extractive engine (asked for, or the fallback)."""
        if self.router.summarizer_model == EXTRACTIVE:
            self._engines[EXTRACTIVE] = EXTRACTIVE_ENGINE
            return None
        try:
            model = self.load(self.router.summarizer_model)
        except ModelLoadError as exc:
            if not (self.config.extractive_fallback and self.config.summarizer_model is None):
                raise  # a summariser the user named is never replaced
            model = self._stored_fallback(articles, exc)
            if model is not None:
                return model
            self._engines[EXTRACTIVE] = EXTRACTIVE_ENGINE
            for art in articles:
                art.warnings.insert(0, f"ABSTRACTIVE SUMMARISER UNAVAILABLE: {exc} This summary is EXTRACTIVE: the "
                                       "article's most central sentences, chosen without a model.")
            return None
        known = (model.config.model_type, model.family)
        if model.model_id not in self._known and abilities(self.router.summarizer_model, known) != \
                abilities(self.router.summarizer_model):  # a hub id the router could not see into before it loaded
            self._known[self.router.summarizer_model] = known
            self.router = Router.build(self.config.preset, *self._names, self._known)
        return model

    def _stored_fallback(self, articles: list[Article], missing: ModelLoadError) -> Model | None:
        """The best measured instruction model in the store that reads every article here, in place of a preset
        summariser that cannot be loaded (the router then plans with it), or None."""
        for name, spec in stored_fallbacks():
            if not all("*" in spec.reads or art.source in spec.reads for art in articles):
                continue
            try:
                model = self.load(name)
            except ModelLoadError:
                continue
            for art in articles:
                art.warnings.insert(0, f"PRESET SUMMARISER UNAVAILABLE: {missing} Summarised instead with {spec.name} "
                                       f"({name}), found in the model store: the best measured offline summariser.")
            self._names = (name, self._names[1])
            self.router = Router.build(self.config.preset, *self._names, self._known)
            return model
        return None

    def _run(self, articles: list[Article], options: SummarizeOptions, stages: dict[str, float],
             partial: Partial | None = None, active: Active | None = None) -> None:
        model, refuse = self._summarizer_model(articles), self.config.language_check == "refuse"
        for art in articles:  # the route each article takes, planned once: what `plan` shows is what runs
            art.route = self.router.plan(art.targets, art.source, extractive=model is None)
        refuse_unreachable(articles)
        self._pivot(articles, model, options, stages)
        with stage(stages, "summarize_s"):  # a call that fails counts too: the fallback's shares add up
            if model is None:
                summarize_extractively(articles, options)
            else:
                summarize_articles(model, articles, options, batch_size=self.config.batch_size,
                                   max_rounds=self.config.max_reduce_rounds, active=active,
                                   central=self.config.long_articles == "central")
            for art in articles:
                art.gone = art.gone or (active is not None and not active(art.index))
            articles = [art for art in articles if not art.gone]
            check_written(articles, model, options, finish, self.config.batch_size, refuse)
            check_summaries(articles, model, options)
        with stage(stages, "translate_s"):  # every summary into every target the summariser did not write
            translate_summaries(articles, self.load, options, self.config.batch_size, partial, refuse_language=refuse)
            if options.strict:
                hold_translated(articles)
        if self.config.evidence:
            with stage(stages, "evidence_s"):
                ground(articles)
                for art in articles:
                    art.work["evidence_s"] = sum(len(text) for text in art.summaries.values())

    def _run_each(self, articles: list[Article], options: SummarizeOptions, stages: dict[str, float],
                  results: list, partial: Partial | None, active: Active | None = None) -> list[Article]:
        """Run each article alone (from where it was prepared); those a model still fails on get its error."""
        finished = []
        for art in articles:
            fresh = art.restart()
            try:
                self._run([fresh], options, stages, partial, active)
            except ModelError as exc:
                results[art.index] = exc
                continue
            finished.append(fresh)
        return finished

    def _pivot(self, articles: list[Article], model: Model | None, options: SummarizeOptions,
               stages: dict[str, float]) -> None:
        """Step 2, after planning: each article takes its route's languages, and an article whose route starts
        with a translator (the summariser cannot read it) is translated into English first."""
        clock = time.perf_counter()
        summarizer_id = EXTRACTIVE if model is None else model.model_id
        legs: dict[Leg, list[tuple[Article, list[str]]]] = {}
        for art in articles:
            route = art.route
            art.summary_language, art.read_language = route.written, route.read
            art.writes = (route.written, *(target for target in route.direct if target in art.targets))
            art.work_text, art.chain = art.text, [summarizer_id]
            art.work["summarize_s"] = len(art.text) * len(art.writes)
            if route.pivot:
                art.work["pivot_s"] = len(art.text)
                legs.setdefault((route.pivot, art.source, "en"), []).append((art, split_sentences(art.text)))
        for translator, art, _, translated, notes in run_legs(legs, self.load, options, self.config.batch_size,
                                                              required=True):
            for note in notes:
                art.warn(note)
            art.work_text = join_sentences(translated)
            art.chain.insert(0, translator.model_id)
        if legs:
            add_time(stages, "pivot_s", clock)


def summarize(text: str, languages: Sequence[str] | str | None = None, *, preset: str | None = None,
              length: str | None = None, source_language: str | None = None, include_source: bool | None = None,
              strict: bool | None = None, device: str | None = None, engine: str | None = None,
              summarizer_model: str | Model | None = None, translators: Mapping[str, str | Model] | None = None,
              allow_pickle: bool | None = None, language_check: str | None = None) -> Summary:
    """Summarise one article into each of `languages` (ISO 639-1 codes or names; default English), and into its
    own language unless `include_source` is false. An argument left out takes the default of `Config` or of
    `SummarizeOptions`.

    Models load on first use and stay in the process's model cache. Only safetensors weights are
    loaded unless `allow_pickle`. Every summary is in the language it is labelled: one that is not is made
    again, then refused for that language (`language_check="warn"` returns it, flagged).
    """
    given = {"preset": preset, "device": device, "engine": engine, "summarizer_model": summarizer_model,
             "translators": translators, "allow_pickle": allow_pickle, "language_check": language_check}
    config = Config(**{name: value for name, value in given.items() if value is not None})
    options = SummarizeOptions(length=length, source_language=source_language, include_source=include_source,
                               strict=strict)  # None: the default
    return Summarizer.from_config(config).summarize(text, languages, options)
