"""`summarize batch-ray` on a local two-worker Ray cluster: the same rows as the local CLI."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from summarizer.batch.outputs import read_parquet_rows  # noqa: E402
from summarizer.cli.main import cli  # noqa: E402
from tests.configs import tiny_flags  # noqa: E402
from tests.servers import free_port, wait_ready  # noqa: E402

pytestmark = pytest.mark.ray  # the Ray tier: a local cluster, Ray Data and Ray Serve

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("The city council approved a budget of {n} dollars on Monday. "
           "Mayor Anna Keller said the new bridge over the river would open in 2027.")
FRENCH = "Le conseil municipal a approuvé lundi un budget de {n} euros. La maire a parlé du nouveau pont."


def _flags(tiny) -> list[str]:
    return [*tiny_flags(tiny, ("fr", "en")), "--to", "fr"]


def _same(rows: list[dict], expected: list[dict]) -> bool:
    """Equal row for row: ids, languages, texts, models, warnings, per-language errors. An item's own error is
    worded by its reader (the local CLI names the line; Ray's reader has no line numbers): both must have one."""
    def comparable(row):
        return {**row, "error": bool(row["error"])}

    return [comparable(r) for r in rows] == [comparable(r) for r in expected]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def ray_env():
    """Token authentication with a token this test run makes itself: nothing is read from the home directory.

    The head, the workers it starts and every driver get it through RAY_AUTH_TOKEN (Ray's own format:
    32 random bytes in hex); RAY_AUTH_MODE=token is what a driver joining an explicit address needs said.
    """
    # RAY_worker_niceness=0: Ray starts its workers at nice 15, so that on a machine whose cores another process
    # keeps busy they get a few per cent of a core and Ray Serve's proxy misses its 60 s start-up (seen here,
    # with two busy loops beside the suite); the test's cluster runs its workers like any other process.
    return {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32),
            "RAY_worker_niceness": "0"}


@pytest.fixture(scope="module")
def cluster(ray_env):
    """A Ray head on this machine with 2 CPUs: two actors, two worker processes.

    Joined as 127.0.0.1:PORT; Ray itself swaps a loopback address for this machine's own IP, where the head
    listens (a head bound to 127.0.0.1 only cannot be joined: Ray makes the same swap).
    """
    import shutil
    import tempfile

    port = free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # short: Ray's socket paths must fit in 107 bytes
    ray_bin = Path(sys.executable).with_name("ray")
    start = [str(ray_bin), "start", "--head", f"--port={port}", "--num-cpus=2",
             "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}"]
    started = subprocess.run(start, capture_output=True, text=True, timeout=120, env=ray_env)
    assert started.returncode == 0, started.stderr[-3000:]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(ray_bin), "stop", "--force"], capture_output=True, timeout=120, env=ray_env)
        shutil.rmtree(temp, ignore_errors=True)


def test_forty_articles_on_two_actors_equal_the_local_cli_row_for_row(tiny, tmp_path, cluster, ray_env):
    feed = tmp_path / "feed.jsonl"
    records = [{"id": f"a{i:02d}", "text": (FRENCH if i % 5 == 0 else ENGLISH).format(n=1000 + i)} for i in range(38)]
    records += [{"id": "empty", "text": "   "}, {"id": "not-text", "text": None}]  # per-row errors
    feed.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    local = tmp_path / "local.jsonl"
    assert cli([str(feed), "-o", str(local), "--quiet", *_flags(tiny)]) == 1  # two rows fail, as they should

    command = [sys.executable, "-m", "summarizer", "batch-ray", str(feed), "--address", cluster, "--actors", "2",
               *_flags(tiny)]
    env = ray_env
    on_ray = tmp_path / "ray.jsonl"
    run = subprocess.run([*command, "-o", str(on_ray)], capture_output=True, text=True, timeout=600, env=env,
                         cwd=ROOT)
    assert run.returncode == 1, run.stderr[-3000:]
    assert f"connected to {cluster}" in run.stderr and "wrote 40 rows" in run.stderr
    expected = _rows(local)
    assert [row["id"] for row in expected] == [r["id"] for r in records]
    assert _same(_rows(on_ray), expected)

    rerun = subprocess.run([*command, "-o", str(on_ray)], capture_output=True, text=True, timeout=600, env=env,
                           cwd=ROOT)
    assert "resumed: 40 of 40" in rerun.stderr and len(_rows(on_ray)) == 40  # idempotent

    parquet = tmp_path / "ray.parquet"
    run = subprocess.run([*command, "-o", str(parquet)], capture_output=True, text=True, timeout=600, env=env,
                         cwd=ROOT)
    assert run.returncode == 1, run.stderr[-3000:]
    assert _same(read_parquet_rows(parquet), expected)


