"""GGUF files (llama.cpp's format) as summarisers: imported once into the model store.

`summarizer_model="model.gguf"` (``--summarizer-model model.gguf``) walks the file's whole
header first (`gguf_header.check_file`: a regular file, every metadata value and tensor info
within caps and inside the file, an architecture this project runs), before the `gguf`
package's reader (which believes what the file declares) touches it; then hashes it,
and imports it as a dequantised float32 safetensors folder
under ``<store>/gguf/<name>--<sha256[:12]>``, with the GGUF's SHA-256, size, architecture,
licence and provenance, and the hash of every file written, in ``manifest.json``. Every
later load uses that folder, checked against the manifest like any stored model: a changed
file is refused. Nothing in the file is executed (its chat template is rendered by
transformers in a sandboxed Jinja environment). A GGUF whose SHA-256 the registry knows
(`registry.KNOWN_GGUF`) gets that model's registry entry: its languages and settings.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError
from .conversion import process_lock
from .gguf_header import check_file
from .registry import KNOWN_GGUF, MODELS, ModelSpec
from .store import read_manifest, sha256, write_manifest

# Architectures (GGUF `general.architecture`) imported and run here: transformers reads them from GGUF and
# CTranslate2 converts them. Others are refused with this list.
ARCHITECTURES = ("llama", "qwen2", "gemma3")
_reader_lock = threading.Lock()
_MALFORMED = (ValueError, KeyError, IndexError, TypeError, AttributeError, OSError, RuntimeError, NotImplementedError)


@dataclass(frozen=True)
class Imported:
    folder: Path  # the dequantised transformers folder in the store
    model_id: str  # its manifest key, "gguf/<name>--<sha256[:12]>": what results report
    spec: ModelSpec | None  # the registry entry of a known file


def is_gguf(name: object) -> bool:
    return isinstance(name, str) and name.lower().endswith(".gguf")


@functools.lru_cache(maxsize=32)
def _hash(resolved: str, size: int, mtime_ns: int) -> str:
    return sha256(Path(resolved))


def identify(path: str | Path) -> tuple[str, ModelSpec | None]:
    """The file's SHA-256 (hashed once per process while it is unchanged) and its registry entry, if known."""
    path = Path(path).expanduser()
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelLoadError(f"No GGUF file at {str(path)!r}: {exc.strerror or exc}.") from exc
    digest = _hash(str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    known = KNOWN_GGUF.get(digest)
    return digest, (MODELS[known.base] if known else None)


def import_gguf(path: str | Path, store: Path) -> Imported:
    """The store's folder for this GGUF file, imported now if it is not there yet.

    The whole header is checked (`gguf_header.check_file`) before anything else reads the file."""
    path = Path(path).expanduser().resolve()
    metadata = check_file(path)
    architecture = metadata.get("general.architecture")
    if architecture not in ARCHITECTURES:
        raise ModelLoadError(f"{str(path)!r} holds a {architecture!r} model; the architectures imported here "
                             f"are {', '.join(ARCHITECTURES)}.")
    digest, spec = identify(path)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", path.stem)[:80] or "model"
    model_id = f"gguf/{stem}--{digest[:12]}"
    folder = store / model_id
    entry = read_manifest()["models"].get(model_id)
    if (folder / "config.json").is_file() and isinstance(entry, dict) and entry.get("gguf", {}).get("sha256") == digest:
        return Imported(folder, model_id, spec)
    with process_lock(folder.with_name(folder.name + ".lock")):
        entry = read_manifest()["models"].get(model_id)
        if not ((folder / "config.json").is_file() and isinstance(entry, dict)):
            _import(path, folder, model_id, digest, metadata)
    return Imported(folder, model_id, spec)


def _import(path: Path, folder: Path, model_id: str, digest: str, metadata: dict) -> None:
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        imported_with = _dequantise(path, tmp, metadata["general.architecture"])
        files = {p.name: sha256(p) for p in sorted(tmp.iterdir()) if p.is_file()}
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, folder)
    except ModelLoadError:
        raise
    except _MALFORMED as exc:  # a malformed file can fail anywhere in the readers: say so in one line
        reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        raise ModelLoadError(f"Could not import the GGUF file {str(path)!r} (truncated or malformed?): "
                             f"{type(exc).__name__}: {reason}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # never a half-written folder left in the store, whatever failed
    details = {"architecture": metadata["general.architecture"], "name": metadata.get("general.name"),
               "license": metadata.get("general.license"), "file_type": metadata.get("general.file_type"),
               "imported_with": imported_with}
    manifest = read_manifest()
    manifest["models"][model_id] = {
        "files": files, "imported": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "gguf": {"path": str(path.resolve()), "sha256": digest, "bytes": path.stat().st_size, **details}}
    write_manifest(manifest)


def _dequantise(path: Path, out: Path, architecture: str) -> str:
    """Write the GGUF's weights (dequantised to float32), config and tokenizer as a transformers folder; say
    what imported it."""
    import importlib.util

    import torch
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    missing = [name for name in ("gguf", "accelerate") if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelLoadError(f"Importing a GGUF file needs the {' and '.join(missing)} package"
                             f"{'s' if len(missing) > 1 else ''}: pip install {' '.join(missing)}")
    with _one_reader():
        where = {"pretrained_model_name_or_path": str(path.parent), "gguf_file": path.name}
        config = AutoConfig.from_pretrained(**where)
        tokenizer = AutoTokenizer.from_pretrained(**where)
        # float32 stated, never "auto": what "auto" means changes between transformers versions and machines
        loaded = AutoModelForCausalLM.from_pretrained(**where, dtype=torch.float32)
    # transformers will not save a model loaded from GGUF: move its weights into a plain one of the same config
    config.dtype = torch.float32
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = plain.load_state_dict(loaded.state_dict(), strict=False)
    if missing or unexpected:
        raise ModelLoadError(f"{str(path)!r}: the GGUF's tensors do not match a {architecture!r} model "
                             f"(missing {missing[:3]}, unexpected {unexpected[:3]}).")
    wrong = sorted({str(t.dtype) for t in plain.state_dict().values()} - {"torch.float32"})
    if wrong:  # a transformers release that ignored the dtype asked for: refuse rather than store rounded weights
        raise ModelLoadError(f"{str(path)!r}: the import gave {', '.join(wrong)} weights, not float32 "
                             f"(transformers {transformers.__version__}).")
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return f"transformers {transformers.__version__}"


KEEP_IMPORT = "SUMMARIZER_KEEP_GGUF_IMPORT"  # set to 1: keep the float32 weights after conversion


def drop_weights(model_id: str, folder: Path) -> None:
    """After the CTranslate2 conversion: remove the import's float32 weights (several times the GGUF's size),
    unless $SUMMARIZER_KEEP_GGUF_IMPORT is 1. Its config and tokenizer stay; `restore_weights` brings the
    weights back from the GGUF file when a load needs them (the torch engine, another precision)."""
    if os.environ.get(KEEP_IMPORT, "") in ("1", "true", "yes"):
        return
    with process_lock(folder.with_name(folder.name + ".lock")):
        manifest = read_manifest()
        entry = manifest["models"].get(model_id)
        weights = sorted(folder.glob("*.safetensors"))
        if not isinstance(entry, dict) or not weights:
            return
        for path in weights:
            path.unlink()
            entry.get("files", {}).pop(path.name, None)
        entry["weights"] = ("float32 weights removed after conversion to CTranslate2; imported again from the GGUF "
                            f"file when needed (keep them: {KEEP_IMPORT}=1)")
        write_manifest(manifest)


def restore_weights(model_id: str, folder: Path) -> None:
    """Import the float32 weights of a trimmed import again (`drop_weights`), from its GGUF file, which must
    still be where it was imported from and unchanged; the folder's other files are left as they are."""
    if any(folder.glob("*.safetensors")):
        return
    entry = read_manifest()["models"].get(model_id)
    source = entry.get("gguf", {}) if isinstance(entry, dict) else {}
    path = Path(str(source.get("path", "")))
    if not source or not path.is_file() or identify(path)[0] != source.get("sha256"):
        raise ModelLoadError(f"{model_id}: its float32 weights were removed after conversion to CTranslate2, and "
                             f"the GGUF file it was imported from ({source.get('path')}) is no longer there or has "
                             "changed: give the GGUF file again, or use the CTranslate2 engine and precision it "
                             "was converted with.")
    with process_lock(folder.with_name(folder.name + ".lock")):
        tmp = folder.with_name(folder.name + f".weights{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            _dequantise(path, tmp, str(source.get("architecture")))
            manifest = read_manifest()
            entry = manifest["models"][model_id]
            for weights in sorted(tmp.glob("*.safetensors")):
                os.replace(weights, folder / weights.name)
                entry["files"][weights.name] = sha256(folder / weights.name)
            entry.pop("weights", None)
            write_manifest(manifest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _one_reader():
    """Parse the file once: transformers opens a GGUFReader for the config, the tokenizer and twice for the
    weights, and parsing a vocabulary's metadata takes seconds each time."""
    import gguf

    original = gguf.GGUFReader

    @functools.lru_cache(maxsize=2)
    def shared(path, mode="r"):
        return original(path, mode)

    with _reader_lock:
        gguf.GGUFReader = shared
        try:
            yield
        finally:
            gguf.GGUFReader = original
