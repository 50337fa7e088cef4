"""The only layer that touches torch and transformers: loading, caching, generating.

`load_model` takes a registry name, a hub id or a local folder. A folder under
``models/`` named like the hub id is used before the hub; ``HF_HUB_OFFLINE=1``
is honoured by huggingface_hub itself. Each (model, device) pair is loaded once
per process and shared.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .drivers import Driver, infer_driver
from .errors import ModelError, ModelLoadError
from .hub import hub_reachable, models_dir, read_manifest
from .registry import ModelSpec, find_spec

_GENERATION_KEYS = ("num_beams", "length_penalty", "max_length", "min_length", "no_repeat_ngram_size",
                    "early_stopping")
_cache: dict[tuple[str, str], Seq2SeqModel] = {}
_cache_lock = threading.Lock()


def download_command(spec_or_name: ModelSpec | str) -> str:
    name = spec_or_name.name if isinstance(spec_or_name, ModelSpec) else spec_or_name
    return f"summarize download --model {name}"


@dataclass(frozen=True)
class Location:
    source: str  # what from_pretrained is given: a folder or a hub id
    model_id: str  # what results report: the hub id, or the folder
    revision: str | None
    spec: ModelSpec | None
    local: bool


def _manifest_revision(repo: str) -> str | None:
    entry = read_manifest()["models"].get(repo)
    return entry.get("revision") if isinstance(entry, dict) else None


def locate(name_or_path: str) -> Location:
    """Where a model is loaded from: a local folder, ``models/<hub id>``, or the hub."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return Location(str(path), str(path), None, None, True)
    spec = find_spec(name_or_path)
    repo = spec.repo if spec else name_or_path
    for candidate in (models_dir() / repo, models_dir() / (spec.name if spec else repo)):
        if (candidate / "config.json").is_file():
            return Location(str(candidate), repo, _manifest_revision(repo), spec, True)
    if spec is None and (name_or_path.count("/") != 1 or name_or_path.startswith((".", "/", "~"))):
        raise ModelLoadError(
            f"Model {name_or_path!r} is neither a folder, a registry name nor a hub id (owner/name). "
            "Registry names: see `summarize models`."
        )
    revision = spec.revision if spec else None
    return Location(repo, repo, revision, spec, False)


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
    """A loaded tokenizer + model pair and the driver that tells it which language to use."""

    def __init__(self, location: Location, tokenizer, model, device: str):
        self.location = location
        self.spec = location.spec
        self.name = location.spec.name if location.spec else location.model_id
        self.model_id = location.model_id
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.driver: Driver = infer_driver(tokenizer, model.config)
        # Lengths are always passed to generate() explicitly (max_new_tokens); keep the
        # config's own values as the fallback settings and clear them, so that
        # transformers does not warn about both being set on every call.
        config = model.generation_config
        self._config_settings = {key: getattr(config, key, None) for key in _GENERATION_KEYS}
        config.max_length = config.min_length = None
        self._strip_ids = self.driver.strip_ids(tokenizer.get_vocab())
        self._lock = threading.Lock()  # tokenizer state (src_lang) and generate are not thread-safe

    @property
    def max_input_tokens(self) -> int:
        """How many tokens (with special tokens) the encoder reads at most."""
        limits = [self.spec.max_input_tokens] if self.spec and self.spec.max_input_tokens else []
        positions = getattr(self.model.config, "max_position_embeddings", None)
        if positions:
            limits.append(positions)
        tok_max = getattr(self.tokenizer, "model_max_length", None)
        if tok_max and tok_max < 100_000:
            limits.append(tok_max)
        return min(limits) if limits else 512

    @property
    def max_output_tokens(self) -> int:
        positions = getattr(self.model.config, "max_position_embeddings", None)
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
                 settings: dict[str, Any], batch_size: int = 8,
                 length_ratio: float | None = None) -> list[Generated]:
        """Generate one output per text, in input order, batching by input length.

        `length_ratio` sets max_new_tokens per batch to ratio x the longest input
        (for translation); otherwise `settings` holds the limits.
        """
        import torch

        if not texts:
            return []
        prepared = self.driver.prepare(list(texts), source, target, self.name)
        order = sorted(range(len(texts)), key=lambda i: len(prepared.texts[i]), reverse=True)
        results: list[Generated | None] = [None] * len(texts)
        limit = self.max_input_tokens
        strip = self._strip_ids
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        with self._lock, torch.inference_mode():
            if prepared.src_lang is not None:
                self.tokenizer.src_lang = prepared.src_lang
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                batch_texts = [prepared.texts[i] for i in batch]
                full_lengths = [len(ids) for ids in self.tokenizer(batch_texts, verbose=False)["input_ids"]]
                enc = self.tokenizer(batch_texts, return_tensors="pt", padding=True, truncation=True,
                                     max_length=limit).to(self.device)
                kwargs = {**settings, **prepared.generate_kwargs}
                if length_ratio is not None:
                    longest = int(enc["attention_mask"].sum(dim=1).max())
                    kwargs["max_new_tokens"] = min(int(longest * length_ratio) + 10, self.max_output_tokens)
                    kwargs.pop("max_length", None)
                try:
                    output = self.model.generate(**enc, **kwargs)
                except (RuntimeError, ValueError, IndexError) as exc:
                    raise ModelError(f"Model {self.name!r} failed while generating: {exc}") from exc
                max_new = kwargs.get("max_new_tokens")
                for row, index in enumerate(batch):
                    ids = [int(t) for t in output[row][1:]]
                    stop = next((i for i, t in enumerate(ids) if t in eos_ids), None)
                    # An end-of-sequence in the last allowed place may be forced (BART's
                    # forced_eos_token_id): that output was cut, not finished.
                    finished = stop is not None and (max_new is None or stop < max_new - 1)
                    kept = [t for t in ids if t not in strip]
                    text = self.tokenizer.decode(kept, skip_special_tokens=True).strip()
                    results[index] = Generated(text, finished, full_lengths[row] > limit)
        return results  # type: ignore[return-value]


