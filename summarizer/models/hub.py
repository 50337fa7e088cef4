"""Talking to the Hugging Face hub: reachability, `summarize download` into the model store, and what every door says
of a model that is neither in the store nor reachable (`missing_sentence`)."""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Iterator, Sequence
from urllib.parse import urlparse

from ..errors import ModelLoadError
from .registry import download_command, find_spec
from .store import models_dir, read_manifest, sha256, write_manifest


def fetch_advice(names: Sequence[str]) -> str:
    """The command that fetches exactly these models, as every message gives it."""
    return f"Fetch {'it' if len(names) == 1 else 'them'} with: {download_command(models=names)}"


def missing_sentence(names: Sequence[str]) -> str:
    """What every door (the pipeline's errors, the CLI, the API, the page) says of models that are neither in the
    model store nor reachable: which they are, and the one command that fetches exactly them."""
    return (f"{', '.join(names)}, which {'is' if len(names) == 1 else 'are'} not in the model store, and the "
            f"Hugging Face hub cannot be reached. {fetch_advice(names)}")


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


def _transport_errors() -> tuple[type[Exception], ...]:
    """The HTTP client's error class: httpx2 for huggingface_hub 2.x, httpx for 1.x."""
    for module in ("httpx2", "httpx"):
        try:
            return (__import__(module).HTTPError,)
        except (ImportError, AttributeError):
            continue
    return ()


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
    hashes = {str(p.relative_to(target)): sha256(p) for p in sorted(target.rglob("*"))
              if p.is_file() and ".cache" not in p.parts}
    size = sum((target / f).stat().st_size for f in hashes)
    manifest = read_manifest()
    manifest["models"][repo] = {"id": repo, "revision": info.sha, "license": spec.license if spec else None,
                                "size_bytes": size, "files": hashes}
    write_manifest(manifest)
    return f"{repo} @ {info.sha[:12]}: {size / 1e6:.0f} MB in {target}"


def download(names: Sequence[str], *, allow_pickle: bool = False) -> Iterator[str]:
    """Fetch these models (registry names or hub ids) into the model store, each once; yields a line per model."""
    models_dir().mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(names):
        yield download_model(name, allow_pickle=allow_pickle)
