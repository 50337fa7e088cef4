"""One configuration: which models, where they run, the limits, and the default request options.

Every door builds a `Config` once and passes it on: `Summarizer.from_config`,
the CLI's commands (from the flag groups below, shared by `summarize`,
`batch-ray`, `eval`, `download` and `serve`), the Ray actors and the server.
A field declared with `setting` is also a flag and an environment variable,
both generated from it; the server's settings (`server.settings.ServerSettings`)
are declared the same way.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .models.base import LENGTHS
from .models.cache import DEFAULT_MAX_MODELS
from .models.engines.base import ENGINES, PRECISIONS
from .models.registry import PRESETS, get_preset
from .options import SummarizeOptions

if TYPE_CHECKING:
    from .models.base import Model


LANGUAGE_CHECKS = ("refuse", "warn")
LONG_ARTICLES = ("central", "chunks")
ENV_PREFIX = "SUMMARIZER_"


def setting(default: Any = None, help: str = "", *, factory: Any = None, group: str | None = None,
             only: str | None = None, **flag: Any) -> Any:
    """A field that is also a flag (its name with dashes) and an environment variable (``SUMMARIZER_`` and its name
    in capitals): `help` says what it is, `group` which flag group it is in (`add_config_flags`), `only` which
    commands have it ("runtime": those that run models; "fallback": those that summarise for a reader); the rest
    is given to argparse (choices, metavar, and ``kind``, the type of a value read from text)."""
    metadata = {"help": help, "group": group, "only": only, **flag}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Config:
    """Which models, where they run, the limits, and the default request options.

    Each field with a flag can be set on the command line and in the environment (``SUMMARIZER_PRESET``, ...;
    the flag wins), both generated from these fields; `Config()` itself reads no environment.
    """

    preset: str = setting("default", "model preset", group="models", choices=list(PRESETS))
    summarizer_model: str | Model | None = setting(  # noqa: RUF009 (a field, as the others): name, id, folder or model
        None, "summariser: registry name, hub id or local folder (overrides the preset)", group="models",
        metavar="NAME_OR_PATH", kind=str)
    translators: Mapping[str, str | Model] = setting(  # target -> model, over the preset
        factory=dict, help="translator into LANG (repeatable; overrides the preset)", group="models",
        metavar="LANG=NAME_OR_PATH", kind="pairs")
    allow_pickle: bool = setting(False, "also load models whose weights are pickles (.bin), which can run code "
                                  "when loaded; by default only safetensors weights are loaded", group="models")
    device: str = setting("auto", "auto (CUDA when present), cpu, cuda, cuda:1 ...", group="models",
                           only="runtime")
    engine: str = setting("auto", "auto: CTranslate2 when installed (int8 on CPU, float16 on CUDA), else torch",
                           group="models", only="runtime", choices=list(ENGINES))
    precision: str = setting("auto", "auto: int8 on CTranslate2 (CPU), float16 on CUDA; torch: bfloat16 where "
                              "the CPU computes it natively, else float32", group="models", only="runtime",
                              choices=list(PRECISIONS))
    # Each summary and translation is checked to be in the language it is labelled (language_check.py).
    # "warn" is for models whose output is not meant to be language: random weights in tests, or a language the
    # detector mistakes for another.
    language_check: str = setting("refuse", "refuse: a summary not written in the language it is for is made "
                                   "again, then refused for that language; warn: returned, with the failed check "
                                   "in its warnings", group="models", choices=list(LANGUAGE_CHECKS))
    long_articles: str = setting("central", "an article longer than an instruction model's input: central reads "
                                  "its most central sentences that fit, in one prompt; chunks reads every chunk, "
                                  "then summarises their summaries (several times the cost; each result says "
                                  "which)", group="models", choices=list(LONG_ARTICLES))
    # A preset summariser that cannot be loaded gives way to the extractive one (each result says so loudly).
    # Off for the library (a missing model is an error); on in the commands that summarise for a reader
    # (`command_default`), so that a reader gets a summary: the one place this is decided.
    extractive_fallback: bool = setting(
        False, "when the preset's summariser cannot be loaded, summarise extractively (the article's own "
        "sentences) and say so loudly in every result, instead of failing (a summariser named with "
        "--summarizer-model is never replaced)", group="models", only="fallback", command_default=True)
    batch_size: int = setting(8, "articles per batch (texts per generate() call)", group="limits")
    max_chars: int = setting(500_000, "longest article accepted, in characters (checked before any model work)",
                              group="limits")
    max_languages: int = setting(20, "most target languages in one request", group="limits")
    max_models: int = setting(DEFAULT_MAX_MODELS, "loaded models kept in memory at most (least recently used "
                               "dropped first)", group="limits")
    max_reduce_rounds: int = setting(8, "summarise-the-summaries rounds at most, for very long articles")
    evidence: bool = setting(True, "trace every summary sentence to the article sentences behind it "
                              "(Summary.evidence)")
    options: SummarizeOptions = field(default_factory=SummarizeOptions)  # defaults for every request

    def __post_init__(self) -> None:
        get_preset(self.preset)  # an unknown preset is an error naming the presets
        check_settings(self)
        if not isinstance(self.translators, Mapping):
            raise InputError(f"translators={self.translators!r} must map languages to models.")
        if not isinstance(self.options, SummarizeOptions):
            raise InputError(f"options={self.options!r} must be a SummarizeOptions.")
        if self.options.preset is not None:  # one default preset: a request may name another
            raise InputError(f"options.preset={self.options.preset!r}: a configuration's preset is Config.preset.")
        object.__setattr__(self, "translators", MappingProxyType(dict(self.translators)))
        # every field set (None or left out: the default), so that whoever reads the configured options reads values
        object.__setattr__(self, "options", self.options.with_defaults())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: Any) -> Config:
        """The defaults, with those set in the environment (``SUMMARIZER_<NAME>``), then `given`."""
        return cls(**{**env_values(cls, environ), **given})


def check_count(name: str, value: object, optional: bool = False) -> None:
    """A setting that counts something must be a whole number of at least 1 (or None where optional)."""
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InputError(f"{name}={value!r} must be a whole number of at least 1.")


def check_settings(settings: Any) -> None:
    """Each field declared with `setting` holds what its kind asks: one of its choices; a count (a whole number
    of at least 1, or None where that is its default); a number above 0; a share (``share=True``: 0 up to 1)."""
    for spec in fields(settings):
        value, kind, choices = getattr(settings, spec.name), _kind(spec), spec.metadata.get("choices")
        if choices and value not in choices:
            raise InputError(f"{spec.name}={value!r} is not one of: {', '.join(choices)}.")
        if kind is int:
            check_count(spec.name, value, optional=spec.default is None)
        elif kind is float and spec.metadata.get("share"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise InputError(f"{spec.name}={value!r} must be a number from 0 up to (not including) 1.")
        elif kind is float and (isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0):
            raise InputError(f"{spec.name}={value!r} must be a number above 0.")


# ------------------------------------------------------------------------------------- flags and environment
def env_values(cls: type, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The fields of `cls` (a settings dataclass) set in the environment, parsed."""
    environ = os.environ if environ is None else environ
    values = {}
    for spec in fields(cls):
        raw = environ.get(ENV_PREFIX + spec.name.upper()) if spec.metadata.get("help") else None
        if raw is not None and raw.strip():
            values[spec.name] = _parse(spec, raw.strip())
    return values


