"""Argos Translate packages as translators: a `.argosmodel` file, or its unpacked folder.

A package (LibreTranslate's and Argos Translate's format) is a zip holding one folder with
``metadata.json`` (the pair: ``from_code``, ``to_code``), ``model/`` (a CTranslate2 model with
``shared_vocabulary.json``), ``sentencepiece.model``, and optionally a sentence splitter (stanza)
that is never used here. It runs on the CTranslate2 engine through a small tokenizer that gives
the rest of the project what a transformers tokenizer would.

Safety, as for every model: nothing in a package is executed (its stanza ``.pt`` pickles are never
opened), members cannot be written outside their folder, and sizes and member counts are capped
before anything is extracted. A zip is extracted once into the model store (``argos/<name>--<sha>``).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from .errors import ModelLoadError
from .store import sha256

SUFFIX = ".argosmodel"
MAX_UNPACKED_BYTES = 4_000_000_000  # a package's files together, unpacked
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # unpacked / packed: a zip bomb beyond this is refused


@dataclass(frozen=True)
class Package:
    folder: Path  # the unpacked package folder (holding metadata.json)
    name: str  # e.g. translate-zh_en-1_9
    source: str  # from_code
    target: str  # to_code
    version: str

    @property
    def pair(self) -> str:
        return f"{self.source}->{self.target}"


def is_package(name: str) -> bool:
    """A .argosmodel file, or a folder with an Argos package's metadata.json and model/model.bin."""
    path = Path(name).expanduser()
    if path.suffix == SUFFIX and path.is_file():
        return True
    return path.is_dir() and _package_root(path) is not None


def _package_root(folder: Path) -> Path | None:
    for candidate in (folder, *[p for p in folder.iterdir() if p.is_dir()]):
        if (candidate / "metadata.json").is_file() and (candidate / "model" / "model.bin").is_file():
            return candidate
    return None


def read_pair(name: str) -> tuple[str, str] | None:
    """(source, target) of a package, read from its metadata without unpacking it; None if it is not one."""
    path = Path(name).expanduser()
    try:
        if path.suffix == SUFFIX and path.is_file():
            with zipfile.ZipFile(path) as archive:
                member = next((m for m in archive.namelist() if m.count("/") == 1 and m.endswith("/metadata.json")),
                              None)
                if member is None:
                    return None
                metadata = json.loads(archive.read(member))
        elif path.is_dir() and (root := _package_root(path)) is not None:
            metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
        else:
            return None
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    return str(metadata.get("from_code", "")), str(metadata.get("to_code", ""))


def open_package(name: str, store: Path) -> Package:
    """The package's folder, extracting a .argosmodel into the store first (once, safely)."""
    path = Path(name).expanduser()
    root = _extract(path, store) if path.is_file() else _package_root(path)
    if root is None:
        raise ModelLoadError(f"{name}: not an Argos package (no metadata.json with model/model.bin)")
    try:
        metadata = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
        source, target = str(metadata["from_code"]), str(metadata["to_code"])
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"{name}: the Argos package's metadata.json cannot be read ({exc})") from None
    return Package(root, root.name, source, target, str(metadata.get("package_version", "")))


def _extract(path: Path, store: Path) -> Path:
    target = store / "argos" / f"{path.stem}--{sha256(path)[:12]}"
    if not target.is_dir():
        try:
            archive = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ModelLoadError(f"{path}: not a readable Argos package ({exc})") from None
        with archive:
            _check_members(archive, path)
            tmp = target.with_name(target.name + f".tmp{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            archive.extractall(tmp)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(tmp, target)
            except OSError:  # extracted by another process meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
    root = _package_root(target)
    if root is None:
        raise ModelLoadError(f"{path}: not an Argos package (no metadata.json with model/model.bin)")
    return root


def _check_members(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse members that would land outside the folder, links, and archives too large or too many."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise ModelLoadError(f"{path}: {len(members):,} files in the package; at most {MAX_MEMBERS:,} are accepted")
    unpacked = sum(m.file_size for m in members)
    packed = max(1, sum(m.compress_size for m in members))
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        raise ModelLoadError(f"{path}: {unpacked:,} bytes unpacked ({unpacked / packed:.0f} times its packed size) "
                             f"is over the limits ({MAX_UNPACKED_BYTES:,} bytes, {MAX_RATIO} times)")
    for member in members:
        name = member.filename
        parts = Path(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ModelLoadError(f"{path}: the member {name!r} would be written outside the package's folder")
        if (member.external_attr >> 16) & 0o170000 == 0o120000:
            raise ModelLoadError(f"{path}: the member {name!r} is a symbolic link; refused")


class PackageTokenizer:
    """What the project asks of a transformers tokenizer, over a package's SentencePiece model and vocabulary."""

    def __init__(self, package: Package):
        import sentencepiece as spm

        self._sp = spm.SentencePieceProcessor(model_file=str(package.folder / "sentencepiece.model"))
        vocabulary = json.loads((package.folder / "model" / "shared_vocabulary.json").read_text(encoding="utf-8"))
        self._tokens = list(vocabulary)
        self._ids = {token: i for i, token in enumerate(self._tokens)}
        self.unk_token_id = self._ids.get("<unk>", 1)
        self.eos_token_id = self._ids.get("</s>", 0)
        self.pad_token_id = self.eos_token_id
        self.model_max_length = 512
        self.src_lang = None
        try:  # CTranslate2 appends the end-of-sentence token itself where the model's config says so
            config = json.loads((package.folder / "model" / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        self._add_eos = not config.get("add_source_eos", False)

    def get_vocab(self) -> dict[str, int]:
        return dict(self._ids)

    def __call__(self, texts: list[str], add_special_tokens: bool = True, verbose: bool = False) -> dict:
        ids = [[self._ids.get(piece, self.unk_token_id) for piece in self._sp.encode(text, out_type=str)]
               + ([self.eos_token_id] if add_special_tokens and self._add_eos else []) for text in texts]
        return {"input_ids": ids}

    def convert_ids_to_tokens(self, ids):
        return self._tokens[ids] if isinstance(ids, int) else [self._tokens[i] for i in ids]

    def convert_tokens_to_ids(self, tokens):
        if isinstance(tokens, str):
            return self._ids.get(tokens, self.unk_token_id)
        return [self._ids.get(token, self.unk_token_id) for token in tokens]

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        pieces = [self._tokens[i] for i in ids if not (skip_special_tokens and self._tokens[i] in ("</s>", "<s>",
                                                                                                   "<unk>", "<pad>"))]
        return "".join(pieces).replace("\u2581", " ").strip()


def package_parts(package: Package) -> tuple[PackageTokenizer, SimpleNamespace, SimpleNamespace]:
    """Tokenizer, config and generation settings of a package, as `models.Seq2SeqModel` takes them."""
    config = SimpleNamespace(model_type="marian", max_position_embeddings=512, task_specific_params=None)
    generation = SimpleNamespace(num_beams=4, max_length=None, min_length=None, forced_bos_token_id=None)
    return PackageTokenizer(package), config, generation
