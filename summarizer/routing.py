"""Routing: which model chain makes each summary language, as plain data.

A `Router` is built from a preset plus the caller's overrides (a summariser, and
translators by target language). It answers, without loading any model, which
model translates an article into English (the pivot, when the summariser cannot
read its language), which language the summariser writes, where an instruction
model writes a target language itself (a direct route: `ModelSpec.writes`), and
which model translates a summary from one language into another (an instruction
summariser translates its own summary into the languages it was measured to
translate, `ModelSpec.translates`, where the preset's translator is not in the
model store); `plan` gives the whole chain per language. The pipeline, `summarize download`, `summarize
models` and the page all ask it, and the pipeline runs what it plans.

What a model can do is read from the registry (a known GGUF file by its SHA-256),
or from the ``config.json`` of a local folder or a model in the store (a file
read, no weights); a hub id that is not here, and an instruction model the
registry does not know, count as English-only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import argos, gguf
from .errors import ModelLoadError
from .languages import LANGUAGES, normalize_language, normalize_languages
from .registry import MODELS, Preset, find_spec, get_preset
from .store import available_offline, imported_spec, store_folder

# Model types that read (and write) many languages: a summariser of these needs no pivot,
# a translator of these reads the summary's own language.
MULTILINGUAL_TYPES = ("mt5", "mbart", "m2m_100", "nllb-moe")
MANY_TO_MANY_TYPES = ("m2m_100", "mbart", "nllb-moe")


def _config(name: str) -> dict:
    """The config.json of a local folder or a stored model, if it can be read here (a file read, no weights)."""
    folder = Path(name).expanduser() if Path(name).expanduser().is_dir() else store_folder(name)
    if folder is None:
        return {}
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return config if isinstance(config, dict) else {}


def model_type(name: str) -> str | None:
    """The `model_type` in a local folder's (or stored model's) config.json, if it can be read here."""
    return _config(name).get("model_type")


@dataclass(frozen=True)
class Abilities:
    """What a summariser reads and writes. `writes` is empty for an encoder-decoder model: it writes what it reads."""

    reads: tuple[str, ...] = ("en",)
    writes: tuple[str, ...] = ()
    instruct: bool = False
    translates: tuple[str, ...] = ()  # languages an instruction model translates its summaries into
    own: tuple[str, ...] = ()  # article languages an instruction model summarises in that language


def abilities(name: str, known: tuple[str | None, str] | None = None) -> Abilities:
    """A summariser's abilities; `known` is (model_type, family) of a model already loaded."""
    spec = find_spec(name) or imported_spec(name)
    if spec is None and gguf.is_gguf(name) and Path(name).expanduser().is_file():
        spec = gguf.identify(name)[1]
        if spec is None:
            return Abilities(("en",), ("en",), True)
    if spec is not None:
        return Abilities(spec.languages, spec.writes, spec.family == "instruct", spec.translates, spec.own)
    if known is not None:
        kind, family = known
    else:
        config = _config(name)
        kind = config.get("model_type")
        family = "instruct" if any(str(a).endswith("ForCausalLM") for a in config.get("architectures") or ()) \
            and not config.get("is_encoder_decoder") else "seq2seq"
    if family == "instruct":
        return Abilities(("en",), ("en",), True)
    return Abilities(("*",) if kind in MULTILINGUAL_TYPES else ("en",))


def reads_languages(name: str, known_type: str | None = None) -> tuple[str, ...]:
    """Article languages a summariser reads directly: ("*",) for any."""
    return abilities(name, (known_type, "seq2seq") if known_type else None).reads


def many_to_many(name: str, known_type: str | None = None) -> bool:
    """Whether a translator reads any language (so it can translate a non-English summary)."""
    spec = find_spec(name)
    if spec:
        return "*" in spec.languages and spec.task == "translation"
    return (known_type or model_type(name)) in MANY_TO_MANY_TYPES