@pytest.mark.kill
def test_a_killed_ray_run_resumes_without_losing_or_repeating_rows(tiny, tmp_path):
    """Parquet parts are renamed into place whole: a part being written when the run died is dropped."""
    from summarizer.batch.outputs import ParquetWriter

    out = tmp_path / "rows.parquet"
    writer = ParquetWriter(out)
    row = {"id": "a", "source_language": "en", "summaries": {"en": "x"}, "models": {"en": ["m"]}, "chunks": 1,
           "language_warnings": {},
           "warnings": [], "faithful": {"en": True}, "errors": {}, "made": {}, "evidence": {}, "error": None}
    writer.write([row, {**row, "id": "b"}])
    (out / "part-000001.parquet.tmp").write_bytes(b"PAR1 half a file")  # killed mid-write
    again = ParquetWriter(out)
    assert again.done == {"a", "b"} and not list(out.glob("*.tmp"))
    again.write([{**row, "id": "c", "error": "bad", "summaries": {}, "models": {}, "faithful": {}}])
    assert [r["id"] for r in read_parquet_rows(out)] == ["a", "b", "c"]
    assert ParquetWriter(out, overwrite=True).done == set()


def test_mixed_or_unknown_inputs_are_usage_errors(tmp_path, capsys):
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "x"}\n')
    (tmp_path / "b.csv").write_text("id,text\n1,x\n")
    assert cli(["batch-ray", str(tmp_path / "a.jsonl"), str(tmp_path / "b.csv"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "one kind of input at a time" in capsys.readouterr().err
    assert cli(["batch-ray", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli(["batch-ray", str(tmp_path / "a.jsonl"), "-o", str(tmp_path / "o.jsonl"), "--actors", "0"]) == 2


def test_folders_and_csv_on_ray_equal_the_local_cli(tiny, tmp_path, cluster, ray_env):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.txt").write_text(ENGLISH.format(n=i), encoding="utf-8")
    (folder / "page.html").write_text(f"<html><body><nav>Menu</nav><p>{ENGLISH.format(n=9)}</p></body></html>")
    (folder / "binary.txt").write_bytes(b"\x00\x01PNG")  # an error row in both
    table = tmp_path / "feed.csv"
    table.write_text("id,text\n" + "".join(f"00{i},{FRENCH.format(n=i)}\n" for i in range(4)), encoding="utf-8")
    env = ray_env
    for source, name in ((folder, "folder"), (table, "csv")):
        local = tmp_path / f"{name}-local.jsonl"
        code = cli([str(source), "-o", str(local), "--quiet", *_flags(tiny)])
        on_ray = tmp_path / f"{name}-ray.jsonl"
        run = subprocess.run([sys.executable, "-m", "summarizer", "batch-ray", str(source), "-o", str(on_ray),
                              "--address", cluster, *_flags(tiny)], capture_output=True, text=True, timeout=600,
                             env=env, cwd=ROOT)
        assert run.returncode == code == (1 if name == "folder" else 0), run.stderr[-3000:]
        assert _same(_rows(on_ray), _rows(local)), name


def test_a_malformed_file_stops_the_ray_job_with_one_line_and_no_traceback(tiny, tmp_path, cluster, ray_env):
    feed = tmp_path / "bad.jsonl"
    feed.write_text('{"id": "a", "text": "The council met on Monday."}\n{"id": "b", "text": broken\n')
    run = subprocess.run([sys.executable, "-m", "summarizer", "batch-ray", str(feed), "-o", str(tmp_path / "o.jsonl"),
                          "--address", cluster, *_flags(tiny)], capture_output=True, text=True, timeout=600,
                         env=ray_env, cwd=ROOT)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("error: The Ray job failed: ValueError")


def test_the_api_on_ray_serve_with_two_replicas_answers_as_the_single_process_server(tiny, tmp_path, cluster,
                                                                                     ray_env):
    """`summarize serve --ray --replicas 2` on the local cluster: the same answers as one process. Without a
    French->English model, the French article batched with English ones fails alone (issue 20, hole 2)."""
    import concurrent.futures

    import httpx

    from summarizer import Config, Request
    from summarizer.server.service import Service
    from summarizer.server.settings import ServerSettings

    texts = [ENGLISH.format(n=1000 + i) for i in range(6)]
    local = Service(Config(language_check="warn",
                           summarizer_model=tiny["bart"], device="cpu", translators={"fr": tiny["en-fr"]}),
                    ServerSettings(max_batch=1))
    local.start()
    expected = [local.submit(Request(text=text, languages=["fr"])).result(timeout=120).to_dict() for text in texts]
    texts.insert(3, FRENCH.format(n=7))
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--ray", "--address", cluster, "--replicas", "2",
               "--port", str(port), "--no-page", "--batch-wait-ms", "500", "--language-check", "warn",
                             "--summarizer-model", tiny["bart"],
               "--translator", f"fr={tiny['en-fr']}", "--device", "cpu"]
    server = subprocess.Popen(command, env=ray_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, timeout=240, process=server)
        with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
            answers = list(pool.map(lambda t: httpx.post(url + "/v1/summarize", json={"text": t, "languages": ["fr"]},
                                                         timeout=240), texts))
        assert [a.status_code for a in answers] == [200, 200, 200, 503, 200, 200, 200], answers[3].text
        assert answers[3].json()["error"]["code"] == "model_unavailable" and "opus-mt-fr-en" in answers[3].text
        del answers[3]
        for got, want in zip((a.json() for a in answers), expected, strict=True):
            assert (got["summaries"], got["models"], got["faithful"]) == \
                (want["summaries"], want["models"], want["faithful"])
        bad = httpx.post(url + "/v1/summarize", json={"text": "   "}, timeout=60)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "empty_text"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
