"""`Summarizer`: summarise articles and translate the summaries, batched across articles.

The route for each article:

1. clean the text and detect its language (or take ``source_language``);
2. if the summariser cannot read that language, translate the article into
   English sentence by sentence (the "pivot");
3. split into sentences, pack them into token-budgeted chunks, summarise every
   chunk of every article in one batched call, and summarise the joined chunk
   summaries again until one summary remains;
4. translate the summary sentence by sentence into each target language, all
   sentences of all articles for one model in one call, identical sentences once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from .detect import detect_language
from .errors import EmptyTextError, InputError, ModelError, ModelLoadError, SummarizerError
from .extractive import SENTENCES_FOR_LENGTH, extract
from .faithfulness import check_summary, check_translation
from .languages import LANGUAGES, normalize_language, normalize_languages
from .models import Seq2SeqModel, load_model
from .options import LENGTHS, SummarizeOptions
from .registry import EXTRACTIVE, MODELS, find_spec, get_preset
from .result import Summary
from .text import clean_text, ends_sentence, join_sentences, pack, split_long, split_sentences, trim_to_sentence

_MULTILINGUAL_TYPES = ("mt5", "mbart", "m2m_100")
TRANSLATION_LENGTH_RATIO = 2.0  # max new tokens per input token when translating


@dataclass
class _Article:
    """Working state of one article while it moves through the pipeline."""

    index: int
    text: str
    source: str
    confidence: float | None
    warnings: list[str] = field(default_factory=list)
    work_text: str = ""  # what the summariser reads (the article, or its English pivot)
    summary_language: str = ""
    chain: list[str] = field(default_factory=list)  # models that produced the summary
    chunks: int = 1
    summary: str = ""
    summaries: dict[str, str] = field(default_factory=dict)
    models: dict[str, list[str]] = field(default_factory=dict)
    sentences: dict[str, int] = field(default_factory=dict)
    targets: tuple[str, ...] = ()  # languages asked for this article, in order
    language_warnings: dict[str, list[str]] = field(default_factory=dict)
    faithful: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # languages that could not be produced, and why
    final_input: str = ""  # what the summariser read for the final summary (strict mode regenerates it)

    def warn_language(self, language: str, message: str) -> None:
        """A warning about one language's summary: kept with it and in the general list."""
        _warn(self.language_warnings.setdefault(language, []), message)
        _warn(self.warnings, f"{language}: {message}")


def _warn(warnings: list[str], message: str) -> None:
    """Add a warning once."""
    if message not in warnings:
        warnings.append(message)


def _extractive_summary(art: _Article, count: int) -> str:
    """The `count` most central sentences of what the article's summariser reads."""
    return join_sentences(extract(art.work_text, art.summary_language, count), LANGUAGES[art.summary_language].spaced)