@dataclass(frozen=True)
class Router:
    preset: Preset
    summarizer: str  # registry name, hub id or folder
    translators: Mapping[str, str] = field(default_factory=dict)  # target language -> the caller's model
    summarizer_reads: tuple[str, ...] = ("en",)
    summarizer_writes: tuple[str, ...] = ()  # languages an instruction model writes itself (direct routes)
    many_to_many: frozenset[str] = frozenset()  # which of `translators` read any language
    pairs: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # translators that say their pair (Argos)
    summarizer_translates: tuple[str, ...] = ()  # languages the (instruction) summariser translates into
    summarizer_own: tuple[str, ...] = ()  # article languages it summarises in that language (else in English)
    have: Callable[[str], bool] = available_offline  # whether a model can be loaded without the hub

    @classmethod
    def build(cls, preset: str = "default", summarizer: str | None = None,
              translators: Mapping[str, str] | None = None,
              known_types: Mapping[str, tuple[str | None, str]] | None = None) -> Router:
        """A router for `preset` with overrides; `known_types` gives (model_type, family) of models already loaded."""
        known = dict(known_types or {})
        chosen = get_preset(preset)
        name = summarizer or chosen.summarizer
        mine = {normalize_language(lang): model for lang, model in (translators or {}).items()}
        pairs = {model: pair for model in mine.values() if (pair := argos.read_pair(model))}
        for lang, model in mine.items():
            if model in pairs and pairs[model][1] != lang:
                source, target = pairs[model]
                raise ModelLoadError(f"The translator into {lang!r} is an Argos package for {source}->{target}: it "
                                     f"cannot translate into {lang!r}. Give it as translators={{{target!r}: ...}} "
                                     f"(--translator {target}=...), or a package for ...->{lang}.")
        able = abilities(name, known.get(name))
        return cls(chosen, name, mine, able.reads, able.writes,
                   frozenset(m for m in mine.values() if many_to_many(m, (known.get(m) or (None,))[0])), pairs,
                   able.translates, able.own)

    def _mine(self, target: str, source: str) -> str | None:
        """The caller's translator into `target`, unless it says it reads another language than `source`."""
        model = self.translators.get(target)
        if model in self.pairs and self.pairs[model][0] != source:
            return None
        return model

    def reads(self, source: str) -> bool:
        return "*" in self.summarizer_reads or source in self.summarizer_reads

    def supported(self) -> set[str]:
        """Target languages this configuration can write."""
        supported = {"en", *self.preset.translators, *self.translators, *self.summarizer_writes, *self.summarizer_own,
                     *self.summarizer_translates}
        multilingual = MODELS.get(self.preset.multilingual)
        if multilingual and "*" in multilingual.languages:
            supported |= set(LANGUAGES)
        return supported

    def to_english(self, source: str) -> str:
        mine = self._mine("en", source)
        if mine:
            return mine
        chosen = self.preset.to_english.get(source) or self.preset.to_english_fallback
        return self._itself(source, "en", chosen) or chosen

    def _itself(self, source: str, target: str, preset_choice: str) -> str | None:
        """The summariser, where it translates `source` into `target` and the preset's translator is not here."""
        if target in self.summarizer_translates and self.reads(source) and not self.have(preset_choice):
            return self.summarizer
        return None

    def pivot(self, source: str) -> tuple[str | None, str]:
        """(the model translating a `source` article into English, or None; the language of its summary)."""
        if not self.reads(source):
            return self.to_english(source), "en"
        if self.summarizer_writes and source not in (*self.summarizer_writes, *self.summarizer_own):
            return None, "en"  # an instruction model that reads the article but writes English about it
        return None, source

    def direct(self, source: str, target: str) -> bool:
        """Whether the summariser writes `target` itself for a `source` article (no translation)."""
        return target in self.summarizer_writes and self.reads(source)

    def translator(self, source: str, target: str) -> str:
        """The model that translates a `source`-language summary into `target`."""
        if target == "en":
            return self.to_english(source)
        mine = self._mine(target, source)
        if mine and (source == "en" or mine in self.many_to_many or mine in self.pairs):
            return mine
        chosen = self.preset.translators[target] if source == "en" and target in self.preset.translators \
            else self.preset.multilingual
        return self._itself(source, target, chosen) or chosen

    def plan(self, targets: Sequence[str], source: str = "en") -> dict[str, list[str]]:
        """The model chain that makes each target language for an article in `source`."""
        source = normalize_language(source)
        pivot, written = self.pivot(source)
        chain = [pivot, self.summarizer] if pivot else [self.summarizer]
        return {target: chain if target == written or self.direct(source, target)
                else [*chain, self.translator(written, target)]
                for target in normalize_languages(targets, self.supported())}

    def required(self, targets: Sequence[str] = (), sources: Sequence[str] = ()) -> list[str]:
        """Every model needed for English and `sources`-language articles into `targets` (and their own)."""
        names = [name for source in dict.fromkeys(["en", *sources])
                 for chain in self.plan([*targets, source], source).values() for name in chain]
        return list(dict.fromkeys(names))
