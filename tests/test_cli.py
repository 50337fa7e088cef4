import json
import subprocess
import sys

import pytest

from summarizer.cli import cli

ARTICLE = ("The city council approved a budget of 4,700 dollars on Monday. "
           "Mayor Anna Keller said the new bridge over the river would open in 2027.")


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def _model_flags(tiny):
    return ["--summarizer-model", tiny["bart"], "--translator", f"fr={tiny['en-fr']}",
            "--translator", f"ja={tiny['m2m100']}", "--device", "cpu"]


def test_summarises_a_file_into_readable_text(tiny, article, capsys):
    assert cli([str(article), "--to", "fr,ja", *_model_flags(tiny)]) == 0
    out = capsys.readouterr().out
    assert "(language: en, chunks: 1)" in out
    assert "[en] " in out and "[fr] " in out and "[ja] " in out
    assert f"models: {tiny['bart']} > {tiny['en-fr']}" in out


def test_json_output_and_no_source(tiny, article, capsys):
    assert cli([str(article), "--to", "fr", "--no-source", "--json", *_model_flags(tiny)]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["id"] == str(article) and list(row["summaries"]) == ["fr"]


def test_stdin_is_read_with_dash(tiny, monkeypatch, capsys):
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert cli(["-", "--to", "fr", "--json", *_model_flags(tiny)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "-"


def test_unknown_language_is_a_usage_error(tiny, article, capsys):
    assert cli([str(article), "--to", "xx", *_model_flags(tiny)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Language 'xx'") and err.count("\n") == 1


def test_bad_translator_flag_is_a_usage_error(tiny, article, capsys):
    assert cli([str(article), "--translator", "fr"]) == 2
    assert "LANG=MODEL" in capsys.readouterr().err


def test_unreadable_and_empty_files_fail_cleanly(tiny, tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81\x9f" * 10)
    assert cli([str(empty), "--to", "fr", *_model_flags(tiny)]) == 1
    assert "empty" in capsys.readouterr().err
    assert cli([str(binary), str(tmp_path / "missing.txt"), *_model_flags(tiny)]) == 1
    assert "Cannot read" in capsys.readouterr().err


def test_missing_models_give_one_line_with_the_download_command(article, capsys):
    assert cli([str(article), "--to", "fr", "--device", "cpu"]) == 1
    err = capsys.readouterr().err.strip()
    assert "summarize download --model distilbart-cnn-12-6" in err and "Traceback" not in err
    # it still says what it found and what the run needs
    assert "article language: en" in err and "fr: distilbart-cnn-12-6 > opus-mt-en-fr" in err
    assert "summarize download --preset default --to fr" in err


def test_models_lists_presets_and_licences(capsys):
    assert cli(["models"]) == 0
    out = capsys.readouterr().out
    assert "preset default" in out and "opus-mt-en-fr" in out and "NON-COMMERCIAL" in out and "missing" in out


def test_python_dash_m_and_import_have_no_side_effects(tmp_path):
    code = "import sys, summarizer; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.strip() == "False False"
    help_text = subprocess.run([sys.executable, "-m", "summarizer", "--help"], capture_output=True, text=True,
                               check=True).stdout
    assert "--to" in help_text and "--summarizer-model" in help_text
