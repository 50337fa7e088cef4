"""One request: what a caller asks of one article, the same whichever door it came by, resolved once.

Every door builds a `Request` (the article and its `SummarizeOptions`): the JSON
API and Ray Serve from the request body (this class is the body: its fields and
limits are what the OpenAPI schema shows), the page from its widgets, the CLI
and batch-ray from their flags and each input item, the Python API from its
arguments. `Request.resolve` checks it against the configuration once, into a
`Resolved`: every option set (the request's over the configuration's), the
target languages normalised and checked. Everything after the door takes the
`Resolved`; `Summarizer.summarize_requests` takes a list of them, and those
with the same `batch_key` are summarised together, each with its own languages.

The rules a request obeys live here and in options.py, nowhere else: its
defaults, how languages are normalised, that the article's own language comes
first, which options a batch must share. A new per-request field is a field of
`SummarizeOptions` (and, if it changes how models are run, a name in
`BATCH_FIELDS`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import Field, StrictStr

from .config import Config
from .errors import InternalError, SummarizerError, TooLongError
from .languages import normalize_language, normalize_languages
from .models.registry import get_preset
from .options import SummarizeOptions

R = TypeVar("R")
log = logging.getLogger(__name__)
BATCH_FIELDS = ("preset", "length", "strict", "summary_tokens", "translation_tokens")


def with_source(source: str, targets: tuple[str, ...], include_source: bool) -> tuple[str, ...]:
    """The languages an article's summary is made in: its own first (when asked), then the targets."""
    return tuple(dict.fromkeys([source, *targets])) if include_source else targets


class Request(SummarizeOptions):
    """One article and what to make of it: the unit every door builds."""

    text: StrictStr = Field(description="the article, as plain text")

    def resolve(self, config: Config, supported: set[str] | None = None) -> Resolved:
        """This request checked against `config`, once: its options over the configuration's, its languages
        normalised and checked (against `supported` and `config.max_languages`); a SummarizerError names what
        is wrong."""
        check_length(self.text, config)
        return Resolved(self.text, resolve_options(self, config, supported))


def check_length(text: str, config: Config) -> None:
    """An article longer than `config.max_chars` is refused before any work."""
    if len(text) > config.max_chars:
        raise TooLongError(f"The article has {len(text):,} characters; the limit is {config.max_chars:,} "
                           "(max_chars).")


def resolve_options(asked: SummarizeOptions, config: Config, supported: set[str] | None = None) -> SummarizeOptions:
    """`asked` over the configuration's options: every field set, the languages normalised and checked (against
    `supported` and `config.max_languages`), the preset and source language named as their codes."""
    options = asked.over(config.options.with_defaults())
    # No languages but its own: only the article's language (a caller that asks for nothing else).
    targets = () if options.include_source and not options.languages else \
        normalize_languages(options.languages or (), supported, config.max_languages)
    source = options.source_language
    preset = options.preset or config.preset
    get_preset(preset)
    return options.model_copy(update={
        "languages": list(targets), "preset": preset,
        "source_language": normalize_language(source) if source and source.strip() else None})


@dataclass(frozen=True)
class Resolved:
    """A request after `Request.resolve`: what the pipeline, the service's queue and Ray take. Every field of
    `options` is set, and `options.languages` holds the normalised target languages."""

    text: str
    options: SummarizeOptions

    @property
    def targets(self) -> tuple[str, ...]:
        """The target languages (the article's own is added by `with_source` when `include_source`)."""
        return tuple(self.options.languages or ())

    @property
    def preset(self) -> str:
        return self.options.preset  # type: ignore[return-value]

    @property
    def batch_key(self) -> tuple:
        """What requests summarised together must share (their languages and source may differ)."""
        return tuple(getattr(self.options, name) for name in BATCH_FIELDS)


def resolve(request: Request | Resolved, config: Config, supported: set[str] | None = None) -> Resolved:
    """A request resolved against `config`; one already resolved as it is (a request is resolved once)."""
    return request if isinstance(request, Resolved) else request.resolve(config, supported)


def run_batches(requests: Sequence[Request | Resolved], config: Config, supported: set[str] | None,
                run: Callable[[list[int], list[Resolved]], list[R]]) -> list[R | SummarizerError]:
    """One result per request: each resolved against `config` (unless it is already), those that share a batch
    key run together (`run(their indices, their requests)`). When a run fails as a whole, its halves run instead,
    down to the single request to blame, which gets the error (a bug becomes an `InternalError`, logged here
    with its traceback): one request's missing model or broken file never fails the requests batched with it."""
    results: dict[int, R | SummarizerError] = {}
    groups: dict[tuple, list[tuple[int, Resolved]]] = {}
    for index, request in enumerate(requests):
        try:
            ready = resolve(request, config, supported)
        except SummarizerError as exc:
            results[index] = exc
            continue
        groups.setdefault(ready.batch_key, []).append((index, ready))
    pending = list(groups.values())
    while pending:
        part = pending.pop()
        try:
            done: list = run([index for index, _ in part], [request for _, request in part])
        except Exception as exc:  # whatever failed, it must stay with the request it belongs to
            if len(part) > 1:
                pending += [part[len(part) // 2:], part[:len(part) // 2]]
                continue
            if not isinstance(exc, SummarizerError):
                log.error("summarising a request failed", exc_info=exc)
                exc = InternalError(f"Internal error ({type(exc).__name__}); the service's log has the details.")
            done = [exc]
        results.update(zip((index for index, _ in part), done, strict=True))
    return [results[index] for index in range(len(requests))]
