"""How to tell a seq2seq model which language to read and write.

Chosen from the model's own tokenizer vocabulary and config, never from its
name, so any compatible local folder works:

- ``target_token``: multi-target Marian (opus-mt-en-ROMANCE, -en-sla, -en-zh):
  the text starts with a ``>>xxx<<`` token naming the target language.
- ``lang_code``: M2M100, NLLB and mBART-50: the tokenizer's ``src_lang`` marks
  the source and ``forced_bos_token_id`` forces the target language token.
- ``prefix``: T5 models that read a task prefix from ``task_specific_params``.
- ``plain``: one fixed direction or task (BART, single-pair Marian, mT5 XL-Sum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import UnsupportedLanguageError
from ..languages import LANGUAGES


@dataclass(frozen=True)
class Prepared:
    texts: list[str]
    generate_kwargs: dict[str, Any] = field(default_factory=dict)
    src_lang: str | None = None  # value to set on the tokenizer before encoding


@dataclass(frozen=True)
class Driver:
    kind: str  # "plain", "target_token", "lang_code" or "prefix"
    # language code -> (tokenizer value, token id) for lang_code; -> token text for target_token
    codes: dict[str, Any] = field(default_factory=dict)
    prefixes: dict[tuple[str, str], str] = field(default_factory=dict)  # (source, target) -> T5 prefix
    summary_prefix: str = ""

    def languages(self) -> set[str]:
        """Languages this model can be told to write; empty for a fixed direction."""
        if self.kind == "prefix":
            return {target for _, target in self.prefixes}
        return set(self.codes)

    def supports(self, target: str) -> bool:
        return self.kind == "plain" or target in self.languages()

    def strip_ids(self, vocab: dict[str, int]) -> set[int]:
        """Language-token ids to drop from generated output before decoding."""
        if self.kind == "lang_code":
            return {token_id for _, token_id in self.codes.values()}
        return {i for token, i in vocab.items() if token.startswith(">>") and token.endswith("<<")}

    def prepare(self, texts: list[str], source: str | None, target: str | None, model_name: str) -> Prepared:
        if self.kind == "plain" or target is None:
            return Prepared([self.summary_prefix + t for t in texts] if target is None else list(texts))
        if target not in self.languages():
            raise UnsupportedLanguageError(
                f"Model {model_name!r} cannot write {target!r}; it knows: {', '.join(sorted(self.languages()))}."
            )
        if self.kind == "target_token":
            return Prepared([f"{self.codes[target]} {t}" for t in texts])
        if self.kind == "prefix":
            prefix = self.prefixes.get((source or "en", target))
            if prefix is None:
                raise UnsupportedLanguageError(
                    f"Model {model_name!r} has no prompt for {source}->{target}; pairs: {sorted(self.prefixes)}."
                )
            return Prepared([prefix + t for t in texts])
        src_value = self.codes[source][0] if source in self.codes else None
        if source is not None and src_value is None:
            raise UnsupportedLanguageError(
                f"Model {model_name!r} cannot read {source!r}; it knows: {', '.join(sorted(self.codes))}."
            )
        return Prepared(list(texts), {"forced_bos_token_id": self.codes[target][1]}, src_lang=src_value)


def infer_driver(tokenizer, config) -> Driver:
    """Work out how to drive a model from its tokenizer vocabulary and config."""
    vocab = tokenizer.get_vocab()
    lang_code_to_id = getattr(tokenizer, "lang_code_to_id", None)
    if isinstance(lang_code_to_id, dict) and lang_code_to_id:  # M2M100
        return Driver("lang_code", {code: (code, lang_code_to_id[code]) for code in LANGUAGES
                                    if code in lang_code_to_id})
    codes = {}
    for lang in LANGUAGES.values():
        for candidate in (lang.nllb, lang.mbart):  # NLLB, mBART-50
            if candidate and candidate in vocab:
                codes[lang.code] = (candidate, vocab[candidate])
                break
    if codes and hasattr(tokenizer, "src_lang"):
        return Driver("lang_code", codes)
    if any(t.startswith(">>") and t.endswith("<<") for t in vocab):  # multi-target Marian
        tokens = {}
        for lang in LANGUAGES.values():
            found = next((t for t in lang.marian_tokens() if t in vocab), None)
            if found:
                tokens[lang.code] = found
        return Driver("target_token", tokens)
    params = getattr(config, "task_specific_params", None) or {}
    prefixes = {}
    for task, values in params.items():
        parts = task.split("_")  # "translation_en_to_de"
        is_pair = len(parts) == 4 and parts[0] == "translation" and parts[2] == "to"
        if is_pair and isinstance(values, dict) and values.get("prefix") and {parts[1], parts[3]} <= set(LANGUAGES):
            prefixes[(parts[1], parts[3])] = values["prefix"]
    summary_prefix = (params.get("summarization") or {}).get("prefix", "") if isinstance(params, dict) else ""
    if prefixes:
        return Driver("prefix", prefixes=prefixes, summary_prefix=summary_prefix or "")
    return Driver("plain", summary_prefix=summary_prefix or "")
