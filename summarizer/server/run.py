"""`summarize serve`: the web page at ``/`` and the JSON API beside it (api.py), on one queue and one set of
models, under uvicorn.

    summarize serve [--host 127.0.0.1] [--port 7860] [--api-keys keys.json] [model, limit and server flags]

Every server setting is a field of `config.ServerSettings` (a flag, or SUMMARIZER_<NAME> in the
environment). The server closes a connection whose request headers take longer than `read_timeout`, and
SIGTERM stops taking requests, ends the page's open streams and finishes the requests in flight
(`shutdown_timeout` at most), then exits with status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import InputError
from .settings import ServerSettings

if TYPE_CHECKING:
    from .admission import Connections
    from .metrics import Metrics


def serve_parser(defaults: ServerSettings | None = None):
    import argparse

    from ..config import add_limit_flags, add_model_flags
    from .settings import add_server_flags

    parser = argparse.ArgumentParser(prog="summarize serve", description="The web page and the JSON API, on one "
                                     "queue that batches concurrent requests (pip install -e '.[demo]'). Each "
                                     "server flag can also be set as SUMMARIZER_<NAME> in the environment.")
    add_server_flags(parser.add_argument_group("server"), defaults or ServerSettings.from_env())
    add_model_flags(parser, fallback=True)
    add_limit_flags(parser)
    return parser


def serve_command(argv: Sequence[str]) -> int:
    """summarize serve: the page and the JSON API (or, with --ray, the API on Ray Serve)."""
    from ..config import config_from_args
    from .keys import KeyStore
    from .settings import settings_from_args

    args = serve_parser().parse_args(argv)
    config = config_from_args(args)
    settings = settings_from_args(args)
    keys = KeyStore.load(settings.api_keys) if settings.api_keys else None
    if settings.host not in ("127.0.0.1", "localhost", "::1") and keys is None:
        print(f"WARNING: serving on {settings.host} WITHOUT API KEYS: anyone who can reach this machine can use "
              "its models. Pass --api-keys FILE (see the README).", file=sys.stderr)
    if settings.ray:
        from .ray_serve import run_on_ray

        return run_on_ray(config, settings, keys)
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        raise InputError("serve needs the web extra: pip install -e '.[demo]'") from None
    from .api import create_app
    from .service import Service

    service = Service(config, settings)
    app = create_app(service, keys=keys, page=settings.page)
    print(f"serving on http://{settings.host}:{settings.port}/ (API docs at /docs)", file=sys.stderr, flush=True)
    Server(app, settings, metrics=service.metrics).run()
    return 0


def _deadline_protocol(read_timeout: float, connections: Connections):
    """uvicorn's HTTP protocol, but a connection whose next request's headers have not all arrived within
    `read_timeout` seconds (from its opening, or from the previous answer) is closed: a client sending its
    headers a byte at a time holds no connection for ever. (Slow bodies are `guards.Guard`'s.) A connection
    over `connections`' caps (per client address, in total) is answered and closed at once."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class DeadlineProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        _deadline: asyncio.TimerHandle | None = None
        _client: str | None = None  # its address, while it counts against the caps

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(read_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self.transport is not None and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            client = str(peer[0]) if isinstance(peer, (tuple, list)) and peer else "?"
            refusal = connections.admit(client)
            if refusal is not None:
                transport.write(refusal)
                transport.close()
                return
            self._client = client
            self._arm()

        def data_received(self, data: bytes) -> None:
            cycle = self.cycle
            super().data_received(data)
            if self.cycle is not None and self.cycle is not cycle:  # a request's headers are in
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.transport is not None and not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            if self._client is not None:
                connections.give(self._client)
                self._client = None
            super().connection_lost(exc)

    return DeadlineProtocol


class Server:
    """uvicorn's server for `app`, with `settings`' timeouts. A SIGTERM or SIGINT ends the page's open streams
    (which would hold the shutdown for its whole timeout), lets the requests in flight finish and ends the
    process with status 0, as a service manager expects, instead of re-raising the signal to die of it."""

    def __init__(self, app, settings: ServerSettings, *, log_level: str = "warning", metrics: Metrics | None = None):
        import uvicorn

        from .admission import Connections

        self.app, self.settings = app, settings
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections = Connections(settings, metrics)  # a refused connection is counted like any answer
        owner = self

        class _Server(uvicorn.Server):
            async def serve(self, sockets=None):
                owner.loop = asyncio.get_running_loop()
                await super().serve(sockets)

            @contextlib.contextmanager
            def capture_signals(self):
                if threading.current_thread() is not threading.main_thread():
                    yield
                    return
                previous = {sig: signal.signal(sig, lambda *_: owner.stop()) for sig in (signal.SIGINT,
                                                                                        signal.SIGTERM)}
                try:
                    yield
                finally:
                    for sig, handler in previous.items():
                        signal.signal(sig, handler)

        self.server = _Server(uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level=log_level,
            timeout_graceful_shutdown=int(settings.shutdown_timeout),
            timeout_keep_alive=max(1, int(min(5, settings.read_timeout))),
            http=_deadline_protocol(settings.read_timeout, self.connections)))

    @property
    def started(self) -> bool:
        return self.server.started

    def run(self) -> None:
        from .admission import open_file_limit

        self.connections.total = open_file_limit(self.settings.max_connections)
        self.server.run()

    def stop(self) -> None:
        """Stop taking requests; end the page's streams (its heartbeats), from any thread."""
        self.server.should_exit = True
        if self.loop is not None and not self.loop.is_closed():
            for event in _page_stop_events(self.app):
                self.loop.call_soon_threadsafe(event.set)


def _page_stop_events(app) -> list:
    """The stop events of the Gradio apps mounted in `app` (set: their session streams end)."""
    return [route.app.stop_event for route in getattr(app, "routes", [])
            if hasattr(getattr(route, "app", None), "stop_event")]

