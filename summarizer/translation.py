"""Translating sentence by sentence: every sentence of every article for one model in one call, each once.

Opus-mt models drop sentences when fed several at once (marian-nmt/marian#389),
so texts are split into sentences, identical sentences are translated once, and
one translated sentence comes back for each sentence in. A sentence longer than
the model reads is split at word level first, and its translation re-joined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .article import Article
from .errors import ModelError, ModelLoadError
from .faithfulness import check_translation
from .languages import LANGUAGES
from .models import Model
from .options import SummarizeOptions
from .text import join_sentences, split_sentences, split_to_fit

TRANSLATION_LENGTH_RATIO = 2.0  # max new tokens per input token when translating
Job = tuple[str, str, str]  # (model name, source language, target language)


def translation_settings(model: Model, options: SummarizeOptions) -> tuple[dict, float | None]:
    """Decoding settings and the output-length ratio for a translator (exact lengths for benchmarks)."""
    settings = model.generation_settings()
    settings.pop("max_length", None)
    settings.pop("min_length", None)
    if options.translation_tokens:
        settings.update(min_new_tokens=options.translation_tokens, max_new_tokens=options.translation_tokens)
        return settings, None
    return settings, TRANSLATION_LENGTH_RATIO


def translate_sentences(model: Model, sentences: list[str], source: str, target: str,
                        options: SummarizeOptions, batch_size: int) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """One translation per sentence, identical sentences once.

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
            unique[sentence] = split_to_fit(sentence, model.count_tokens, budget, spaced)
            split[sentence] = (count, len(unique[sentence]))
    pieces = list(dict.fromkeys(p for parts in unique.values() for p in parts))
    settings, ratio = translation_settings(model, options)
    outputs = model.generate(pieces, source=source, target=target, settings=settings,
                             batch_size=batch_size, length_ratio=ratio)
    done = {piece: out.text for piece, out in zip(pieces, outputs, strict=True)}
    target_spaced = LANGUAGES[target].spaced
    return [join_sentences([done[p] for p in unique[s]], target_spaced) for s in sentences], split


def run_jobs(jobs: dict[Job, list[tuple[Article, list[str]]]], load: Callable[[str], Model],
             options: SummarizeOptions, batch_size: int, *, required: bool = False,
             ) -> Iterator[tuple[Model, Article, str, list[str], list[str]]]:
    """Run translation jobs, one model call per (model, source, target), over each article's sentences.

    A model that cannot be loaded, or raises, fails only its language (in the article's errors),
    unless the jobs are `required` (the pivot into English, without which there is nothing to
    summarise). Yields (model, article, target, translated sentences, notes): one sentence out per
    sentence in; notes say which of the article's sentences had to be split.
    """
    for (name, source, target), items in jobs.items():
        try:
            model = load(name)
            flat = [sentence for _, sentences in items for sentence in sentences]
            translated, split = translate_sentences(model, flat, source, target, options, batch_size)
        except (ModelLoadError, ModelError) as exc:  # this language fails; the others go on
            if required:
                raise
            for art, _ in items:
                art.fail_language(target, str(exc))
            continue
        position = 0
        for art, sentences in items:
            notes = [f"a sentence of {split[s][0]} tokens was split into {split[s][1]} pieces for {model.name}"
                     for s in dict.fromkeys(sentences) if s in split]
            yield model, art, target, translated[position:position + len(sentences)], notes
            position += len(sentences)


def translate_summaries(articles: list[Article], translator: Callable[[str, str], str],
                        load: Callable[[str], Model], options: SummarizeOptions, batch_size: int,
                        partial: Callable[[int, str, str], None] | None = None) -> None:
    """Step 4 of the pipeline: every summary into every target its summariser did not write, one call per
    (model, source, target); `translator(source, target)` names the model (the router's choice). Each translation
    is checked against the summary it translates; `partial(index, language, text)` hears of each as it is ready."""
    jobs: dict[Job, list[tuple[Article, list[str]]]] = {}
    for art in articles:
        sentences = split_sentences(art.summary)
        for target in art.targets:
            if target in art.written:  # its summary language, or one it wrote directly
                art.summaries[target] = art.written[target]
                art.models[target] = list(art.chain)
                art.sentences[target] = len(split_sentences(art.written[target]))
                if partial:
                    partial(art.index, target, art.written[target])
                continue
            art.work["translate_s"] = art.work.get("translate_s", 0.0) + len(art.summary)
            key = (translator(art.summary_language, target), art.summary_language, target)
            jobs.setdefault(key, []).append((art, sentences))
    for model, art, target, translated, notes in run_jobs(jobs, load, options, batch_size):
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
        art.translated[target] = translated
        art.sentences[target] = len(translated)
        art.models[target] = [*art.chain, model.model_id]
        if partial:
            partial(art.index, target, text)
