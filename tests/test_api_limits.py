"""The JSON API's limits after a security review (issue 27): bodies of millions of empty objects refused before
they are built, every request counted against its key's rate, a queue that two keys cannot close to a third, a
client that left counted as such, and every error of the API in the documented form, counted once."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from summarizer import Config
from summarizer.errors import QueueFullError
from summarizer.request import Request
from summarizer.server.api import create_app
from summarizer.server.keys import KeyStore
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.servers import Running, api_key, free_port, page_server, until, wait_ready

ROOT = Path(__file__).resolve().parent.parent
EXTRACTIVE = Config(preset="extractive", device="cpu")
SIZE = 9_900_000  # just under the default 10 MB body limit
BOMBS = {
    "a list of empty objects": b"[" + b"{}," * (SIZE // 3) + b"{}]",
    "empty objects in an unknown field": b'{"text": "x", "x": [' + b"{}," * (SIZE // 3) + b"{}]}",
    "a batch of empty articles": b'{"articles": [' + b"{}," * (SIZE // 3) + b"{}]}",
    "deep nesting": b"[" * (SIZE // 2) + b"]" * (SIZE // 2),
    "a million languages": b'{"text": "x", "languages": [' + b'"en",' * (SIZE // 5) + b'"en"]}',
}


def _peak_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


# ------------------------------------------------------------------ 10 MB of {} grew the server by 4 GB
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's memory from /proc")
def test_bodies_of_millions_of_objects_hardly_grow_the_server(tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--no-page", "--preset",
               "extractive", "--device", "cpu"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMARIZER_MODELS_DIR": str(tmp_path / "store")}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/v1/summarize"
    headers = {"Content-Type": "application/json"}
    try:
        wait_ready(f"http://127.0.0.1:{port}", process=server)
        # every path a bomb takes, once with a small body first: what it loads is not counted as its cost
        assert httpx.post(url, json={"text": ARTICLE}, timeout=120).status_code == 200
        assert httpx.post(url, content=b'{"text": "x", "x": [{}]}', headers=headers, timeout=120).status_code == 422
        assert httpx.post(url + "/batch", json={"articles": [{}]}, timeout=120).status_code == 422
        before = _peak_mb(server.pid)
        for name, body in BOMBS.items():
            answer = httpx.post(url + ("/batch" if b"articles" in body[:20] else ""), content=body,
                                headers=headers, timeout=300)
            assert 400 <= answer.status_code < 500, (name, answer.text[:300])
            assert set(answer.json()["error"]) == {"code", "message"}, name
        grown = _peak_mb(server.pid) - before
        print(f"peak memory (VmHWM) before the bombs {before:.0f} MB, grown by {grown:.0f} MB")
        assert grown < 300, f"the server grew by {grown:.0f} MB"
        assert httpx.post(url, json={"text": ARTICLE}, timeout=120).status_code == 200  # and it still serves
    finally:
        server.kill()
        server.wait(timeout=30)


def largest_batch(articles: int, languages: int) -> dict:
    """A valid batch as large as the schema allows: every field of the batch and of each article set, each
    with `languages` languages, and strings holding what a scan could mistake for structure."""
    values = {"languages": ["en"] * languages, "source_language": "en", "include_source": True,
              "length": "short", "strict": False, "summary_tokens": 40, "translation_tokens": 40,
              "preset": "extractive"}
    assert set(values) == set(Request.model_fields) - {"text"}  # a new field: add it here, and to the scan's caps
    text = 'The council said: "[{,}]" and \\"{[" ' + ARTICLE
    return {**values, "articles": [{**values, "id": f"a{i}\"[{{", "text": text} for i in range(articles)]}


def test_the_largest_valid_requests_are_answered():
    service = Service(EXTRACTIVE, ServerSettings(max_batch_articles=64))
    with TestClient(create_app(service)) as client:
        answer = client.post("/v1/summarize/batch", json=largest_batch(64, 20))
        assert answer.status_code == 200, answer.text[:300]
        assert all(item["result"]["summaries"]["en"] for item in answer.json()["results"])
        single = {**largest_batch(1, 20)["articles"][0], "text": "x" * 500_000}
        del single["id"]
        assert client.post("/v1/summarize", json=single).status_code == 200


# ------------------------------------------------------------------ invalid requests were not counted
def test_every_request_counts_against_its_keys_rate_valid_or_not(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": api_key("f"), "name": "five", "requests_per_minute": 5},
                                         {"key": api_key("b"), "name": "batch", "requests_per_minute": 5}]}))
    app = create_app(Service(EXTRACTIVE), keys=KeyStore.load(path))
    invalid = [b"{", b'{"text": 5}', b"[{}]", b'{"text": "x", "lenght": "long"}', b'{"articles": []}',
               b"[" * 20 + b"]" * 20, b'{"text": "x", "x": [' + b"{}," * 1000 + b"{}]}", b'{"text": null}']
    with TestClient(app) as client:
        statuses = [client.post("/v1/summarize" + ("/batch" if b"articles" in body else ""), content=body,
                                headers={"Authorization": "Bearer " + api_key("f"), "Content-Type": "application/json"}
                                ).status_code for body in invalid]
        assert statuses[:5] == [422, 422, 422, 422, 422] and statuses[5:] == [429, 429, 429], statuses
        batch = {"Authorization": "Bearer " + api_key("b")}  # a batch of 5 costs 5, not 6
        assert client.post("/v1/summarize/batch", json={"articles": [{"text": ARTICLE}] * 5},
                           headers=batch).status_code == 200
        over = client.post("/v1/summarize", json={"text": ARTICLE}, headers=batch)
        assert over.status_code == 429 and over.json()["error"]["code"] == "rate_limited"


# ------------------------------------------------------------------ two keys could fill the queue
def test_a_new_key_is_queued_while_two_keys_keep_the_queue_full():
    service = Service(EXTRACTIVE, ServerSettings(max_queue=8, max_batch=1, batch_wait_ms=1))
    gate, started = threading.Event(), threading.Event()
    original = service.runner

    def held(requests, partial, active=None):
        started.set()
        gate.wait(60)
        return original(requests, partial, active)

    service.runner = held
    service.start()
    try:
        futures = service.submit_many([Request(text=ARTICLE)], owner="A")
        assert started.wait(30)  # the worker holds A's first article: what follows waits in the queue

        def fill(owner: str) -> int:
            queued = 0
            while True:
                try:
                    futures.extend(service.submit_many([Request(text=ARTICLE)], owner=owner))
                    queued += 1
                except QueueFullError:
                    return queued

        assert (fill("A"), fill("B")) == (4, 2)  # A its share of 4; B up to the 6 places not kept back
        assert fill("A") == fill("B") == 0  # they keep sending: refused
        futures += service.submit_many([Request(text=ARTICLE)], owner="C")  # a third key gets in
        with pytest.raises(QueueFullError, match="kept for keys with none waiting"):
            service.submit_many([Request(text=ARTICLE)], owner="C")  # C has one waiting now
        futures += service.submit_many([Request(text=ARTICLE)], owner="D")  # a fourth key gets in
        assert service.queue_length() == 8
        gate.set()
        assert all(future.result(60).summaries["en"] for future in futures)
    finally:
        gate.set()
        service.stop()


def test_the_queue_reserve_is_a_setting_checked_like_the_others():
    assert ServerSettings(max_queue=8).reserved == 2 and ServerSettings(max_queue=8, queue_reserve=0).reserved == 0
    with pytest.raises(ValueError, match="queue_reserve=1"):
        ServerSettings(queue_reserve=1)
    assert ServerSettings.from_env({"SUMMARIZER_QUEUE_RESERVE": "0.5"}).queue_reserve == 0.5


# ------------------------------------------------------------------ smaller: 504 for a client that left
def test_a_client_that_left_is_counted_as_499_not_as_a_timeout():
    service = Service(EXTRACTIVE, ServerSettings(max_batch=1, batch_wait_ms=1))
    gate, started = threading.Event(), threading.Event()
    original = service.runner
    service.runner = lambda requests, partial, active=None: (started.set(), gate.wait(60),
                                                             original(requests, partial, active))[2]
    running = Running(create_app(service))
    try:
        wait_ready(running.url)
        url = running.url + "/v1/summarize"
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            first = pool.submit(httpx.post, url, json={"text": ARTICLE}, timeout=120)
            assert started.wait(30)
            with pytest.raises(httpx.ReadTimeout):  # waits behind the first, then hangs up
                httpx.post(url, json={"text": "Second. " + ARTICLE}, timeout=httpx.Timeout(5, read=1))
            until(lambda: service.metrics.get("summarizer_errors_total", code="client_gone") == 1)
            gate.set()
            assert first.result().status_code == 200
        assert service.metrics.get("summarizer_errors_total", code="timeout") == 0
        assert service.metrics.get("summarizer_requests_total", route="/v1/summarize", status="499") == 1
        assert service.metrics.get("summarizer_requests_total", route="/v1/summarize", status="504") == 0
    finally:
        gate.set()
        running.close()


# ------------------------------------------------------------------ smaller: 404 and 405 in another form
def test_unknown_routes_and_methods_answer_in_the_documented_form_beside_the_page():
    with page_server(Service(EXTRACTIVE)) as url:
        for method, path, status, code in (("GET", "v1/nothing-here", 404, "not_found"),
                                           ("GET", "v1", 404, "not_found"),
                                           ("POST", "v1/nothing-here", 404, "not_found"),
                                           ("DELETE", "v1/summarize", 405, "method_not_allowed"),
                                           ("GET", "v1/summarize/batch", 405, "method_not_allowed"),
                                           ("POST", "v1/languages", 405, "method_not_allowed"),
                                           ("POST", "health", 405, "method_not_allowed"),
                                           ("PUT", "metrics", 405, "method_not_allowed")):
            answer = httpx.request(method, url + path, timeout=60)
            assert answer.status_code == status, (method, path, answer.text)
            assert set(answer.json()) == {"error"} and answer.json()["error"]["code"] == code, (method, path)
            if status == 405:
                assert "Allow" in answer.headers, (method, path)
        assert httpx.get(url, timeout=60).status_code == 200  # the page is still the page
        assert httpx.get(url + "health", timeout=60).status_code == 200


def test_the_guards_refusals_are_answered_and_counted_as_the_routes_errors_are(tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": api_key("k"), "name": "k"}]}))
    service = Service(EXTRACTIVE, ServerSettings(max_body_mb=0.001))
    with TestClient(create_app(service, keys=KeyStore.load(path))) as client:
        stranger = client.post("/v1/summarize", json={"text": ARTICLE})
        large = client.post("/v1/summarize", json={"text": ARTICLE * 20},
                            headers={"Authorization": "Bearer " + api_key("k")})
    assert stranger.status_code == 401 and stranger.headers["WWW-Authenticate"] == "Bearer"
    assert large.status_code == 413 and large.json()["error"]["code"] == "too_long"
    assert service.metrics.get("summarizer_errors_total", code="unauthorized") == 1
    assert service.metrics.get("summarizer_errors_total", code="too_long") == 1
