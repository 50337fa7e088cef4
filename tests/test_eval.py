"""`summarize eval` and the metric helpers, on small hand-written data."""

import json

import pytest

from summarizer.cli.evaluate import UnicodeTokenizer, lead, rouge, translation_scores
from summarizer.cli.main import cli
from tests.articles import BRIDGE_MILLIONS as ARTICLE


def test_rouge_keeps_non_latin_scripts():
    assert UnicodeTokenizer().tokenize("市议会 approved 预算") == ["市", "议", "会", "approved", "预", "算"]
    assert rouge(["市议会批准了预算"], ["市议会批准了新的预算"], "zh")["rouge1"] > 80
    assert rouge(["the bridge reopens"], ["the bridge reopens"], "en")["rougeL"] == pytest.approx(100)


def test_translation_scores_carry_signatures():
    scores = translation_scores(["Le pont rouvre en 2027."], ["Le pont rouvrira en 2027."], "fr")
    assert 0 < scores["chrf"] < 100 and "nc:6" in scores["chrf_signature"] and "tok:13a" in scores["bleu_signature"]


def test_eval_command_scores_summaries(tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": ARTICLE, "reference": "The council approved 4.7 million dollars to "
                                "rebuild the bridge. It reopens in 2027."}) + "\n")
    out = tmp_path / "scores.json"
    assert cli(["eval", str(data), "--preset", "extractive", "-o", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["rows"] == 1 and set(report["rouge"]) == {"rouge1", "rouge2", "rougeL"}
    assert "ROUGE (1 rows, extractive)" in capsys.readouterr().out
    assert cli(["eval", str(data), "--system", "lead-3"]) == 0
    assert lead(ARTICLE, 1) == "The city council approved a budget of 4.7 million dollars on Monday to rebuild " \
                               "the old bridge."


def test_eval_command_scores_translations_with_chosen_models(tmp_path, tiny, capsys):
    data = tmp_path / "ntrex.jsonl"
    data.write_text(json.dumps({"text": "The bridge reopens in 2027.",
                                "refs": {"fr": "Le pont rouvre en 2027."}}) + "\n")
    code = cli(["eval", str(data), "--translations-field", "refs", "--translator", f"fr={tiny['en-fr']}",
                "--device", "cpu"])
    assert code == 0 and "en->fr (1 rows): chrF" in capsys.readouterr().out


def test_eval_command_without_references_is_a_usage_error(tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": ARTICLE}) + "\n")
    assert cli(["eval", str(data)]) == 2
    assert "no 'reference' field" in capsys.readouterr().err


@pytest.mark.parametrize(("line", "message"), [("{broken", "not valid JSON"), ("[1, 2]", "a JSON object")])
def test_eval_names_the_file_and_line_of_a_malformed_row(tmp_path, capsys, line, message):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": ARTICLE, "reference": "The council met."}) + "\n\n" + line + "\n")
    assert cli(["eval", str(data), "--system", "lead-3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {data}:3: {message}") and err.count("\n") == 1 and "Traceback" not in err
