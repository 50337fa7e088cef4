"""Loading and running models: locate, load once, tokenise, batch, generate, decode.

With `engines.py` (which runs the token ids), the only layer that touches torch
and transformers. `load_model` takes a registry name, a hub id or a local
folder; a folder in the model store (see `store.py`) named like the hub id is
used before the hub, and ``HF_HUB_OFFLINE=1`` is honoured by huggingface_hub
itself. Loaded models are kept in a bounded `ModelCache`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import argos
from .cache import ModelCache, default_cache
from .drivers import Driver, infer_driver
from .engines import (
    CTranslate2Engine,
    TorchEngine,
    check_precision,
    converted_path,
    ct2_compute_type,
    ctranslate2_engine,
    resolve_engine,
    torch_dtype,
)
from .errors import ModelError, ModelLoadError
from .hub import hub_reachable
from .registry import ModelSpec, download_command, find_spec
from .store import manifest_revision, models_dir, store_folder, verify

_GENERATION_KEYS = ("num_beams", "length_penalty", "max_length", "min_length", "no_repeat_ngram_size",
                    "early_stopping", "repetition_penalty")
# Settings transformers would take from generation_config by itself: given to every engine explicitly,
# so that torch and CTranslate2 decode alike.
_DECODING_DEFAULTS = ("num_beams", "length_penalty", "no_repeat_ngram_size", "repetition_penalty")
# Weights in these formats are Python pickles: loading one can run code that was put in it.
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
PICKLE_HINT = ("Pickle weights can run code when loaded: convert the model to safetensors, or, if you trust "
               "its source, pass --allow-pickle (allow_pickle=True).")
LIMIT_BUCKET = 8  # input lengths are rounded up to this many tokens to set an output's length limit


@dataclass(frozen=True)
class Location:
    source: str  # what from_pretrained is given: a folder or a hub id
    model_id: str  # what results report: the hub id, or the folder
    revision: str | None
    spec: ModelSpec | None
    local: bool


def locate(name_or_path: str) -> Location:
    """Where a model is loaded from: a local folder, ``models/<hub id>``, or the hub."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return Location(str(path), str(path), None, None, True)
    spec = find_spec(name_or_path)
    repo = spec.repo if spec else name_or_path
    folder = store_folder(name_or_path)
    if folder is not None:
        return Location(str(folder), repo, manifest_revision(repo), spec, True)
    if spec is None and (name_or_path.count("/") != 1 or name_or_path.startswith((".", "/", "~"))):
        raise ModelLoadError(
            f"Model {name_or_path!r} is neither a folder, a registry name nor a hub id (owner/name). "
            "Registry names: see `summarize models`."
        )
    revision = spec.revision if spec else None
    return Location(repo, repo, revision, spec, False)


def check_weights(folder: Path, what: str) -> bool:
    """Whether a model folder's weights are pickles: True when it has no safetensors but pickle files.

    Raises ModelLoadError when its config points transformers at a weights file other than safetensors.
    """
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    named = config.get("transformers_weights") if isinstance(config, dict) else None
    if named and not str(named).endswith((".safetensors", ".safetensors.index.json")):
        raise ModelLoadError(f"Model {what!r}: its config.json names the weights file {named!r}, which is not "
                             "safetensors; refused.")
    names = [p.name for p in folder.iterdir() if p.is_file()]
    return not any(n.endswith(".safetensors") for n in names) and any(n.endswith(PICKLE_SUFFIXES) for n in names)


def resolve_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"Device {device!r} was asked for but CUDA is not available here; use --device cpu.")
    return device


@dataclass
class Generated:
    text: str
    finished: bool  # the model emitted end-of-sequence (not cut by the length limit)
    truncated_input: bool  # the input was longer than the model reads and was cut


