"""One configuration: which models, where they run, the limits, and the default request options; and the
server's settings beside it.

Every door builds a `Config` once and passes it on: `Summarizer.from_config`,
the CLI's commands (from the flag groups below, shared by `summarize`,
`batch-ray`, `eval`, `download` and `serve`), the Ray actors and the server.
`ServerSettings` holds every default of `summarize serve` (queue, batching,
limits, timeouts), read by its flags, by the environment and by the server.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .cache import DEFAULT_MAX_MODELS
from .engines import ENGINES, PRECISIONS
from .errors import InputError
from .options import LENGTHS, SummarizeOptions, check_count
from .registry import PRESETS, get_preset

if TYPE_CHECKING:
    from .models import Model


LANGUAGE_CHECKS = ("refuse", "warn")
LONG_ARTICLES = ("central", "chunks")


@dataclass(frozen=True)
class Config:
    preset: str = "default"  # a name in PRESETS: the summariser and the translators by default
    summarizer_model: str | Model | None = None  # registry name, hub id, folder or loaded model
    translators: Mapping[str, str | Model] = field(default_factory=dict)  # target -> model, over the preset
    device: str = "auto"  # "auto" (CUDA when present), "cpu", "cuda", "cuda:1" ...
    engine: str = "auto"  # "auto", "torch" or "ctranslate2"
    precision: str = "auto"  # "auto" (int8 for CTranslate2 on CPU), or one of engines.PRECISIONS
    allow_pickle: bool = False  # also load pickle (.bin) weights, which can run code when loaded
    # A preset summariser that cannot be loaded gives way to the extractive one (each result says so loudly).
    # Off for the library (a missing model is an error); the commands turn it on with their flags (see
    # `add_model_flags`), so that a reader gets a summary: the one place this is decided.
    extractive_fallback: bool = False
    batch_size: int = 8  # texts per generate() call (articles per batch in the CLI)
    max_chars: int = 500_000  # longest article accepted, in characters (checked before any model work)
    max_languages: int = 20  # most target languages in one request
    max_reduce_rounds: int = 8  # summarise-the-summaries rounds for very long articles
    evidence: bool = True  # trace every summary sentence to the article sentences behind it (Summary.evidence)
    # Each summary and translation is checked to be in the language it is labelled (language_check.py).
    # "refuse": what is not is made again once, then not returned under that label (language_repair.py);
    # "warn": it is returned, with the failed check in its warnings and `made` (for models whose output is not
    # meant to be language: random weights in tests, or a language the detector mistakes for another)
    language_check: str = "refuse"
    # An article longer than an instruction model's input: "central", the model reads its most central sentences
    # (the extractive ranking) that fit, in one prompt; "chunks", it reads every chunk and summarises their
    # summaries (several times the cost: docs/benchmarks.md, "Long articles"). Seq2seq models always chunk.
    long_articles: str = "central"
    max_models: int = DEFAULT_MAX_MODELS  # loaded models kept at most (least recently used dropped first)
    options: SummarizeOptions = field(default_factory=SummarizeOptions)  # defaults for every request

    def __post_init__(self) -> None:
        get_preset(self.preset)  # an unknown preset is an error naming the presets
        if self.engine not in ENGINES:
            raise InputError(f"engine={self.engine!r} is not one of: {', '.join(ENGINES)}.")
        if self.language_check not in LANGUAGE_CHECKS:
            raise InputError(f"language_check={self.language_check!r} is not one of: {', '.join(LANGUAGE_CHECKS)}.")
        if self.long_articles not in LONG_ARTICLES:
            raise InputError(f"long_articles={self.long_articles!r} is not one of: {', '.join(LONG_ARTICLES)}.")
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


def add_model_flags(parser: argparse.ArgumentParser, *, runtime: bool = True, fallback: bool = False) -> None:
    """--preset, --summarizer-model, --translator, --allow-pickle; with `runtime`, --device and --engine; with
    `fallback`, --[no-]extractive-fallback (on: the commands that summarise for a reader)."""
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
    group.add_argument("--language-check", default="refuse", choices=LANGUAGE_CHECKS,
                       help="refuse (default): a summary not written in the language it is for is made again, "
                            "then refused for that language; warn: returned, with the failed check in its warnings")
    group.add_argument("--long-articles", default="central", choices=LONG_ARTICLES,
                       help="an article longer than an instruction model's input: central (default) reads its most "
                            "central sentences that fit, in one prompt; chunks reads every chunk, then summarises "
                            "their summaries (several times the cost; each result says which)")
    if fallback:
        group.add_argument("--extractive-fallback", action=argparse.BooleanOptionalAction, default=True,
                           help="when the preset's summariser cannot be loaded, summarise extractively (the "
                                "article's own sentences) and say so loudly in every result, instead of failing "
                                "(default: on; a summariser named with --summarizer-model is never replaced)")


def add_request_flags(parser: argparse.ArgumentParser, *, languages: bool = True) -> None:
    """What each summary should be: --to, --no-source, --length, --strict, --source-language."""
    group = parser.add_argument_group("summaries")
    if languages:
        group.add_argument("--to", default="en", help="comma-separated target languages (default: en)")
        group.add_argument("--no-source", action="store_true", help="do not add each article's own language")
    group.add_argument("--length", default="short", choices=list(LENGTHS))
    group.add_argument("--strict", action="store_true",
                       help="regenerate a summary that fails the numbers-and-names check, then fall back to "
                            "the article's own sentences; in the article's language, replace each summary sentence "
                            "the article supports less than 0.9 by the article sentence behind it; translate an "
                            "instruction model's translations back and flag the sentences that no longer say what "
                            "the summary says (about twice the translation time)")
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
    add_model_flags(parser, fallback=True)
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
    for name in ("device", "engine", "precision", "extractive_fallback", "language_check", "long_articles"):
        if hasattr(args, name):
            values[name] = getattr(args, name)
    if hasattr(args, "length"):
        values["options"] = options_from_args(args)
    return Config(**{**values, **extra})


# ------------------------------------------------------------------------------------- the server's settings
def _setting(default: Any, help: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class ServerSettings:
    """Every default of `summarize serve`: where it listens, its queue and batches, its limits and timeouts.

    Each is a flag (the field's name with dashes: ``--max-queue``) and can be set in the environment
    (``SUMMARIZER_`` and the name in capitals: ``SUMMARIZER_MAX_QUEUE``); the flag wins. Limits and key
    counters live in memory: a restart resets them.
    """

    host: str = _setting("127.0.0.1", "address to bind (127.0.0.1: this machine only)")
    port: int = _setting(7860, "port to listen on")
    api_keys: str | None = _setting(None, "JSON file of API keys and their limits (none: the server is open); "
                                    "the limits are counted in memory: a restart resets them", metavar="FILE")
    page: bool = _setting(True, "serve the web page at / beside the API")
    max_queue: int = _setting(256, "articles waiting for the models at most (beyond: 503 queue_full)")
    max_queue_per_key: int | None = _setting(None, "articles one API key may have waiting at most, so that "
                                             "one key cannot fill the queue (default: half of --max-queue)")
    max_batch: int = _setting(32, "articles summarised together at most (1 turns batching off)")
    max_batch_chars: int = _setting(200_000, "characters summarised together at most")
    batch_wait_ms: float = _setting(10.0, "a batch waits for company until none has come for this long (ms)")
    batch_gather_ms: float = _setting(250.0, "... and this long at most, for a burst of requests (ms)")
    request_timeout: float = _setting(600.0, "seconds a request may take, queueing included (beyond: 504)")
    max_batch_articles: int = _setting(64, "articles in one POST /v1/summarize/batch at most")
    max_body_mb: float = _setting(10.0, "largest request body in MB, counted as it arrives (beyond: 413)")
    max_upload_mb: float = _setting(2.0, "largest file uploaded on the page, in MB")
    max_uploads_mb_per_key: float = _setting(10.0, "MB of page uploads one key may hold on the server, not yet "
                                             "read (each file counts at least 4 KB; beyond: 429)")
    max_uploads_mb: float = _setting(100.0, "MB of page uploads the server holds at most, not yet read, all "
                                     "keys together (beyond: 503)")
    read_timeout: float = _setting(30.0, "seconds a client may take to send a request's headers, or the next "
                                   "part of its body (beyond: the connection is closed)")
    shutdown_timeout: float = _setting(30.0, "seconds SIGTERM waits for the requests in flight")
    max_connections: int = _setting(8192, "connections open at once, from all clients (beyond: a new one is "
                                    "answered 503 server_busy and closed); kept under the open-file limit, "
                                    "which the server raises to its hard limit")
    max_connections_per_client: int = _setting(512, "connections open at once from one client address (beyond: "
                                               "429 too_many_streams and closed); behind a proxy, every client "
                                               "is the proxy's address")
    max_streams: int = _setting(1024, "requests in progress at once, the page's event streams among them, "
                                "from all clients (beyond: 503 server_busy); /health and requests with a valid "
                                "API key are not counted")
    max_streams_per_client: int = _setting(128, "... and from one client address (beyond: 429 "
                                           "too_many_streams)")
    max_auth_failures: int = _setting(10, "failed keys and logins one client address may send within "
                                      "--auth-failure-window (beyond: 429 too_many_failures, no key checked)")
    auth_failure_window: float = _setting(60.0, "seconds a failed key or login counts against its address")
    retry_after: int = _setting(5, "seconds a 503 (full queue, loading) tells clients to wait")
    ray: bool = _setting(False, "run the API as a Ray Serve application (the page stays with the plain server)")
    address: str | None = _setting(None, "Ray cluster to join (default: $RAY_ADDRESS, else a local cluster)")
    replicas: int = _setting(1, "model replicas on Ray Serve")
    queue_reserve: float = _setting(0.25, "share of --max-queue kept for API keys with no article waiting, so that "
                                    "keys that keep the queue full cannot shut out another (0: none)")

    def __post_init__(self) -> None:
        for name in ("port", "max_queue", "max_batch", "max_batch_chars", "max_batch_articles", "retry_after",
                     "replicas", "max_connections", "max_connections_per_client", "max_streams",
                     "max_streams_per_client", "max_auth_failures"):
            check_count(name, getattr(self, name))
        check_count("max_queue_per_key", self.max_queue_per_key, optional=True)
        for name in ("batch_wait_ms", "batch_gather_ms", "request_timeout", "max_body_mb", "max_upload_mb",
                     "max_uploads_mb_per_key", "max_uploads_mb", "read_timeout", "shutdown_timeout",
                     "auth_failure_window"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InputError(f"{name}={value!r} must be a number above 0.")
        _check_share("queue_reserve", self.queue_reserve)

    @property
    def key_share(self) -> int:
        """Articles one key may have waiting."""
        return self.max_queue_per_key or max(1, self.max_queue // 2)

    @property
    def reserved(self) -> int:
        """Places of the queue that only a key with no article waiting may take (`queue_reserve`)."""
        return int(self.max_queue * self.queue_reserve)

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1_000_000)

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: Any) -> ServerSettings:
        """The defaults, with those set in the environment (``SUMMARIZER_<NAME>``), then `given`."""
        environ = os.environ if environ is None else environ
        values = {}
        for spec in fields(cls):
            raw = environ.get(f"SUMMARIZER_{spec.name.upper()}")
            if raw is not None and raw.strip():
                values[spec.name] = _parse(spec, raw.strip())
        return cls(**{**values, **given})


def _check_share(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise InputError(f"{name}={value!r} must be a number from 0 up to (not including) 1.")


def _parse(spec, raw: str) -> Any:
    kind = type(spec.default) if spec.default is not None else str
    try:
        if kind is bool:
            return {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}[raw.lower()]
        return kind(raw) if spec.name != "max_queue_per_key" else int(raw)
    except (KeyError, ValueError):
        raise InputError(f"SUMMARIZER_{spec.name.upper()}={raw!r} is not a valid {spec.name}.") from None


def add_server_flags(parser: argparse.ArgumentParser, defaults: ServerSettings) -> None:
    """One flag per `ServerSettings` field, its default the value in `defaults` (the environment's)."""
    for spec in fields(ServerSettings):
        flag, value = "--" + spec.name.replace("_", "-"), getattr(defaults, spec.name)
        where = f"; env SUMMARIZER_{spec.name.upper()}"
        if isinstance(spec.default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value,
                                help=f"{spec.metadata['help']} (default: {'on' if value else 'off'}{where})")
            continue
        kind = int if spec.name == "max_queue_per_key" else type(spec.default) if spec.default is not None else str
        parser.add_argument(flag, type=kind, default=value, metavar=spec.metadata.get("metavar"),
                            help=f"{spec.metadata['help']} (default: {value}{where})")


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    return ServerSettings(**{spec.name: getattr(args, spec.name) for spec in fields(ServerSettings)})
