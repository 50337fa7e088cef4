"""A summarising service: one configuration, one model cache, one queue that batches concurrent requests.

Requests from the web page and the JSON API go into one queue. A worker takes what has arrived, and waits
for company while it keeps coming: until no request has come for `max_wait_ms`, `max_gather_ms` at most
(so a lone request waits 10 ms, a burst of clients goes as one batch), up to `max_batch` requests and
`max_batch_chars` characters, and runs them as one `Summarizer.summarize_requests` call (requests that share
length and strictness go together; each keeps its own languages). So eight users at once cost about what one
batch of eight costs. A full queue is refused at once (`QueueFull`); summaries reach their request as soon as
they are ready (`partial`).
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .cache import ModelCache
from .config import Config
from .errors import SummarizerError
from .metrics import Metrics
from .options import SummarizeOptions
from .pipeline import Request, Summarizer


class QueueFull(SummarizerError):
    """The queue holds as many requests as it may; try again shortly."""


class Closing(SummarizerError):
    """The service is stopping and takes no new requests."""


@dataclass
class Job:
    request: Request
    options: SummarizeOptions
    preset: str
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    partial: Callable[[str, str], None] | None = None  # (language, summary) as each is ready
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def key(self) -> tuple:
        """What a batch must share: the preset, and the options that set generation."""
        o = self.options
        return self.preset, o.length, o.strict, o.summary_tokens, o.translation_tokens


class Service:
    """What every request uses. `start()` the workers before submitting; `stop()` finishes what is in flight."""

    def __init__(self, config: Config | None = None, *, max_queue: int = 64, max_batch: int = 32,
                 max_batch_chars: int = 200_000, max_wait_ms: float = 10.0, max_gather_ms: float = 250.0,
                 workers: int = 1, cache: ModelCache | None = None):
        self.config = replace(config or Config(), extractive_fallback=True)
        self.cache = cache if cache is not None else ModelCache(self.config.max_models)
        self.max_queue, self.max_batch, self.max_batch_chars = max_queue, max_batch, max_batch_chars
        self.max_wait_s, self.max_gather_s, self.workers = max_wait_ms / 1000, max_gather_ms / 1000, workers
        self.metrics = Metrics()
        self._summarizers: dict[str, Summarizer] = {}
        self._lock = threading.Lock()
        self._queue: deque[Job] = deque()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self.closing = False

    # ------------------------------------------------------------------ models
    def summarizer(self, preset: str | None = None) -> Summarizer:
        """The Summarizer of a preset (the configured one by default), made on first use; all share the cache."""
        name = preset or self.config.preset
        with self._lock:
            if name not in self._summarizers:
                self._summarizers[name] = Summarizer(self.config, cache=self.cache, preset=name)
            return self._summarizers[name]

    # ------------------------------------------------------------------ queue
    def start(self) -> None:
        with self._ready:
            while len(self._threads) < self.workers:
                thread = threading.Thread(target=self._work, name=f"summarize-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()

    def submit(self, request: Request, options: SummarizeOptions | None = None, preset: str | None = None,
               partial: Callable[[str, str], None] | None = None) -> concurrent.futures.Future:
        """Queue a request; its future holds the `Summary` (or the `SummarizerError` it met)."""
        summarizer = self.summarizer(preset)  # an unknown preset is an error now, not in the worker
        job = Job(request, options or self.config.options, summarizer.config.preset, partial=partial)
        with self._ready:
            if self.closing:
                raise Closing("The service is stopping; it takes no new requests.")
            if len(self._queue) >= self.max_queue:
                self.metrics.count("summarizer_refused_total", reason="queue_full")
                raise QueueFull(f"The queue is full ({self.max_queue} requests wait); try again shortly.")
            self._queue.append(job)
            self._ready.notify()
        self.metrics.set("summarizer_queue_length", len(self._queue))
        return job.future

    def queue_length(self) -> int:
        return len(self._queue)

    def in_flight(self) -> int:
        return len(self._queue) + self._busy

    def stop(self, timeout: float = 30.0) -> bool:
        """Take no new requests; wait (at most `timeout` s) for those queued and running. True if all finished."""
        with self._ready:
            self.closing = True
            self._ready.notify_all()
        deadline = time.monotonic() + timeout
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)
        return not self.in_flight()

    def _take(self) -> list[Job]:
        """The next batch: the oldest job, and those that share its key and arrive before `max_wait_s` passes
        without one (`max_gather_s` at most)."""
        with self._ready:
            while not self._queue:
                if self.closing:
                    return []
                self._ready.wait(0.5)
            first = self._queue.popleft()
            self._busy += 1
        batch, chars = [first], len(first.request.text or "")
        started = time.monotonic()
        deadline = started + self.max_wait_s
        while len(batch) < self.max_batch:
            with self._ready:
                fits = [j for j in self._queue if j.key == first.key]
                for job in fits:
                    size = len(job.request.text or "")
                    if len(batch) >= self.max_batch or chars + size > self.max_batch_chars:
                        break
                    self._queue.remove(job)
                    self._busy += 1
                    batch.append(job)
                    chars += size
                    deadline = min(time.monotonic() + self.max_wait_s, started + max(self.max_gather_s,
                                                                                      self.max_wait_s))
                remaining = deadline - time.monotonic()
                if remaining <= 0 or len(batch) >= self.max_batch:
                    break
                self._ready.wait(remaining)
        return batch

    def _work(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                return
            self.metrics.set("summarizer_queue_length", len(self._queue))
            self.metrics.observe("summarizer_batch_size", len(batch))
            try:
                self._run(batch)
            finally:
                with self._ready:
                    self._busy -= len(batch)

    def _run(self, batch: list[Job]) -> None:
        batch = [job for job in batch if job.future.set_running_or_notify_cancel()]  # not those timed out
        if not batch:
            return
        first = batch[0]
        summarizer = self.summarizer(first.preset)

        def partial(index: int, language: str, text: str) -> None:
            callback = batch[index].partial
            if callback is not None:
                callback(language, text)

        try:
            results = summarizer.summarize_requests([job.request for job in batch], first.options, partial)
        except Exception as exc:  # a bug must not leave a request waiting forever
            for job in batch:
                job.future.set_exception(exc)
            return
        for job, result in zip(batch, results, strict=True):
            if isinstance(result, SummarizerError):
                job.future.set_exception(result)
            else:
                job.future.set_result(result)