class Seq2SeqModel:
    """A tokenizer, the engine that runs the model, and the driver that tells it which language to use.

    Tokenising, language handling, batching and decoding happen here, identically
    for every engine; the engine only maps token ids to generated token ids.
    """

    def __init__(self, location: Location, tokenizer, config, generation_config, engine, device: str,
                 torch_model=None):
        self.location = location
        self.spec = location.spec
        self.name = location.spec.name if location.spec else location.model_id
        self.model_id = location.model_id
        self.tokenizer = tokenizer
        self.config = config
        self.generation_config = generation_config
        self.engine = engine
        self.model = torch_model  # the transformers model on the torch engine, else None
        self.device = device
        self.pickle_weights = False  # loaded from pickle weights (allowed by the caller that loaded it)
        self.pair: tuple[str, str] | None = None  # (source, target) where the model says, e.g. an Argos package
        self.driver: Driver = infer_driver(tokenizer, config)
        # Lengths are always passed explicitly (max_new_tokens); keep the config's own
        # values as fallback settings and clear them, so that transformers does not warn
        # about both being set on every call.
        self._config_settings = {key: getattr(generation_config, key, None) for key in _GENERATION_KEYS}
        generation_config.max_length = generation_config.min_length = None
        self._decoding_defaults = {key: self._config_settings[key] for key in _DECODING_DEFAULTS
                                   if self._config_settings.get(key) is not None}
        self._strip_ids = self.driver.strip_ids(tokenizer.get_vocab())
        self._lock = threading.Lock()  # tokenizer state (src_lang) and generation are not thread-safe

    @property
    def engine_name(self) -> str:
        """e.g. "ctranslate2/int8" or "torch/float32"."""
        return self.engine.description

    @property
    def max_input_tokens(self) -> int:
        """How many tokens (with special tokens) the encoder reads at most."""
        limits = [self.spec.max_input_tokens] if self.spec and self.spec.max_input_tokens else []
        positions = getattr(self.config, "max_position_embeddings", None)
        if positions:
            limits.append(positions)
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if tok_max and tok_max < 100_000:
            limits.append(tok_max)
        return min(limits) if limits else 512

    @property
    def max_output_tokens(self) -> int:
        positions = getattr(self.config, "max_position_embeddings", None)
        return (positions or 512) - 2

    def generation_settings(self) -> dict[str, Any]:
        """The model card's settings (registry), else those in its generation_config."""
        if self.spec and self.spec.generation:
            return dict(self.spec.generation)
        settings = {key: value for key, value in self._config_settings.items() if value is not None}
        settings.setdefault("num_beams", 4)
        return settings

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def generate(self, texts: Sequence[str], *, source: str | None = None, target: str | None = None,
                 settings: dict[str, Any], batch_size: int = 8, max_batch_tokens: int = 16_384,
                 length_ratio: float | None = None) -> list[Generated]:
        """Generate one output per text, in input order.

        Inputs are sorted by length and cut into batches of at most `batch_size`
        texts and `max_batch_tokens` padded tokens. `length_ratio` sets each
        text's max_new_tokens to ratio x its own length, rounded up to LIMIT_BUCKET
        tokens (for translation); otherwise `settings` holds the limits.
        """
        if not texts:
            return []
        prepared = self.driver.prepare(list(texts), source, target, self.name)
        limit = self.max_input_tokens
        results: list[Generated | None] = [None] * len(texts)
        with self._lock:
            if prepared.src_lang is not None:
                self.tokenizer.src_lang = prepared.src_lang
            encoded = self.tokenizer(prepared.texts, verbose=False)["input_ids"]
            truncated = [len(ids) > limit for ids in encoded]
            encoded = [ids[:limit - 1] + ids[-1:] if cut else ids for ids, cut in zip(encoded, truncated, strict=True)]
            # An output's length limit follows from its own input's length (rounded up to a bucket), never
            # from its batch-mates': batches hold one limit each, so a text translates the same in any batch.
            limits = [min(int(-(-len(ids) // LIMIT_BUCKET) * LIMIT_BUCKET * length_ratio) + 10,
                          self.max_output_tokens) for ids in encoded] if length_ratio is not None else None
            for batch in _batches(encoded, batch_size, max_batch_tokens, limits):
                kwargs = {**self._decoding_defaults, **settings, **prepared.generate_kwargs}
                if limits is not None:
                    kwargs["max_new_tokens"] = limits[batch[0]]
                    kwargs.pop("max_length", None)
                try:
                    runs = self._run_halving([encoded[i] for i in batch], kwargs)
                except ModelError as exc:
                    raise ModelError(f"Model {self.name!r} failed while generating: {exc}") from exc
                for index, run in zip(batch, runs, strict=True):
                    kept = [t for t in run.ids if t not in self._strip_ids]
                    text = self.tokenizer.decode(kept, skip_special_tokens=True).strip()
                    results[index] = Generated(text, run.finished, truncated[index])
        return results  # type: ignore[return-value]


    def _run_halving(self, batch: list[list[int]], settings: dict[str, Any]) -> list:
        """Run a batch; when it runs out of memory, run its halves instead (down to single inputs)."""
        try:
            return self.engine.run(batch, settings)
        except ModelError as exc:
            if len(batch) == 1 or "out of memory" not in str(exc).lower():
                raise
        half = len(batch) // 2
        return self._run_halving(batch[:half], settings) + self._run_halving(batch[half:], settings)


def _batches(encoded: list[list[int]], batch_size: int, max_batch_tokens: int,
             limits: list[int] | None = None) -> list[list[int]]:
    """Indices sorted longest first, cut into batches by count, by padded tokens and where `limits` change."""
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]), reverse=True)
    batches: list[list[int]] = []
    for index in order:
        width = len(encoded[batches[-1][0]]) if batches else 0  # the first (longest) sets the width
        same_limit = limits is None or (batches and limits[batches[-1][0]] == limits[index])
        if batches and same_limit and len(batches[-1]) < batch_size and \
                width * (len(batches[-1]) + 1) <= max_batch_tokens:
            batches[-1].append(index)
        else:
            batches.append([index])
    return batches


