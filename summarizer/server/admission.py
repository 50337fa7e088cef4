"""Who may hold the server's connections, and for how long a client that keeps guessing keys must wait.

A flood of connections or of the page's event streams (each holds a connection, an open file, open) would
otherwise run the process out of open files, and nothing, not even ``/health``, would answer. So:

- `Connections`: TCP connections open per client address (`max_connections_per_client`) and in total
  (`max_connections`, kept under the open-file limit, which `open_file_limit` raises to its hard limit). The
  server's protocol asks it at each new connection (run.py); one over a cap is answered 429
  ``too_many_streams`` (per address) or 503 ``server_busy`` (in total) and closed before any request is read.
- `Admission` (ASGI, in front of `guards.Guard`): requests in progress per address (`max_streams_per_client`)
  and in total (`max_streams`), the page's event streams among them, answered 429 or 503 beyond. ``/health``
  and requests with a valid API key are not counted: the connection caps, larger than the stream caps, are
  their room. On a server with keys, an event stream without the page's login is refused 401 before it opens.
  An address that sent `max_auth_failures` wrong keys or logins within `auth_failure_window` seconds gets 429
  ``too_many_failures`` with Retry-After for any key or login it sends, which is not checked until then.

uvicorn's own `limit_concurrency` is not used: when it is reached, every route answers 503, ``/health`` too.
Every refusal closes its connection (``Connection: close``). Counters live in the event loop's thread.
"""

from __future__ import annotations

import sys
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import (
    BusyError,
    SummarizerError,
    TooManyFailuresError,
    TooManyStreamsError,
    UnauthorizedError,
)
from .answers import raw_response
from .guards import bearer_key, send_error
from .keys import KeyStore
from .metrics import Metrics
from .settings import ServerSettings

# The page's routes that hold their connection open (Gradio's server-sent events), under its mount at "/".
STREAM_PATHS = ("/gradio_api/heartbeat/", "/gradio_api/queue/data", "/gradio_api/call/", "/gradio_api/stream/",
                "/gradio_api/upload_progress", "/gradio_api/dev/reload")
LOGIN_PATHS = ("/login", "/login/")  # the page's login form (Gradio's)
UNCOUNTED_PATHS = ("/health",)
FILES_KEPT = 256  # open files left to the process beyond its connections: models, logs, the page's uploads
TRACKED = 100_000  # client addresses whose failures are remembered at most


class Caps:
    """What is open per client address and in total, against a cap for each."""

    def __init__(self, per_client: int, total: int, what: str, flag: str, retry_after: int):
        self.per_client, self.total, self.what, self.flag, self.retry_after = per_client, total, what, flag, retry_after
        self.by_client: dict[str, int] = {}
        self.open = 0

    def take(self, client: str) -> SummarizerError | None:
        """Count one more for `client`, or the error to answer it with (and count nothing)."""
        if self.by_client.get(client, 0) >= self.per_client:
            return TooManyStreamsError(f"This address has {self.per_client} {self.what} open, as many as one "
                                       f"client may (--{self.flag}-per-client); close some and try again.",
                                       retry_after=self.retry_after)
        if self.open >= self.total:
            return BusyError(f"The server has {self.total} {self.what} open, as many as it takes "
                             f"(--{self.flag}); try again shortly.", retry_after=self.retry_after)
        self.by_client[client] = self.by_client.get(client, 0) + 1
        self.open += 1
        return None

    def give(self, client: str) -> None:
        left = self.by_client.get(client, 0) - 1
        if left > 0:
            self.by_client[client] = left
        else:
            self.by_client.pop(client, None)
        self.open = max(0, self.open - 1)


