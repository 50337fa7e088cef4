"""The JSON API on Ray Serve, for users who outgrow one machine: `summarize serve --ray --replicas N`.

Two deployments: the ingress runs the same FastAPI app as `summarize serve` (same routes, errors, keys and
limits) and hands each request to `SummarizerReplica`, of which there are N, spread by Ray Serve over the
cluster. Each replica loads its models once and batches the requests it gets with ``@serve.batch``, calling
the very `Summarizer.summarize_requests` the single-process server's queue calls. The web page stays with
the single-process server (`summarize serve`), which can run beside it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import sys
import threading
from dataclasses import replace

from . import errors
from .config import Config
from .metrics import Metrics
from .options import SummarizeOptions
from .pipeline import Request, Summarizer

APP_NAME = "summarizer"


def _outcome(result) -> dict:
    if isinstance(result, errors.SummarizerError):
        return {"error": {"type": type(result).__name__, "message": str(result)}}
    return {"result": result.to_dict()}


class SummarizerReplica:
    """One replica: its own models, its own batches (``@serve.batch``)."""

    def __init__(self, config: Config):
        self.summarizer = Summarizer.from_config(replace(config, extractive_fallback=True))

    async def summarize(self, payloads: list[dict]) -> list[dict]:  # wrapped with serve.batch in `deployments`
        return await asyncio.get_running_loop().run_in_executor(None, self.run, payloads)

    def run(self, payloads: list[dict]) -> list[dict]:
        """Requests that share length and strictness are summarised together, each with its own languages."""
        out: list[dict | None] = [None] * len(payloads)
        groups: dict[tuple, list[int]] = {}
        for index, payload in enumerate(payloads):
            groups.setdefault((payload["length"], payload["strict"]), []).append(index)
        for (length, strict), indices in groups.items():
            options = SummarizeOptions(length=length, strict=strict)
            requests = [Request(**payloads[i]["request"]) for i in indices]
            for index, result in zip(indices, self.summarizer.summarize_requests(requests, options), strict=True):
                out[index] = _outcome(result)
        return out  # type: ignore[return-value]


class RemoteService:
    """What `server.create_app` asks of a service, answered by the replicas (for the ingress)."""

    remote = True

    def __init__(self, config: Config, handle):
        self.config = replace(config, extractive_fallback=True)
        self.handle = handle
        self.metrics = Metrics()
        self.closing = False
        self._local = Summarizer.from_config(self.config)  # routing and languages only: it loads no model
        self.cache = self._local.cache

    def summarizer(self, preset: str | None = None) -> Summarizer:
        return self._local

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 30.0) -> bool:
        self.closing = True
        return True

    def queue_length(self) -> int:
        return 0

    def submit(self, request: Request, options: SummarizeOptions | None = None, preset: str | None = None,
               partial=None) -> concurrent.futures.Future:
        options = options or self.config.options
        payload = {"request": {"text": request.text, "languages": list(request.languages)
                               if not isinstance(request.languages, str) else request.languages,
                               "source_language": request.source_language, "include_source": request.include_source},
                   "length": options.length, "strict": options.strict}
        future: concurrent.futures.Future = concurrent.futures.Future()
        response = self.handle.summarize.remote(payload)

        def wait() -> None:
            try:
                outcome = response.result()
            except Exception as exc:
                future.set_exception(errors.ModelError(f"The replica failed: {str(exc).splitlines()[0]}"))
                return
            if "error" in outcome:
                kind = getattr(errors, outcome["error"]["type"], errors.SummarizerError)
                future.set_exception(kind(outcome["error"]["message"]))
            else:
                future.set_result(_Result(outcome["result"]))

        threading.Thread(target=wait, daemon=True).start()
        return future


class _Result:
    def __init__(self, data: dict):
        self._data = data

    def to_dict(self) -> dict:
        return self._data


def deployments(config: Config, replicas: int, keys=None, max_batch: int = 32, batch_wait_ms: float = 10.0,
                cpus_per_replica: float = 1.0):
    """The Ray Serve application: the ingress (the FastAPI app) over `replicas` SummarizerReplicas."""
    from ray import serve

    replica_class = type("SummarizerReplica", (SummarizerReplica,), {
        "summarize": serve.batch(max_batch_size=max_batch, batch_wait_timeout_s=batch_wait_ms / 1000)(
            SummarizerReplica.summarize)})
    replica = serve.deployment(replica_class, name="SummarizerReplica", num_replicas=replicas,
                               ray_actor_options={"num_cpus": cpus_per_replica},
                               max_ongoing_requests=4 * max_batch)

    def build_app():
        from .server import create_app

        handle = serve.get_deployment_handle("SummarizerReplica", app_name=APP_NAME)
        return create_app(RemoteService(config, handle), keys=keys)

    ingress = serve.deployment(serve.ingress(build_app)(), name="Ingress", ray_actor_options={"num_cpus": 0})
    return ingress.bind(replica.bind(config))


def run_on_ray(config: Config, args, keys) -> int:
    """Start (or join) a Ray cluster, run the application, serve until SIGTERM or Ctrl-C."""
    import ray
    from ray import serve

    from .ray_batch import connect

    print(f"ray: {connect(args.address, None)}", file=sys.stderr)
    serve.start(http_options={"host": args.host, "port": args.port})
    serve.run(deployments(config, args.replicas, keys, max_batch=args.max_batch, batch_wait_ms=args.batch_wait_ms),
              name=APP_NAME, route_prefix="/")
    print(f"serving on http://{args.host}:{args.port}/ with {args.replicas} replicas on Ray Serve "
          "(API docs at /docs)", file=sys.stderr, flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    serve.shutdown()
    ray.shutdown()
    return 0
