"""The `summarize` command, in-process on tiny models (and as subprocesses killed with SIGKILL)."""

import csv
import http.server
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from summarizer.cli.main import cli
from tests.articles import COUNCIL as ARTICLE
from tests.configs import tiny_flags

FRENCH = "Le conseil municipal a approuvé lundi un budget de 4 700 euros. La maire a parlé du nouveau pont."
HTML = ("<html><head><title>Bridge</title><script>alert('x')</script><style>p{}</style></head><body>"
        "<nav>Home | Sport | Weather</nav><article><h1>Riverton to rebuild its bridge</h1>"
        f"<p>{ARTICLE}</p><p>Heavy rain flooded the streets of the old town for three days last week.</p>"
        "</article><footer>Copyright 2026 Riverton Post</footer></body></html>")


def _jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_one_file_prints_readable_text(tiny, article, capsys):
    assert cli([str(article), "--to", "fr,ja", *tiny_flags(tiny)]) == 0
    out = capsys.readouterr().out
    assert "(language: en, chunks: 1)" in out
    assert "[en] " in out and "[fr] " in out and "[ja] " in out
    assert f"models: {tiny['bart']} > {tiny['en-fr']}" in out


def test_jsonl_on_stdout_with_no_source(tiny, article, capsys):
    assert cli([str(article), "--to", "fr", "--no-source", "--format", "jsonl", *tiny_flags(tiny)]) == 0
    (row,) = _jsonl(capsys.readouterr().out)
    assert row["id"] == str(article) and list(row["summaries"]) == ["fr"] and row["error"] is None
    assert set(row) == {"id", "source_language", "summaries", "models", "chunks", "warnings", "language_warnings",
                        "faithful", "errors", "made", "evidence", "error"}


def test_stdin_gets_a_content_hash_id(tiny, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(ARTICLE))
    assert cli(["-", "--to", "fr", "--format", "jsonl", *tiny_flags(tiny)]) == 0
    (row,) = _jsonl(capsys.readouterr().out)
    assert row["id"].startswith("sha256:") and len(row["id"]) == 23


def test_folder_with_good_empty_binary_and_misencoded_files(tiny, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "sub" / "bom.md").write_bytes("\ufeff".encode() + FRENCH.encode("utf-8"))
    (folder / "utf16.txt").write_bytes(ARTICLE.encode("utf-16"))
    (folder / "empty.txt").write_text("   \n")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 4)
    (folder / "latin1.txt").write_bytes("Caf\xe9 de la gare, d\xe9cid\xe9 lundi.".encode("latin-1"))
    (folder / "ignored.png").write_bytes(b"\x89PNG")
    out = tmp_path / "out.jsonl"
    assert cli([str(folder), "--to", "fr", "-o", str(out), "--quiet", *tiny_flags(tiny)]) == 1  # some failed
    rows = {os.path.relpath(r["id"], folder): r for r in _jsonl(out.read_text())}
    assert set(rows) == {"good.txt", "sub/bom.md", "utf16.txt", "empty.txt", "binary.txt", "latin1.txt"}
    assert rows["good.txt"]["error"] is None and rows["utf16.txt"]["error"] is None
    assert rows["sub/bom.md"]["source_language"] == "fr" and list(rows["sub/bom.md"]["summaries"]) == ["fr"]
    assert "empty" in rows["empty.txt"]["error"]
    assert "binary" in rows["binary.txt"]["error"]
    assert "not UTF-8 or UTF-16" in rows["latin1.txt"]["error"] and "0xe9" in rows["latin1.txt"]["error"]


def test_glob_filters_folders(tiny, tmp_path, capsys):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.md").write_text(ARTICLE)
    assert cli([str(tmp_path), "--glob", "*.md", "--format", "jsonl", *tiny_flags(tiny)]) == 0
    assert [os.path.basename(r["id"]) for r in _jsonl(capsys.readouterr().out)] == ["b.md"]