def _kind(spec) -> Any:
    kind = spec.metadata.get("kind")
    if kind is not None:
        return kind
    return type(spec.default) if spec.default is not None and spec.default is not MISSING else str


def _parse(spec, raw: str) -> Any:
    kind = _kind(spec)
    try:
        if kind is bool:
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}[raw.lower()]
        if kind == "pairs":
            return parse_translators([pair for pair in raw.split(",") if pair.strip()])
        return kind(raw)
    except (KeyError, ValueError):
        raise InputError(f"{ENV_PREFIX}{spec.name.upper()}={raw!r} is not a valid {spec.name}.") from None


def add_flag(parser, spec, value: Any) -> None:
    """One field's flag, its default `value`."""
    meta = spec.metadata
    flag = "--" + spec.name.replace("_", "-")
    where = f"; env {ENV_PREFIX}{spec.name.upper()}"
    kind = _kind(spec)
    if kind is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value,
                            help=f"{meta['help']} (default: {'on' if value else 'off'}{where})")
    elif kind == "pairs":  # --translator fr=MODEL, repeatable: given after those of the environment
        parser.add_argument(flag.rstrip("s"), dest=spec.name, action="append", metavar=meta.get("metavar"),
                            default=[f"{key}={model}" for key, model in value.items()],
                            help=f"{meta['help']}{where} as LANG=MODEL,LANG=MODEL")
    else:
        shown = "none" if value is None else f"{value:,}" if kind is int and value >= 10_000 else value
        parser.add_argument(flag, type=kind, default=value, metavar=meta.get("metavar"), choices=meta.get("choices"),
                            help=f"{meta['help']} (default: {shown}{where})")


