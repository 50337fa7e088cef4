"""Talking to the Hugging Face hub: reachability, downloads into models/, the manifest."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse

from .errors import ModelLoadError
from .registry import find_spec


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub answers at all (checked once per process); False under HF_HUB_OFFLINE=1."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def models_dir() -> Path:
    """The local model store: $SUMMARIZER_MODELS_DIR, else ``models/`` beside the package."""
    configured = os.environ.get("SUMMARIZER_MODELS_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent / "models"


def read_manifest() -> dict:
    path = models_dir() / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"models": {}}
    return data if isinstance(data.get("models"), dict) else {"models": {}}


def _write_manifest(data: dict) -> None:
    path = models_dir() / "manifest.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def required_models(preset: str, targets: Sequence[str] = (), sources: Sequence[str] = ()) -> list[str]:
    """Registry names a preset needs to summarise English and `sources`-language articles into `targets`."""
    from .pipeline import Summarizer  # the same routing the summaries will take

    summarizer = Summarizer(preset, device="cpu")
    names = [name for source in dict.fromkeys(["en", *sources])
             for chain in summarizer.plan([*targets, source], source).values() for name in chain]
    return list(dict.fromkeys(names))


def _transport_errors() -> tuple[type[Exception], ...]:
    """The HTTP client's error class: httpx2 for huggingface_hub 2.x, httpx for 1.x."""
    for module in ("httpx2", "httpx"):
        try:
            return (__import__(module).HTTPError,)
        except (ImportError, AttributeError):
            continue
    return ()


def verify(repo: str, folder: Path) -> None:
    """Check the files of a model in models/ against the hashes `download` recorded for it."""
    entry = read_manifest()["models"].get(repo)
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return  # not fetched by `summarize download`: nothing recorded to check against
    for name, expected in entry["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelLoadError(f"{repo}: {name} is missing from {folder} (models/manifest.json lists it). "
                                 f"Fetch it again with: summarize download --model {repo}")
        if _sha256(path) != expected:
            raise ModelLoadError(f"{repo}: {name} in {folder} does not match the sha256 recorded in "
                                 f"models/manifest.json. Fetch it again with: summarize download --model {repo}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_model(name: str, *, allow_pickle: bool = False) -> str:
    """Fetch one model into models/<hub id> at its pinned revision and record it in the manifest.

    Only safetensors weights are fetched; a model that has none is refused unless `allow_pickle`.
    """
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    spec = find_spec(name)
    repo = spec.repo if spec else name
    target = models_dir() / repo
    if not hub_reachable():
        raise ModelLoadError(f"Could not download {repo!r}: the Hugging Face hub cannot be reached from here "
                             "(no network, or HF_HUB_OFFLINE=1). Run the same command where it can be reached, "
                             f"then copy {models_dir()} here.")
    try:
        info = HfApi().model_info(repo, revision=spec.revision if spec else None)
        files = [sibling.rfilename for sibling in info.siblings or []]
        if any(f.endswith(".safetensors") for f in files):
            weights = ["*.safetensors"]
        elif allow_pickle:
            weights = ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
        else:
            raise ModelLoadError(f"{repo} has no safetensors weights, only pickle files, which can run code when "
                                 "loaded. Pass --allow-pickle if you trust its source.")
        snapshot_download(repo, revision=info.sha, local_dir=target,
                          allow_patterns=["*.json", "*.txt", "*.model", "*.spm", *weights])
    except ModelLoadError:
        raise
    except (OSError, ValueError, HfHubHTTPError, *_transport_errors()) as exc:
        raise ModelLoadError(f"Could not download {repo!r} from the Hugging Face hub: {exc}") from exc
    hashes = {str(p.relative_to(target)): _sha256(p) for p in sorted(target.rglob("*"))
              if p.is_file() and ".cache" not in p.parts}
    size = sum((target / f).stat().st_size for f in hashes)
    manifest = read_manifest()
    manifest["models"][repo] = {"id": repo, "revision": info.sha, "license": spec.license if spec else None,
                                "size_bytes": size, "files": hashes}
    _write_manifest(manifest)
    return f"{repo} @ {info.sha[:12]}: {size / 1e6:.0f} MB in {target}"


def download(preset: str, targets: str = "", extra: Sequence[str] = (), sources: str = "", *,
             allow_pickle: bool = False) -> Iterator[str]:
    """Fetch what `preset` needs for these languages; yields one line per model."""
    from .languages import normalize_languages

    wanted_targets = normalize_languages(targets) if targets.strip() else ()
    wanted_sources = normalize_languages(sources) if sources.strip() else ()
    models_dir().mkdir(parents=True, exist_ok=True)
    for name in [*required_models(preset, wanted_targets, wanted_sources), *extra]:
        yield download_model(name, allow_pickle=allow_pickle)
