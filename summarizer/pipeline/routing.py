"""Routing: which model chain makes each summary language, as plain data.

A `Router` is built from a preset plus the caller's overrides (a summariser, and
translators by target language). It answers, without loading any model, which
model translates an article into English (the pivot, when the summariser cannot
read its language), which language the summariser writes, where an instruction
model writes a target language itself (a direct route: `ModelSpec.writes`), and
which model translates a summary from one language into another (an instruction
summariser translates its own summary into the languages it was measured to
translate, `ModelSpec.translates`, where the preset's translator is not in the
model store). `plan` gives an article's `Route`: the pipeline runs it, and
`summarize download`, `summarize models`, the API and the page show it.

What a model can do is read from the registry (a known GGUF file by its SHA-256),
or from the ``config.json`` of a local folder or a model in the store (a file
read, no weights); a hub id that is not here, and an instruction model the
registry does not know, count as English-only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import ModelLoadError
from ..languages import LANGUAGES, normalize_language
from ..models import argos
from ..models.reference import available_offline, refer
from ..models.registry import EXTRACTIVE, MODELS, Preset, find_spec, get_preset

# Model types that read (and write) many languages: a summariser of these needs no pivot,
# a translator of these reads the summary's own language.
MULTILINGUAL_TYPES = ("mt5", "mbart", "m2m_100", "nllb-moe")
MANY_TO_MANY_TYPES = ("m2m_100", "mbart", "nllb-moe")


def model_type(name: str) -> str | None:
    """The `model_type` in a local folder's (or stored model's) config.json, if it can be read here."""
    return refer(name).config().get("model_type")


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
    ref = refer(name)
    spec = ref.spec()
    if spec is None and ref.kind == "gguf" and ref.here:  # a GGUF file the registry does not know
        return Abilities(("en",), ("en",), True)
    if spec is not None:
        return Abilities(spec.reads, spec.writes, spec.family == "instruct", spec.translates, spec.own)
    if known is not None:
        kind, family = known
    else:
        config = ref.config()
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
        return "*" in spec.reads and spec.task == "translation"
    return (known_type or model_type(name)) in MANY_TO_MANY_TYPES


@dataclass(frozen=True)
class Route:
    """How one article's summaries are made, decided before any model runs: what `Summarizer.plan` shows and what
    the pipeline runs (the pivot, the languages written and the translators are read from it)."""

    source: str  # the article's language
    targets: tuple[str, ...]  # the languages asked for
    summarizer_model: str  # registry name, hub id, folder, or "extractive"
    pivot: str | None  # the model translating the article into English first (the summariser cannot read it)
    written: str  # the language the summariser writes its summary in: the others are made from it
    direct: tuple[str, ...]  # targets the summariser writes itself (an instruction model's direct routes)
    # (summary language, target) -> the model translating it: from `written`, and from `read` for a summariser
    # that answers in the language it read (`language_repair.py` then keeps that summary and translates it)
    translators: Mapping[tuple[str, str], str]

    @property
    def read(self) -> str:
        """The language the summariser reads: English after a pivot, else the article's."""
        return "en" if self.pivot else self.source

    @property
    def chains(self) -> dict[str, list[str]]:
        """The models that make each target, in order."""
        first = [self.pivot, self.summarizer_model] if self.pivot else [self.summarizer_model]
        return {target: first if target == self.written or target in self.direct
                else [*first, self.translators[(self.written, target)]] for target in self.targets}

    def translator(self, language: str, target: str) -> str:
        """The model that translates a summary written in `language` into `target`."""
        return self.translators[(language, target)]


@dataclass(frozen=True)
class Router:
    preset: Preset
    summarizer_model: str  # registry name, hub id or folder
    translators: Mapping[str, str] = field(default_factory=dict)  # target language -> the caller's model
    summarizer_reads: tuple[str, ...] = ("en",)
    summarizer_writes: tuple[str, ...] = ()  # languages an instruction model writes itself (direct routes)
    many_to_many: frozenset[str] = frozenset()  # which of `translators` read any language
    pairs: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # translators that say their pair (Argos)
    summarizer_translates: tuple[str, ...] = ()  # languages the (instruction) summariser translates into
    summarizer_own: tuple[str, ...] = ()  # article languages it summarises in that language (else in English)
    have: Callable[[str], bool] = available_offline  # whether a model can be loaded without the hub

    @classmethod
    def build(cls, preset: str = "default", summarizer_model: str | None = None,
              translators: Mapping[str, str] | None = None,
              known_types: Mapping[str, tuple[str | None, str]] | None = None) -> Router:
        """A router for `preset` with overrides; `known_types` gives (model_type, family) of models already loaded."""
        known = dict(known_types or {})
        chosen = get_preset(preset)
        name = summarizer_model or chosen.summarizer_model
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
        if multilingual and "*" in multilingual.reads:
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
            return self.summarizer_model
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

    def plan(self, targets: Sequence[str], source: str = "en", *, extractive: bool = False) -> Route:
        """The route of an article in `source` into `targets` (language codes); `extractive`: the extractive
        engine summarises (the preset's summariser is replaced), reading and writing the article's language."""
        source, targets = normalize_language(source), tuple(dict.fromkeys(targets))
        if extractive or self.summarizer_model == EXTRACTIVE:
            model, pivot, written, direct = EXTRACTIVE, None, source, ()
        else:
            model, (pivot, written) = self.summarizer_model, self.pivot(source)
            direct = tuple(target for target in targets if target != written and self.direct(source, target))
        read = "en" if pivot else source
        translators = {(language, target): self.translator(language, target)
                       for language in dict.fromkeys([written, read]) for target in targets if target != language}
        return Route(source, targets, model, pivot, written, direct, MappingProxyType(translators))

    def required(self, targets: Sequence[str] = (), sources: Sequence[str] = ()) -> list[str]:
        """Every model needed for English and `sources`-language articles into `targets` (and their own)."""
        names = [name for source in dict.fromkeys(["en", *sources])
                 for chain in self.plan([*targets, source], source).chains.values() for name in chain]
        return list(dict.fromkeys(names))
