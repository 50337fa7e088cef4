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
from .languages import LANGUAGES
from .models import Model
from .options import SummarizeOptions
from .text import join_sentences, split_to_fit

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
