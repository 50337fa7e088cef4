"""A bounded cache of loaded models: each (model, device, engine) is loaded once and kept while it is used.

A `Summarizer` owns one or is handed one (the demo and the server share one
among all their requests); without one it uses the process's default cache of
its `Config.max_models` size (one per size), and `load_model` without a cache
the default-sized one. When more than `max_models` are loaded, the least recently used is
dropped, so a long-running server asked for many languages keeps a bounded set
in memory. A model dropped while a request still runs on it stays alive until
that request ends (the request holds it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import InputError, ModelLoadError, SummarizerError

if TYPE_CHECKING:
    from .base import Model

DEFAULT_MAX_MODELS = 16  # the default preset into every language of the table needs about this many


class ModelCache:
    """Loaded models by key, least recently used dropped first beyond `max_models`."""

    def __init__(self, max_models: int = DEFAULT_MAX_MODELS):
        if not isinstance(max_models, int) or isinstance(max_models, bool) or max_models < 1:
            raise InputError(f"max_models={max_models!r} must be a whole number of at least 1.")
        self.max_models = max_models
        self._models: OrderedDict[tuple, Model] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple, threading.Lock] = {}  # one load per key at a time
        self._aliases: dict[tuple, tuple] = {}
        self.loads = 0  # models loaded so far (for tests and metrics)
        self.evictions = 0

    def alias(self, name: tuple, key: tuple) -> None:
        """Let `name` (e.g. a registry name) find the model loaded under `key` (e.g. its folder)."""
        with self._lock:
            self._aliases[name] = key

    def _hit(self, key: tuple) -> Model | None:
        """The model under `key`, marked as used (the caller holds the lock)."""
        if key in self._models:
            self._models.move_to_end(key)
            return self._models[key]
        return None

    def lookup(self, key: tuple) -> Model | None:
        """The model under `key` or under the key it is an alias of, if loaded (marked as used)."""
        with self._lock:
            return self._hit(self._aliases.get(key, key))

    def get(self, key: tuple, load: Callable[[], Model]) -> Model:
        """The model cached under `key`, loaded with `load()` on first use (once, even when asked concurrently).

        Every load passes here, so here a loader's own exception (a corrupt safetensors header, a garbage
        CTranslate2 model) becomes the `ModelLoadError` that callers handle, naming the model."""
        with self._lock:
            if (model := self._hit(key)) is not None:
                return model
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if (model := self._hit(key)) is not None:
                    return model
            try:
                model = load()
            except SummarizerError:
                raise
            except Exception as exc:  # a loader's own error for a corrupt file (safetensors, CTranslate2, ...)
                reason = (str(exc).splitlines() or [""])[0].rstrip(".") or "no reason given"
                raise ModelLoadError(f"Could not load model {key[0]!r}: the files are not a readable model "
                                     f"({type(exc).__name__}: {reason}).") from exc
            self.put(key, model)
            with self._lock:
                self._loading.pop(key, None)
                self.loads += 1
            return model

    def put(self, key: tuple, model: Model) -> None:
        with self._lock:
            self._models[key] = model
            self._models.move_to_end(key)
            while len(self._models) > self.max_models:
                self._models.popitem(last=False)
                self.evictions += 1

    def __len__(self) -> int:
        return len(self._models)

    def names(self) -> list[str]:
        """Ids of the loaded models, least recently used first."""
        with self._lock:
            return list(dict.fromkeys(model.model_id for model in self._models.values()))

    def clear(self) -> None:
        with self._lock:
            self._models.clear()
            self._aliases.clear()


_defaults: dict[int, ModelCache] = {}
_default_lock = threading.Lock()


def default_cache(max_models: int = DEFAULT_MAX_MODELS) -> ModelCache:
    """The process's shared cache of this size, used by `load_model` and every `Summarizer` not handed one."""
    with _default_lock:
        if max_models not in _defaults:
            _defaults[max_models] = ModelCache(max_models)
        return _defaults[max_models]