def _dtype_for(device: str, config) -> Any:
    import torch

    if not device.startswith("cuda"):
        return torch.float32
    if torch.cuda.is_bf16_supported():
        return torch.bfloat16
    # T5 overflows in float16; keep it in float32 where bfloat16 is missing.
    return torch.float32 if getattr(config, "model_type", "") in ("t5", "mt5") else torch.float16


def load_model(name_or_path: str, device: str = "auto") -> Seq2SeqModel:
    """Load (once per process) a seq2seq model by registry name, hub id or local folder."""
    device = resolve_device(device)
    location = locate(name_or_path)
    key = (location.source, device)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        model = _load(location, device)
        _cache[key] = model
        return model


def _load(location: Location, device: str) -> Seq2SeqModel:
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if location.revision and not location.local:
        kwargs["revision"] = location.revision
    if not location.local and not hub_reachable():
        kwargs["local_files_only"] = True  # use the HF cache if it has the model; fail fast if not
    try:
        config = AutoConfig.from_pretrained(location.source, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(location.source, **kwargs)
        model = AutoModelForSeq2SeqLM.from_pretrained(location.source, dtype=_dtype_for(device, config),
                                                      **kwargs)
    except (OSError, ValueError, KeyError, ImportError) as exc:
        what = location.spec.name if location.spec else location.model_id
        where = "folder" if location.local else "hub id"
        fix = (f"Fetch it with: {download_command(location.spec or location.model_id)}"
               if not location.local else "Check that the folder holds config.json, the weights and the tokenizer.")
        offline = "" if location.local or hub_reachable() else " (the Hugging Face hub cannot be reached)"
        raise ModelLoadError(
            f"Could not load model {what!r} from {where} {location.source!r}{offline}: "
            f"{(str(exc).splitlines() or [type(exc).__name__])[0].rstrip('.')}. {fix}"
        ) from exc
    model.to(device).eval()
    return Seq2SeqModel(location, tokenizer, model, device)


def clear_cache() -> None:
    """Forget every loaded model (tests, or to free memory)."""
    with _cache_lock:
        _cache.clear()
