"""`ServerSettings`: every default of `summarize serve` (where it listens, its queue and batches, its limits and
timeouts), read by its flags, by the environment (``SUMMARIZER_<NAME>``) and by the server. Each field is
declared with `config.setting`, as `Config`'s are, and its flag and variable are generated from it."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ..config import add_flag, check_settings, env_values, setting


@dataclass(frozen=True)
class ServerSettings:
    """Every default of `summarize serve`: where it listens, its queue and batches, its limits and timeouts.

    Each is a flag (the field's name with dashes: ``--max-queue``) and can be set in the environment
    (``SUMMARIZER_`` and the name in capitals: ``SUMMARIZER_MAX_QUEUE``); the flag wins. Limits and key
    counters live in memory: a restart resets them.
    """

    host: str = setting("127.0.0.1", "address to bind (127.0.0.1: this machine only)")
    port: int = setting(7860, "port to listen on")
    api_keys: str | None = setting(None, "JSON file of API keys and their limits (none: the server is open); "
                                    "the limits are counted in memory: a restart resets them", metavar="FILE")
    page: bool = setting(True, "serve the web page at / beside the API")
    max_queue: int = setting(256, "articles waiting for the models at most (beyond: 503 queue_full)")
    max_queue_per_key: int | None = setting(None, "articles one API key may have waiting at most, so that "
                                             "one key cannot fill the queue (none: half of --max-queue)", kind=int)
    max_batch: int = setting(32, "articles summarised together at most (1 turns batching off)")
    max_batch_chars: int = setting(200_000, "characters summarised together at most")
    batch_wait_ms: float = setting(10.0, "a batch waits for company until none has come for this long (ms)")
    batch_gather_ms: float = setting(250.0, "... and this long at most, for a burst of requests (ms)")
    request_timeout: float = setting(600.0, "seconds a request may take, queueing included (beyond: 504)")
    max_batch_articles: int = setting(64, "articles in one POST /v1/summarize/batch at most")
    max_body_mb: float = setting(10.0, "largest request body in MB, counted as it arrives (beyond: 413)")
    max_upload_mb: float = setting(2.0, "largest file uploaded on the page, in MB")
    max_uploads_mb_per_key: float = setting(10.0, "MB of page uploads one key may hold on the server, not yet "
                                             "read (each file counts at least 4 KB; beyond: 429)")
    max_uploads_mb: float = setting(100.0, "MB of page uploads the server holds at most, not yet read, all "
                                     "keys together (beyond: 503)")
    read_timeout: float = setting(30.0, "seconds a client may take to send a request's headers, or the next "
                                   "part of its body (beyond: the connection is closed)")
    shutdown_timeout: float = setting(30.0, "seconds SIGTERM waits for the requests in flight")
    max_connections: int = setting(8192, "connections open at once, from all clients (beyond: a new one is "
                                    "answered 503 server_busy and closed); kept under the open-file limit, "
                                    "which the server raises to its hard limit")
    max_connections_per_client: int = setting(512, "connections open at once from one client address (beyond: "
                                               "429 too_many_streams and closed); behind a proxy, every client "
                                               "is the proxy's address")
    max_streams: int = setting(1024, "requests in progress at once, the page's event streams among them, "
                                "from all clients (beyond: 503 server_busy); /health and requests with a valid "
                                "API key are not counted")
    max_streams_per_client: int = setting(128, "... and from one client address (beyond: 429 "
                                           "too_many_streams)")
    max_auth_failures: int = setting(10, "failed keys and logins one client address may send within "
                                      "--auth-failure-window (beyond: 429 too_many_failures, no key checked)")
    auth_failure_window: float = setting(60.0, "seconds a failed key or login counts against its address")
    retry_after: int = setting(5, "seconds a 503 (full queue, loading) tells clients to wait")
    ray: bool = setting(False, "run the API as a Ray Serve application (the page stays with the plain server)")
    address: str | None = setting(None, "Ray cluster to join (default: $RAY_ADDRESS, else a local cluster)")
    replicas: int = setting(1, "model replicas on Ray Serve")
    queue_reserve: float = setting(0.25, "share of --max-queue kept for API keys with no article waiting, so that "
                                    "keys that keep the queue full cannot shut out another (0: none)", share=True)

    def __post_init__(self) -> None:
        check_settings(self)  # counts, numbers above 0 and the share, each by its kind

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
        return cls(**{**env_values(cls, environ), **given})


def add_server_flags(parser: argparse.ArgumentParser, defaults: ServerSettings) -> None:
    """One flag per `ServerSettings` field, its default the value in `defaults` (the environment's)."""
    for spec in fields(ServerSettings):
        add_flag(parser, spec, getattr(defaults, spec.name))


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    return ServerSettings(**{spec.name: getattr(args, spec.name) for spec in fields(ServerSettings)})
