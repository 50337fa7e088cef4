"""Translating sentence by sentence: every sentence of every article for one model in one call, each once.

Opus-mt models drop sentences when fed several at once (marian-nmt/marian#389),
so texts are split into sentences, identical sentences are translated once, and
one translated sentence comes back for each sentence in. A sentence longer than
the model reads is split at word level first, and its translation re-joined.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ..errors import ModelError, ModelLoadError
from ..evidence.backcheck import back_checks
from ..evidence.faithfulness import check_translation
from ..languages import LANGUAGES
from ..models.base import Model
from ..models.engines.base import Decoding
from ..models.instruct import InstructModel
from ..options import SummarizeOptions
from ..text.splitting import join_sentences, split_sentences, split_to_fit
from .article import Article
from .language_repair import check_translated

TRANSLATION_LENGTH_RATIO = 2.0  # max new tokens per input token when translating
Leg = tuple[str, str, str]  # (model name, source language, target language)
# An instruction model's translation prompts are one sentence each, short: it takes twice the batch size (16
# sentences a call rather than 8 translated 3 English summaries into 5 languages in 24-25 s instead of 33-37 s,
# Qwen2.5-Coder-0.5B on 2 cores; the outputs differ as batches do, in the right language as often)
INSTRUCT_SENTENCES = 2


def translation_settings(model: Model, options: SummarizeOptions) -> tuple[Decoding, float | None]:
    """Decoding settings and the output-length ratio for a translator (exact lengths for benchmarks)."""
    settings = model.translation_defaults()
    if options.translation_tokens:
        return settings.replace(min_new_tokens=options.translation_tokens,
                                max_new_tokens=options.translation_tokens), None
    return settings, TRANSLATION_LENGTH_RATIO


def translate_sentences(model: Model, sentences: list[str], source: str, target: str,
                        options: SummarizeOptions, batch_size: int) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """One translation per sentence, identical sentences once.

    Also returns the sentences too long for the model: sentence -> (tokens, pieces it was split into).
    """
    return translate_pairs(model, [(sentences, source, target)], options, batch_size)[0]


def translate_pairs(model: Model, requests: Sequence[tuple[list[str], str, str]], options: SummarizeOptions,
                    batch_size: int) -> list[tuple[list[str], dict[str, tuple[int, int]]]]:
    """`translate_sentences` for each (sentences, source, target): an instruction model translates every pair
    in one batched call (each prompt names its own pair), another model one call per pair."""
    budget = model.max_input_tokens - 8
    plans, calls = [], {}
    for sentences, source, target in requests:
        unique: dict[str, list[str]] = {}
        split: dict[str, tuple[int, int]] = {}
        for sentence, count in zip(sentences, model.count_tokens(sentences), strict=True):
            if sentence in unique:
                continue
            unique[sentence] = [sentence]
            if count > budget:
                unique[sentence] = split_to_fit(sentence, model.count_tokens, budget, LANGUAGES[source].spaced)
                split[sentence] = (count, len(unique[sentence]))
        plans.append((unique, split))
        calls.update({(piece, source, target): None for parts in unique.values() for piece in parts})
    settings, ratio = translation_settings(model, options)
    keys = list(calls)
    if isinstance(model, InstructModel):
        outputs = model.translate([k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys], settings=settings,
                                  batch_size=INSTRUCT_SENTENCES * batch_size, length_ratio=ratio or 2.0)
        done = {key: out.text for key, out in zip(keys, outputs, strict=True)}
    else:
        done = {}
        for source, target in dict.fromkeys((k[1], k[2]) for k in keys):
            pair = [k for k in keys if k[1:] == (source, target)]
            outputs = model.generate([k[0] for k in pair], source=source, target=target, settings=settings,
                                     batch_size=batch_size, length_ratio=ratio)
            done.update({key: out.text for key, out in zip(pair, outputs, strict=True)})
    return [([join_sentences([done[(p, source, target)] for p in unique[s]], LANGUAGES[target].spaced)
              for s in sentences], split)
            for (sentences, source, target), (unique, split) in zip(requests, plans, strict=True)]


def run_legs(legs: dict[Leg, list[tuple[Article, list[str]]]], load: Callable[[str], Model],
             options: SummarizeOptions, batch_size: int, *, required: bool = False,
             ) -> Iterator[tuple[Model, Article, str, list[str], list[str]]]:
    """Run translation legs (a model and a language pair) over each article's sentences: one model call per
    (model, source, target), or one per model for an instruction model (every language it translates into at
    once).

    A model that cannot be loaded, or raises, fails only its languages (in the article's errors),
    unless the legs are `required` (the pivot into English, without which there is nothing to
    summarise). Yields (model, article, target, translated sentences, notes): one sentence out per
    sentence in; notes say which of the article's sentences had to be split.
    """
    by_model: dict[str, list[Leg]] = {}
    for leg in legs:
        by_model.setdefault(leg[0], []).append(leg)
    for name, model_legs in by_model.items():
        try:
            model = load(name)
            groups = [model_legs] if isinstance(model, InstructModel) else [[leg] for leg in model_legs]
        except (ModelLoadError, ModelError) as exc:
            if required:
                raise
            _fail(legs, model_legs, exc)
            continue
        for group in groups:
            try:
                results = translate_pairs(model, [([s for _, sentences in legs[leg] for s in sentences], leg[1],
                                                   leg[2]) for leg in group], options, batch_size)
            except (ModelLoadError, ModelError) as exc:  # these languages fail; the others go on
                if required:
                    raise
                _fail(legs, group, exc)
                continue
            for leg, (translated, split) in zip(group, results, strict=True):
                position = 0
                for art, sentences in legs[leg]:
                    notes = [f"a sentence of {split[s][0]} tokens was split into {split[s][1]} pieces for "
                             f"{model.name}" for s in dict.fromkeys(sentences) if s in split]
                    yield model, art, leg[2], translated[position:position + len(sentences)], notes
                    position += len(sentences)


def _fail(legs: dict[Leg, list[tuple[Article, list[str]]]], failed: list[Leg], exc: Exception) -> None:
    for leg in failed:
        for art, _ in legs[leg]:
            art.fail_language(leg[2], str(exc))


def translate_summaries(articles: list[Article], load: Callable[[str], Model], options: SummarizeOptions,
                        batch_size: int, partial: Callable[[int, str, str], None] | None = None, *,
                        refuse_language: bool = True) -> None:
    """Step 5 of the pipeline: every summary into every target its summariser did not write, one call per
    (model, source, target), or per instruction model, with the translator each article's `Route` names. Each
    translation is checked for its language (`language_repair.check_translated`) and against the
    summary it translates; `partial(index, language, text)` hears of each as it is ready."""
    legs: dict[Leg, list[tuple[Article, list[str]]]] = {}
    sources: dict[int, list[str]] = {}  # each article's summary sentences, which every translation translates
    for art in articles:
        sentences = sources[art.index] = split_sentences(art.summary)
        for target in art.targets:
            if target in art.written:  # its summary language, or one it wrote directly
                art.summaries[target] = art.written[target]
                art.models[target] = list(art.chain)
                art.sentences[target] = len(split_sentences(art.written[target]))
                if partial:
                    partial(art.index, target, art.written[target])
                continue
            art.work["translate_s"] = art.work.get("translate_s", 0.0) + len(art.summary)
            key = (art.route.translator(art.summary_language, target), art.summary_language, target)
            legs.setdefault(key, []).append((art, sentences))
    settings: dict[str, Decoding] = {}  # each translator's decoding settings, for its repairs
    back: dict[str, tuple[Model, list[tuple[Article, str]]]] = {}  # strict: instruction models' work, checked back
    for model, art, target, translated, notes in run_legs(legs, load, options, batch_size):
        for note in notes:
            art.warn_language(target, note)
        if art.summary.strip() and not "".join(translated).strip():
            art.warn_language(target, f"{model.name} produced an empty translation")
        if model.model_id not in settings:
            settings[model.model_id] = translation_settings(model, options)[0]
        translated = check_translated(model, art, target, sources[art.index], translated,
                                      settings[model.model_id], refuse_language)
        if translated is None:  # not in the language it is for, even when asked again: that language's error
            continue
        text = join_sentences(translated, LANGUAGES[target].spaced)
        problems = check_translation(art.summary, text, art.summary_language, target)
        art.faithful[target] = not problems
        for problem in problems:
            art.warn_language(target, f"unfaithful: {problem}")
        art.summaries[target] = text
        art.translated[target] = translated
        art.sentences[target] = len(translated)
        art.models[target] = [*art.chain, model.model_id]
        if options.strict and isinstance(model, InstructModel):
            back.setdefault(model.model_id, (model, []))[1].append((art, target))
        if partial:
            partial(art.index, target, text)
    for model, done in back.values():
        check_back(model, done, sources)


def check_back(model: Model, done: list[tuple[Article, str]], sources: dict[int, list[str]]) -> None:
    """Every sentence these translations hold, translated back by the instruction model that made them, in one
    call, and compared with the summary sentence it translates (`backcheck.py`; `grounding.py` shows it)."""
    done = [(art, target) for art, target in done if len(art.translated[target]) == len(sources[art.index])]
    items = [(art, target, i) for art, target in done for i in range(len(art.translated[target]))]
    checks = back_checks(model, [sources[art.index][i] for art, _, i in items],
                         [art.summary_language for art, _, _ in items],
                         [art.translated[target][i] for art, target, i in items], [target for _, target, _ in items],
                         [art.text for art, _, _ in items])
    for (art, target, _), check in zip(items, checks, strict=True):
        art.back.setdefault(target, (model.model_id, []))[1].append(check)
    for art, target in done:
        flagged = {n: check for n, check in enumerate(art.back.get(target, ("", []))[1], 1) if check.flagged}
        if flagged:
            art.faithful[target] = False
            what = "; ".join(f"{n}: {', '.join(check.differences)}" for n, check in flagged.items())
            art.warn_language(target, f"unfaithful: translated back into {art.summary_language} by "
                                      f"{model.name}, sentence{'s' if len(flagged) > 1 else ''} "
                                      f"{', '.join(map(str, flagged))} no longer say{'' if len(flagged) > 1 else 's'} "
                                      f"what the summary says ({what}; see its evidence)")
