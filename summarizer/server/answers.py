"""The one place an error becomes an HTTP answer, for the routes (api.py) and for the checks before them
(guards.py) alike: the documented JSON ``{"error": {"code", "message"}}``, the class's status, the headers a
client acts on (``WWW-Authenticate`` on 401, ``Retry-After`` on 429 and 503), and the error counted in the
metrics (``summarizer_errors_total`` by code)."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi.responses import JSONResponse

from ..errors import SummarizerError, error_body
from .metrics import Metrics


class SafeJSON(JSONResponse):
    """JSON as UTF-8, with a lone surrogate (possible in what a client sent) replaced rather than a 500."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "replace")


def error_response(error: SummarizerError, *, metrics: Metrics | None, retry_after: int,
                   headers: dict[str, str] | None = None) -> SafeJSON:
    """The answer for `error`, counted in `metrics`; `retry_after` is the default wait of a 429 or 503."""
    if metrics is not None:
        metrics.count("summarizer_errors_total", code=error.code)
    return SafeJSON(error_body(error), status_code=error.status,
                    headers={**usual_headers(error, retry_after), **(headers or {})})


def raw_response(error: SummarizerError, *, metrics: Metrics | None, retry_after: int) -> bytes:
    """The answer for `error` as a whole HTTP/1.1 response, for a connection refused before its request is read
    (it is closed after), counted in `metrics` like any other."""
    response = error_response(error, metrics=metrics, retry_after=retry_after, headers={"Connection": "close"})
    head = f"HTTP/1.1 {response.status_code} {HTTPStatus(response.status_code).phrase}\r\n"
    lines = "".join(f"{name}: {value}\r\n" for name, value in response.headers.items())
    return (head + lines + "\r\n").encode("latin-1") + response.body


def usual_headers(error: SummarizerError, retry_after: int) -> dict[str, str]:
    """The headers a client acts on: ``WWW-Authenticate`` on 401, ``Retry-After`` on 429 and 503."""
    if error.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    if error.status in (429, 503):
        return {"Retry-After": str(getattr(error, "retry_after", retry_after))}
    return {}
