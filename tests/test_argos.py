"""Argos Translate packages on tiny models built here: the package format, routing by its pair, and safety."""

from __future__ import annotations

import json
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from summarizer import ModelCache, Summarizer, load_model
from summarizer.errors import ModelLoadError
from summarizer.models.argos import MAX_RATIO, read_pair
from summarizer.models.conversion import convert
from summarizer.models.engines.base import Decoding

SENTENCES = ["The city council approved a budget of 4,700 dollars on Monday.", "Mayor Anna Keller said the new "
             "bridge would open in 2027."]


def _package(tiny, folder: Path, source: str = "en", target: str = "fr", name: str = "translate-en_fr-1_0") -> Path:
    """An Argos package of the tiny en-fr Marian model: CTranslate2 model, SentencePiece model, metadata."""
    root = folder / name
    convert(tiny["en-fr"], root / "model", "int8")
    vocab = json.loads(Path(tiny["en-fr"], "vocab.json").read_text(encoding="utf-8"))
    (root / "model" / "shared_vocabulary.json").write_text(json.dumps(sorted(vocab, key=vocab.get)))
    shutil.copy(Path(tiny["en-fr"], "source.spm"), root / "sentencepiece.model")
    (root / "metadata.json").write_text(json.dumps({"package_version": "1.0", "argos_version": "1.9.0",
                                                    "from_code": source, "to_code": target}))
    archive = folder / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for path in sorted(root.rglob("*")):
            handle.write(path, path.relative_to(folder))
    return archive


def test_a_package_translates_like_the_model_it_was_made_from(tiny, tmp_path):
    archive = _package(tiny, tmp_path)
    assert read_pair(str(archive)) == ("en", "fr") and read_pair(str(tmp_path / "translate-en_fr-1_0")) == ("en", "fr")
    settings = Decoding(num_beams=2, max_new_tokens=20)  # the tiny model has 64 positions; a package does not say
    direct = load_model(tiny["en-fr"], device="cpu", engine="ctranslate2", cache=ModelCache())
    expected = [" ".join(o.text.split()) for o in direct.generate(SENTENCES, settings=settings)]
    for source in (archive, tmp_path / "translate-en_fr-1_0"):  # the zip, and its unpacked folder
        model = load_model(str(source), device="cpu", cache=ModelCache())
        assert model.pair == ("en", "fr") and model.engine_name.endswith("(Argos package translate-en_fr-1_0, en->fr)")
        got = [" ".join(o.text.split()) for o in model.generate(SENTENCES, settings=settings)]
        assert got == expected


def test_a_package_serves_only_its_own_pair(tiny, tmp_path):
    archive = str(_package(tiny, tmp_path))
    summarizer = Summarizer(language_check="warn",
                            summarizer_model=tiny["bart"], translators={"fr": archive}, device="cpu",
                            cache=ModelCache())
    result = summarizer.summarize("The council approved the budget. The mayor spoke.", ["fr"], translation_tokens=8)
    assert result.models["fr"] == [tiny["bart"], archive] and "Argos package" in result.engines[archive]
    assert summarizer.router.translator("de", "fr") == "m2m100_418M"  # a German summary: not this package's pair
    with pytest.raises(ModelLoadError, match=r"an Argos package for en->fr: it cannot translate into 'ja'"):
        Summarizer(translators={"ja": archive})


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize(("members", "link", "message"), [
    ({"pkg/metadata.json": b"{}", "../escaped.txt": b"x"}, None, "would be written outside"),
    ({"pkg/metadata.json": b"{}", "/abs/path.txt": b"x"}, None, "would be written outside"),
    ({"pkg/metadata.json": b"{}"}, "pkg/model/model.bin", "symbolic link"),
    ({"pkg/metadata.json": b"{}", "pkg/model/model.bin": b"\0" * (MAX_RATIO * 4096)}, None, "over the limits"),
    ({"pkg/readme.txt": b"not a package"}, None, "not an Argos package"),
])
def test_hostile_or_broken_packages_are_refused_before_anything_lands(tmp_path, monkeypatch, members, link, message):
    store = tmp_path / "store"
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))
    archive = _zip(tmp_path / "bad.argosmodel", members, link)
    with pytest.raises(ModelLoadError, match=message):
        load_model(str(archive), device="cpu", cache=ModelCache())
    assert not (tmp_path / "escaped.txt").exists() and not Path("/abs/path.txt").exists()
    assert not list(store.rglob("model.bin"))


# ------------------------------------------------------------------ broken files (issue 20, holes 8 and 9)
def _parts(tiny, source: str = "en", target: str = "fr", model: bytes = b"not a CTranslate2 model") -> dict:
    """The files of a package whose model is garbage (enough for everything up to loading the model)."""
    vocab = json.loads(Path(tiny["en-fr"], "vocab.json").read_text(encoding="utf-8"))
    return {"metadata.json": json.dumps({"from_code": source, "to_code": target}).encode(),
            "model/model.bin": model,
            "model/shared_vocabulary.json": json.dumps(sorted(vocab, key=vocab.get)).encode(),
            "sentencepiece.model": Path(tiny["en-fr"], "source.spm").read_bytes()}