class Failures:
    """Failed keys and logins per client address within a sliding window of `window` seconds."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self.seen: dict[str, deque[float]] = {}

    def wait(self, client: str, now: float | None = None) -> int:
        """Seconds until `client` may authenticate again (0: now)."""
        now = time.monotonic() if now is None else now
        times = self.seen.get(client)
        while times and times[0] <= now - self.window:
            times.popleft()
        if times is not None and not times:
            del self.seen[client]
        if not times or len(times) < self.limit:
            return 0
        return int(times[-self.limit] + self.window - now) + 1

    def add(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if len(self.seen) >= TRACKED:  # forget the expired, then the oldest addresses
            for gone in [c for c, t in self.seen.items() if not t or t[-1] <= now - self.window]:
                del self.seen[gone]
            while len(self.seen) >= TRACKED:
                del self.seen[next(iter(self.seen))]
        times = self.seen.setdefault(client, deque())
        times.append(now)
        while len(times) > self.limit:  # only the last `limit` decide
            times.popleft()


async def refuse(send: Send, error: SummarizerError, metrics: Metrics | None = None) -> None:
    """Answer `error` in the documented form (answers.py, counted in `metrics`) and close the connection (its
    body, if any, is never read)."""
    await send_error(send, error, {"Connection": "close"}, metrics=metrics)


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


def open_file_limit(connections: int) -> int:
    """Raise this process's soft limit on open files to its hard limit, and return how many connections fit
    under it with `FILES_KEPT` files to spare (at most `connections`, at least 16)."""
    try:
        import resource
    except ImportError:  # not a Unix: the limit is the system's
        return connections
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, connections + FILES_KEPT)
    if soft != resource.RLIM_INFINITY and wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    room = connections if soft == resource.RLIM_INFINITY else max(16, min(connections, soft - FILES_KEPT))
    if room < connections:
        print(f"WARNING: {soft} open files allowed (ulimit -n); at most {room} connections are taken, not "
              f"{connections} (--max-connections).", file=sys.stderr)
    return room


class Connections(Caps):
    """The TCP connections open, per client address and in total (run.py's protocol counts them)."""

    def __init__(self, settings: ServerSettings, metrics: Metrics | None = None):
        super().__init__(settings.max_connections_per_client, settings.max_connections, "connections",
                         "max-connections", settings.retry_after)
        self.metrics = metrics

    def admit(self, client: str) -> bytes | None:
        """None if `client`'s new connection is taken (counted), else the answer to send before closing it."""
        error = self.take(client)
        return None if error is None else raw_response(error, metrics=self.metrics, retry_after=self.retry_after)


class Admission:
    """Caps on the requests each address (and all) hold open; the lockout after repeated failed keys or logins."""

    def __init__(self, app: ASGIApp, *, settings: ServerSettings, keys: KeyStore | None,
                 metrics: Metrics | None = None):
        self.app, self.keys, self.metrics = app, keys, metrics
        self.streams = Caps(settings.max_streams_per_client, settings.max_streams, "requests in progress",
                            "max-streams", settings.retry_after)
        self.failures = Failures(settings.max_auth_failures, settings.auth_failure_window)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCOUNTED_PATHS:
            await self.app(scope, receive, send)
            return
        client, path = client_of(scope), scope["path"]
        key = bearer_key(scope["headers"])
        login = scope["method"] == "POST" and path in LOGIN_PATHS
        if key or login:
            wait = self.failures.wait(client)
            if wait:
                await refuse(send, TooManyFailuresError(f"Too many wrong keys or logins from this address "
                                                        f"(--max-auth-failures); try again in {wait} s.",
                                                        retry_after=wait), self.metrics)
                return
        if key and self.keys is not None and self.keys.find(key) is not None:
            await self.app(scope, receive, send)  # keyed work: not counted against the stream caps
            return
        if self.keys is not None and scope["method"] == "GET" and path.startswith(STREAM_PATHS) and \
                not _logged_in(scope):
            await refuse(send, UnauthorizedError("The page's streams need its login: log in on the page first."),
                         self.metrics)
            return
        error = self.streams.take(client)
        if error is not None:
            await refuse(send, error, self.metrics)
            return
        try:
            await self.app(scope, receive, self._watch(send, client) if (key or login) and self.keys else send)
        finally:
            self.streams.give(client)

    def _watch(self, send: Send, client: str) -> Send:
        """`send`, counting a refused key (401) or login (400, 401) against `client`."""

        async def watching(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (400, 401):
                self.failures.add(client)
            await send(message)

        return watching


def _logged_in(scope: Scope) -> bool:
    """Whether the request carries a session cookie of the page's login (True where no page is mounted)."""
    page = next((route.app for route in getattr(scope.get("app"), "routes", [])
                 if hasattr(getattr(route, "app", None), "tokens")), None)
    if page is None:
        return True
    names = {f"access-token-{page.cookie_id}", f"access-token-unsecure-{page.cookie_id}"}
    cookies = b";".join(v for k, v in scope["headers"] if k == b"cookie").decode("latin-1")
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name in names and value in page.tokens:
            return True
    return False