class Summarizer:
    """Holds the models of one preset (loaded lazily, once) and summarises with them.

    `summarization_model` and the values of `translation_models` may be a
    registry name, a hub id or a local folder; `translation_models` maps a
    target language to the model translating English (or, for many-to-many
    models, any language) into it.
    """

    def __init__(self, preset: str = "default", *, summarization_model: str | None = None,
                 translation_models: Mapping[str, str] | None = None, device: str = "auto",
                 engine: str = "auto", options: SummarizeOptions | None = None, extractive_fallback: bool = False,
                 allow_pickle: bool = False):
        self.preset = get_preset(preset)
        # With extractive_fallback (the CLI and the demo), a preset summariser that cannot be
        # loaded is replaced by the extractive engine, loudly; a summariser the user named is not.
        self.extractive_fallback = extractive_fallback and summarization_model is None
        self.summarization_model = summarization_model or self.preset.summarizer
        self.translation_models = {normalize_language(lang): model
                                   for lang, model in (translation_models or {}).items()}
        self.device = device
        self.engine = engine
        self.allow_pickle = allow_pickle  # load pickle (.bin) weights where a model has no safetensors
        self.options = options or SummarizeOptions()
        self._engines: dict[str, str] = {}  # model id -> engine that ran it, for the results

    # ----------------------------------------------------------------- routing
    def _load(self, name: str) -> Seq2SeqModel:
        model = load_model(name, self.device, self.engine, allow_pickle=self.allow_pickle)
        self._engines[model.model_id] = model.engine_name
        return model

    def summarizer_languages(self) -> tuple[str, ...]:
        """Article languages the summariser reads directly ("*" for any)."""
        spec = find_spec(self.summarization_model)
        if spec:
            return spec.languages
        config = self._load(self.summarization_model).config
        return ("*",) if getattr(config, "model_type", "") in _MULTILINGUAL_TYPES else ("en",)

    def supported_languages(self) -> set[str]:
        """Target languages this configuration can write, known without loading a model."""
        supported = {"en", *self.preset.translators, *self.translation_models}
        multilingual = MODELS.get(self.preset.multilingual)
        if multilingual and "*" in multilingual.languages:
            supported |= set(LANGUAGES)
        return supported

    def _to_english_model(self, source: str) -> str:
        return self.translation_models.get("en") or self.preset.to_english.get(source) \
            or self.preset.to_english_fallback

    def _translator_for(self, source: str, target: str) -> str:
        """The model that translates a `source`-language summary into `target`."""
        if target == "en":
            return self._to_english_model(source)
        user = self.translation_models.get(target)
        if user and source == "en":
            return user
        if user and self._load(user).driver.kind == "lang_code":
            return user  # many-to-many model: it reads the source language too
        if source == "en" and target in self.preset.translators:
            return self.preset.translators[target]
        return self.preset.multilingual

    def _route(self, source: str, reads: tuple[str, ...] | None = None) -> tuple[str | None, str]:
        """(model translating the article into English, or None; language the summary is written in)."""
        reads = reads or self.summarizer_languages()
        if "*" in reads or source in reads:
            return None, source
        return self._to_english_model(source), "en"

    def plan(self, languages: Sequence[str] | str, source_language: str = "en") -> dict[str, list[str]]:
        """The models that would produce each language for an article in `source_language`.

        Loads nothing for registry models, so it works offline (the CLI uses it to
        say what is missing).
        """
        pivot, summary_language = self._route(normalize_language(source_language))
        chain = [pivot, self.summarization_model] if pivot else [self.summarization_model]
        translate = self._translator_for
        return {target: chain if target == summary_language else [*chain, translate(summary_language, target)]
                for target in self._check_languages(languages, self.options)}

    # ------------------------------------------------------------------ public
    def translate(self, texts: Sequence[str], target: str, source: str = "en") -> list[str]:
        """Translate texts sentence by sentence with the model this configuration routes `source` -> `target` to."""
        source, target = normalize_language(source), normalize_language(target, self.supported_languages())
        model = self._load(self._translator_for(source, target))
        per_text = [split_sentences(clean_text(text)) for text in texts]
        flat = [sentence for sentences in per_text for sentence in sentences]
        translated, _ = self._translate_sentences(model, flat, source, target, self.options)
        out, position = [], 0
        for sentences in per_text:
            out.append(join_sentences(translated[position:position + len(sentences)], LANGUAGES[target].spaced))
            position += len(sentences)
        return out

    def summarize(self, text: str, languages: Sequence[str] | str = ("en",), *, length: str | None = None,
                  source_language: str | None = None, include_source: bool = False) -> Summary:
        """Summarise one article into each of `languages` (and its own language with `include_source`)."""
        return self.summarize_batch([text], languages, length=length, source_language=source_language,
                                    include_source=include_source)[0]

    def summarize_batch(self, texts: Sequence[str], languages: Sequence[str] | str = ("en",), *,
                        length: str | None = None, source_language: str | None = None,
                        include_source: bool = False, on_error: str = "raise") -> list[Summary | SummarizerError]:
        """Summarise many articles, batching model calls across articles and languages.

        With `include_source` each article also gets a summary in its own language,
        first (articles in a batch may be in different languages).
        With ``on_error="return"`` an article that cannot be summarised gets its
        `SummarizerError` in its place in the list and the others go on;
        ``"raise"`` (default) raises the first one.
        """
        if on_error not in ("raise", "return"):
            raise InputError(f"on_error={on_error!r} must be 'raise' or 'return'.")
        options = replace(self.options, length=length or self.options.length,
                          source_language=source_language or self.options.source_language)
        targets = self._check_languages(languages, options) if languages or not include_source else ()
        started = time.perf_counter()
        results: list[Summary | SummarizerError | None] = [None] * len(texts)
        articles: list[_Article] = []
        for index, text in enumerate(texts):
            try:
                article = self._prepare(index, text, options)
                article.targets = tuple(dict.fromkeys([article.source, *targets])) if include_source else targets
                articles.append(article)
            except SummarizerError as exc:
                if on_error == "raise":
                    raise
                results[index] = exc
        timings = {"detect_s": time.perf_counter() - started}
        if articles:
            try:
                self._run(articles, options, timings)
            except ModelError:
                if on_error == "raise":
                    raise
                # A model raised on a call that served several articles: run them one by one, so
                # that only the articles it fails on get the error.
                articles = self._run_each(texts, articles, options, timings, results)
        timings["total_s"] = time.perf_counter() - started
        timings = {key: round(value, 4) for key, value in timings.items()}
        for art in articles:
            results[art.index] = Summary(
                source_language=art.source, summaries=art.summaries, models=art.models, chunks=art.chunks,
                warnings=art.warnings, timings=dict(timings), language_confidence=art.confidence,
                sentences=art.sentences, language_warnings=art.language_warnings, faithful=art.faithful,
                errors=art.errors,
                engines={m: self._engines[m] for chain in art.models.values() for m in chain})
        return results  # type: ignore[return-value]

    # ------------------------------------------------------------------ stages
    def _check_languages(self, languages, options: SummarizeOptions) -> tuple[str, ...]:
        return normalize_languages(languages, self.supported_languages(), options.max_languages)

    def _prepare(self, index: int, text: str, options: SummarizeOptions) -> _Article:
        if not isinstance(text, str):
            raise InputError(f"The article is {type(text).__name__}, not text.")
        if len(text) > options.max_chars:
            raise InputError(f"The article has {len(text):,} characters; the limit is "
                             f"{options.max_chars:,} (max_chars).")
        cleaned = clean_text(text)
        if not cleaned:
            raise EmptyTextError("The article is empty or holds only whitespace or control characters.")
        warnings: list[str] = []
        if options.source_language:
            return _Article(index, cleaned, normalize_language(options.source_language), None, warnings)
        detection = detect_language(cleaned)
        if not detection.reliable:
            warnings.append(f"source language detected as {detection.language!r} with low confidence "
                            f"({detection.confidence:.2f}); pass source_language= to be sure")
        return _Article(index, cleaned, detection.language, detection.confidence, warnings)

    def _summarizer_backend(self, articles: list[_Article]) -> Seq2SeqModel | None:
        """The abstractive summariser, or None for the extractive engine (asked for, or the fallback)."""
        if self.summarization_model == EXTRACTIVE:
            self._engines[EXTRACTIVE] = "extractive (no model)"
            return None
        try:
            return self._load(self.summarization_model)
        except ModelLoadError as exc:
            if not self.extractive_fallback:
                raise
            self._engines[EXTRACTIVE] = "extractive (no model)"
            for art in articles:
                art.warnings.insert(0, f"ABSTRACTIVE SUMMARISER UNAVAILABLE: {exc} This summary is EXTRACTIVE: the "
                                       "article's most central sentences, chosen without a model.")
            return None

    def _run_each(self, texts: Sequence[str], articles: list[_Article], options: SummarizeOptions,
                  timings: dict[str, float], results: list) -> list[_Article]:
        """Run each article alone (from a fresh start); those a model still fails on get its error."""
        finished = []
        for art in articles:
            fresh = self._prepare(art.index, texts[art.index], options)
            fresh.targets = art.targets
            try:
                self._run([fresh], options, timings)
            except ModelError as exc:
                results[art.index] = exc
                continue
            finished.append(fresh)
        return finished

    def _run(self, articles: list[_Article], options: SummarizeOptions, timings: dict[str, float]) -> None:
        summarizer = self._summarizer_backend(articles)
        reads = ("*",) if summarizer is None else self.summarizer_languages()
        summarizer_id = EXTRACTIVE if summarizer is None else summarizer.model_id
        clock = time.perf_counter()
        jobs: dict[tuple[str, str, str], list] = {}
        for art in articles:
            pivot, art.summary_language = self._route(art.source, reads)
            art.work_text, art.chain = art.text, [summarizer_id]
            if pivot:
                jobs.setdefault((pivot, art.source, "en"), []).append((art, split_sentences(art.text)))
        for model, art, _, translated, notes in self._translate_jobs(jobs, options, required=True):
            for note in notes:
                _warn(art.warnings, note)
            art.work_text = join_sentences(translated)
            art.chain.insert(0, model.model_id)
        timings["pivot_s"] = time.perf_counter() - clock

        clock = time.perf_counter()
        if summarizer is None:
            for art in articles:
                art.summary = _extractive_summary(art, SENTENCES_FOR_LENGTH[options.length])
        else:
            self._summarize_all(summarizer, articles, options)
        for art in articles:
            self._check_summary(art, summarizer, options)
        timings["summarize_s"] = time.perf_counter() - clock

        clock = time.perf_counter()
        for art in articles:
            if art.summary_language in art.targets:
                art.summaries[art.summary_language] = art.summary
                art.models[art.summary_language] = list(art.chain)
                art.sentences[art.summary_language] = len(split_sentences(art.summary))
        self._translate_summaries(articles, options)
        timings["translate_s"] = time.perf_counter() - clock
        for art in articles:  # keep the order the user asked for; leave out what failed
            done = [lang for lang in art.targets if lang in art.summaries]
            art.summaries = {lang: art.summaries[lang] for lang in done}
            art.models = {lang: art.models[lang] for lang in done}
            art.sentences = {lang: art.sentences[lang] for lang in done}
            art.faithful = {lang: art.faithful.get(lang, True) for lang in done}

    # ------------------------------------------------------------ faithfulness
    def _check_summary(self, art: _Article, model: Seq2SeqModel | None, options: SummarizeOptions) -> None:
        """Numbers and names of the summary must be in what it summarises; `strict` acts on a failure."""
        problems = check_summary(art.work_text, art.summary, art.summary_language)
        if problems and options.strict and model is not None:
            settings = self._summary_settings(model, options, model.max_input_tokens - 2)
            settings.update(num_beams=2 * settings.get("num_beams", 4), length_penalty=1.0)
            retry = model.generate([art.final_input], settings=settings, batch_size=1)[0]
            retry_text = self._finish(retry, art)
            if not check_summary(art.work_text, retry_text, art.summary_language):
                art.warn_language(art.summary_language, f"strict: the first summary failed the faithfulness check "
                                                        f"({'; '.join(problems)}); regenerated with wider beam search")
                art.summary, problems = retry_text, []
            else:
                count = max(1, len(split_sentences(art.summary)))
                art.summary = _extractive_summary(art, count)
                art.warn_language(art.summary_language, f"strict: the summary failed the faithfulness check twice "
                                                        f"({'; '.join(problems)}); replaced by the article's "
                                                        f"{count} most central sentences (extractive)")
                problems = check_summary(art.work_text, art.summary, art.summary_language)
        art.faithful[art.summary_language] = not problems
        for problem in problems:
            art.warn_language(art.summary_language, f"unfaithful: {problem}")

    # -------------------------------------------------------------- summarising
    def _chunk(self, model: Seq2SeqModel, text: str, budget: int, language: str,
               warnings: list[str]) -> list[str]:
        """Split text into sentence-aligned pieces of at most `budget` tokens."""
        spaced = LANGUAGES[language].spaced if language in LANGUAGES else True
        pieces: list[str] = []
        sentences = split_sentences(text)
        for sentence, count in zip(sentences, model.count_tokens(sentences), strict=True):
            if count <= budget:
                pieces.append(sentence)
                continue
            parts = self._split_to_fit(model, sentence, budget, spaced)
            _warn(warnings, f"a sentence of {count} tokens (over the {budget}-token limit of "
                            f"{model.name}) was split at word level into {len(parts)} pieces")
            pieces.extend(parts)
        counts, limit = model.count_tokens(pieces), budget
        while True:  # joined pieces can tokenise a little longer than their sum: re-check
            chunks = [join_sentences([pieces[i] for i in group], spaced) for group in pack(counts, limit)]
            if limit < budget // 2 or all(n <= budget for n in model.count_tokens(chunks)):
                return chunks
            limit = int(limit * 0.9)

    @staticmethod
    def _split_to_fit(model: Seq2SeqModel, sentence: str, budget: int, spaced: bool) -> list[str]:
        """Split an over-long sentence until every piece fits `budget` tokens."""
        parts, target = [sentence], budget
        while any(count > budget for count in model.count_tokens(parts)) and target > 1:
            target = int(target * 0.8)
            parts = split_long(sentence, model.count_tokens, target, spaced)
        return parts

    def _summary_settings(self, model: Seq2SeqModel, options: SummarizeOptions, budget: int) -> dict:
        settings = model.generation_settings()
        factor = LENGTHS[options.length]
        max_new = int(settings.pop("max_length", 142) * factor)
        min_new = int(settings.pop("min_length", 0) * factor)
        # A chunk summary must be well under half a chunk (re-tokenised text can come out
        # longer than generated), so that summarising the summaries always converges.
        cap = min(budget // 3, model.max_output_tokens)
        if options.summary_tokens:
            max_new = min_new = min(options.summary_tokens, cap)
        else:
            max_new = max(8, min(max_new, cap))
        settings.update(max_new_tokens=max_new, min_new_tokens=min(min_new, max_new))
        return settings

    def _summarize_all(self, model: Seq2SeqModel, articles: list[_Article], options: SummarizeOptions) -> None:
        budget = model.max_input_tokens - 2  # room for bos/eos
        settings = self._summary_settings(model, options, budget)
        pending: dict[int, list[str]] = {}
        for art in articles:
            pending[art.index] = self._chunk(model, art.work_text, budget, art.summary_language, art.warnings)
            art.chunks = len(pending[art.index])
            if art.chunks > 1:
                art.warnings.append(f"article longer than the summariser's {budget}-token input: summarised "
                                    f"in {art.chunks} chunks, then the chunk summaries were summarised again")
        by_index = {art.index: art for art in articles}
        for _ in range(options.max_reduce_rounds + 1):
            if not pending:
                break
            flat = [(index, chunk) for index, chunks in pending.items() for chunk in chunks]
            outputs = model.generate([chunk for _, chunk in flat], settings=settings,
                                     batch_size=options.batch_size)
            grouped: dict[int, list] = {}
            for (index, _), out in zip(flat, outputs, strict=True):
                grouped.setdefault(index, []).append(out)
            pending = {}
            for index, outs in grouped.items():
                art = by_index[index]
                if any(out.truncated_input for out in outs):
                    _warn(art.warnings, f"{model.name} cut an input at {model.max_input_tokens} tokens")
                if len(outs) == 1:
                    art.summary = self._finish(outs[0], art)
                    art.final_input = next(chunk for i, chunk in flat if i == index)
                else:
                    joined = join_sentences([out.text for out in outs])
                    pending[index] = self._chunk(model, joined, budget, art.summary_language, art.warnings)
        for index, chunks in pending.items():  # did not converge: keep everything, say so
            art = by_index[index]
            art.summary = join_sentences(chunks)
            art.warnings.append(f"summary still {len(chunks)} chunks long after {options.max_reduce_rounds} "
                                "rounds; the chunk summaries are joined")

    @staticmethod
    def _finish(out, art: _Article) -> str:
        if not out.text.strip():
            _warn(art.warnings, "the summariser produced an empty summary")
        if out.finished:
            return out.text
        text, trimmed = trim_to_sentence(out.text)
        if trimmed:
            _warn(art.warnings, "summary reached the length limit; its unfinished last sentence was removed")
        elif not ends_sentence(text):
            _warn(art.warnings, "summary reached the length limit and does not end with a full sentence")
        return text

    # -------------------------------------------------------------- translating
    def _translate_jobs(self, jobs: dict[tuple[str, str, str], list], options: SummarizeOptions,
                        required: bool = False):
        """Run translation jobs: (model, source, target) -> [(article, sentences)], one call per key.

        A model that cannot be loaded, or raises, fails only its language (recorded in the
        article's errors), unless the job is `required` (the pivot into English, without which
        there is nothing to summarise).

        Yields (model, article, target, translated sentences, notes), one sentence out per
        sentence in; notes say which of the article's sentences had to be split.
        """
        for (name, source, target), items in jobs.items():
            try:
                model = self._load(name)
                flat = [sentence for _, sentences in items for sentence in sentences]
                translated, split = self._translate_sentences(model, flat, source, target, options)
            except (ModelLoadError, ModelError) as exc:  # this language fails; the others go on
                if required:
                    raise
                for art, _ in items:
                    art.errors[target] = str(exc)
                    art.warn_language(target, f"error: {exc}")
                continue
            position = 0
            for art, sentences in items:
                notes = [f"a sentence of {split[s][0]} tokens was split into {split[s][1]} pieces for {model.name}"
                         for s in dict.fromkeys(sentences) if s in split]
                yield model, art, target, translated[position:position + len(sentences)], notes
                position += len(sentences)

    def _translate_sentences(self, model: Seq2SeqModel, sentences: list[str], source: str, target: str,
                             options: SummarizeOptions) -> tuple[list[str], dict[str, tuple[int, int]]]:
        """Translate sentences, one output per input, identical sentences once.

        Also returns the sentences too long for the model: sentence -> (tokens, pieces it was split into).
        """
        budget = model.max_input_tokens - 8
        spaced = LANGUAGES[source].spaced
        unique: dict[str, list[str]] = {}
        split: dict[str, tuple[int, int]] = {}
        for sentence, count in zip(sentences, model.count_tokens(sentences), strict=True):
            if sentence in unique:
                continue
            unique[sentence] = [sentence]
            if count > budget:
                unique[sentence] = self._split_to_fit(model, sentence, budget, spaced)
                split[sentence] = (count, len(unique[sentence]))
        pieces = list(dict.fromkeys(p for parts in unique.values() for p in parts))
        settings = self._translation_settings(model)
        ratio: float | None = TRANSLATION_LENGTH_RATIO
        if options.translation_tokens:
            settings.update(min_new_tokens=options.translation_tokens, max_new_tokens=options.translation_tokens)
            ratio = None
        outputs = model.generate(pieces, source=source, target=target, settings=settings,
                                 batch_size=max(options.batch_size, 16), length_ratio=ratio)
        done = {piece: out.text for piece, out in zip(pieces, outputs, strict=True)}
        target_spaced = LANGUAGES[target].spaced
        return [join_sentences([done[p] for p in unique[s]], target_spaced) for s in sentences], split

    @staticmethod
    def _translation_settings(model: Seq2SeqModel) -> dict:
        settings = model.generation_settings()
        settings.pop("max_length", None)
        settings.pop("min_length", None)
        return settings

    def _translate_summaries(self, articles: list[_Article], options: SummarizeOptions) -> None:
        """Translate every summary into every other target: one call per (model, source, target)."""
        jobs: dict[tuple[str, str, str], list] = {}
        for art in articles:
            sentences = split_sentences(art.summary)
            for target in art.targets:
                if target != art.summary_language:
                    key = (self._translator_for(art.summary_language, target), art.summary_language, target)
                    jobs.setdefault(key, []).append((art, sentences))
        for model, art, target, translated, notes in self._translate_jobs(jobs, options):
            for note in notes:
                art.warn_language(target, note)
            if art.summary.strip() and not "".join(translated).strip():
                art.warn_language(target, f"{model.name} produced an empty translation")
            text = join_sentences(translated, LANGUAGES[target].spaced)
            problems = check_translation(art.summary, text, art.summary_language, target)
            art.faithful[target] = not problems
            for problem in problems:
                art.warn_language(target, f"unfaithful: {problem}")
            art.summaries[target] = text
            art.sentences[target] = len(translated)
            art.models[target] = [*art.chain, model.model_id]


def summarize(text: str, languages: Sequence[str] | str = ("en",), *, preset: str = "default",
              length: str = "short", source_language: str | None = None, include_source: bool = False,
              device: str = "auto", engine: str = "auto", summarization_model: str | None = None,
              translation_models: Mapping[str, str] | None = None, allow_pickle: bool = False) -> Summary:
    """Summarise one article into each of `languages` (ISO 639-1 codes or names).

    Models load on first use and stay cached for the process. Only safetensors weights are
    loaded unless `allow_pickle`.
    """
    summarizer = Summarizer(preset, summarization_model=summarization_model,
                            translation_models=translation_models, device=device, engine=engine,
                            allow_pickle=allow_pickle)
    return summarizer.summarize(text, languages, length=length, source_language=source_language,
                                include_source=include_source)

