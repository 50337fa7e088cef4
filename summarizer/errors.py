"""Every error the package raises on purpose derives from `SummarizerError`, and each class has a stable code.

Messages are written for the person who hit them: they name the offending
value and say what to do. The CLI prints them as one line (exit status 2 when
the error is the caller's, a 4xx, else 1); the page shows them with
`gr.Error`; the server answers ``{"error": {"code": ..., "message": ...}}``
with the class's HTTP status. `ERROR_CODES` is that table, derived from the
classes, so the server and its documentation cannot drift from them.
"""

from __future__ import annotations

from typing import Any


class SummarizerError(Exception):
    """Base class: a problem the user can act on."""

    code = "error"  # stable: clients match on it
    status = 500  # the HTTP status the server answers with

    def __init__(self, message: str = "", **fields: Any):
        super().__init__(message)
        self.__dict__.update(fields)  # further facts a caller can act on (e.g. `fetch`, `retry_after`)

    def __reduce__(self):  # keyword fields survive pickling (Ray sends errors between processes)
        return _rebuild, (type(self), str(self), dict(self.__dict__))


def _rebuild(kind: type[SummarizerError], message: str, fields: dict) -> SummarizerError:
    return kind(message, **fields)


class InputError(SummarizerError, ValueError):
    """The input cannot be summarised as given (undecodable, bad option, unknown name)."""

    code, status = "invalid_input", 400


class InvalidRequestError(InputError):
    """The request is not of the documented shape: not JSON, a field of the wrong type, an unknown field."""

    code, status = "invalid_request", 422


class EmptyTextError(InputError):
    """The article is empty or holds only whitespace."""

    code = "empty_text"


class TooLongError(InputError):
    """The article (or a request's body) is longer than the configured limit."""

    code, status = "too_long", 413


class TooManyArticlesError(InputError):
    """A batch holds more articles than one request may."""

    code, status = "too_many_articles", 413


class UnknownPresetError(InputError):
    """A preset name that the registry does not know."""


class UnsupportedLanguageError(InputError):
    """A language code is unknown, malformed, or not reachable with the loaded models."""

    code = "unsupported_language"


class ForbiddenFileError(InputError):
    """The page was asked to read a file that was not uploaded to it by the same user, or was already read."""

    code, status = "forbidden_file", 403


class UnsupportedFileError(InputError):
    """An upload of a type the page does not read (it reads .txt, .md and .html files)."""

    code, status = "unsupported_file", 415


class SlowClientError(SummarizerError):
    """The client took longer than the server's read timeout to send its request."""

    code, status = "too_slow", 408


class UnauthorizedError(SummarizerError):
    """No API key, or one that is not in the key file."""

    code, status = "unauthorized", 401


class RateLimitedError(SummarizerError):
    """A key is over its requests per minute; `retry_after` says when to try again (seconds)."""

    code, status = "rate_limited", 429
    retry_after: int = 60


class QuotaExceededError(RateLimitedError):
    """A key is over its characters per day; `retry_after` is the time until the next day (UTC)."""

    code = "quota_exceeded"


class TooManyStreamsError(RateLimitedError):
    """This client address holds as many connections or open requests (the page's streams) as it may."""

    code = "too_many_streams"


class TooManyFailuresError(RateLimitedError):
    """This client address failed to authenticate too often lately: no key or login is checked until later."""

    code = "too_many_failures"


class QueueFullError(SummarizerError):
    """The queue (or this key's share of it) holds as many articles as it may; try again shortly."""

    code, status = "queue_full", 503


class BusyError(SummarizerError):
    """The server holds as many connections or open requests as it may from all clients; try again shortly."""

    code, status = "server_busy", 503
    retry_after: int = 5


class ClosingError(SummarizerError):
    """The service is stopping and takes no new requests."""

    code, status = "shutting_down", 503


class TimedOutError(SummarizerError, TimeoutError):
    """A request took longer than the server's request timeout."""

    code, status = "timeout", 504


class ModelLoadError(SummarizerError, OSError):
    """A model could not be loaded; the message names it. `fetch`, where known, is the command that fetches it."""

    code, status = "model_unavailable", 503
    fetch: str | None = None


class ModelError(SummarizerError, RuntimeError):
    """A loaded model failed while generating."""

    code, status = "model_failed", 500


class ClusterError(SummarizerError, ConnectionError):
    """A Ray cluster could not be joined or started (summarize batch-ray, serve --ray)."""

    code, status = "cluster_unavailable", 503


class ClientGoneError(SummarizerError):
    """The client left before its summary was ready: its work stopped at the next step (nobody reads this)."""

    code, status = "client_gone", 499


class InternalError(SummarizerError):
    """A bug: what failed is logged where the service runs; the caller learns no more."""

    code = "internal_error"


def _classes(base: type[SummarizerError] = SummarizerError) -> list[type[SummarizerError]]:
    found = []
    for kind in base.__subclasses__():
        found += [kind, *_classes(kind)]
    return list(dict.fromkeys(found))


# code -> (HTTP status, what it means): every code a client can meet, from the classes above.
ERROR_CODES: dict[str, tuple[int, str]] = {
    kind.code: (kind.status, (kind.__doc__ or "").strip().splitlines()[0])
    for kind in [SummarizerError, *_classes()] if "code" in vars(kind)  # a class with a code of its own
}


def error_body(exc: SummarizerError) -> dict[str, dict[str, str]]:
    """The JSON the server answers for an error: its code and its message on one line."""
    message = " ".join(str(exc).split()) or type(exc).__name__
    return {"error": {"code": exc.code, "message": message}}
