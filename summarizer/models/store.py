"""The local model store: where it is, what it holds, and the manifest that pins and checks it.

The store is, in order: ``$SUMMARIZER_MODELS_DIR``; the repository's ``models/``
when the package runs from a source checkout; else a per-user cache folder
(``~/.cache/multilingual-summarizer/models`` on Linux, via platformdirs, as
huggingface_hub keeps its own cache), never ``site-packages``. It holds
``<hub id>/`` folders fetched by `summarize download`, ``manifest.json`` (their
commit, licence, size and file hashes) and ``ct2/`` conversions.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import ModelLoadError
from .registry import KNOWN_GGUF, MODELS, OFFLINE_FALLBACKS, ModelSpec, download_command, find_spec

PROJECT = "multilingual-summarizer"


def package_root() -> Path:
    """The folder holding the package: a source checkout, or site-packages."""
    return Path(__file__).resolve().parents[2]


def store_location() -> tuple[Path, str]:
    """(the store folder, why it is that one)."""
    configured = os.environ.get("SUMMARIZER_MODELS_DIR")
    if configured:
        return Path(configured).expanduser(), "set by SUMMARIZER_MODELS_DIR"
    checkout = package_root()
    try:
        in_checkout = f'name = "{PROJECT}"' in (checkout / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        in_checkout = False
    if in_checkout:
        return checkout / "models", "the source checkout's models/ folder"
    import platformdirs

    return platformdirs.user_cache_path(PROJECT) / "models", "the per-user cache (not a source checkout)"


def models_dir() -> Path:
    """The local model store (see `store_location`)."""
    return store_location()[0]


def read_manifest() -> dict:
    path = models_dir() / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"models": {}}
    return data if isinstance(data.get("models"), dict) else {"models": {}}


def write_manifest(data: dict) -> None:
    path = models_dir() / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def manifest_revision(repo: str) -> str | None:
    entry = read_manifest()["models"].get(repo)
    return entry.get("revision") if isinstance(entry, dict) else None


def store_folder(name: str) -> Path | None:
    """The folder of the store that holds this registry name or hub id, if there is one."""
    spec = find_spec(name)
    repo = spec.repo if spec else name
    for candidate in (models_dir() / repo, models_dir() / (spec.name if spec else repo)):
        if (candidate / "config.json").is_file():
            return candidate
    return None


def imported_spec(model_id: str) -> ModelSpec | None:
    """The registry entry of a GGUF file imported into the store ("gguf/<name>--<sha256[:12]>"), known by its hash."""
    entry = read_manifest()["models"].get(model_id) if model_id.startswith("gguf/") else None
    details = entry.get("gguf") if isinstance(entry, dict) else None
    known = KNOWN_GGUF.get(details.get("sha256")) if isinstance(details, dict) else None
    return MODELS[known.base] if known else None


def stored_fallbacks() -> list[tuple[str, ModelSpec]]:
    """Instruction models of `OFFLINE_FALLBACKS` in the store, best first, as (name to load, registry entry): a
    model fetched by `summarize download` by its name, a GGUF file imported into the store by its manifest key."""
    imported = [key for key in read_manifest()["models"] if key.startswith("gguf/")]
    found = []
    for name in OFFLINE_FALLBACKS:
        if store_folder(name) is not None:
            found.append((name, MODELS[name]))
        found += [(key, MODELS[name]) for key in imported if (spec := imported_spec(key)) and spec.name == name
                  and (models_dir() / key / "config.json").is_file()]
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(repo: str, folder: Path) -> None:
    """Check the files of a model in the store against the hashes `download` recorded for it."""
    entry = read_manifest()["models"].get(repo)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return  # not fetched by `summarize download`: nothing recorded to check against
    source = entry.get("gguf", {}).get("path") if isinstance(entry.get("gguf"), dict) else None
    fetch = (f"Import it again: delete {folder} and give the GGUF file ({source}) again." if source
             else f"Fetch it again with: {download_command(models=[repo])}")
    for name, expected in entry["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelLoadError(f"{repo}: {name} is missing from {folder} (models/manifest.json lists it). {fetch}")
        if sha256(path) != expected:
            raise ModelLoadError(f"{repo}: {name} in {folder} does not match the sha256 recorded in "
                                 f"models/manifest.json. {fetch}")
