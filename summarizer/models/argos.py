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

import contextlib
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from ..errors import ModelLoadError
from .store import sha256

SUFFIX = ".argosmodel"
MAX_UNPACKED_BYTES = 4_000_000_000  # a package's files together, unpacked
MAX_MEMBERS = 10_000
MAX_RATIO = 200  # unpacked / packed: a zip bomb beyond this is refused
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
# What the package must hold for the tokenizer and the engine (its stanza sentence splitter is never used).
REQUIRED_FILES = ("model/model.bin", "model/shared_vocabulary.json", "sentencepiece.model")


@dataclass(frozen=True)
class Package:
    folder: Path  # the unpacked package folder (holding metadata.json)
    name: str  # e.g. translate-zh_en-1_9
    source: str  # from_code
    target: str  # to_code
    version: str
    extracted: Path | None = None  # the store's folder this package was extracted into, if it came as a zip

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
    """The one package in a folder: the folder itself or one folder in it, holding metadata.json (the rule a
    zip's members follow too, in `_zip_root`). Two candidates are refused: the pair read must be the pair run."""
    roots = [c for c in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())) if (c / "metadata.json").is_file()]
    if len(roots) > 1:
        raise ModelLoadError(f"{folder}: holds {len(roots)} Argos packages ({', '.join(r.name for r in roots)}); "
                             "give one package at a time")
    return roots[0] if roots and (roots[0] / "model" / "model.bin").is_file() else None


def _zip_root(archive: zipfile.ZipFile, path: Path) -> str:
    """The member prefix of the one package in a zip ("" when its files are at the root)."""
    roots = [name[:-len("metadata.json")] for name in archive.namelist()
             if name == "metadata.json" or (name.endswith("/metadata.json") and name.count("/") == 1)]
    if len(roots) != 1:
        raise ModelLoadError(f"{path}: not an Argos package (it must hold one metadata.json, at its root or in its "
                             f"one folder; it holds {len(roots)})")
    return roots[0]


def _pair(data: bytes | str, where: object) -> tuple[str, str, str]:
    """(source, target, version) from a package's metadata.json, checked."""
    try:
        metadata = json.loads(data)
    except ValueError as exc:
        raise ModelLoadError(f"{where}: the Argos package's metadata.json is not JSON ({exc})") from None
    codes = [metadata.get(key) for key in ("from_code", "to_code")] if isinstance(metadata, dict) else []
    if len(codes) != 2 or not all(isinstance(code, str) and code.strip() for code in codes):
        raise ModelLoadError(f"{where}: the Argos package's metadata.json must be an object with from_code and "
                             "to_code (language codes)")
    return codes[0].strip(), codes[1].strip(), str(metadata.get("package_version", ""))


def read_pair(name: str) -> tuple[str, str] | None:
    """(source, target) of a package, read from its metadata without unpacking it; None if it is not one.

    A .argosmodel file that is not a readable package is an error here, before it can be routed to."""
    path = Path(name).expanduser()
    if path.suffix == SUFFIX and path.is_file():
        try:
            with zipfile.ZipFile(path) as archive:
                source, target, _ = _pair(archive.read(_zip_root(archive, path) + "metadata.json"), path)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError) as exc:
            raise ModelLoadError(f"{path}: not a readable Argos package ({exc})") from None
        return source, target
    try:
        root = _package_root(path) if path.is_dir() else None
    except ModelLoadError:
        raise  # two packages in one folder
    except OSError:  # unreadable: not a package this can route by
        return None
    if root is None:
        return None
    source, target, _ = _pair((root / "metadata.json").read_bytes(), path)
    return source, target


def open_package(name: str, store: Path) -> Package:
    """The package's folder, extracting a .argosmodel into the store first (once, safely), its files checked.

    A zip is checked in its temporary folder before it is renamed into the store, so a refused package leaves
    nothing there; one found in the store that fails the checks (left by an older version) is removed."""
    path = Path(name).expanduser()
    if not path.is_file():
        root = _package_root(path)
        if root is None:
            raise ModelLoadError(f"{name}: not an Argos package (no metadata.json with model/model.bin)")
        return _checked(root, name)
    target = _extract(path, store)
    try:
        return _checked(_package_root(target), name, extracted=target)
    except ModelLoadError:
        discard(target)
        raise


def discard(extracted: Path | None) -> None:
    """Remove a package's folder extracted into the store (never a folder the user gave): one that cannot be
    loaded is not kept."""
    if extracted is not None:
        shutil.rmtree(extracted, ignore_errors=True)


def _checked(root: Path | None, name: object, extracted: Path | None = None) -> Package:
    """The package in `root` (its pair read, its required files there), or ModelLoadError saying what is wrong."""
    if root is None:
        raise ModelLoadError(f"{name}: not an Argos package (no metadata.json with model/model.bin)")
    source, target, version = _pair((root / "metadata.json").read_bytes(), name)
    for needed in REQUIRED_FILES:
        if not (root / needed).is_file():
            raise ModelLoadError(f"{name}: the Argos package has no {needed}; it is incomplete")
    return Package(root, root.name, source, target, version, extracted)


def _extract(path: Path, store: Path) -> Path:
    """The store's folder of the zip at `path`, extracted and checked now if it is not there yet."""
    target = store / "argos" / f"{path.stem}--{sha256(path)[:12]}"
    if not target.is_dir():
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        try:
            with zipfile.ZipFile(path) as archive:
                _check_members(archive, path)
                _zip_root(archive, path)
                shutil.rmtree(tmp, ignore_errors=True)
                archive.extractall(tmp)
            _checked(_package_root(tmp), path)  # refused here, it never reaches the store
            tmp.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):  # extracted by another process meanwhile: theirs is kept
                os.replace(tmp, target)
        except ModelLoadError:
            raise
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
            raise ModelLoadError(f"{path}: not a readable Argos package ({exc})") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # never a half-extracted folder left in the store
    return target


def _check_members(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse members that would land outside the folder, links, encrypted members, compression this reader
    cannot undo, and archives too large or too many."""
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
        if member.flag_bits & 0x1:
            raise ModelLoadError(f"{path}: the member {name!r} is encrypted; refused")
        if member.compress_type not in COMPRESSIONS:
            raise ModelLoadError(f"{path}: the member {name!r} uses a compression method ({member.compress_type}) "
                                 "that is not accepted; repack it with deflate")


class PackageTokenizer:
    """What the project asks of a transformers tokenizer, over a package's SentencePiece model and vocabulary."""

    def __init__(self, package: Package):
        import sentencepiece as spm

        try:
            self._sp = spm.SentencePieceProcessor(model_file=str(package.folder / "sentencepiece.model"))
            vocabulary = json.loads((package.folder / "model" / "shared_vocabulary.json").read_text(encoding="utf-8"))
        except (OSError, RuntimeError, ValueError) as exc:
            raise ModelLoadError(f"{package.name}: the Argos package's tokenizer cannot be read ({exc})") from None
        if not isinstance(vocabulary, list) or not all(isinstance(token, str) for token in vocabulary):
            raise ModelLoadError(f"{package.name}: model/shared_vocabulary.json must be a list of tokens")
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
