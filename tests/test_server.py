"""The JSON API over real HTTP, on tiny models: every endpoint, every error code, keys and limits, the awkward
inputs, concurrent requests batched together, and a clean stop on SIGTERM."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from summarizer import Request
from summarizer.server.api import create_app
from summarizer.server.keys import KeyStore
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.awkward import LANGUAGE_LISTS, TEXTS, check_outcome
from tests.configs import tiny_config
from tests.servers import Running, api_key, free_port, until, wait_ready

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"keys": [{"key": api_key("k"), "name": "newsroom", "requests_per_minute": 3},
                 {"key": api_key("q"), "name": "quota", "characters_per_day": 300},
                 {"key": api_key("o"), "name": "other"}]}


def _refused(url: str) -> bool:
    """True once the server no longer answers: refused, or (a connection the stopping server had already
    accepted) closed before an answer."""
    try:
        httpx.get(url, timeout=5)
    except (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError):
        return True
    return False


@pytest.fixture(scope="module")
def service(tiny):
    return Service(tiny_config(tiny), ServerSettings(max_batch=8, batch_wait_ms=50))


@pytest.fixture(scope="module")
def api(service):
    running = Running(create_app(service))
    wait_ready(running.url)  # ready once the summariser is loaded
    yield running.url
    running.close()


@pytest.fixture(scope="module")
def keyed(tiny, tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps(KEYS))
    running = Running(create_app(Service(tiny_config(tiny)), keys=KeyStore.load(path)))
    yield running.url
    running.close()


def test_summarize_answers_the_summary(api, tiny):
    response = httpx.post(api + "/v1/summarize", json={"text": ARTICLE, "languages": ["fr", "ja"]}, timeout=120)
    assert response.status_code == 200, response.text
    result = response.json()
    assert list(result["summaries"]) == ["en", "fr", "ja"] and result["models"]["fr"] == [tiny["bart"], tiny["en-fr"]]
    assert set(result) >= {"source_language", "chunks", "warnings", "language_warnings", "faithful", "engines"}
    only = httpx.post(api + "/v1/summarize", json={"text": ARTICLE, "languages": "fr", "include_source": False,
                                                   "length": "long", "source_language": "en"}, timeout=120).json()
    assert list(only["summaries"]) == ["fr"] and only["language_confidence"] is None


def test_batch_endpoint_answers_in_order_with_per_article_errors(api):
    articles = [{"id": "a", "text": ARTICLE}, {"id": "b", "text": "  "}, {"id": "c", "text": ARTICLE,
                                                                           "languages": ["ja"]}]
    response = httpx.post(api + "/v1/summarize/batch", json={"articles": articles, "languages": ["fr"]}, timeout=120)
    results = response.json()["results"]
    assert response.status_code == 200 and [r["id"] for r in results] == ["a", "b", "c"]
    assert list(results[0]["result"]["summaries"]) == ["en", "fr"] and results[1]["error"]["code"] == "empty_text"
    assert list(results[2]["result"]["summaries"]) == ["en", "ja"]


def test_languages_models_health_metrics_and_docs(api):
    languages = httpx.get(api + "/v1/languages").json()["languages"]
    assert {"code": "fr", "name": "French", "native": "Français", "rtl": False} in languages
    models = httpx.get(api + "/v1/models").json()
    assert models["preset"] == "default" and models["configured"] and "store" in models
    assert set(models) >= {"loaded", "missing", "fetch", "routes_for_english_articles"}
    assert httpx.get(api + "/health").json()["status"] == "ready"
    httpx.post(api + "/v1/summarize", json={"text": ARTICLE, "languages": ["fr"]}, timeout=120)
    metrics = httpx.get(api + "/metrics").text
    for name in ("summarizer_requests_total{", "summarizer_batch_size_bucket", "summarizer_request_seconds_count",
                 "summarizer_queue_length", "summarizer_generated_tokens_total", "summarizer_errors_total"):
        assert name in metrics, name
    assert "/v1/summarize" in httpx.get(api + "/openapi.json").json()["paths"]
    assert httpx.get(api + "/docs").status_code == 200


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"text": "   "}, 400, "empty_text"),
    ({"text": ARTICLE, "languages": ["xx"]}, 400, "unsupported_language"),
    ({"text": 42}, 422, "invalid_request"),  # the schema's types: 422, naming the field
    ({"text": ARTICLE, "length": "huge"}, 422, "invalid_request"),
    ({"text": ARTICLE, "preset": "../../etc"}, 422, "invalid_request"),
    ({"text": ARTICLE, "languages": [f"l{i}" for i in range(30)]}, 400, "invalid_input"),
    ({"text": "x" * 500_001}, 413, "too_long"),
    ({"text": ARTICLE, "include_source": "yes"}, 422, "invalid_request"),
    ({"text": ARTICLE, "lenght": "long"}, 422, "invalid_request"),  # a misspelt field is not ignored
])
def test_bad_requests_get_4xx_json_errors_with_the_clis_message(api, body, status, code):
    response = httpx.post(api + "/v1/summarize", json=body, timeout=120)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and "\n" not in error["message"]


def test_malformed_json_and_oversized_batches_are_4xx(api):
    response = httpx.post(api + "/v1/summarize", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert httpx.post(api + "/v1/summarize", json=["a list"]).status_code == 422
    response = httpx.post(api + "/v1/summarize/batch", json={"articles": [{"text": "x"}] * 65})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_many_articles"


# Over the API a 20 MB article is refused by its body's size (10 MB by default), before its length is counted.
THROUGH_THE_API = {"20 MB": "error:over the 10,000,000-byte limit (max_body_mb)"}


@pytest.mark.parametrize("name", TEXTS)
def test_every_awkward_text_gets_its_outcome_and_never_a_500(api, capfd, name):
    text, outcome = TEXTS[name][0], THROUGH_THE_API.get(name, TEXTS[name][1])
    body = json.dumps({"text": text, "languages": ["en"], "preset": "extractive"})  # a lone surrogate as \ud800
    response = httpx.post(api + "/v1/summarize", content=body.encode(), timeout=120,
                          headers={"Content-Type": "application/json"})
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        check_outcome(outcome, language=response.json()["source_language"])
    else:
        check_outcome(outcome, error=response.json()["error"]["message"])
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(("languages", "expected"), LANGUAGE_LISTS)
def test_language_lists_through_the_api(api, languages, expected):
    response = httpx.post(api + "/v1/summarize", json={"text": ARTICLE, "languages": languages,
                                                       "include_source": False, "preset": "extractive"}, timeout=120)
    assert response.status_code < 500
    if isinstance(expected, str):
        assert response.status_code == 400 and expected in response.json()["error"]["message"]
    else:
        result = response.json()
        assert list(result["summaries"]) + list(result["errors"]) == expected


def test_concurrent_requests_are_batched_and_answer_as_one_by_one(api, service):
    texts = [ARTICLE.replace("Monday", f"day {i}") for i in range(8)]
    alone = [httpx.post(api + "/v1/summarize", json={"text": t, "languages": ["fr"]}, timeout=120).json()
             for t in texts]
    batches = service.metrics._histograms["summarizer_batch_size"][()][:]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda t: httpx.post(api + "/v1/summarize", json={"text": t, "languages": ["fr"]},
                                                      timeout=120).json(), texts))
    for a, b in zip(alone, together, strict=True):
        assert (a["summaries"], a["models"], a["faithful"]) == (b["summaries"], b["models"], b["faithful"])
    after = service.metrics._histograms["summarizer_batch_size"][()]
    assert sum(after[1:-1]) > sum(batches[1:-1])  # some of the 8 ran in a batch of 2 or more (buckets 1, 2, 4...)


def test_a_burst_goes_as_one_batch_and_a_stream_is_cut_at_the_gather_limit(tiny):
    """Company is awaited while it keeps coming (no gap of `batch_wait_ms`), `batch_gather_ms` at most."""
    from dataclasses import replace

    service = Service(tiny_config(tiny), ServerSettings(max_batch=64, batch_wait_ms=3000, batch_gather_ms=20_000))
    sizes: list[int] = []
    service.runner = lambda requests, partial, active=None: (sizes.append(len(requests)), [
        ValueError("not summarised") for _ in requests])[1]
    service.start()
    futures = []
    for i in range(10):  # ten requests, 20 ms apart: never 3 s without one, even on a loaded machine
        futures.append(service.submit(Request(text=f"Article {i}.", languages=["fr"])))
        time.sleep(0.02)
    concurrent.futures.wait(futures, timeout=60)
    assert sizes == [10]
    service.settings = replace(service.settings, batch_wait_ms=250, batch_gather_ms=300)
    for i in range(10):  # 100 ms apart for 1 s, but a batch gathers for 0.3 s at most
        futures.append(service.submit(Request(text=f"Article {i}.", languages=["fr"])))
        time.sleep(0.1)
    concurrent.futures.wait(futures, timeout=60)
    assert len(sizes) >= 3 and sum(sizes) == 20
    service.stop()


def test_keys_and_their_limits(keyed):
    url = keyed + "/v1/summarize"
    body = {"text": ARTICLE, "languages": ["fr"], "preset": "extractive"}
    assert httpx.post(url, json=body).status_code == 401
    wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer " + api_key("z")})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    newsroom = {"Authorization": "Bearer " + api_key("k")}
    assert [httpx.post(url, json=body, headers=newsroom, timeout=120).status_code for _ in range(3)] == [200] * 3
    limited = httpx.post(url, json=body, headers=newsroom)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61 and api_key("k") not in limited.text
    other = {"Authorization": "Bearer " + api_key("o")}
    assert httpx.post(url, json=body, headers=other, timeout=120).status_code == 200  # another key still works
    quota = {"Authorization": "Bearer " + api_key("q")}
    assert httpx.post(url, json=body, headers=quota, timeout=120).status_code == 200  # 134 of 300 characters
    assert httpx.post(url, json=body, headers=quota, timeout=120).status_code == 200
    over = httpx.post(url, json=body, headers=quota)
    assert over.status_code == 429 and over.json()["error"]["code"] == "quota_exceeded"
    assert httpx.get(keyed + "/health").status_code in (200, 503)  # open: for load balancers
    assert httpx.get(keyed + "/metrics").status_code == 401


def test_a_full_queue_answers_503_with_retry_after(tiny):
    service = Service(tiny_config(tiny), ServerSettings(max_queue=1, max_batch=1, batch_wait_ms=1))
    gate = threading.Event()
    original = service.runner
    service.runner = lambda *a: (gate.wait(120), original(*a))[1]
    running = Running(create_app(service))
    try:
        body = {"text": ARTICLE, "languages": ["fr"]}
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            post = lambda: httpx.post(running.url + "/v1/summarize", json=body, timeout=180)  # noqa: E731
            futures = [pool.submit(post)]
            until(lambda: service.in_flight() == 1 and service.queue_length() == 0)  # running, held at the gate
            futures += [pool.submit(post) for _ in range(3)]
            until(lambda: sum(f.done() for f in futures) == 2)  # one queued, two refused at once
            gate.set()
            statuses = sorted(f.result().status_code for f in futures)
        assert statuses == [200, 200, 503, 503]  # one running, one queued, two refused
        refused = next(f.result() for f in futures if f.result().status_code == 503)
        assert refused.headers["Retry-After"] and refused.json()["error"]["code"] == "queue_full"
        assert httpx.post(running.url + "/v1/summarize", json=body, timeout=120).status_code == 200
    finally:
        running.close()


def test_sigterm_finishes_the_requests_in_flight_refuses_new_ones_and_exits_0(tiny, tmp_path):
    port = free_port()
    command = [sys.executable, "-m", "summarizer", "serve", "--port", str(port), "--no-page", "--device", "cpu",
               "--language-check", "warn",
"--summarizer-model", tiny["bart"], "--translator", f"fr={tiny['en-fr']}", "--batch-wait-ms", "8000"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMARIZER_MODELS_DIR": str(tmp_path / "store")}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process=server)
        body = {"text": ARTICLE, "languages": ["fr"]}
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            in_flight = [pool.submit(httpx.post, url + "/v1/summarize", json=body, timeout=60) for _ in range(3)]
            # all three are in the server (queued or gathered, waiting 8 s for company in the batch): a request
            # still in the listen backlog when the server stops would be reset, however loaded the machine
            until(lambda: httpx.get(url + "/health", timeout=5).json()["in_flight"] == 3)
            server.send_signal(signal.SIGTERM)
            until(lambda: _refused(url + "/health"))  # the server stops listening...
            with pytest.raises(httpx.ConnectError):  # ...and takes no new requests once stopping
                httpx.post(url + "/v1/summarize", json=body, timeout=5)
            answers = [f.result() for f in in_flight]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert all(a.json()["summaries"]["fr"] for a in answers)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            server.kill()
    assert "Traceback" not in server.stderr.read()
