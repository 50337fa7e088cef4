"""`summarize download`, with the hub mocked at the huggingface_hub boundary only."""

import hashlib
import json
from types import SimpleNamespace

import huggingface_hub

from summarizer.cli.main import cli
from summarizer.models.store import models_dir
from summarizer.pipeline.routing import Router


def test_required_models_follow_the_preset_routes():
    assert Router.build("default").required(["fr", "ja", "pl"]) == [
        "distilbart-cnn-12-6", "opus-mt-en-fr", "m2m100_418M", "opus-mt-en-sla"]
    assert Router.build("fast").required([], ["de"]) == ["distilbart-cnn-6-6", "opus-mt-de-en", "opus-mt-en-de"]
    assert Router.build("multilingual").required([], ["de"]) == ["mt5-xlsum"]


def test_download_fetches_pinned_revisions_and_writes_the_manifest(monkeypatch, capsys):
    fetched = []

    def model_info(self, repo, revision=None):
        files = ["config.json", "model.safetensors", "pytorch_model.bin", "source.spm"]
        sha = hashlib.sha1(repo.encode()).hexdigest()
        return SimpleNamespace(sha=sha, siblings=[SimpleNamespace(rfilename=f) for f in files])

    def snapshot_download(repo, revision, local_dir, allow_patterns):
        fetched.append((repo, revision, allow_patterns))
        local_dir.mkdir(parents=True, exist_ok=True)
        (local_dir / "config.json").write_text("{}")
        (local_dir / "model.safetensors").write_bytes(b"weights")
        return str(local_dir)

    monkeypatch.setattr("summarizer.models.hub.hub_reachable", lambda: True)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    assert cli(["download", "--to", "fr"]) == 0
    assert [repo for repo, _, _ in fetched] == ["sshleifer/distilbart-cnn-12-6", "Helsinki-NLP/opus-mt-en-fr"]
    assert all("*.safetensors" in patterns and "pytorch_model.bin" not in patterns for _, _, patterns in fetched)
    manifest = json.loads((models_dir() / "manifest.json").read_text())
    entry = manifest["models"]["Helsinki-NLP/opus-mt-en-fr"]
    assert entry["revision"] == fetched[1][1] and len(entry["revision"]) == 40
    assert entry["license"] == "apache-2.0" and set(entry["files"]) == {"config.json", "model.safetensors"}
    assert len(entry["files"]["model.safetensors"]) == 64
    assert "opus-mt-en-fr @ " in capsys.readouterr().out


def test_download_without_the_hub_is_one_clean_line(monkeypatch, capsys):
    assert cli(["download", "--to", "fr"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Could not download 'sshleifer/distilbart-cnn-12-6'") and "Traceback" not in err
    assert "cannot be reached" in err


def test_a_model_with_only_pickle_weights_is_not_fetched_without_the_opt_in(monkeypatch, capsys):
    fetched = []

    def model_info(self, repo, revision=None):
        files = ["config.json", "pytorch_model.bin", "source.spm"]
        return SimpleNamespace(sha="a" * 40, siblings=[SimpleNamespace(rfilename=f) for f in files])

    def snapshot_download(repo, revision, local_dir, allow_patterns):
        fetched.append(allow_patterns)
        local_dir.mkdir(parents=True, exist_ok=True)
        (local_dir / "config.json").write_text("{}")
        return str(local_dir)

    monkeypatch.setattr("summarizer.models.hub.hub_reachable", lambda: True)
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    assert cli(["download", "--model", "someone/pickled"]) == 1
    err = capsys.readouterr().err
    assert "has no safetensors weights" in err and "--allow-pickle" in err and not fetched
    assert cli(["download", "--model", "someone/pickled", "--allow-pickle"]) == 0
    assert "pytorch_model*.bin" in fetched[-1]
