"""One request: what a caller asks of one article, the same whichever door it came by.

Every door builds a `Request` from what it was given: the JSON API and Ray Serve
from the request body (this class is the body: its fields and limits are what
the OpenAPI schema shows), the page from its widgets, the CLI and batch-ray
from their flags and each input item. A field left out (None) takes the
configuration's default (`Config.options`, `Config.preset`), and `resolved`
checks the rest against the configuration. `Summarizer.summarize_requests`
takes a list of them: requests with the same `batch_key` are summarised
together, each with its own languages.

The rules a request obeys live here and nowhere else: its default languages,
how languages are normalised, that the article's own language comes first, which
options a batch must share. A new per-request field is a field here (and, if it
changes how models are run, a name in `BATCH_FIELDS`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, WithJsonSchema

from .config import Config
from .errors import InputError, InternalError, SummarizerError, TooLongError
from .languages import normalize_language, normalize_languages
from .options import LENGTHS, SummarizeOptions
from .registry import PRESETS, get_preset

DEFAULT_LANGUAGES = ("en",)  # when a request names none
R = TypeVar("R")
log = logging.getLogger(__name__)
MAX_TOKENS = 512  # the most a request may ask for as an exact output length

Length = Literal[tuple(LENGTHS)]  # type: ignore[valid-type]
PresetName = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
# Any list is taken, so that a bad element gets the message every door gives it (from normalize_language);
# the schema says what is expected.
Languages = Annotated[list[Any] | str, WithJsonSchema({
    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    "description": "target languages: ISO 639-1 codes, names or aliases (a list, or one comma-separated string)",
    "examples": [["fr", "de"]]})]


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for what pydantic (or FastAPI) refused: where, and why, for the first problem."""
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {first.get('msg', 'not valid')}".replace("Value error, ", "")


def with_source(source: str, targets: tuple[str, ...], include_source: bool) -> tuple[str, ...]:
    """The languages an article's summary is made in: its own first (when asked), then the targets."""
    return tuple(dict.fromkeys([source, *targets])) if include_source else targets


class RequestOptions(BaseModel):
    """What to make of an article; an unset field takes the configuration's default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: Languages | None = Field(None, description="languages to summarise into (default: en)")
    source_language: StrictStr | None = Field(None, description="the article's language (default: detected)")
    include_source: StrictBool | None = Field(None, description="also summarise in the article's own language, "
                                                                "first (default: true)")
    length: Length | None = Field(None, description="summary length (default: short)")
    strict: StrictBool | None = Field(None, description="regenerate a summary whose numbers or names are not in "
                                                        "the article, then fall back to its own sentences; in the "
                                                        "article's language, replace each sentence the article "
                                                        "supports less than 0.9 by the article sentence behind it; "
                                                        "translate "
                                                        "an instruction model's translations back and flag what "
                                                        "differs")
    summary_tokens: Annotated[int, Field(ge=1, le=MAX_TOKENS)] | None = Field(
        None, description="exact summary length in tokens, overriding length (benchmarks)")
    translation_tokens: Annotated[int, Field(ge=1, le=MAX_TOKENS)] | None = Field(
        None, description="exact length of each translated sentence in tokens (benchmarks)")
    preset: PresetName | None = Field(None, description="the models to use (default: the configured preset)")


class Request(RequestOptions):
    """One article and what to make of it: the unit every door builds and `summarize_requests` takes."""

    BATCH_FIELDS: ClassVar[tuple[str, ...]] = ("preset", "length", "strict", "summary_tokens", "translation_tokens")

    text: StrictStr = Field(description="the article, as plain text")

    @classmethod
    def of(cls, **fields: Any) -> Request:
        """A request from what a door was given; a field of the wrong type is an InputError naming it."""
        try:
            return cls(**fields)
        except ValidationError as exc:
            raise InputError(validation_message(exc.errors())) from None

    def resolved(self, config: Config, supported: set[str] | None = None) -> Request:
        """This request with the configuration's defaults applied and its languages normalised and checked
        (against `supported` and `config.max_languages`); a SummarizerError names what is wrong."""
        if len(self.text) > config.max_chars:
            raise TooLongError(f"The article has {len(self.text):,} characters; the limit is "
                               f"{config.max_chars:,} (max_chars).")
        base = config.options
        include = base.include_source if self.include_source is None else self.include_source
        languages = DEFAULT_LANGUAGES if self.languages is None else self.languages
        # No languages but its own: only the article's language (a caller that asks for nothing else).
        targets = () if include and not languages else normalize_languages(languages, supported,
                                                                           config.max_languages)
        source = self.source_language if self.source_language is not None else base.source_language
        preset = self.preset or config.preset
        get_preset(preset)
        return self.model_copy(update={
            "languages": list(targets), "include_source": include, "preset": preset,
            "source_language": normalize_language(source) if source and source.strip() else None,
            **{name: getattr(self, name) if getattr(self, name) is not None else getattr(base, name)
               for name in ("length", "strict", "summary_tokens", "translation_tokens")}})

    @property
    def options(self) -> SummarizeOptions:
        """The options of a resolved request, as the pipeline's steps take them."""
        return SummarizeOptions(length=self.length or "short", strict=bool(self.strict),
                                source_language=self.source_language, include_source=self.include_source is not False,
                                summary_tokens=self.summary_tokens, translation_tokens=self.translation_tokens)

    @property
    def targets(self) -> tuple[str, ...]:
        """The target languages of a resolved request (the article's own is added by `with_source`)."""
        return tuple(self.languages or ())

    @property
    def batch_key(self) -> tuple:
        """What requests summarised together must share (their languages and source may differ)."""
        return tuple(getattr(self, name) for name in self.BATCH_FIELDS)



def run_batches(requests: Sequence[Request], config: Config, supported: set[str] | None,
                run: Callable[[list[int], list[Request]], list[R]]) -> list[R | SummarizerError]:
    """One result per request: each resolved against `config`, those that share a batch key run together
    (`run(their indices, their requests)`). When a run fails as a whole, its halves run instead, down to the
    single request to blame, which gets the error (a bug becomes an `InternalError`, logged here with its
    traceback): one request's missing model or broken file never fails the requests batched with it."""
    results: dict[int, R | SummarizerError] = {}
    groups: dict[tuple, list[tuple[int, Request]]] = {}
    for index, request in enumerate(requests):
        try:
            ready = request.resolved(config, supported)
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
