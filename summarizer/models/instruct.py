"""Decoder-only instruction models (Qwen2.5, SmolLM2, Llama 3.2 ...) as summarisers.

Each text is put in the model's own chat template with an instruction that names the
length (a number of sentences) and the language to write in (`prompts.py`); a base
model without a chat template gets a plain-text prompt. The answer is cleaned of
preambles and Markdown and kept to the sentence budget. Such a model can read many
languages and write a summary in another one directly: the router decides where
that is used (`ModelSpec.writes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ModelLoadError
from ..languages import UNSPACED
from ..text.extractive import SENTENCES_FOR_LENGTH
from .base import LIMIT_BUCKET, Generated, Location, Model
from .engines.base import Decoding
from .prompts import clean_summary, plain_prompt, summary_instruction, translation_messages

DEFAULT_INPUT_TOKENS = 4096  # article tokens per prompt for a model the registry does not know
PROMPT_RESERVE = 160  # tokens of the prompt around the article (instruction, template, system turn)
MAX_SUMMARY_TOKENS = 512
TOKENS_PER_SENTENCE = 40  # the token budget of a summary: its sentence budget times this, plus a margin
DECODING = {"num_beams": 2, "repetition_penalty": 1.0}  # registry.py says why; the registry's settings win


class InstructModel(Model):
    """A decoder-only language model, prompted through its chat template to write summaries."""

    family = "instruct"

    def __init__(self, location: Location, tokenizer, config, generation_config, engine, device: str,
                 torch_model=None):
        super().__init__(location, tokenizer, config, generation_config, engine, device, torch_model)
        self.chat = bool(getattr(tokenizer, "chat_template", None))
        self._decoding_defaults = Decoding()  # its config samples; decoding here is the registry's, deterministic

    @property
    def context(self) -> int:
        """Tokens the model attends to at most (prompt and answer together)."""
        positions = getattr(self.config, "max_position_embeddings", None)
        if not positions and hasattr(self.config, "get_text_config"):
            positions = getattr(self.config.get_text_config(), "max_position_embeddings", None)
        return int(positions or 2048)

    @property
    def max_output_tokens(self) -> int:
        return min(MAX_SUMMARY_TOKENS, self.context // 4)

    @property
    def max_input_tokens(self) -> int:
        """Article tokens one prompt carries at most: the context less the prompt and the longest summary,
        capped by the registry (a small model summarises a shorter chunk better than a long one)."""
        cap = self.spec.max_input_tokens if self.spec and self.spec.max_input_tokens else DEFAULT_INPUT_TOKENS
        return max(64, min(cap, self.context - self.max_output_tokens - PROMPT_RESERVE))

    def generation_settings(self) -> dict[str, Any]:
        if self.spec and self.spec.generation:
            return dict(self.spec.generation)
        return dict(DECODING)  # not the model's own sampling settings, nor its repetition penalty: see registry.py

    def translation_defaults(self) -> Decoding:
        """Greedy: a sentence translated with its worked example came back in the right language 48 times in 48 on
        the development articles (benchmarks/bench_languages.py), at half the work of beam 2."""
        return Decoding.of(self.generation_settings()).replace(num_beams=1)

    def summary_settings(self, length: str, tokens: int | None, budget: int) -> Decoding:
        """Decoding settings, the sentence budget of `length` (or exactly `tokens` new tokens) and the token
        budget that follows from it (a chunk's summary stays well under a third of a chunk, so that summarising
        summaries converges)."""
        settings = Decoding.of(self.generation_settings())
        sentences = SENTENCES_FOR_LENGTH[length]
        cap = min(budget // 3, self.max_output_tokens)
        if tokens:
            tokens = min(tokens, cap)
            return settings.replace(max_new_tokens=tokens, min_new_tokens=tokens, sentences=None)
        return settings.replace(max_new_tokens=max(16, min(sentences * TOKENS_PER_SENTENCE + 16, cap)),
                                sentences=sentences)

    def prompt(self, text: str, language: str, sentences: int, again: bool = False) -> list[int]:
        """The prompt's token ids: the instruction in the chat template (or the plain prompt of a base model)."""
        if not self.chat:
            return self.tokenizer(plain_prompt(text, language, sentences), verbose=False)["input_ids"]
        return self._chat([{"role": "user", "content": summary_instruction(text, language, sentences, again=again)}])

    def summarize(self, texts: Sequence[str], languages: Sequence[str], *, settings: Decoding,
                  batch_size: int = 8, max_batch_tokens: int = 32_768, again: bool = False) -> list[Generated]:
        """A summary of each text, written in the language given for it (one language per text); `again` asks
        for the language more firmly (after an answer in another one)."""
        if not texts:
            return []
        sentences, settings = settings.sentences, settings.replace(sentences=None)
        with self._lock:
            truncated, prompts = [], []
            for text, language in zip(texts, languages, strict=True):
                cut = self._fit(text)
                truncated.append(cut != text)
                prompts.append(self.prompt(cut, language, sentences or 1, again))
            runs = self._run_batches(prompts, settings, batch_size, max_batch_tokens)
            results = []
            for run, cut, language in zip(runs, truncated, languages, strict=True):
                raw = self.tokenizer.decode(run.ids, skip_special_tokens=True)
                spaced = language not in UNSPACED
                text, over = clean_summary(raw, sentences, spaced=spaced)
                # sentences beyond the budget were dropped: what is kept ends where a sentence ends
                results.append(Generated(text, run.finished or over, cut))
        return results

    def _fit(self, text: str) -> str:
        """The text, cut to the tokens a prompt carries (the pipeline chunks articles, so this is a last guard)."""
        ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        if len(ids) <= self.max_input_tokens:
            return text
        return self.tokenizer.decode(ids[:self.max_input_tokens], skip_special_tokens=True)

    def translate(self, texts: Sequence[str], sources: Sequence[str], targets: Sequence[str], *,
                  settings: Decoding, batch_size: int = 8, max_batch_tokens: int = 32_768,
                  length_ratio: float = 2.0, again: bool = False) -> list[Generated]:
        """A translation of each text from its source into its target language (one pair per text, so that one
        call serves every language of a request); `again` asks more firmly (after an answer in the wrong
        language). Each output's length limit is `length_ratio` x its own input's tokens."""
        if not texts:
            return []
        settings = settings.replace(sentences=None, min_new_tokens=None)
        with self._lock:
            prompts, limits, truncated = [], [], []
            for text, source, target in zip(texts, sources, targets, strict=True):
                ids = self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
                cut = ids[:self.max_input_tokens]
                truncated.append(len(cut) < len(ids))
                text = self.tokenizer.decode(cut, skip_special_tokens=True) if truncated[-1] else text
                prompts.append(self._chat(translation_messages(text, source, target, again=again)))
                limits.append(min(int(-(-len(cut) // LIMIT_BUCKET) * LIMIT_BUCKET * length_ratio) + 16,
                                  self.max_output_tokens))
            runs = self._run_limited(prompts, settings, batch_size, max_batch_tokens, limits)
            results = []
            for run, target, cut_short in zip(runs, targets, truncated, strict=True):
                raw = self.tokenizer.decode(run.ids, skip_special_tokens=True)
                spaced = target not in UNSPACED
                results.append(Generated(clean_summary(raw, spaced=spaced)[0], run.finished, cut_short))
        return results

    def _chat(self, messages: list[dict[str, str]]) -> list[int]:
        if not self.chat:  # a base model: the turns as plain text, the answer's turn left open
            lines = [m["content"] for m in messages if m["role"] != "system"]
            return self.tokenizer("\n\n".join(lines) + "\n", verbose=False)["input_ids"]
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                     return_dict=True)
        return list(encoded["input_ids"])

    def generate(self, texts: Sequence[str], *, source: str | None = None, target: str | None = None,
                 settings: Decoding, batch_size: int = 8, max_batch_tokens: int | None = None,
                 length_ratio: float | None = None) -> list[Generated]:
        """Translate texts from `source` into `target` (the translator's interface of every model)."""
        if source is None or target is None:
            raise ModelLoadError(f"Model {self.name!r} is an instruction model: as a translator it needs the source "
                                 "and target languages.")
        return self.translate(texts, [source] * len(texts), [target] * len(texts), settings=settings,
                              batch_size=batch_size, length_ratio=length_ratio or 2.0)

