"""Model loading runs no code from a model: safetensors only unless the caller opts in to pickles."""

import json
import pickle
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from summarizer import load_model
from summarizer.cli.main import cli
from summarizer.errors import ModelLoadError
from summarizer.models.engines.base import Decoding


class _Payload:
    """Unpickling this creates a file: proof that a pickle was (or was not) loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def _pickle_only_copy(source: str, folder: Path) -> Path:
    """The same model with its weights as pytorch_model.bin (a torch pickle) instead of safetensors."""
    shutil.copytree(source, folder)
    weights = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save(weights, folder / "pytorch_model.bin")
    return folder


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_pickle_weights_are_refused_unless_allowed(tiny, tmp_path, engine):
    folder = _pickle_only_copy(tiny["en-fr"], tmp_path / "en-fr-pickle")
    with pytest.raises(ModelLoadError, match=r"pickle weights only.*--allow-pickle"):
        load_model(str(folder), device="cpu", engine=engine)
    model = load_model(str(folder), device="cpu", engine=engine, allow_pickle=True)
    reference = load_model(tiny["en-fr"], device="cpu", engine=engine)
    settings = Decoding(num_beams=2, max_new_tokens=8)
    texts = ["The council approved the budget.", "Mayor Anna Keller spoke."]
    assert [g.text for g in model.generate(texts, settings=settings)] == \
        [g.text for g in reference.generate(texts, settings=settings)]
    # loaded once with the opt-in: a later caller without it is still refused
    with pytest.raises(ModelLoadError, match="--allow-pickle"):
        load_model(str(folder), device="cpu", engine=engine)


def test_a_malicious_pickle_is_never_opened(tiny, tmp_path):
    folder = tmp_path / "evil"
    shutil.copytree(tiny["en-fr"], folder)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "pwned"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    for engine in ("torch", "ctranslate2"):
        with pytest.raises(ModelLoadError, match="pickle"):
            load_model(str(folder), device="cpu", engine=engine)
    article = tmp_path / "a.txt"
    article.write_text("The city council approved a budget of 4,700 dollars on Monday. " * 3)
    assert cli([str(article), "--summarizer-model", str(folder), "--device", "cpu", "--quiet"]) == 1
    assert not marker.exists()


def test_a_config_pointing_at_other_weights_is_refused(tiny, tmp_path):
    folder = tmp_path / "redirected"
    shutil.copytree(tiny["en-fr"], folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "transformers_weights": "weights.bin"}))
    with pytest.raises(ModelLoadError, match="not safetensors"):
        load_model(str(folder), device="cpu", engine="torch")


def test_the_cli_names_the_opt_in(tiny, tmp_path, capsys):
    folder = _pickle_only_copy(tiny["bart"], tmp_path / "bart-pickle")
    article = tmp_path / "a.txt"
    article.write_text("The city council approved a budget of 4,700 dollars on Monday. " * 3)
    assert cli([str(article), "--summarizer-model", str(folder), "--device", "cpu", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "pickle weights only" in err and "--allow-pickle" in err and "Traceback" not in err
    assert cli([str(article), "--summarizer-model", str(folder), "--device", "cpu", "--quiet", "--allow-pickle",
                "--no-source", "--to", "en"]) == 0


@pytest.mark.parametrize("engine", ["torch", "ctranslate2"])
def test_a_corrupt_safetensors_header_is_a_model_load_error_naming_the_model(tiny, tmp_path, engine):
    """The safetensors library's own error for a corrupt file becomes the ModelLoadError callers handle (the
    server reports the model missing instead of staying 'loading' for ever; issue 20, hole 8)."""
    from summarizer import ModelCache

    broken = tmp_path / "broken"
    shutil.copytree(tiny["en-fr"], broken)
    (broken / "model.safetensors").write_bytes(b"\xff" * 8 + b"{not a header")
    with pytest.raises(ModelLoadError, match="broken") as info:
        load_model(str(broken), device="cpu", engine=engine, cache=ModelCache())
    assert "\n" not in str(info.value)
