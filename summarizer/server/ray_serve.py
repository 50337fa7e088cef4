"""The JSON API on Ray Serve, for users who outgrow one machine: `summarize serve --ray --replicas N`.

Two deployments. The ingress runs the same FastAPI app as `summarize serve` on the
same `Service`: the same routes, errors, keys and limits, the same queue (its
size, each key's share, the batch gathering, the request timeout, dropping the
work of a client that left). Only the runner differs: each batch the queue
forms goes to one of the N `SummarizerReplica`s, spread by Ray Serve over the
cluster, which loads its models once and calls the very
`Summarizer.summarize_requests` the single-process server calls, with the
requests' own presets and options. The web page stays with the single-process
server (`summarize serve`), which can run beside it.
"""

from __future__ import annotations

import signal
import sys
import threading

from ..config import Config
from ..errors import ModelError, SummarizerError
from ..models.cache import ModelCache
from ..request import Resolved
from ..result import Summary
from .settings import ServerSettings

APP_NAME = "summarizer"


class SummarizerReplica:
    """One replica: its own models (one cache for every preset asked of it), one batch at a time."""

    def __init__(self, config: Config):
        from .service import Summarizers

        self.summarizers = Summarizers(config, ModelCache(config.max_models))

    def run(self, requests: list[Resolved]) -> list[Summary | SummarizerError]:
        """One batch the ingress's queue formed (they share a batch key, so a preset)."""
        return self.summarizers.run(requests)

    def warm(self) -> list[str]:
        """Load the configured summariser now; the names of those missing."""
        return self.summarizers.warm()


class RemoteRunner:
    """The ingress's runner: a batch goes to a replica; a replica that fails fails only that batch."""

    def __init__(self, handle):
        self.handle = handle

    def __call__(self, requests: list[Resolved], partial=None, active=None) -> list[Summary | SummarizerError]:
        # a replica runs its batch to the end: `partial` and `active` stay on this side
        try:
            return self.handle.run.remote(requests).result()
        except Exception as exc:  # Ray's own error (a replica died, the cluster went): one line for each request
            return [ModelError(f"The replica failed: {(str(exc).splitlines() or [type(exc).__name__])[0]}")
                    ] * len(requests)

    def warm(self) -> list[str]:
        return self.handle.warm.remote().result()


def deployments(config: Config, settings: ServerSettings, keys=None, cpus_per_replica: float = 1.0):
    """The Ray Serve application: the ingress (the FastAPI app and its queue) over `settings.replicas` replicas."""
    from ray import serve

    replica = serve.deployment(SummarizerReplica, name="SummarizerReplica", num_replicas=settings.replicas,
                               ray_actor_options={"num_cpus": cpus_per_replica}, max_ongoing_requests=2)

    def build_app():
        from .api import create_app
        from .service import Service

        runner = RemoteRunner(serve.get_deployment_handle("SummarizerReplica", app_name=APP_NAME))
        service = Service(config, settings, runner=runner, warm=runner.warm, workers=settings.replicas)
        return create_app(service, keys=keys)

    # Every request reaches the ingress's queue, which refuses beyond --max-queue (Ray's default would hold
    # all but a few in its proxy, out of the queue's sight).
    ingress = serve.deployment(serve.ingress(build_app)(), name="Ingress", ray_actor_options={"num_cpus": 0},
                               max_ongoing_requests=settings.max_queue + settings.max_batch * settings.replicas)
    return ingress.bind(replica.bind(config))


def run_on_ray(config: Config, settings: ServerSettings, keys) -> int:
    """Start (or join) a Ray cluster, run the application, serve until SIGTERM or Ctrl-C."""
    import ray
    from ray import serve

    from ..batch.on_ray import connect

    print(f"ray: {connect(settings.address, None)}", file=sys.stderr)
    serve.start(http_options={"host": settings.host, "port": settings.port})
    serve.run(deployments(config, settings, keys), name=APP_NAME, route_prefix="/")
    print(f"serving on http://{settings.host}:{settings.port}/ with {settings.replicas} replicas on Ray Serve "
          "(API docs at /docs)", file=sys.stderr, flush=True)
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    serve.shutdown()
    ray.shutdown()
    return 0