def test_jsonl_input_with_ids_and_custom_fields(tiny, tmp_path):
    source = tmp_path / "feed.jsonl"
    source.write_text("\n".join([
        json.dumps({"guid": "a-1", "body": ARTICLE}),
        json.dumps({"guid": "a-2", "body": FRENCH}),
        "{not json",
        json.dumps({"guid": "a-4", "title": "no body"}),
        json.dumps({"body": ARTICLE}),
    ]), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = cli([str(source), "--text-field", "body", "--id-field", "guid", "--to", "ja", "-o", str(out),
                *tiny_flags(tiny)])
    assert code == 1
    rows = _jsonl(out.read_text())
    assert [r["id"] for r in rows] == ["a-1", "a-2", f"{source}:3", "a-4", f"{source}:5"]
    assert rows[1]["source_language"] == "fr" and list(rows[1]["summaries"]) == ["fr", "ja"]
    assert "not valid JSON" in rows[2]["error"] and "no text field 'body'" in rows[3]["error"]
    assert rows[4]["error"] is None


def test_csv_input_and_csv_output(tiny, tmp_path):
    source = tmp_path / "articles.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["story_id", "content"])
        writer.writerow(["s1", ARTICLE])
        writer.writerow(["s2", "Line one of a story, with a comma.\nLine two, \"quoted\"."])
    out = tmp_path / "out.csv"
    args = [str(source), "--text-field", "content", "--id-field", "story_id", "--to", "fr", "-o", str(out)]
    assert cli([*args, *tiny_flags(tiny)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["s1", "s2"]
    assert list(rows[0]) == ["id", "source_language", "summary_source", "summary_fr", "models", "chunks",
                             "warnings", "language_warnings", "faithful", "errors", "made", "error"]
    assert rows[0]["summary_fr"] and rows[0]["source_language"] == "en" and json.loads(rows[0]["models"])["fr"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 3  # one physical line per row


def test_csv_without_the_text_column_is_a_usage_error(tiny, tmp_path, capsys):
    source = tmp_path / "bad.csv"
    source.write_text("a,b\n1,2\n")
    assert cli([str(source), *tiny_flags(tiny)]) == 2
    assert "no column 'text' (columns: a, b)" in capsys.readouterr().err


def test_markdown_output_and_resume(tiny, tmp_path, article):
    out = tmp_path / "report.md"
    assert cli([str(article), "--to", "fr", "-o", str(out), *tiny_flags(tiny)]) == 0
    first = out.read_text()
    assert f"## `{article}`" in first and "**fr** (" in first
    assert cli([str(article), "--to", "fr", "-o", str(out), *tiny_flags(tiny)]) == 0
    assert out.read_text() == first  # already done: nothing repeated


def test_html_file_and_url_from_a_local_server(tiny, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(HTML, encoding="utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = HTML.encode() if self.path == "/story" else b"missing"
            self.send_response(200 if self.path == "/story" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    out = tmp_path / "out.jsonl"
    try:
        code = cli([str(page), f"{url}/story", f"{url}/gone", "--to", "fr", "-o", str(out), *tiny_flags(tiny)])
    finally:
        server.shutdown()
    rows = _jsonl(out.read_text())
    assert code == 1 and [r["id"] for r in rows] == [str(page), f"{url}/story", f"{url}/gone"]
    assert rows[0]["error"] is None and rows[1]["error"] is None and rows[0]["source_language"] == "en"
    assert "cannot be fetched" in rows[2]["error"] and "404" in rows[2]["error"]


def test_html_extraction_drops_scripts_and_menus():
    from summarizer.batch.inputs import extract_html

    text = extract_html(HTML, "page.html")
    assert "Mayor Anna Keller" in text and "alert" not in text and "Home | Sport" not in text


def test_a_partial_last_row_is_repaired_and_done_ids_are_skipped(tiny, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(ARTICLE.replace("Monday", f"day {i}"))
    out = tmp_path / "out.jsonl"
    whole = json.dumps({"id": str(folder / "0.txt"), "source_language": "en", "summaries": {}, "models": {},
                        "chunks": 1, "warnings": [], "faithful": {}, "errors": {}, "error": None})
    out.write_text(whole + "\n" + '{"id": "' + str(folder / "1.txt") + '", "summ')  # killed mid-write
    assert cli([str(folder), "--to", "fr", "-o", str(out), *tiny_flags(tiny)]) == 0
    rows = _jsonl(out.read_text())
    assert [os.path.basename(r["id"]) for r in rows] == ["0.txt", "1.txt", "2.txt"]
    assert cli([str(folder), "--to", "fr", "-o", str(out), "--overwrite", *tiny_flags(tiny)]) == 0
    assert len(_jsonl(out.read_text())) == 3 and _jsonl(out.read_text())[0]["summaries"]


def test_unknown_language_is_a_usage_error(tiny, article, capsys):
    assert cli([str(article), "--to", "xx", *tiny_flags(tiny)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Language 'xx'") and err.count("\n") == 1


def test_bad_flags_are_usage_errors(tiny, article, capsys):
    assert cli([str(article), "--translator", "fr"]) == 2
    assert "LANG=MODEL" in capsys.readouterr().err
    assert cli([str(article), "-o", str(article.with_suffix(".xlsx"))]) == 2
    assert "Cannot tell the output format" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli([str(article), "--length", "huge"])
    assert info.value.code == 2


def test_without_models_the_summary_is_extractive_and_loudly_says_so(article, capsys):
    assert cli([str(article), "--to", "fr", "--device", "cpu"]) == 1  # French could not be made
    out = capsys.readouterr().out
    assert "warning: ABSTRACTIVE SUMMARISER UNAVAILABLE" in out and "summarize download --model distilbart" in out
    assert "[en] The city council approved a budget of 4,700 dollars on Monday." in out
    assert "models: extractive" in out
    assert "[fr] error: needs opus-mt-en-fr, which is not in the model store" in out  # known before generating
    assert "summarize download --model opus-mt-en-fr" in out


def test_a_pinned_missing_model_says_what_is_needed_and_how_to_fetch_it(article, capsys):
    assert cli([str(article), "--to", "fr", "--device", "cpu", "--summarizer-model", "distilbart-cnn-12-6"]) == 1
    err = capsys.readouterr().err.strip()
    assert "summarize download --model distilbart-cnn-12-6" in err and "Traceback" not in err
    assert "fr: distilbart-cnn-12-6 > opus-mt-en-fr" in err
    assert "summarize download --model distilbart-cnn-12-6 --model opus-mt-en-fr" in err  # exactly what it needs
    assert "note: for en articles, en, fr cannot be made here" in err  # said before anything was generated


def test_models_lists_presets_and_licences(capsys):
    assert cli(["models"]) == 0
    out = capsys.readouterr().out
    assert "preset default" in out and "opus-mt-en-fr" in out and "NON-COMMERCIAL" in out and "missing" in out
    assert re.search(r"extractive +extractive .* 0 MB  present", out)  # no weights: always there


@pytest.mark.parametrize("name", ["models", "download", "eval", "run"])
def test_a_file_named_like_a_command_is_summarised_with_run_or_a_path(tiny, tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(ARTICLE, encoding="utf-8")
    for argv in (["run", name], [f"./{name}"]):
        assert cli([*argv, "--to", "fr", "--format", "jsonl", *tiny_flags(tiny)]) == 0
        (row,) = _jsonl(capsys.readouterr().out)
        assert row["error"] is None and list(row["summaries"]) == ["en", "fr"]
    assert "summarize run models" in subprocess.run([sys.executable, "-m", "summarizer", "--help"],
                                                    capture_output=True, text=True, check=True).stdout


def test_version_and_grouped_help(capsys):
    from summarizer import __version__

    with pytest.raises(SystemExit) as exited:
        cli(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f"summarize {__version__}"
    with pytest.raises(SystemExit):
        cli(["--help"])
    help_text = capsys.readouterr().out
    for group in ("input:", "summaries:", "models:", "limits:", "output:", "other commands"):
        assert group in help_text
    for command in ("batch-ray", "eval", "download"):  # the shared flag groups, one spelling each
        with pytest.raises(SystemExit):
            cli([command, "--help"])
        sub = capsys.readouterr().out
        assert "--summarizer-model" in sub and "--translator" in sub and "--source-language" in sub


def test_offline_the_run_ends_with_one_command_that_fetches_what_it_needed(article, capsys):
    assert cli([str(article), "--to", "fr,de", "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "note: for en articles, fr, de cannot be made here: fr needs opus-mt-en-fr; de needs opus-mt-en-de" in err
    assert err.endswith("summarize download --model distilbart-cnn-12-6 --model opus-mt-en-fr --model opus-mt-en-de\n")
    assert "--preset" not in err  # exactly the models this run needs, not a preset's


def test_python_dash_m_and_import_have_no_side_effects(tmp_path):
    code = "import sys, summarizer; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert out.stdout.strip() == "False False"
    help_text = subprocess.run([sys.executable, "-m", "summarizer", "--help"], capture_output=True, text=True,
                               check=True).stdout
    assert "--to" in help_text and "--summarizer-model" in help_text and "--text-field" in help_text


@pytest.mark.kill
def test_ten_random_sigkills_lose_and_repeat_no_row(tiny, tmp_path):
    """Killed at 10 random moments (loading, summarising, writing) and resumed: each id once, whole rows only.

    The kill moments follow the job's own progress, not the clock: 3 in 10 land at a random moment before the
    run has written a row (loading), the others once it has written a random 1 to 8 new rows (summarising and
    mid-write), so that 10 runs write far fewer than `total` rows on any machine, fast or loaded.
    """
    import random

    rng = random.Random(int(os.environ.get("KILL_SEED", "7")))
    folder = tmp_path / "articles"
    folder.mkdir()
    total = 300
    for i in range(total):
        (folder / f"{i:03d}.txt").write_text(f"Story {i}. " + ARTICLE.replace("4,700", f"{i * 100}"))
    out = tmp_path / "rows.jsonl"
    command = [sys.executable, "-m", "summarizer", str(folder), "--to", "fr", "-o", str(out), "--batch-size", "2",
               "--quiet", *tiny_flags(tiny)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}

    def lines() -> int:
        return out.read_bytes().count(b"\n") if out.exists() else 0

    warm = [*command[:3], str(folder / "000.txt"), *command[4:6], "-o", str(tmp_path / "warm.jsonl"), *command[8:]]
    started = time.monotonic()
    subprocess.run(warm, env=env, check=True, capture_output=True, timeout=600)  # converts the models once
    startup = time.monotonic() - started
    kills, counts = 0, []
    while kills < 10:
        before = lines()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if rng.random() < 0.3:  # while loading: a random moment before its first row
            deadline, target = time.monotonic() + rng.uniform(0.0, startup), before + 1
        else:  # while summarising and writing: once a random few rows are on disk, a moment later
            deadline, target = float("inf"), before + rng.randint(1, 8)
        while process.poll() is None and time.monotonic() < deadline and lines() < target:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.02))
        if process.poll() is not None:
            break  # it finished first: no more to kill
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        complete = out.read_bytes()[: out.read_bytes().rfind(b"\n") + 1] if out.exists() else b""
        ids = [row["id"] for row in _jsonl(complete.decode())]
        assert len(ids) == len(set(ids))  # never a repeated row, even before the resume
        counts.append(len(ids))
    assert kills == 10, f"the batch finished after {kills} kills (rows on disk after each: {counts})"
    assert counts == sorted(counts) and counts[-1] > 0  # rows only ever accumulate
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr
    assert f"resumed: {counts[-1]} of {total}" in finished.stderr
    data = out.read_bytes()
    assert data.endswith(b"\n")  # no partial line left
    rows = _jsonl(data.decode())
    assert sorted(row["id"] for row in rows) == sorted(str(p) for p in folder.iterdir())  # 0 lost, 0 repeated
    assert all(row["summaries"]["fr"] and row["error"] is None for row in rows)
    print(f"start-up {startup:.1f} s; rows on disk after each kill: {counts}")
