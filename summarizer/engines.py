"""Engines: the step that turns token ids into generated token ids.

Two engines behind one interface, `run(batch, settings)`:

- `TorchEngine`: transformers' `generate` (the reference). CUDA when present;
  bfloat16 on CUDA, and on CPUs with native bfloat16 (AVX512-BF16 / AMX) where
  it is faster. Beam search skips copying the cross-attention cache at every step
  (see `BeamCache`).
- `CTranslate2Engine`: the same model converted once to CTranslate2 (int8 on
  CPU, float16 on CUDA; `conversion.py`) and cached under ``models/ct2/``.

The decoder-only language models' engines are in `causal_engines.py`.

Tokenising, language handling and decoding stay in `models.Seq2SeqModel`, so
both engines give the same result shape and the same metadata.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError, ModelError, ModelLoadError

ENGINES = ("auto", "torch", "ctranslate2")
# What the weights and arithmetic run in. "auto": CTranslate2 int8 on CPU and float16 on CUDA; torch bfloat16
# where the device computes it natively, else float32. The int8_* forms are CTranslate2's only.
PRECISIONS = ("auto", "float32", "bfloat16", "float16", "int8", "int8_float32", "int8_float16", "int8_bfloat16")


@dataclass
class Run:
    """One generated sequence: its token ids (decoder start and language prefix excluded) and
    whether it ended by itself (rather than at the length limit)."""

    ids: list[int]
    finished: bool


def ctranslate2_available() -> bool:
    try:
        import ctranslate2  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_engine(engine: str, device: str = "cpu") -> str:
    """"auto" is CTranslate2 on CPU when installed (its int8 is where it wins), else torch.

    On CUDA "auto" is torch: CTranslate2's PyPI wheels are built against CUDA 12 and fail at
    the first generation on machines with only CUDA 13 libraries (seen on an H100 host).
    engine="ctranslate2" on CUDA still works where CUDA 12's cuBLAS is installed.
    """
    if engine not in ENGINES:
        raise InputError(f"Unknown engine {engine!r}; engines: {', '.join(ENGINES)}.")
    if engine == "auto":
        return "ctranslate2" if ctranslate2_available() and not device.startswith("cuda") else "torch"
    if engine == "ctranslate2" and not ctranslate2_available():
        raise ModelLoadError("engine='ctranslate2' needs the ctranslate2 package: pip install ctranslate2")
    return engine


def check_precision(engine: str, precision: str) -> None:
    if precision not in PRECISIONS:
        raise InputError(f"Unknown precision {precision!r}; precisions: {', '.join(PRECISIONS)}.")
    if engine == "torch" and precision.startswith("int8"):
        raise InputError(f"precision={precision!r} is CTranslate2's; the torch engine runs float32, bfloat16 "
                             "or float16.")


def _cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def torch_dtype(device: str, model_type: str, precision: str = "auto") -> Any:
    import torch

    if precision != "auto":
        return getattr(torch, precision)
    if not device.startswith("cuda"):
        # bfloat16 only where the CPU computes it natively: emulated, it is slower than float32
        return torch.bfloat16 if _cpu_has_native_bf16() and model_type not in ("t5", "mt5") else torch.float32
    if torch.cuda.is_bf16_supported():
        return torch.bfloat16
    # T5 overflows in float16; keep it in float32 where bfloat16 is missing.
    return torch.float32 if model_type in ("t5", "mt5") else torch.float16


def ct2_compute_type(device: str, precision: str = "auto") -> str:
    if precision != "auto":
        return precision
    return "float16" if device.startswith("cuda") else "int8"


def _beam_cache_class():
    from transformers.cache_utils import EncoderDecoderCache

    class BeamCache(EncoderDecoderCache):
        """Beam search reorders the cache at every step. The cross-attention keys and values
        are the same for all beams of one input (they come from its encoder output), so
        reordering them within that input's beams changes nothing: skip that copy."""

        def reorder_cache(self, beam_idx):
            self.self_attention_cache.reorder_cache(beam_idx)

    return BeamCache


