"""What every engine shares: the `Engine` interface, the result of one generated sequence (`Run`), the engine
and precision names and how "auto" resolves, and CTranslate2's devices, threads, errors and decoding arguments.

An engine turns a batch of token id lists into generated token ids: `run(batch, settings) -> list[Run]`, with
the decoding settings of `models.Model` (beams, penalties, new-token limits). One module per model family:
`seq2seq.py` (encoder-decoder models) and `causal.py` (decoder-only language models), each with a torch engine
(transformers' `generate`, the reference) and a CTranslate2 one (the model converted once, int8 on CPU).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ...errors import InputError, ModelError, ModelLoadError

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


@dataclass(frozen=True)
class Decoding:
    """How to decode: one typed, frozen object for every engine and model family (whisper's `DecodingOptions` is
    the model). A field left None is not set: the model's generation_config (`Model`) or the engine's default
    applies. Made from a model card's settings by `of`, changed by `replace`."""

    num_beams: int | None = None
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = None
    repetition_penalty: float | None = None
    early_stopping: bool | str | None = None  # transformers' beam search ("never": none)
    max_new_tokens: int | None = None
    min_new_tokens: int | None = None
    forced_bos_token_id: int | None = None  # the first token a translator writes: its target language
    sentences: int | None = None  # an instruction model's sentence budget, asked for in its prompt

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Decoding:
        """From a model card's (or generation config's) settings, those that are decoding settings: its
        max_length and min_length are the caller's, to turn into new tokens."""
        return cls(**{name: value for name, value in settings.items() if name in _DECODING_FIELDS})

    def replace(self, **changes: Any) -> Decoding:
        return dataclasses.replace(self, **changes)

    def over(self, base: Decoding) -> Decoding:
        """These settings where set, `base`'s elsewhere."""
        return base.replace(**self.given())

    def given(self) -> dict[str, Any]:
        """The settings that are set."""
        return {spec.name: getattr(self, spec.name) for spec in dataclasses.fields(self)
                if getattr(self, spec.name) is not None}

    def generate_kwargs(self) -> dict[str, Any]:
        """transformers' `generate` arguments: every setting that is set, but the prompt's sentence budget."""
        return {name: value for name, value in self.given().items() if name != "sentences"}


_DECODING_FIELDS = {spec.name for spec in dataclasses.fields(Decoding)}


class Engine(Protocol):
    """What `models.Model` asks of an engine."""

    name: str  # "torch" or "ctranslate2"
    description: str  # what runs, e.g. "ctranslate2/int8"
    length_spread: int | None  # a batch's inputs may differ by this many tokens at most (None: any)

    def run(self, batch: list[list[int]], settings: Decoding) -> list[Run]: ...


def ct2_decoding(settings: Decoding) -> dict[str, Any]:
    """CTranslate2's arguments for the decoding settings both of its engines take alike (beams and penalties);
    the length limits differ (a translator counts a target prefix, a generator does not) and are the caller's."""
    return {"beam_size": int(settings.num_beams or 1),
            "length_penalty": float(settings.length_penalty if settings.length_penalty is not None else 1.0),
            "no_repeat_ngram_size": int(settings.no_repeat_ngram_size or 0),
            "repetition_penalty": float(settings.repetition_penalty or 1.0),
            "max_batch_size": 0}
