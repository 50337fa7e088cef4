"""A battery of awkward inputs: each gets the outcome its table gives (a summary, or a SummarizerError with a
clear message naming the problem), never another exception. Run on the extractive engine (no weights) so that
every stage but generation is exercised."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from summarizer import Summarizer, Summary
from summarizer.cli.main import cli
from summarizer.errors import SummarizerError
from tests.awkward import AS_FILE, FILES, LANGUAGE_LISTS, SENTENCE, TEXTS, check_outcome

NOT_TEXT = {"bytes": b"The council approved the budget.", "None": None, "int": 42, "list": ["a", "b"]}


@pytest.fixture(scope="module")
def extractive():
    return Summarizer("extractive", device="cpu")


@pytest.mark.parametrize("name", TEXTS)
def test_awkward_text_gets_its_outcome(extractive, name):
    text, outcome = TEXTS[name]
    try:
        result = extractive.summarize(text, [], include_source=True)
    except SummarizerError as exc:
        check_outcome(outcome, error=str(exc))
        return
    check_outcome(outcome, language=result.source_language)
    assert isinstance(result, Summary)
    summary = next(iter(result.summaries.values()))
    assert summary and "\x00" not in summary and "\u202e" not in summary


@pytest.mark.parametrize("name", NOT_TEXT)
def test_an_article_that_is_not_text_is_named(extractive, name):
    with pytest.raises(SummarizerError, match=f"The article is {type(NOT_TEXT[name]).__name__}, not text"):
        extractive.summarize(NOT_TEXT[name], ["en"])


@pytest.mark.parametrize(("languages", "message"), LANGUAGE_LISTS)
def test_language_lists(extractive, languages, message):
    if isinstance(message, list):
        result = extractive.summarize(SENTENCE * 3, languages, include_source=False)
        assert list(result.summaries) + list(result.errors) == message
        return
    with pytest.raises(SummarizerError, match=message):
        extractive.summarize(SENTENCE * 3, languages)


@pytest.mark.parametrize(("options", "message"), [
    ({"length": "huge"}, "length: Input should be 'short', 'medium' or 'long'"),
    ({"length": ""}, "length: Input should be 'short'"),
    ({"summary_tokens": 0}, "summary_tokens: Input should be greater than or equal to 1"),
    ({"include_source": "yes"}, "include_source: Input should be a valid boolean"),
])
def test_absurd_options_are_refused(options, message):
    from summarizer import SummarizeOptions

    with pytest.raises(SummarizerError, match=message):
        SummarizeOptions(**options)


@pytest.mark.parametrize(("settings", "message"), [
    ({"batch_size": 0}, "batch_size=0"),
    ({"batch_size": -3}, "batch_size=-3"),
    ({"max_chars": 10**12 * -1}, "max_chars"),
    ({"max_models": 0}, "max_models=0"),
    ({"preset": "../../etc/passwd"}, "Unknown preset"),
    ({"engine": "tensorflow"}, "engine='tensorflow'"),
])
def test_absurd_settings_are_refused(settings, message):
    from summarizer import Config

    with pytest.raises(SummarizerError, match=message):
        Config(**settings)


# ---------------------------------------------------------------- the same inputs through the CLI
def _write_input(folder, name):
    file_name, data, _ = FILES[name] if name in FILES else ("article.txt",
                                                            TEXTS[name][0].encode("utf-8", "surrogatepass"), None)
    path = folder / file_name
    path.write_bytes(data)
    return path


def _outcome(name):
    return FILES[name][2] if name in FILES else AS_FILE.get(name, TEXTS[name][1])


def _check_row(row, outcome):
    """A row holds the outcome its case must have: summaries, or a one-line error; per-language errors are one
    line too."""
    check_outcome(outcome, language=row["source_language"], error=row["error"])
    if row["error"]:
        assert not row["summaries"]
    else:
        assert row["summaries"] and all(text.strip() for text in row["summaries"].values())
    assert all("\n" not in message for message in row["errors"].values())


@pytest.mark.parametrize("name", [*TEXTS, *FILES])
def test_the_cli_gives_every_input_a_row_or_a_one_line_error(tmp_path, capsys, name):
    path = _write_input(tmp_path, name)
    code = cli([str(path), "--preset", "extractive", "--to", "en", "--format", "jsonl", "--quiet"])
    out, err = capsys.readouterr()
    assert code in (0, 1) and "Traceback" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 1 and rows[0]["id"] == str(path)
    _check_row(rows[0], _outcome(name))
    assert code == (1 if rows[0]["error"] or rows[0]["errors"] else 0)


@pytest.mark.parametrize(("to", "message"), [
    ("xx", "'xx' is not a known language"),
    ("en-", "is not a language code"),
    ("../../etc/passwd", "is not a language code"),
    (",", "No target language"),
    (",".join(["en"] * 50), "limit is 20"),
    (",".join(f"l{i}" for i in range(50)), "limit is 20"),
])
def test_the_cli_refuses_bad_language_lists_in_one_line(tmp_path, capsys, to, message):
    path = _write_input(tmp_path, "very many sentences")
    assert cli([str(path), "--preset", "extractive", "--to", to, "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert not out and err.startswith("error: ") and err.count("\n") == 1 and message in err


@pytest.mark.parametrize(("args", "message"), [
    (["--length", "huge"], "invalid choice: 'huge'"),
    (["--batch-size", "0"], "--batch-size 0 must be at least 1"),
    (["--batch-size", "-3"], "--batch-size -3 must be at least 1"),
    (["--batch-size", "many"], "invalid int value: 'many'"),
    (["--format", "pdf"], "invalid choice: 'pdf'"),
    (["--engine", "tensorflow"], "invalid choice: 'tensorflow'"),
])
def test_the_cli_refuses_absurd_options(tmp_path, capsys, args, message):
    path = _write_input(tmp_path, "very many sentences")
    try:
        code = cli([str(path), "--preset", "extractive", *args])
    except SystemExit as exited:  # argparse's own usage errors
        code = exited.code
    out, err = capsys.readouterr()
    assert code == 2 and not out and message in err.strip().splitlines()[-1] and "Traceback" not in err


def test_one_real_cli_process_over_every_file_writes_one_row_each_and_no_traceback(tmp_path):
    folder = tmp_path / "inputs"
    outcomes = {}
    for index, name in enumerate([*TEXTS, *FILES]):
        (folder / str(index)).mkdir(parents=True)
        outcomes[str(_write_input(folder / str(index), name))] = _outcome(name)
    output = tmp_path / "rows.jsonl"
    run = subprocess.run([sys.executable, "-m", "summarizer", str(folder), "--preset", "extractive", "--to", "en",
                          "-o", str(output)], capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parent.parent)
    assert run.returncode == 1 and "Traceback" not in run.stderr  # some inputs fail: exit status 1
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    files = sorted(str(p) for p in folder.rglob("*") if p.is_file())
    assert sorted(row["id"] for row in rows) == files
    for row in rows:
        _check_row(row, outcomes[row["id"]])


def test_lone_surrogates_from_json_escapes_are_written_as_valid_utf8(tmp_path, capsys):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "a\ud800b", "text": TEXTS["lone surrogate"][0]}) + "\n", encoding="utf-8")
    output = tmp_path / "rows.jsonl"
    assert cli([str(feed), "--preset", "extractive", "--to", "en", "-o", str(output), "--quiet"]) == 0
    row = json.loads(output.read_bytes().decode("utf-8"))  # strict UTF-8
    assert row["id"] == "a\ufffdb" and "approved\ufffd the budget" in row["summaries"]["en"]


def test_ids_from_input_files_never_become_paths(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    hostile = ["../escaped.txt", str(tmp_path / "absolute.txt"), "sub/dir/file", "~/home.txt", "CON", "a\nb"]
    feed = work / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "text": SENTENCE * 3}) + "\n" for i in hostile), encoding="utf-8")
    for output in ("rows.jsonl", "rows.csv", "rows.md"):
        cli([str(feed), "--preset", "extractive", "--to", "en", "-o", output, "--quiet"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(["work", "feed.jsonl", "rows.jsonl", "rows.csv",
                                                                   "rows.md"])
    rows = [json.loads(line) for line in (work / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == hostile


def test_the_limits_are_configurable_on_the_command_line(tmp_path, capsys):
    path = _write_input(tmp_path, "very many sentences")
    assert cli([str(path), "--preset", "extractive", "--to", "en", "--max-chars", "100", "--quiet",
                "--format", "jsonl"]) == 1
    row = json.loads(capsys.readouterr().out)
    assert "the limit is 100 (max_chars)" in row["error"]
    assert cli([str(path), "--preset", "extractive", "--to", "en,fr,de", "--max-languages", "2"]) == 2
    assert "3 target languages asked for; the limit is 2" in capsys.readouterr().err
