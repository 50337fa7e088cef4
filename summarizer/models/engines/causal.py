"""Engines for decoder-only language models: prompt token ids in, generated token ids out.

The `base.Engine` interface, `run(batch, settings) -> list[Run]`, where each
input is a whole prompt (chat template applied) and each output is what the model
wrote after it, up to its end-of-turn token:

- `TorchCausalEngine`: transformers' `generate` on `AutoModelForCausalLM`, prompts
  padded on the left, deterministic (greedy or beam search).
- `CTranslate2GeneratorEngine`: the model converted once to CTranslate2 (int8 on
  CPU, float16 on CUDA) and run by `ctranslate2.Generator`; prompts of different
  lengths need no padding.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ...errors import ModelError
from .base import Decoding, Run, cpu_threads, ct2_decoding, ct2_device, ct2_error


def end_ids(generation_config, tokenizer) -> set[int]:
    """Token ids that end the model's turn: the generation config's end-of-sequence ids and the tokenizer's."""
    ids: set[int] = set()
    for value in (getattr(generation_config, "eos_token_id", None), getattr(tokenizer, "eos_token_id", None)):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, Iterable):
            ids.update(v for v in value if isinstance(v, int))
    return ids


def _cut(ids: list[int], ends: set[int]) -> Run:
    stop = next((i for i, token in enumerate(ids) if token in ends), None)
    return Run(ids if stop is None else ids[:stop], stop is not None)


class TorchCausalEngine:
    name = "torch"
    length_spread: int | None = None  # any lengths batch together

    def __init__(self, model, tokenizer, device: str, ends: set[int]):
        self.model = model
        self.device = device
        self.ends = ends
        pad = tokenizer.pad_token_id
        self.pad = pad if pad is not None else min(ends)
        self.description = f"torch/{str(next(model.parameters()).dtype).removeprefix('torch.')}"

    def run(self, batch: list[list[int]], settings: Decoding) -> list[Run]:
        import torch

        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):  # left padding: every prompt ends where generation starts
            input_ids[row, width - len(ids):] = torch.tensor(ids)
            mask[row, width - len(ids):] = 1
        # every setting explicit, with CTranslate2's defaults: nothing comes from the model's generation_config
        kwargs = {**_TORCH_DEFAULTS, **{key: value for key, value in settings.generate_kwargs().items()
                                        if key in _TORCH_DEFAULTS}}
        try:
            with torch.inference_mode():
                output = self.model.generate(input_ids=input_ids.to(self.device), attention_mask=mask.to(self.device),
                                             do_sample=False, eos_token_id=sorted(self.ends), pad_token_id=self.pad,
                                             **kwargs)
        except (RuntimeError, ValueError, IndexError) as exc:
            raise ModelError(str(exc)) from exc
        return [_cut(row[width:], self.ends) for row in output.tolist()]


_TORCH_DEFAULTS = {"num_beams": 1, "repetition_penalty": 1.0, "no_repeat_ngram_size": 0, "length_penalty": 1.0,
                   "max_new_tokens": 256, "min_new_tokens": 0}


class CTranslate2GeneratorEngine:
    name = "ctranslate2"
    # CTranslate2 reads a batch's prompts at once only up to the shortest; the rest of each longer prompt goes
    # through the decoder a token at a time, one batched step per token, as slow as generating one. Batches hold
    # prompts within this many tokens of each other: a prompt that joins a batch costs it that many steps and
    # saves the steps of generating on its own. 8 CNN/DM articles (hundreds of tokens apart) in one batch took
    # longer than one by one; translation prompts tens of tokens apart are faster together (Qwen2.5-Coder-1.5B,
    # an article in 6 languages: 51.9 s at 64 against 56.1 s at 16, docs/benchmarks.md#languages).
    length_spread = 64

    def __init__(self, path: Path, tokenizer, device: str, compute_type: str, ends: set[int],
                 threads: int | None = None):
        import ctranslate2

        name, index = ct2_device(device)
        self.generator = ctranslate2.Generator(str(path), device=name, device_index=index,
                                               compute_type=compute_type, intra_threads=threads or cpu_threads())
        self.path = path
        self.tokenizer = tokenizer
        self.ends = ends
        self._end_tokens = tokenizer.convert_ids_to_tokens(sorted(ends))
        self.description = f"ctranslate2/{compute_type}"

    def run(self, batch: list[list[int]], settings: Decoding) -> list[Run]:
        prompts = [self.tokenizer.convert_ids_to_tokens(ids) for ids in batch]
        try:
            results = self.generator.generate_batch(
                prompts, max_length=int(settings.max_new_tokens or 256),
                min_length=int(settings.min_new_tokens or 0), end_token=self._end_tokens,
                return_end_token=True, include_prompt_in_result=False, **ct2_decoding(settings))
        except (RuntimeError, ValueError) as exc:
            raise ct2_error(exc) from exc
        return [_cut(list(result.sequences_ids[0]), self.ends) for result in results]