class TorchEngine:
    name = "torch"

    def __init__(self, model, tokenizer, device: str):
        self.model = model
        self.tokenizer = tokenizer
        self.device = device
        self.description = f"torch/{str(next(model.parameters()).dtype).removeprefix('torch.')}"
        self._beam_cache = _beam_cache_class()
        self._cache_kwarg: str | None = None
        self.skip_cross_attention_reorder = True

    def _generate(self, inputs: dict, kwargs: dict[str, Any]):
        """generate(), with the beam-search cache that does not copy cross-attention every step."""
        if kwargs.get("num_beams", 1) <= 1 or not self.skip_cross_attention_reorder:
            return self.model.generate(**inputs, **kwargs)
        from transformers.cache_utils import DynamicCache

        def fresh():
            return self._beam_cache(DynamicCache(config=self.model.config), DynamicCache(config=self.model.config))

        if self._cache_kwarg is None:  # transformers 5 renamed past_key_values to cache
            try:
                output = self.model.generate(**inputs, **kwargs, cache=fresh())
                self._cache_kwarg = "cache"
                return output
            except ValueError as exc:
                if "cache" not in str(exc):
                    raise
                self._cache_kwarg = "past_key_values"
        return self.model.generate(**inputs, **kwargs, **{self._cache_kwarg: fresh()})

    def run(self, batch: list[list[int]], settings: dict[str, Any]) -> list[Run]:
        import torch

        pad = self.tokenizer.pad_token_id
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        side_left = getattr(self.tokenizer, "padding_side", "right") == "left"
        for row, ids in enumerate(batch):
            span = slice(width - len(ids), width) if side_left else slice(0, len(ids))
            input_ids[row, span] = torch.tensor(ids)
            mask[row, span] = 1
        inputs = {"input_ids": input_ids.to(self.device), "attention_mask": mask.to(self.device)}
        try:
            output = self._generate(inputs, dict(settings))
        except (RuntimeError, ValueError, IndexError) as exc:
            raise ModelError(str(exc)) from exc
        max_new = settings.get("max_new_tokens")
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        forced = settings.get("forced_bos_token_id", self.model.generation_config.forced_bos_token_id)
        skip = 2 if forced is not None else 1  # the decoder start token, and a forced language/bos token
        runs = []
        for row in output.tolist():
            ids = row[skip:]
            stop = next((i for i, t in enumerate(ids) if t in eos_ids), None)
            # An end-of-sequence in the last allowed place may be forced (BART's
            # forced_eos_token_id): that output was cut, not finished.
            finished = stop is not None and (max_new is None or stop + skip - 1 < max_new - 1)
            runs.append(Run([t for t in (ids if stop is None else ids[:stop]) if t != pad], finished))
        return runs


def _omp_threads() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def cpu_threads() -> int:
    """Threads for CTranslate2 on CPU: one per usable core (more measured slower: 4 on 2 cores, +50% time).
    OMP_NUM_THREADS, where set (Ray sets it to an actor's CPUs), says how many cores are this process's."""
    return _omp_threads() or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                              else (os.cpu_count() or 1))


def ct2_device(device: str) -> tuple[str, int]:
    """CTranslate2's (device, index) for "cpu", "cuda" or "cuda:N"."""
    name, index = [*device.split(":"), "0"][:2] if device.startswith("cuda") else ("cpu", "0")
    return name, int(index)


def ct2_error(exc: Exception) -> ModelError:
    """A CTranslate2 failure as a ModelError, with the fix for the common CUDA 12 library miss."""
    hint = (" (CTranslate2's wheels need CUDA 12's cuBLAS: pip install nvidia-cublas-cu12, or use "
            "engine='torch')") if "libcublas" in str(exc) else ""
    return ModelError(f"{exc}{hint}")


class CTranslate2Engine:
    name = "ctranslate2"

    def __init__(self, path: Path, tokenizer, generation_config, device: str, compute_type: str,
                 threads: int | None = None):
        import ctranslate2

        name, index = ct2_device(device)
        self.translator = ctranslate2.Translator(str(path), device=name, device_index=index,
                                                 compute_type=compute_type, intra_threads=threads or cpu_threads())
        self.tokenizer = tokenizer
        self.description = f"ctranslate2/{compute_type}"
        bos = getattr(generation_config, "forced_bos_token_id", None)
        self._bos_prefix = tokenizer.convert_ids_to_tokens(bos) if bos is not None else None

    def run(self, batch: list[list[int]], settings: dict[str, Any]) -> list[Run]:
        source = [self.tokenizer.convert_ids_to_tokens(ids) for ids in batch]
        forced = settings.get("forced_bos_token_id")
        prefix_token = self.tokenizer.convert_ids_to_tokens(forced) if forced is not None else self._bos_prefix
        prefix = [[prefix_token]] * len(batch) if prefix_token else None
        max_new = int(settings.get("max_new_tokens", 256))
        extra = 1 if prefix else 0  # CTranslate2 counts the prefix in the decoding length
        try:
            results = self.translator.translate_batch(
                source, target_prefix=prefix, beam_size=int(settings.get("num_beams", 1)),
                length_penalty=float(settings.get("length_penalty", 1.0)),
                no_repeat_ngram_size=int(settings.get("no_repeat_ngram_size", 0) or 0),
                repetition_penalty=float(settings.get("repetition_penalty", 1.0) or 1.0),
                max_decoding_length=max_new + extra,
                min_decoding_length=int(settings.get("min_new_tokens", 0) or 0) + extra,
                max_batch_size=0, return_scores=False)
        except (RuntimeError, ValueError) as exc:
            raise ct2_error(exc) from exc
        runs = []
        for result in results:
            tokens = result.hypotheses[0][extra:]
            runs.append(Run(self.tokenizer.convert_tokens_to_ids(tokens), len(tokens) < max_new))
        return runs
