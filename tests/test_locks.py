"""The store's locks and temporary folders: a failed GGUF import or CTranslate2 conversion leaves neither a
`.lock` file nor a partial folder behind, and processes importing one model at once still take turns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from summarizer.errors import ModelLoadError
from summarizer.models import gguf as gguf_import
from summarizer.models.conversion import convert
from summarizer.models.store import models_dir

ROOT = Path(__file__).resolve().parent.parent


def _left(folder: Path) -> list[str]:
    """What a failure could leave in a store folder: lock files, temporary folders, a model folder."""
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_failed_gguf_import_leaves_no_lock_and_no_partial_folder(tiny_llm, monkeypatch):
    def half_then_fail(path, out, *rest):
        out.mkdir(parents=True)
        (out / "model.safetensors").write_bytes(b"half written")
        raise ValueError("the reader gave up half way")

    monkeypatch.setattr(gguf_import, "_dequantise", half_then_fail)
    with pytest.raises(ModelLoadError, match="truncated or malformed"):
        gguf_import.import_gguf(tiny_llm["gguf"], models_dir())
    assert _left(models_dir() / "gguf") == []


@pytest.mark.parametrize("failure", [OSError("disk full"), RuntimeError("killed half way")])
def test_a_failed_conversion_leaves_no_lock_and_no_partial_folder(tiny, tmp_path, monkeypatch, failure):
    from ctranslate2.converters import transformers as ct2t

    def half_then_fail(self, output_dir, **options):
        Path(output_dir).mkdir(parents=True)
        (Path(output_dir) / "model.bin").write_bytes(b"half written")
        raise failure

    monkeypatch.setattr(ct2t.TransformersConverter, "convert", half_then_fail)
    with pytest.raises((ModelLoadError, RuntimeError), match=str(failure)):
        convert(tiny["en-fr"], tmp_path / "ct2" / "en-fr--main--int8", "int8")
    assert _left(tmp_path / "ct2") == []


# Each process takes the lock 40 times; inside, it checks that nobody else is inside (a marker file), and says
# how many times it found someone there.
TURNS = """
import os, sys, time
from pathlib import Path
from summarizer.models.conversion import process_lock
lock, inside, overlaps = Path(sys.argv[1]), Path(sys.argv[2]), 0
for _ in range(40):
    with process_lock(lock):
        try:
            os.mkdir(inside)
        except FileExistsError:
            overlaps += 1
            continue
        time.sleep(0.002)
        os.rmdir(inside)
print(overlaps)
"""


def test_processes_taking_one_lock_at_once_still_take_turns_and_leave_no_lock_file(tmp_path):
    lock, inside = tmp_path / "store" / "model.lock", tmp_path / "inside"
    runs = [subprocess.Popen([sys.executable, "-c", TURNS, str(lock), str(inside)], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outputs = [(*run.communicate(timeout=120), run.returncode) for run in runs]
    assert [(code, out.strip()) for out, _, code in outputs] == [(0, "0")] * 4, outputs  # never two inside at once
    assert _left(tmp_path / "store") == []
