"""Argos Translate packages on tiny models built here: the package format, routing by its pair, and safety."""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from summarizer import ModelCache, Summarizer, load_model
from summarizer.argos import MAX_RATIO, read_pair
from summarizer.conversion import convert
from summarizer.errors import ModelLoadError

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
    settings = {"num_beams": 2, "max_new_tokens": 20}  # the tiny model has 64 positions; a package does not say
    direct = load_model(tiny["en-fr"], device="cpu", engine="ctranslate2", cache=ModelCache())
    expected = [" ".join(o.text.split()) for o in direct.generate(SENTENCES, settings=settings)]
    for source in (archive, tmp_path / "translate-en_fr-1_0"):  # the zip, and its unpacked folder
        model = load_model(str(source), device="cpu", cache=ModelCache())
        assert model.pair == ("en", "fr") and model.engine_name.endswith("(Argos package translate-en_fr-1_0, en->fr)")
        got = [" ".join(o.text.split()) for o in model.generate(SENTENCES, settings=settings)]
        assert got == expected


def test_a_package_serves_only_its_own_pair(tiny, tmp_path):
    archive = str(_package(tiny, tmp_path))
    summarizer = Summarizer(summarizer_model=tiny["bart"], translators={"fr": archive}, device="cpu",
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
