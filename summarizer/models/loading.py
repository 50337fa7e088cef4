"""Loading models: a registry name, a hub id, a local folder, an Argos package or a GGUF file, once per cache.

A folder in the model store (see `store.py`) named like the hub id is used before the
hub, and ``HF_HUB_OFFLINE=1`` is honoured by huggingface_hub itself. The family follows
from the model's config: an encoder-decoder model becomes a `models.Seq2SeqModel`, a
decoder-only one an `instruct.InstructModel`. Loaded models are kept in a bounded
`ModelCache`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ModelLoadError
from . import argos, gguf
from .base import PICKLE_HINT, Location, Model, Seq2SeqModel, check_weights, resolve_device
from .cache import ModelCache, default_cache
from .conversion import convert, converted_path
from .engines.base import check_precision, ct2_compute_type, resolve_engine, torch_dtype
from .engines.causal import CTranslate2GeneratorEngine, TorchCausalEngine, end_ids
from .engines.seq2seq import CTranslate2Engine, TorchEngine
from .hub import fetch_advice, hub_reachable
from .instruct import InstructModel
from .reference import refer
from .registry import download_command
from .store import models_dir, verify


def load_model(name_or_path: str, device: str = "auto", engine: str = "auto", *, precision: str = "auto",
               allow_pickle: bool = False, cache: ModelCache | None = None) -> Model:
    """Load a model by registry name, hub id, local folder, Argos package or GGUF file, once per `cache`
    (default: the process's).

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
    model = cache.lookup(asked)  # the pipeline asks for its models on every request: no more look-ups then
    ref = refer(name_or_path) if model is None else None
    if ref is not None and ref.kind == "argos":
        model = cache.get(asked, lambda: _load_argos(name_or_path, device, engine, precision))
    elif ref is not None:
        location = _gguf_location(name_or_path) if ref.kind == "gguf" else ref.location()
        key = (location.source, device, engine, precision)
        model = cache.get(key, lambda: _load(location, device, engine, precision, allow_pickle))
        cache.alias(asked, key)
    if model.pickle_weights and not allow_pickle:  # loaded by a caller that allowed it: still not for this one
        raise ModelLoadError(f"Model {model.name!r} has pickle weights only. {PICKLE_HINT}")
    return model


def _gguf_location(path: str) -> Location:
    imported = gguf.import_gguf(path, models_dir())
    return Location(str(imported.folder), imported.model_id, None, imported.spec, True)


def _load(location: Location, device: str, engine: str, precision: str, allow_pickle: bool) -> Model:
    from transformers import AutoConfig, AutoTokenizer, GenerationConfig

    source = Path(location.source)
    what = location.spec.name if location.spec else location.model_id
    if precision == "auto" and engine == "ctranslate2" and device == "cpu" and location.spec:
        precision = location.spec.cpu_precision  # measured per model: registry.ModelSpec.cpu_precision
    pickle_weights = False
    if location.local:
        if source.resolve().is_relative_to(models_dir().resolve()):
            verify(location.model_id, source)  # once per process: loads are cached
        pickle_weights = check_weights(source, what)
        if pickle_weights and not allow_pickle:
            raise ModelLoadError(f"Model {what!r} in {source} has pickle weights only (no .safetensors file). "
                                 f"{PICKLE_HINT}")
    kwargs: dict[str, Any] = {"trust_remote_code": False}
    if location.revision and not location.local:
        kwargs["revision"] = location.revision
    if not location.local and not hub_reachable():
        kwargs["local_files_only"] = True  # use the HF cache if it has the model; fail fast if not
    target = None  # the CTranslate2 conversion, on that engine
    try:
        config = AutoConfig.from_pretrained(location.source, **kwargs)
        tokenizer = AutoTokenizer.from_pretrained(location.source, **kwargs)
        family = InstructModel if _decoder_only(config) else Seq2SeqModel
        imported = location.local and location.model_id.startswith("gguf/") and \
            source.resolve().is_relative_to(models_dir().resolve())
        if engine == "torch":
            if imported:
                gguf.restore_weights(location.model_id, source)
            model = _torch_model(location.source, config, family, device, precision, allow_pickle, kwargs)
            generation_config = model.generation_config
        else:
            model = None
            try:
                generation_config = GenerationConfig.from_pretrained(location.source, **kwargs)
            except OSError:  # older repos keep these settings in config.json only
                generation_config = GenerationConfig.from_model_config(config)
            compute_type = ct2_compute_type(device, precision)
            target = converted_path(location.source, location.model_id, location.revision, compute_type, models_dir())
            if imported and not (target / "model.bin").is_file():
                gguf.restore_weights(location.model_id, source)
            convert(location.source, target, compute_type, None if location.local else location.revision,
                    allow_pickle=allow_pickle)
            if imported:  # the float32 weights served the conversion: the store keeps the GGUF's size, not 6x
                gguf.drop_weights(location.model_id, source)
        runner = _engine(family, model, target, tokenizer, generation_config, device,
                         ct2_compute_type(device, precision))
    except (OSError, ValueError, KeyError, ImportError) as exc:
        raise _load_error(location, what, exc, allow_pickle) from exc
    loaded = family(location, tokenizer, config, generation_config, runner, device, torch_model=model)
    loaded.pickle_weights = pickle_weights
    return loaded


def _decoder_only(config) -> bool:
    """Whether a config is a decoder-only language model (loaded with AutoModelForCausalLM)."""
    if getattr(config, "is_encoder_decoder", False):
        return False
    return any(name.endswith("ForCausalLM") for name in getattr(config, "architectures", None) or ())


def _torch_model(source: str, config, family: type, device: str, precision: str, allow_pickle: bool,
                 kwargs: dict[str, Any]):
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

    auto = AutoModelForCausalLM if family is InstructModel else AutoModelForSeq2SeqLM
    dtype = torch_dtype(device, getattr(config, "model_type", ""), precision)
    # use_safetensors True: safetensors or an error; None: safetensors where there are any, else pickles
    model = auto.from_pretrained(source, dtype=dtype, use_safetensors=None if allow_pickle else True, **kwargs)
    model.to(device).eval()
    if family is InstructModel:  # decoding is deterministic here: drop the sampling a chat model's config asks for
        settings = model.generation_config
        settings.do_sample = False
        settings.temperature = settings.top_p = settings.top_k = None
    return model


def _engine(family: type, model, converted: Path | None, tokenizer, generation_config, device: str,
            compute_type: str):
    if family is InstructModel:
        ends = end_ids(generation_config, tokenizer)
        if model is not None:
            return TorchCausalEngine(model, tokenizer, device, ends)
        return CTranslate2GeneratorEngine(converted, tokenizer, device, compute_type, ends)
    if model is not None:
        return TorchEngine(model, tokenizer, device)
    return CTranslate2Engine(converted, tokenizer, generation_config, device, compute_type)


def _load_error(location: Location, what: str, exc: Exception, allow_pickle: bool) -> ModelLoadError:
    where = "folder" if location.local else "hub id"
    name = location.spec.name if location.spec else location.model_id
    fetch = download_command(models=[name])
    fix = (fetch_advice([name]) if not location.local
           else "Check that the folder holds config.json, the weights and the tokenizer.")
    offline = "" if location.local or hub_reachable() else " (the Hugging Face hub cannot be reached)"
    reason = (str(exc).splitlines() or [type(exc).__name__])[0].rstrip(".")
    if "safetensors" in reason and not allow_pickle:
        fix = PICKLE_HINT
    return ModelLoadError(f"Could not load model {what!r} from {where} {location.source!r}{offline}: "
                          f"{reason}. {fix}", fetch=None if location.local else fetch)


def _load_argos(name: str, device: str, engine: str, precision: str) -> Seq2SeqModel:
    """An Argos Translate package (a .argosmodel file or its folder) on the CTranslate2 engine."""
    if engine != "ctranslate2":
        raise ModelLoadError(f"{name}: an Argos package is a CTranslate2 model; it runs on engine='ctranslate2' "
                             "(or 'auto'), not torch.")
    package = argos.open_package(name, models_dir())
    try:
        tokenizer, config, generation = argos.package_parts(package)
        runner = CTranslate2Engine(package.folder / "model", tokenizer, generation, device,
                                   ct2_compute_type(device, precision))
    except Exception:  # its model or tokenizer cannot be read: the extracted copy is not kept in the store
        argos.discard(package.extracted)
        raise
    runner.description += f" (Argos package {package.name}, {package.pair})"
    location = Location(str(package.folder), str(Path(name).expanduser()), package.version or None, None, True)
    model = Seq2SeqModel(location, tokenizer, config, generation, runner, device)
    model.name = package.name
    model.pair = (package.source, package.target)
    return model