def _patch(path: Path, name: str, *, method: int | None = None, size: int | None = None,
           flags: int | None = None) -> None:
    """Rewrite a member's compression method, declared size or flags in both of the zip's headers."""
    import struct

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name).header_offset
    central = next(i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"
                   and data[i + 46:i + 46 + len(name)] == name.encode())
    for value, at_local, at_central, fmt in ((method, 8, 10, "<H"), (size, 22, 24, "<I"), (flags, 6, 8, "<H")):
        if value is not None:
            struct.pack_into(fmt, data, local + at_local, value)
            struct.pack_into(fmt, data, central + at_central, value)
    path.write_bytes(bytes(data))


def _broken(tiny, tmp_path: Path, case: str) -> Path:
    parts = {f"pkg/{name}": data for name, data in _parts(tiny).items()}
    if case == "missing sentencepiece.model":
        del parts["pkg/sentencepiece.model"]
    if case == "missing vocabulary":
        del parts["pkg/model/shared_vocabulary.json"]
    if case == "metadata is a list":
        parts["pkg/metadata.json"] = b"[]"
    archive = tmp_path / f"{case.replace(' ', '-')}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as handle:
        for name, data in parts.items():
            handle.writestr(name, data)
    if case == "a size that lies":
        _patch(archive, "pkg/model/shared_vocabulary.json", size=10)  # declares 10 bytes, holds thousands
    if case == "encrypted":
        _patch(archive, "pkg/sentencepiece.model", flags=0x1)
    if case == "deflate64":
        _patch(archive, "pkg/sentencepiece.model", method=9)
    return archive


@pytest.mark.parametrize(("case", "message"), [
    ("a size that lies", "not a readable Argos package"),
    ("encrypted", "is encrypted; refused"),
    ("deflate64", "compression method (9) that is not accepted"),
    ("garbage model.bin", "not a readable model"),
    ("missing sentencepiece.model", "has no sentencepiece.model"),
    ("missing vocabulary", "has no model/shared_vocabulary.json"),
    ("metadata is a list", "must be an object with from_code and to_code"),
])
def test_a_broken_package_is_a_model_load_error_and_leaves_nothing_half_done(tiny, tmp_path, monkeypatch, case,
                                                                            message):
    store = tmp_path / "store"
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))
    archive = _broken(tiny, tmp_path, case)
    with pytest.raises(ModelLoadError, match=re.escape(message)):
        load_model(str(archive), device="cpu", cache=ModelCache())
    assert not list(store.rglob("*.tmp*"))  # no half-extracted folder left in the store


@pytest.mark.parametrize("case", ["garbage model.bin", "missing sentencepiece.model", "missing vocabulary",
                                  "metadata is a list"])
def test_a_refused_package_leaves_no_extracted_folder_in_the_store(tiny, tmp_path, monkeypatch, case):
    store = tmp_path / "store"
    monkeypatch.setenv("SUMMARIZER_MODELS_DIR", str(store))
    archive = _broken(tiny, tmp_path, case)
    with pytest.raises(ModelLoadError):
        load_model(str(archive), device="cpu", cache=ModelCache())
    assert not list((store / "argos").glob("*"))  # neither the package's folder nor a temporary one


def test_a_refused_package_folder_given_by_the_user_is_never_removed(tiny, tmp_path):
    with zipfile.ZipFile(_broken(tiny, tmp_path, "garbage model.bin")) as handle:
        handle.extractall(tmp_path / "unpacked")
    with pytest.raises(ModelLoadError, match="not a readable model"):
        load_model(str(tmp_path / "unpacked"), device="cpu", cache=ModelCache())
    assert (tmp_path / "unpacked" / "pkg" / "model" / "model.bin").is_file()


def test_a_package_with_its_files_at_the_root_is_routed_by_its_own_pair(tiny, tmp_path):
    """A zh->en package whose files are at the zip's root is still read as zh->en: refused as a French one."""
    archive = tmp_path / "root-layout.argosmodel"
    with zipfile.ZipFile(archive, "w") as handle:
        for name, data in _parts(tiny, "zh", "en").items():
            handle.writestr(name, data)
    assert read_pair(str(archive)) == ("zh", "en")
    with pytest.raises(ModelLoadError, match=r"Argos package for zh->en: it cannot translate into 'fr'"):
        Summarizer(translators={"fr": str(archive)})


def test_a_zip_or_folder_holding_two_packages_is_refused(tiny, tmp_path):
    """The pair checked must be the pair loaded: with two packages in one file, neither is taken."""
    archive = tmp_path / "two.argosmodel"
    with zipfile.ZipFile(archive, "w") as handle:
        for folder, (source, target) in (("a", ("en", "fr")), ("b", ("zh", "en"))):
            for name, data in _parts(tiny, source, target).items():
                handle.writestr(f"{folder}/{name}", data)
    with pytest.raises(ModelLoadError, match="it holds 2"):
        Summarizer(translators={"fr": str(archive)})
    with zipfile.ZipFile(archive) as handle:
        handle.extractall(tmp_path / "two")
    with pytest.raises(ModelLoadError, match="holds 2 Argos packages"):
        Summarizer(translators={"fr": str(tmp_path / "two")})