def load_model(name_or_path: str, device: str = "auto", engine: str = "auto", *, precision: str = "auto",
               allow_pickle: bool = False, cache: ModelCache | None = None) -> Seq2SeqModel:
    """Load a seq2seq model by registry name, hub id or local folder, once per `cache` (default: the process's).

    `engine` is "torch", "ctranslate2", or "auto" (CTranslate2 on CPU when installed, else torch);
    `precision` "auto" (CTranslate2: int8 on CPU, float16 on CUDA; torch: bfloat16 where the device
    computes it natively, else float32) or one of `engines.PRECISIONS`.
    Only safetensors weights are loaded unless `allow_pickle` (pickles can run code when loaded);
    remote code is never run.
    """
    cache = cache if cache is not None else default_cache()
    device = resolve_device(device)
    if engine == "auto" and argos.is_package(name_or_path):
        engine = "ctranslate2"  # an Argos package is a CTranslate2 model, on CUDA too
    engine = resolve_engine(engine, device)
    check_precision(engine, precision)
    asked = (name_or_path, device, engine, precision)
    model = cache.lookup(asked)  # the pipeline asks for its models on every request: no file look-ups then
    if model is None and argos.is_package(name_or_path):
        model = cache.get(asked, lambda: _load_argos(name_or_path, device, engine, precision))
    elif model is None:
        location = locate(name_or_path)
        key = (location.source, device, engine, precision)
        model = cache.get(key, lambda: _load(location, device, engine, precision, allow_pickle))
        cache.alias(asked, key)
    if model.pickle_weights and not allow_pickle:  # loaded by a caller that allowed it: still not for this one
        raise ModelLoadError(f"Model {model.name!r} has pickle weights only. {PICKLE_HINT}")
    return model


def _load(location: Location, device: str, engine: str, precision: str, allow_pickle: bool) -> Seq2SeqModel:
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig

    source = Path(location.source)
    what = location.spec.name if location.spec else location.model_id
    pickle_weights = False
    if location.local:
        if source.resolve().is_relative_to(models_dir().resolve()):
            verify(location.model_id, source)  # once per process: loads are cached
        pickle_weights = check_weights(source, what)
        if pickle_weights and not allow_pickle:
            raise ModelLoadError(f"Model {what!r} in {source} has pickle weights only (no .safetensors file). "
                                 f"{PICKLE_HINT}")
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    # True: safetensors or an error; None: safetensors where there are any, else pickles
    safetensors = {"use_safetensors": None if allow_pickle else True}
    if location.revision and not location.local:
        kwargs["revision"] = location.revision
    if not location.local and not hub_reachable():
        kwargs["local_files_only"] = True  # use the HF cache if it has the model; fail fast if not
    try:
        config = AutoConfig.from_pretrained(location.source, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(location.source, **kwargs)
        if engine == "torch":
            dtype = torch_dtype(device, getattr(config, "model_type", ""), precision)
            model = AutoModelForSeq2SeqLM.from_pretrained(location.source, dtype=dtype, **safetensors, **kwargs)
            model.to(device).eval()
            generation_config = model.generation_config
            runner = TorchEngine(model, tokenizer, device)
        else:
            model = None
            try:
                generation_config = GenerationConfig.from_pretrained(location.source, **kwargs)
            except OSError:  # older repos keep these settings in config.json only
                generation_config = GenerationConfig.from_model_config(config)
            target = converted_path(location.source, location.model_id, location.revision,
                                    ct2_compute_type(device, precision), models_dir())
            runner = ctranslate2_engine(location.source, target, None if location.local else location.revision,
                                        tokenizer, generation_config, device, precision, allow_pickle)
    except (OSError, ValueError, KeyError, ImportError) as exc:
        where = "folder" if location.local else "hub id"
        fetch = download_command(models=[location.spec.name if location.spec else location.model_id])
        fix = (f"Fetch it with: {fetch}" if not location.local
               else "Check that the folder holds config.json, the weights and the tokenizer.")
        offline = "" if location.local or hub_reachable() else " (the Hugging Face hub cannot be reached)"
        reason = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
        if "safetensors" in reason and not allow_pickle:
            fix = PICKLE_HINT
        raise ModelLoadError(f"Could not load model {what!r} from {where} {location.source!r}{offline}: "
                             f"{reason}. {fix}") from exc
    loaded = Seq2SeqModel(location, tokenizer, config, generation_config, runner, device, torch_model=model)
    loaded.pickle_weights = pickle_weights
    return loaded


def _load_argos(name: str, device: str, engine: str, precision: str) -> Seq2SeqModel:
    """An Argos Translate package (a .argosmodel file or its folder) on the CTranslate2 engine."""
    if engine != "ctranslate2":
        raise ModelLoadError(f"{name}: an Argos package is a CTranslate2 model; it runs on engine='ctranslate2' "
                             "(or 'auto'), not torch.")
    package = argos.open_package(name, models_dir())
    tokenizer, config, generation = argos.package_parts(package)
    runner = CTranslate2Engine(package.folder / "model", tokenizer, generation, device,
                               ct2_compute_type(device, precision))
    runner.description += f" (Argos package {package.name}, {package.pair})"
    location = Location(str(package.folder), str(Path(name).expanduser()), package.version or None, None, True)
    model = Seq2SeqModel(location, tokenizer, config, generation, runner, device)
    model.name = package.name
    model.pair = (package.source, package.target)
    return model
