"""What a model name refers to, decided in one place: `refer`.

A name given for a model (a `Config`'s summariser or translators, `load_model`'s
argument, a preset's entry) is one of: the weightless extractive engine; an
Argos Translate package (a ``.argosmodel`` file or its unpacked folder); a GGUF
file; a local folder; a model in the local store (by registry name or hub id);
a registry name or hub id (owner/name) that only the Hugging Face hub can give;
or none of these. `refer` tells which with file look-ups only (no weights are
read): loading, routing, the offline checks and `summarize models` all ask it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ModelLoadError
from . import argos, gguf
from .base import Location
from .registry import EXTRACTIVE, ModelSpec, find_spec
from .store import imported_spec, manifest_revision, store_folder

Kind = Literal["extractive", "argos", "gguf", "folder", "stored", "hub", "unknown"]


@dataclass(frozen=True)
class Reference:
    name: str  # as given
    kind: Kind
    path: Path | None = None  # the file or folder it names here; for "stored", the store's folder

    @property
    def here(self) -> bool:
        """Loadable without the hub."""
        return self.kind in ("extractive", "argos", "folder", "stored") or (self.kind == "gguf" and self.path.is_file())

    def spec(self) -> ModelSpec | None:
        """Its registry entry: by name or hub id, or, for a GGUF file (imported or not), by its SHA-256."""
        spec = find_spec(self.name) or imported_spec(self.name)
        if spec is None and self.kind == "gguf" and self.here:
            spec = gguf.identify(self.name)[1]
        return spec

    def config(self) -> dict:
        """The config.json of its folder (a file read, no weights), or {} where there is none here."""
        if self.kind not in ("folder", "stored"):
            return {}
        try:
            config = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return config if isinstance(config, dict) else {}

    def location(self) -> Location:
        """Where `from_pretrained` loads it from: the folder, the store's folder, or the hub (a local folder or a
        registry name or hub id; Argos packages and GGUF files have loaders of their own)."""
        if self.kind == "folder":
            return Location(str(self.path), str(self.path), None, None, True)
        spec = find_spec(self.name)
        repo = spec.repo if spec else self.name
        if self.kind == "stored":  # an imported GGUF file is named by its manifest key, and keeps its registry entry
            return Location(str(self.path), repo, manifest_revision(repo), spec or imported_spec(repo), True)
        if self.kind == "hub":
            return Location(repo, repo, spec.revision if spec else None, spec, False)
        raise ModelLoadError(f"Model {self.name!r} is neither a folder, a registry name nor a hub id (owner/name). "
                             "Registry names: see `summarize models`.")


def refer(name: str) -> Reference:
    """What `name` refers to (see the module's docstring)."""
    path = Path(name).expanduser()
    if name == EXTRACTIVE:
        return Reference(name, "extractive")
    if argos.is_package(name):
        return Reference(name, "argos", path)
    if gguf.is_gguf(name):
        return Reference(name, "gguf", path)
    if path.is_dir():
        return Reference(name, "folder", path)
    folder = store_folder(name)
    if folder is not None:
        return Reference(name, "stored", folder)
    if find_spec(name) or (name.count("/") == 1 and not name.startswith((".", "/", "~"))):
        return Reference(name, "hub")
    return Reference(name, "unknown", path if path.exists() else None)


def available_offline(name: str) -> bool:
    """Loadable without the hub: the extractive engine, an Argos package, a GGUF file, a folder, or a model in
    the store."""
    return refer(name).here
