"""The engines of encoder-decoder (seq2seq) models, behind the `base.Engine` interface, `run(batch, settings)`:

- `TorchEngine`: transformers' `generate` (the reference). CUDA when present;
  bfloat16 on CUDA, and on CPUs with native bfloat16 (AVX512-BF16 / AMX) where
  it is faster. Beam search skips copying the cross-attention cache at every step
  (see `BeamCache`).
- `CTranslate2Engine`: the same model converted once to CTranslate2 (int8 on
  CPU, float16 on CUDA; `conversion.py`) and cached under ``models/ct2/``.

The decoder-only language models' engines are in `causal.py`.

Tokenising, language handling and decoding stay in `models.Seq2SeqModel`, so
both engines give the same result shape and the same metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import ModelError
from .base import Decoding, Run, cpu_threads, ct2_decoding, ct2_device, ct2_error


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
    length_spread: int | None = None  # any lengths batch together

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

    def run(self, batch: list[list[int]], settings: Decoding) -> list[Run]:
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
            output = self._generate(inputs, settings.generate_kwargs())
        except (RuntimeError, ValueError, IndexError) as exc:
            raise ModelError(str(exc)) from exc
        max_new = settings.max_new_tokens
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos) if isinstance(eos, list) else {eos}
        forced = settings.forced_bos_token_id if settings.forced_bos_token_id is not None \
            else self.model.generation_config.forced_bos_token_id
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


class CTranslate2Engine:
    name = "ctranslate2"
    length_spread: int | None = None  # any lengths batch together

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

    def run(self, batch: list[list[int]], settings: Decoding) -> list[Run]:
        source = [self.tokenizer.convert_ids_to_tokens(ids) for ids in batch]
        forced = settings.forced_bos_token_id
        prefix_token = self.tokenizer.convert_ids_to_tokens(forced) if forced is not None else self._bos_prefix
        prefix = [[prefix_token]] * len(batch) if prefix_token else None
        max_new = int(settings.max_new_tokens or 256)
        extra = 1 if prefix else 0  # CTranslate2 counts the prefix in the decoding length
        try:
            results = self.translator.translate_batch(
                source, target_prefix=prefix, max_decoding_length=max_new + extra,
                min_decoding_length=int(settings.min_new_tokens or 0) + extra, return_scores=False,
                **ct2_decoding(settings))
        except (RuntimeError, ValueError) as exc:
            raise ct2_error(exc) from exc
        runs = []
        for result in results:
            tokens = result.hypotheses[0][extra:]
            runs.append(Run(self.tokenizer.convert_tokens_to_ids(tokens), len(tokens) < max_new))
        return runs
