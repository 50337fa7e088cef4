"""A summarising service: one configuration, one model cache, one queue that batches concurrent requests.

Requests from the web page and the JSON API (and, with ``serve --ray``, those the
ingress sends on to the replicas) go into one queue of articles. A worker takes
what has arrived, and waits for company while it keeps coming: until no article
has come for `batch_wait_ms`, `batch_gather_ms` at most (so a lone request waits
10 ms, a burst of clients goes as one batch), up to `max_batch` articles and
`max_batch_chars` characters that share a `Resolved.batch_key`, and hands them
to the runner (by default `Summarizer.summarize_requests` here). So eight users
at once cost about what one batch of eight costs.

The queue is shared fairly: it holds `max_queue` articles, one key at most
`key_share` of them (so one key cannot push the others out), its last
`reserved` places only for a key with no article waiting (so keys that keep
it full cannot shut out another), and batches take the keys' articles in turn.
A full queue is refused at once (`QueueFullError`); work whose client has gone
is dropped (`abandon`); summaries reach their request as soon as they are
ready (`partial`).
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..config import Config
from ..errors import ClosingError, InternalError, ModelLoadError, QueueFullError, SummarizerError
from ..models.cache import ModelCache
from ..models.registry import EXTRACTIVE
from ..pipeline.summarizer import Summarizer
from ..request import Request, Resolved
from ..result import Summary
from .keys import Account, Bill, KeyStore
from .metrics import Metrics
from .settings import ServerSettings

log = logging.getLogger(__name__)
Ready = Callable[[str, str], None]  # (language, summary) as each is ready
# Summarise one batch of resolved requests that share a batch key: one result (or error) per request.
# (requests, partial(index, language, text), active(index)) -> one result per request
Runner = Callable[[list[Resolved], Callable[[int, str, str], None] | None, Callable[[int], bool] | None],
                  Sequence[Summary | SummarizerError]]


class Summarizers:
    """One `Summarizer` per preset, made on first use, all on one model cache: what the service and each Ray Serve
    replica hold."""

    def __init__(self, config: Config, cache: ModelCache):
        self.config, self.cache = config, cache
        self._made: dict[str, Summarizer] = {}
        self._lock = threading.Lock()

    def get(self, preset: str | None = None) -> Summarizer:
        """The Summarizer of a preset (the configured one by default)."""
        name = preset or self.config.preset
        with self._lock:
            if name not in self._made:
                self._made[name] = Summarizer(self.config, cache=self.cache, preset=name)
            return self._made[name]

    def run(self, requests: list[Resolved], partial=None, active=None) -> list[Summary | SummarizerError]:
        """One batch of resolved requests (they share a batch key, so a preset)."""
        return self.get(requests[0].preset).summarize_requests(requests, partial, active)

    def warm(self) -> list[str]:
        """Load the configured summariser now (so the first request does not wait); the names of those missing."""
        summarizer = self.get()
        name = summarizer.router.summarizer_model
        if name == EXTRACTIVE:
            return []
        try:
            summarizer.load(name)
        except ModelLoadError:
            return [name]
        return []


@dataclass(eq=False)
class Queued:
    request: Resolved
    owner: str | None = None  # the API key's name, for the fair share (None: an open server)
    partial: Ready | None = None
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    queued_at: float = field(default_factory=time.monotonic)
    gone: bool = False  # its client left while it ran: the pipeline stops its work at the next step


class Service:
    """What every request uses. `start()` the workers before submitting; `stop()` finishes what is in flight."""

    def __init__(self, config: Config | None = None, settings: ServerSettings | None = None, *,
                 runner: Runner | None = None, warm: Callable[[], list[str]] | None = None,
                 cache: ModelCache | None = None, workers: int = 1):
        self.config = config or Config()
        self.settings = settings or ServerSettings()
        self.cache = cache if cache is not None else ModelCache(self.config.max_models)
        self.summarizers = Summarizers(self.config, self.cache)
        self.runner = runner or self.summarizers.run
        self.warm_up = warm or self.summarizers.warm
        self.workers = workers
        self.metrics = Metrics()
        self._queue: deque[Queued] = deque()
        self._waiting: Counter[str | None] = Counter()  # articles queued, by owner
        self._served: dict[str | None, float] = {}  # when each owner last had a batch start
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._running: list[Queued] = []  # jobs of the batches being run
        self.closing = False

    # ------------------------------------------------------------------ models and requests
    def prepare(self, request: Request | Resolved) -> Resolved:
        """The request resolved against its preset's configuration (once: a `Resolved` one is taken as it is): a
        SummarizerError now, not in the queue."""
        if isinstance(request, Resolved):
            return request
        summarizer = self.summarizers.get(request.preset)
        return request.resolve(summarizer.config, summarizer.supported_languages())

    # ------------------------------------------------------------------ queue
    def start(self) -> None:
        with self._ready:
            while len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, name=f"summarize-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def submit(self, request: Request | Resolved, *, owner: str | None = None,
               partial: Ready | None = None) -> concurrent.futures.Future:
        """Queue one request; its future holds the `Summary` (or the `SummarizerError` it met)."""
        return self.submit_many([request], owner=owner, partial=partial)[0]

    def submit_many(self, requests: Sequence[Request | Resolved], *, owner: str | None = None,
                    partial: Ready | None = None) -> list[concurrent.futures.Future]:
        """Queue requests together, or none of them: QueueFullError when the queue, or `owner`'s share of it,
        has no room for them all; ClosingError once stopping."""
        jobs = [Queued(self.prepare(request), owner, partial) for request in requests]
        share = self.settings.key_share if owner is not None else self.settings.max_queue
        with self._ready:
            if self.closing:
                raise ClosingError("The service is stopping; it takes no new requests.")
            if len(self._queue) + len(jobs) > self.settings.max_queue:
                self.metrics.count("summarizer_refused_total", reason="queue_full")
                raise QueueFullError(f"The queue is full ({len(self._queue)} of {self.settings.max_queue} "
                                     "articles wait); try again shortly.")
            if self._waiting[owner] + len(jobs) > share:
                self.metrics.count("summarizer_refused_total", reason="key_share")
                raise QueueFullError(f"This key has {self._waiting[owner]} articles waiting; one key may have "
                                     f"{share} at most (--max-queue-per-key), so that others get their turn. "
                                     "Try again shortly.")
            self._check_reserve(owner, len(jobs))
            self._queue.extend(jobs)
            self._waiting[owner] += len(jobs)
            self._ready.notify()
        self.metrics.set("summarizer_queue_length", len(self._queue))
        return [job.future for job in jobs]

    def submit_paid(self, requests: Sequence[Resolved], keys: KeyStore | None, account: Account | None, *,
                    articles: int | None = None, counted: int = 0,
                    partial: Ready | None = None) -> tuple[list[concurrent.futures.Future], Bill]:
        """Charge `account` for the requests (`articles` of them counted against its rate, `counted` of those
        already), then queue them; when they cannot be queued the charge is given back. The page and the JSON API
        both queue this way; each result is settled with `Bill.settle`."""
        bill, articles = Bill(), len(requests) if articles is None else articles
        if keys is not None and account is not None and articles:
            bill = Bill(keys, keys.charge(account, articles, sum(len(request.text) for request in requests),
                                          counted=counted))
        if not requests:  # every article of a batch was refused on its own: they are counted, nothing is queued
            return [], bill
        try:
            return self.submit_many(requests, owner=account.name if account else None, partial=partial), bill
        except SummarizerError:
            bill.refund()
            raise

    def _check_reserve(self, owner: str | None, articles: int) -> None:
        """QueueFullError when `owner`, a key with articles waiting already, would queue into the places kept
        for keys with none waiting (`ServerSettings.reserved`): keys that keep the queue full never shut out
        a new one. (Call holding the lock.)"""
        settings = self.settings
        if owner is None or not self._waiting[owner] or \
                len(self._queue) + articles <= settings.max_queue - settings.reserved:
            return
        self.metrics.count("summarizer_refused_total", reason="reserved")
        raise QueueFullError(f"This key has {self._waiting[owner]} articles waiting, and the queue's last "
                             f"{settings.reserved} places of {settings.max_queue} are kept for keys with none "
                             "waiting (--queue-reserve). Try again shortly.")

    def abandon(self, future: concurrent.futures.Future) -> bool:
        """Drop a request whose client has gone (or timed out): True if it had not started, so no work is lost."""
        with self._ready:
            job = next((job for job in self._queue if job.future is future), None)
            if job is not None:
                self._queue.remove(job)
                self._waiting[job.owner] -= 1
        dropped = future.cancel()  # a job gathered into a batch but not yet started is dropped by _run
        if dropped:
            self.metrics.count("summarizer_abandoned_total")
        else:  # running: its work stops between chunk rounds and before translation
            with self._ready:
                for running in self._running:
                    if running.future is future:
                        running.gone = True
        return dropped

    def queue_length(self) -> int:
        return len(self._queue)

    def in_flight(self) -> int:
        return len(self._queue) + self._busy

    def stop(self, timeout: float | None = None) -> bool:
        """Take no new requests; wait (at most `timeout` s) for those queued and running. True if all finished."""
        with self._ready:
            self.closing = True
            self._ready.notify_all()
        deadline = time.monotonic() + (self.settings.shutdown_timeout if timeout is None else timeout)
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.in_flight()

    def _pop(self, job: Queued) -> None:
        self._queue.remove(job)
        self._waiting[job.owner] -= 1
        self._busy += 1

    def _take(self) -> list[Queued]:
        """The next batch: the oldest job of the owner served longest ago, then jobs that share its key (the
        owners' in turn) arriving before `batch_wait_ms` passes without one (`batch_gather_ms` at most)."""
        with self._ready:
            while not self._queue:
                if self.closing:
                    return []
                self._ready.wait(0.5)
            settings = self.settings
            first = min(self._queue, key=lambda job: (self._served.get(job.owner, 0.0), job.queued_at))
            self._pop(first)
            self._served[first.owner] = time.monotonic()
        batch, chars = [first], len(first.request.text)
        started = time.monotonic()
        deadline = started + settings.batch_wait_ms / 1000
        while len(batch) < settings.max_batch:
            with self._ready:
                rank: Counter[str | None] = Counter()
                fits = []
                for job in self._queue:
                    if job.request.batch_key == first.request.batch_key:
                        fits.append((rank[job.owner], job.queued_at, job))
                        rank[job.owner] += 1
                for _, _, job in sorted(fits, key=lambda item: item[:2]):  # each owner's first, then seconds ...
                    size = len(job.request.text)
                    if len(batch) >= settings.max_batch or chars + size > settings.max_batch_chars:
                        break
                    self._pop(job)
                    batch.append(job)
                    chars += size
                    deadline = min(time.monotonic() + settings.batch_wait_ms / 1000,
                                   started + max(settings.batch_gather_ms, settings.batch_wait_ms) / 1000)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or len(batch) >= settings.max_batch:
                    break
                self._ready.wait(remaining)
        return batch

    def _work(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            self.metrics.set("summarizer_queue_length", len(self._queue))
            try:
                self._run(batch)
            finally:
                with self._ready:
                    self._busy -= len(batch)

    def _run(self, batch: list[Queued]) -> None:
        batch = [job for job in batch if job.future.set_running_or_notify_cancel()]  # not those abandoned
        if not batch:
            return
        with self._ready:
            self._running.extend(batch)
        self.metrics.observe("summarizer_batch_size", len(batch))

        def partial(index: int, language: str, text: str) -> None:
            callback = batch[index].partial
            if callback is not None:
                callback(language, text)

        try:
            results = self.runner([job.request for job in batch], partial, lambda index: not batch[index].gone)
        except Exception as exc:  # the runner itself failed (a bug, a lost replica): no request may wait forever
            if not isinstance(exc, SummarizerError):
                log.error("a batch failed", exc_info=exc)
                exc = InternalError(f"Internal error ({type(exc).__name__}); the service's log has the details.")
            results = [exc] * len(batch)
        with self._ready:
            finished = {id(job) for job in batch}
            self._running = [job for job in self._running if id(job) not in finished]
        for job, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
