"""Evidence wherever results leave the service: the JSON API (and its OpenAPI schema), `summarize --evidence`,
`summarize check`, `summarize eval`, and JSONL, Parquet and Markdown rows."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from summarizer import Config, load_model
from summarizer.cli.main import cli
from summarizer.models.base import Generated
from summarizer.server.api import create_app
from summarizer.server.service import Service
from summarizer.text.splitting import split_sentences
from tests.articles import COUNCIL_LINES as ARTICLE

# The summariser's words in the tests that fix them: the mayor's sentence with a wrong year, then the council's.
SUMMARY = ("Mayor Anna Keller said the new bridge over the river would open in 2031. "
           "The city council approved a budget of 4,700 dollars on Monday.")


@pytest.fixture
def fixed_summary(tiny, monkeypatch):
    """The tiny summariser writes SUMMARY whatever it reads; returns the flags that select it."""
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(SUMMARY, True, False) for _ in texts])
    return ["--language-check", "warn", "--summarizer-model", tiny["bart"], "--device", "cpu", "--quiet"]


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_the_api_returns_evidence_and_its_schema_documents_it():
    service = Service(Config(preset="extractive", device="cpu"))
    with TestClient(create_app(service)) as client:
        answer = client.post("/v1/summarize", json={"text": ARTICLE, "languages": ["en"]}).json()
        batch = client.post("/v1/summarize/batch", json={"articles": [{"text": ARTICLE, "languages": ["en"]}]})
        schema = client.get("/openapi.json").json()
    found = answer["evidence"]["en"]
    sentences = split_sentences(ARTICLE)
    assert found["method"] == "words" and 0 <= found["score"] <= 1 and found["article_sentences"] == 3
    for sentence in found["sentences"]:  # the extractive summary copies article sentences: each points at its own
        assert sentences[sentence["sources"][0]["sentence"]] == sentence["text"] and sentence["copied"]
        assert answer["summaries"]["en"][sentence["start"]:sentence["end"]] == sentence["text"]
    assert batch.json()["results"][0]["result"]["evidence"]["en"] == found
    parts = schema["components"]["schemas"]
    route = schema["paths"]["/v1/summarize"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert route == {"$ref": "#/components/schemas/Summary"}
    evidence = parts["Summary"]["properties"]["evidence"]
    assert evidence["additionalProperties"] == {"$ref": "#/components/schemas/Evidence"}
    assert set(parts["Evidence"]["properties"]) == {"score", "sentences", "article_sentences", "method", "language",
                                                    "article_language", "warnings", "compared"}
    assert set(parts["SentenceEvidence"]["properties"]) >= {"start", "end", "score", "sources", "unsupported"}
    assert "index of the article sentence" in parts["Source"]["properties"]["sentence"]["description"]
    assert parts["Unsupported"]["properties"]["kind"]["enum"] == ["number", "name", "negation", "word", "meaning"]
    assert set(parts["Summary"]["properties"]) >= {"summaries", "models", "faithful", "errors", "timings"}


def test_summarize_with_evidence_prints_the_article_sentences_behind_each_summary_sentence(fixed_summary, article,
                                                                                           capsys):
    assert cli([str(article), "--to", "en", "--no-source", "--evidence", *fixed_summary]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    first = lines.index("    1. Mayor Anna Keller said the new bridge over the river would open in 2031.")
    assert lines[first + 1].startswith("       article sentences: 2 (support ")
    assert lines[first + 2] == "       unsupported: '2031': number '2031' is not in the article"
    second = lines.index("    2. The city council approved a budget of 4,700 dollars on Monday.")
    assert lines[second + 1] == "       article sentences: 1 (support 1.00, copied)"
    assert cli([str(article), "--to", "en", "--no-source", *fixed_summary]) == 0
    assert "article sentences" not in capsys.readouterr().out  # only when asked for


def test_jsonl_parquet_and_markdown_rows_carry_the_evidence(fixed_summary, article, tmp_path):
    pytest.importorskip("pyarrow")
    from summarizer.batch.outputs import read_parquet_rows

    written = {}
    for name in ("rows.jsonl", "rows.parquet", "rows.md", "rows.csv"):
        assert cli([str(article), "--to", "en", "--no-source", "-o", str(tmp_path / name), *fixed_summary]) == 0
    (row,) = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    (written["parquet"],) = read_parquet_rows(tmp_path / "rows.parquet")
    found = row["evidence"]["en"]
    assert [s["sources"][0]["sentence"] for s in found["sentences"]] == [1, 0]
    assert [u["text"] for u in found["sentences"][0]["unsupported"]] == ["2031"]
    assert written["parquet"]["evidence"] == row["evidence"]
    assert f"support {found['score']:.2f}" in (tmp_path / "rows.md").read_text()
    assert "evidence" not in (tmp_path / "rows.csv").read_text().splitlines()[0]  # too big for a cell


def _check(capsys, *argv) -> dict:
    assert cli(["check", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_check_prints_the_evidence_of_any_summary_as_json(tmp_path, monkeypatch, capsys):
    article, summary = tmp_path / "article.txt", tmp_path / "summary.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    summary.write_text(SUMMARY, encoding="utf-8")
    found = _check(capsys, str(article), str(summary), "--language", "en")
    assert [s["sources"][0]["sentence"] for s in found["sentences"]] == [1, 0]
    assert found["sentences"][0]["unsupported"][0]["reason"] == "number '2031' is not in the article"
    assert found["language"] == "en" and found["score"] < 1
    monkeypatch.setattr("sys.stdin", io.StringIO(SUMMARY))
    assert _check(capsys, str(article), "-", "--language", "en") == found
    summary.write_text(SUMMARY.lower().replace(".", " ."), encoding="utf-8")  # lower-cased, tokenised: as FRANK's
    lower = _check(capsys, str(article), str(summary), "--article-language", "en")
    assert [s["sources"][0]["sentence"] for s in lower["sentences"]] == [1, 0]
    assert [u["text"] for u in lower["sentences"][0]["unsupported"]] == ["2031"]


def test_check_refuses_two_stdins_and_a_missing_file(tmp_path, capsys):
    assert cli(["check", "-", "-"]) == 2 and "Only one of" in capsys.readouterr().err
    assert cli(["check", str(tmp_path / "none.txt"), "-"]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_eval_reports_the_mean_support_beside_rouge(fixed_summary, tmp_path, capsys):
    from summarizer.evidence.support import evidence

    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"text": ARTICLE, "reference": "The council approved 4,700 dollars."}) + "\n")
    out = tmp_path / "scores.json"
    assert cli(["eval", str(data), "--preset", "extractive", "-o", str(out)]) == 0
    assert json.loads(out.read_text())["support"] == 1.0  # the extractive summary copies the article's sentences
    assert "support 1.000" in capsys.readouterr().out
    assert cli(["eval", str(data), *fixed_summary[:-1], "-o", str(out)]) == 0  # the summary with a wrong year
    expected = evidence(ARTICLE, SUMMARY, "en").score
    assert json.loads(out.read_text())["support"] == pytest.approx(expected) and expected < 0.95
    assert f"support {expected:.3f}" in capsys.readouterr().out