def add_config_flags(parser: argparse.ArgumentParser, group: str, *, runtime: bool = True, fallback: bool = False,
                     defaults: Config | None = None) -> None:
    """The flags of `Config`'s fields in `group` ("models" or "limits"), their defaults the environment's; those
    marked `only` "runtime" with `runtime`, "fallback" with `fallback` (with the command's default)."""
    set_here = env_values(Config)
    defaults = defaults or Config(**set_here)
    flags = parser.add_argument_group(group)
    for spec in fields(Config):
        meta = spec.metadata
        if meta.get("group") != group or (meta.get("only") == "runtime" and not runtime) or \
                (meta.get("only") == "fallback" and not fallback):
            continue
        value = getattr(defaults, spec.name)
        if "command_default" in meta and spec.name not in set_here:
            value = meta["command_default"]
        add_flag(flags, spec, value)


def add_model_flags(parser: argparse.ArgumentParser, *, runtime: bool = True, fallback: bool = False) -> None:
    """--preset, --summarizer-model, --translator, --allow-pickle; with `runtime`, --device, --engine and
    --precision; with `fallback`, --[no-]extractive-fallback (on: the commands that summarise for a reader)."""
    add_config_flags(parser, "models", runtime=runtime, fallback=fallback)


def add_limit_flags(parser: argparse.ArgumentParser) -> None:
    add_config_flags(parser, "limits")


def parse_translators(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        lang, sep, model = value.partition("=")
        if not sep or not lang.strip() or not model.strip():
            raise InputError(f"--translator {value!r} must look like LANG=MODEL, e.g. fr=Helsinki-NLP/opus-mt-en-fr")
        pairs[lang.strip()] = model.strip()
    return pairs


def add_request_flags(parser: argparse.ArgumentParser, *, languages: bool = True) -> None:
    """What each summary should be: --to, --no-source, --length, --strict, --source-language."""
    group, default = parser.add_argument_group("summaries"), SummarizeOptions()
    if languages:
        group.add_argument("--to", help=f"comma-separated target languages (default: {','.join(default.languages)})")
        group.add_argument("--no-source", action="store_true", help="do not add each article's own language")
    group.add_argument("--length", choices=list(LENGTHS), help=f"summary length (default: {default.length})")
    group.add_argument("--strict", action="store_true",
                       help="regenerate a summary that fails the numbers-and-names check, then fall back to "
                            "the article's own sentences; in the article's language, replace each summary sentence "
                            "the article supports less than 0.9 by the article sentence behind it; translate an "
                            "instruction model's translations back and flag the sentences that no longer say what "
                            "the summary says (about twice the translation time)")
    group.add_argument("--source-language", help="the articles' language (default: detected per article)")


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input")
    group.add_argument("--glob", help="in folders, only files matching this pattern (e.g. '*.html')")
    group.add_argument("--text-field", default="text",
                       help="JSONL field, CSV or Parquet column holding the article (default: text)")
    group.add_argument("--id-field", default="id",
                       help="JSONL field, CSV or Parquet column holding the id (default: id)")


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """The flags of a summarising job (`summarize run`, `summarize batch-ray`): input, summaries, models, limits."""
    add_input_flags(parser)
    add_request_flags(parser)
    add_model_flags(parser, fallback=True)
    add_limit_flags(parser)


def options_from_args(args: argparse.Namespace) -> SummarizeOptions:
    """The request flags as options: those given (None: not given, the default stays)."""
    return SummarizeOptions(languages=getattr(args, "to", None), length=args.length, strict=args.strict or None,
                            source_language=args.source_language,
                            include_source=False if getattr(args, "no_source", False) else None)


def check_counts(args: argparse.Namespace, *names: str) -> None:
    """Each of these flags the command has and was given is at least 1 (an error naming the flag otherwise)."""
    for name in names:
        if getattr(args, name, None) is not None and getattr(args, name) < 1:
            raise InputError(f"--{name.replace('_', '-')} {getattr(args, name)} must be at least 1.")


def config_from_args(args: argparse.Namespace, **extra: Any) -> Config:
    """The `Config` the flag groups describe (groups a command lacks keep the environment's or the defaults)."""
    check_counts(args, *(spec.name for spec in fields(Config) if spec.metadata.get("group") and _kind(spec) is int))
    values = {spec.name: getattr(args, spec.name) for spec in fields(Config)
              if spec.metadata.get("group") and hasattr(args, spec.name)}  # the flags `add_config_flags` made
    if "translators" in values:
        values["translators"] = parse_translators(values["translators"])
    if hasattr(args, "length"):
        values["options"] = options_from_args(args)
    return Config.from_env(**{**values, **extra})
