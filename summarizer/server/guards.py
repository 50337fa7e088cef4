"""What the server checks before a request reaches its route, and what it counts of every request.

`Guard` refuses an API request without a valid key before its body is read (a
body can be large: it is never read for a stranger), a body over the size limit
(by its declared length at once, else as it streams in: it is never held whole),
and a client that takes longer than `read_timeout` to send the next part of its
body. The time to send the headers is capped by the server's protocol
(run.py). `Measure` counts each request by route and status, and times the
summarising ones. Both are plain ASGI, so that streaming answers and the
detection of a client that has gone work through them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import SlowClientError, TooLongError, UnauthorizedError
from .keys import KeyStore
from .metrics import Metrics
from .settings import ServerSettings

API_PREFIX = "/v1/"
# The routes counted by name in the metrics; any other path is "page" or "other" (a label per path a client
# makes up would grow the metrics without bound).
ROUTES = ("/v1/summarize", "/v1/summarize/batch", "/v1/languages", "/v1/models", "/health", "/metrics")


def bearer_key(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The key of an ``Authorization: Bearer KEY`` header ("" without one)."""
    value = next((v for k, v in headers if k.lower() == b"authorization"), b"").decode("latin-1")
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def body_limit(settings: ServerSettings, path: str) -> int:
    """The largest body a request to `path` may send: the API's limit, or the page's (its uploads)."""
    if path.startswith(API_PREFIX):
        return settings.max_body_bytes
    return max(settings.max_body_bytes, settings.max_upload_bytes + 1_000_000)


def missing_key() -> UnauthorizedError:
    return UnauthorizedError("An API key is required: send 'Authorization: Bearer KEY'.")


async def send_error(send: Send, error, headers: dict[str, str] | None = None, *, metrics: Metrics | None = None,
                     retry_after: int = 5) -> None:
    """Answer `error` in the documented form (answers.py, as the routes do), counted in `metrics`."""
    from .answers import error_response

    response = error_response(error, metrics=metrics, retry_after=retry_after, headers=headers)
    await response({"type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


class Guard:
    def __init__(self, app: ASGIApp, *, settings: ServerSettings, keys: KeyStore | None,
                 metrics: Metrics | None = None):
        self.app, self.settings, self.keys = app, settings, keys
        self.metrics = metrics  # where its refusals are counted, as the routes' errors are

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.keys is not None and scope["path"].startswith(API_PREFIX) and scope["method"] == "POST" and \
                self.keys.find(bearer_key(scope["headers"])) is None:
            await send_error(send, missing_key(), metrics=self.metrics)  # the body is never read
            return
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), b"")
        limit = body_limit(self.settings, scope["path"])
        if declared.isdigit() and int(declared) > limit:
            await send_error(send, TooLongError(f"The request's body of {int(declared):,} bytes is over the "
                                                f"{limit:,}-byte limit (max_body_mb)."), metrics=self.metrics)
            return
        more, received = True, 0
        timeout = self.settings.read_timeout

        async def guarded_receive() -> Message:
            nonlocal more, received
            if not more:  # the body is in: what comes next is the client leaving, whenever it does
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except asyncio.TimeoutError:
                raise HTTPException(SlowClientError.status, f"The request's body did not arrive within "
                                                            f"{timeout:g} s (read timeout).") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(TooLongError.status, f"The request's body is over the {limit:,}-byte "
                                                             "limit (max_body_mb).")
            more = message["type"] == "http.request" and message.get("more_body", False)
            return message

        await self.app(scope, guarded_receive, send)


class Measure:
    """Requests by route and status (the page's as "page"); the time of each summarising request."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), [500]

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            path = scope["path"]
            route = path if path in ROUTES else "other" if path.startswith(API_PREFIX) else "page"
            self.metrics.count("summarizer_requests_total", route=route, status=str(status[0]))
            if route.startswith("/v1/summarize"):
                self.metrics.observe("summarizer_request_seconds", time.monotonic() - started, route=route)
