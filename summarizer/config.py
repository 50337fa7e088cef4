"""One configuration: which models, where they run, the limits, and the default request options.

Every door builds a `Config` once and passes it on: `Summarizer.from_config`,
the CLI's commands (from the flag groups below, shared by `summarize`,
`batch-ray`, `eval`, `download` and `serve`), the Ray actors and the server.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .cache import DEFAULT_MAX_MODELS
from .engines import ENGINES, PRECISIONS
from .errors import InputError
from .options import LENGTHS, SummarizeOptions, check_count
from .registry import PRESETS, get_preset

if TYPE_CHECKING:
    from .models import Model


@dataclass(frozen=True)
class Config:
    preset: str = "default"  # a name in PRESETS: the summariser and the translators by default
    summarizer_model: str | Model | None = None  # registry name, hub id, folder or loaded model
    translators: Mapping[str, str | Model] = field(default_factory=dict)  # target -> model, over the preset
    device: str = "auto"  # "auto" (CUDA when present), "cpu", "cuda", "cuda:1" ...
    engine: str = "auto"  # "auto", "torch" or "ctranslate2"
    precision: str = "auto"  # "auto" (int8 for CTranslate2 on CPU), or one of engines.PRECISIONS
    allow_pickle: bool = False  # also load pickle (.bin) weights, which can run code when loaded
    extractive_fallback: bool = False  # a preset summariser that cannot be loaded gives way to the extractive one
    batch_size: int = 8  # texts per generate() call (articles per batch in the CLI)
    max_chars: int = 500_000  # longest article accepted, in characters (checked before any model work)
    max_languages: int = 20  # most target languages in one request
    max_reduce_rounds: int = 8  # summarise-the-summaries rounds for very long articles
    max_models: int = DEFAULT_MAX_MODELS  # loaded models kept at most (least recently used dropped first)
    options: SummarizeOptions = field(default_factory=SummarizeOptions)  # defaults for every request

    def __post_init__(self) -> None:
        get_preset(self.preset)  # an unknown preset is an error naming the presets
        if self.engine not in ENGINES:
            raise InputError(f"engine={self.engine!r} is not one of: {', '.join(ENGINES)}.")
        if self.precision not in PRECISIONS:
            raise InputError(f"precision={self.precision!r} is not one of: {', '.join(PRECISIONS)}.")
        if not isinstance(self.translators, Mapping):
            raise InputError(f"translators={self.translators!r} must map languages to models.")
        object.__setattr__(self, "translators", MappingProxyType(dict(self.translators)))
        for name in ("batch_size", "max_chars", "max_languages", "max_reduce_rounds", "max_models"):
            check_count(name, getattr(self, name))


# ------------------------------------------------------------------------------------- CLI flags
def parse_translators(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        lang, sep, model = value.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise InputError(f"--translator {value!r} must look like LANG=MODEL, e.g. fr=Helsinki-NLP/opus-mt-en-fr")
        pairs[lang.strip()] = model.strip()
    return pairs


def add_model_flags(parser: argparse.ArgumentParser, *, runtime: bool = True) -> None:
    """--preset, --summarizer-model, --translator, --allow-pickle; with `runtime`, --device and --engine."""
    group = parser.add_argument_group("models")
    group.add_argument("--preset", default="default", choices=list(PRESETS), help="model preset (default: default)")
    group.add_argument("--summarizer-model", metavar="NAME_OR_PATH",
                       help="summariser: registry name, hub id or local folder (overrides the preset)")
    group.add_argument("--translator", action="append", default=[], metavar="LANG=NAME_OR_PATH",
                       help="translator into LANG (repeatable; overrides the preset)")
    group.add_argument("--allow-pickle", action="store_true",
                       help="also load models whose weights are pickles (.bin), which can run code when loaded; "
                            "by default only safetensors weights are loaded")
    if runtime:
        group.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda, cuda:1 ...")
        group.add_argument("--engine", default="auto", choices=list(ENGINES),
                           help="auto: CTranslate2 when installed (int8 on CPU, float16 on CUDA), else torch")
        group.add_argument("--precision", default="auto", choices=list(PRECISIONS),
                           help="auto: int8 on CTranslate2 (CPU), float16 on CUDA; torch: bfloat16 where the CPU "
                                "computes it natively, else float32")


def add_request_flags(parser: argparse.ArgumentParser, *, languages: bool = True) -> None:
    """What each summary should be: --to, --no-source, --length, --strict, --source-language."""
    group = parser.add_argument_group("summaries")
    if languages:
        group.add_argument("--to", default="en", help="comma-separated target languages (default: en)")
        group.add_argument("--no-source", action="store_true", help="do not add each article's own language")
    group.add_argument("--length", default="short", choices=list(LENGTHS))
    group.add_argument("--strict", action="store_true",
                       help="regenerate a summary that fails the numbers-and-names check, then fall back to "
                            "the article's own sentences")
    group.add_argument("--source-language", help="the articles' language (default: detected per article)")


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    defaults = Config()
    group = parser.add_argument_group("limits")
    group.add_argument("--batch-size", type=int, default=defaults.batch_size,
                       help=f"articles per batch (default: {defaults.batch_size})")
    group.add_argument("--max-chars", type=int, default=defaults.max_chars,
                       help=f"longest article accepted (default: {defaults.max_chars:,} characters)")
    group.add_argument("--max-languages", type=int, default=defaults.max_languages,
                       help=f"most target languages (default: {defaults.max_languages})")
    group.add_argument("--max-models", type=int, default=defaults.max_models,
                       help=f"loaded models kept in memory at most (default: {defaults.max_models})")


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input")
    group.add_argument("--glob", help="in folders, only files matching this pattern (e.g. '*.html')")
    group.add_argument("--text-field", default="text",
                       help="JSONL field, CSV or Parquet column holding the article (default: text)")
    group.add_argument("--id-field", default="id",
                       help="JSONL field, CSV or Parquet column holding the id (default: id)")


def add_job_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of a summarising job (`summarize run`, `summarize batch-ray`): input, summaries, models, limits."""
    add_input_flags(parser)
    add_request_flags(parser)
    add_model_flags(parser)
    add_limit_flags(parser)


def options_from_args(args: argparse.Namespace) -> SummarizeOptions:
    return SummarizeOptions(length=args.length, strict=args.strict, source_language=args.source_language,
                            include_source=not getattr(args, "no_source", False))


def check_counts(args: argparse.Namespace, *names: str) -> None:
    """Each of these flags the command has and was given is at least 1 (an error naming the flag otherwise)."""
    for name in names:
        if getattr(args, name, None) is not None and getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} {getattr(args, name)} must be at least 1.")


def config_from_args(args: argparse.Namespace, **extra: Any) -> Config:
    """The `Config` the flag groups describe (groups a command lacks keep their defaults)."""
    values = {"preset": args.preset, "summarizer_model": args.summarizer_model,
              "translators": parse_translators(args.translator), "allow_pickle": args.allow_pickle}
    counts = ("batch_size", "max_chars", "max_languages", "max_models")
    check_counts(args, *counts)
    values.update({name: getattr(args, name) for name in counts if hasattr(args, name)})
    for name in ("device", "engine", "precision"):
        if hasattr(args, name):
            values[name] = getattr(args, name)
    if hasattr(args, "length"):
        values["options"] = options_from_args(args)
    return Config(**{**values, **extra})
