"""The server tried as an attacker or a careless client would (issue 20, section 1): each hole found that way,
closed. In-process servers on tiny models; each test names the hole it keeps closed."""

from __future__ import annotations

import concurrent.futures
import json
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from summarizer import Config
from summarizer.server.api import create_app
from summarizer.server.keys import KeyStore
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.configs import tiny_config
from tests.servers import Running, api_key, until, wait_ready

GERMAN = "Die Stadt hat am Montag einen neuen Haushalt beschlossen. Der Bürgermeister sprach über die neue Brücke."
KEYS = {"A": api_key("a"), "B": api_key("b"), "slow": api_key("s"), "quota": api_key("q"), "few": api_key("f")}


def _keys(tmp_path_factory) -> KeyStore:
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": [
        {"key": KEYS["A"], "name": "A"}, {"key": KEYS["B"], "name": "B"},
        {"key": KEYS["slow"], "name": "slow", "requests_per_minute": 3},
        {"key": KEYS["quota"], "name": "quota", "characters_per_day": 300},
        {"key": KEYS["few"], "name": "few", "requests_per_minute": 2}]}))
    return KeyStore.load(path)


def _auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[name]}"}


@pytest.fixture(scope="module")
def keyed(tiny, tmp_path_factory):
    """A server with keys and small limits (64 KB bodies, 2-second reads), on the extractive preset."""
    settings = ServerSettings(max_body_mb=0.064, read_timeout=2)
    running = Running(create_app(Service(Config(preset="extractive", device="cpu"), settings),
                                 keys=_keys(tmp_path_factory)), settings)
    wait_ready(running.url)
    yield running.url
    running.close()


def _raw(url: str, data: bytes, wait: float = 5.0) -> bytes:
    """Send `data` on a fresh connection; what comes back within `wait` seconds (b"" if it was closed)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        try:
            return sock.recv(65536)
        except TimeoutError:
            return b"<no answer>"


# ------------------------------------------------------------------ hole 2: one article fails its whole batch
def test_an_article_whose_model_is_missing_fails_alone_in_its_batch(tiny):
    """No German->English model here: the German article gets 503 model_unavailable; the English ones that
    shared its batch are answered, in the queue and in one batch request alike."""
    service = Service(Config(language_check="warn",
                             summarizer_model=tiny["bart"], device="cpu", translators={"fr": tiny["en-fr"]}),
                      ServerSettings(batch_wait_ms=1500))
    running = Running(create_app(service))
    try:
        wait_ready(running.url)
        url = running.url + "/v1/summarize"
        bodies = [{"text": ARTICLE.replace("Monday", f"day {i}"), "languages": ["fr"]} for i in range(5)]
        bodies.insert(2, {"text": GERMAN, "languages": ["fr"], "source_language": "de"})
        with concurrent.futures.ThreadPoolExecutor(6) as pool:  # one batch: they arrive within 1.5 s
            answers = list(pool.map(lambda body: httpx.post(url, json=body, timeout=120), bodies))
        assert [a.status_code for a in answers] == [200, 200, 503, 200, 200, 200]
        assert answers[2].json()["error"]["code"] == "model_unavailable" and "opus-mt-de-en" in answers[2].text
        assert max(service.metrics._histograms["summarizer_batch_size"][()][1:-1]) > 0  # batched: 2 or more
        batch = httpx.post(url + "/batch", json={"articles": [
            {"id": "en1", "text": ARTICLE}, {"id": "de", "text": GERMAN, "source_language": "de"},
            {"id": "en2", "text": ARTICLE}]}, timeout=120)
        results = batch.json()["results"]
        assert batch.status_code == 200 and [r["id"] for r in results] == ["en1", "de", "en2"]
        assert results[0]["result"]["summaries"]["en"] and results[2]["result"]["summaries"]["en"]
        assert results[1]["error"]["code"] == "model_unavailable"
    finally:
        running.close()


def test_a_broken_translator_package_fails_only_its_language(tiny, tmp_path):
    """A Japanese translator whose model file is garbage: the article asking for Japanese gets an error for
    Japanese alone, and the article batched with it is answered whole."""
    package = tmp_path / "translate-en_ja-1_0"
    (package / "model").mkdir(parents=True)
    (package / "model" / "model.bin").write_bytes(b"not a CTranslate2 model")
    vocab = json.loads(Path(tiny["en-fr"], "vocab.json").read_text(encoding="utf-8"))
    (package / "model" / "shared_vocabulary.json").write_text(json.dumps(sorted(vocab, key=vocab.get)))
    shutil.copy(Path(tiny["en-fr"], "source.spm"), package / "sentencepiece.model")
    (package / "metadata.json").write_text(json.dumps({"from_code": "en", "to_code": "ja"}))
    config = Config(language_check="warn",
                    summarizer_model=tiny["bart"], device="cpu", translators={"fr": tiny["en-fr"],
                                                                              "ja": str(package)})
    running = Running(create_app(Service(config)))
    try:
        wait_ready(running.url)
        batch = httpx.post(running.url + "/v1/summarize/batch", json={"articles": [
            {"text": ARTICLE, "languages": ["ja"]}, {"text": ARTICLE, "languages": ["fr"]}]}, timeout=120)
        assert batch.status_code == 200, batch.text
        first, second = (r["result"] for r in batch.json()["results"])
        assert "ja" in first["errors"] and "not a readable model" in first["errors"]["ja"]
        assert first["summaries"]["en"] and second["summaries"]["fr"] and not second["errors"]
    finally:
        running.close()


# ------------------------------------------------------------------ hole 3: bodies read whole, before the key
def test_a_body_without_a_key_is_refused_before_it_is_read(keyed):
    headers = b"POST /v1/summarize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    answer = _raw(keyed, headers + b"Content-Length: 1000000000\r\n\r\n{")  # 1 GB promised, never sent
    assert answer.startswith(b"HTTP/1.1 401") and b'"unauthorized"' in answer


def test_a_body_over_the_limit_is_refused_by_its_length_or_as_it_streams(keyed):
    key = f"Authorization: Bearer {KEYS['A']}\r\n".encode()
    headers = b"POST /v1/summarize HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + key
    answer = _raw(keyed, headers + b"Content-Length: 1000000000\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 413") and b'"too_long"' in answer
    text = ARTICLE * 600  # 80 KB, sent in parts with no length given: counted as it comes
    chunks = (part.encode() for part in ('{"text": "', text, '"}'))
    response = httpx.post(keyed + "/v1/summarize", content=chunks, timeout=60,
                          headers={**_auth("A"), "Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_long"


# ------------------------------------------------------------------ hole 4: type-confused fields
@pytest.mark.parametrize("body", [
    b'{"text": "The council met.", "length": []}',
    b'{"text": "The council met.", "preset": []}',
    b'{"text": "The council met.", "preset": {}}',
    b'{"text": "The council met.", "languages": {"fr": 1}}',
    b'{"text": "The council met.", "summary_tokens": 1e400}',
    b'{"text": "The council met.", "summary_tokens": ' + b"9" * 5000 + b"}",  # a huge integer
    b'{"text": "\xff\xfe not UTF-8"}',
    b"[" * 20_000 + b"]" * 20_000,  # deep nesting
    b'{"text": "The council met.", "strict": NaN}',
    b"",
], ids=["length list", "preset list", "preset object", "languages object", "1e400", "huge integer",
        "invalid UTF-8", "deep nesting", "NaN", "empty"])
def test_type_confused_bodies_are_4xx_in_the_documented_form(keyed, capfd, body):
    response = httpx.post(keyed + "/v1/summarize", content=body, timeout=60,
                          headers={**_auth("A"), "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message"} and error["code"] == "invalid_request" and "\n" not in error["message"]
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(("given", "answered"), [(float("nan"), None), ("1e400", None), ("a\ud800b", "a\ufffdb"),
                                                 (10**30, 10**30)])
def test_batch_ids_of_every_kind_are_refused_or_echoed_as_valid_json(keyed, given, answered):
    body = '{"articles": [{"id": ' + (json.dumps(given) if not isinstance(given, float) else "NaN") + \
           ', "text": "The council approved the budget on Monday."}]}'
    if given == "1e400":
        body = body.replace('"1e400"', "1e400")
    response = httpx.post(keyed + "/v1/summarize/batch", content=body.encode(), timeout=60,
                          headers={**_auth("A"), "Content-Type": "application/json"})
    if answered is None:
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    else:
        assert response.status_code == 200 and response.json()["results"][0]["id"] == answered


def test_every_error_of_the_server_has_the_documented_form(keyed):
    codes = []
    for response in (httpx.get(keyed + "/v1/nothing-here", headers=_auth("A")),
                     httpx.delete(keyed + "/v1/summarize", headers=_auth("A")),
                     httpx.post(keyed + "/v1/languages", headers=_auth("A")),
                     httpx.put(keyed + "/health"),
                     httpx.post(keyed + "/v1/summarize", content=b"{", headers={**_auth("A"),
                                                                               "Content-Type": "application/json"})):
        assert 400 <= response.status_code < 500 and set(response.json()) == {"error"}, response.text
        codes.append((response.status_code, response.json()["error"]["code"]))
    assert codes == [(404, "not_found"), (405, "method_not_allowed"), (405, "method_not_allowed"),
                     (405, "method_not_allowed"), (422, "invalid_request")]
    # (with the page mounted at /, too: tests/test_api_limits.py)


# ------------------------------------------------------------------ hole 5: a client that has gone
def test_the_queued_work_of_a_client_that_left_is_dropped(tiny):
    service = Service(tiny_config(tiny), ServerSettings(max_batch=1, batch_wait_ms=1))
    gate, seen = threading.Event(), []
    original = service.runner

    def held(requests, partial, active=None):
        seen.extend(request.text for request in requests)
        gate.wait(60)
        return original(requests, partial, active)

    service.runner = held
    running = Running(create_app(service))
    try:
        wait_ready(running.url)
        url = running.url + "/v1/summarize"
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            first = pool.submit(httpx.post, url, json={"text": "First. " + ARTICLE}, timeout=120)
            until(lambda: seen)
            for name in ("Second. ", "Third. "):  # they wait behind the first, then hang up
                with pytest.raises(httpx.ReadTimeout):
                    httpx.post(url, json={"text": name + ARTICLE}, timeout=httpx.Timeout(5, read=1))
            until(lambda: service.queue_length() == 0)  # dropped as soon as their clients went
            gate.set()
            assert first.result().status_code == 200
        time.sleep(0.5)
        assert seen == ["First. " + ARTICLE]  # the two abandoned articles never reached the models
        assert service.metrics.get("summarizer_abandoned_total") == 2
    finally:
        gate.set()
        running.close()


def test_a_running_request_whose_client_left_stops_between_chunk_rounds(tiny, monkeypatch):
    from summarizer import Summarizer, load_model
    from summarizer.errors import ClientGoneError
    from summarizer.request import Request

    summarizer = Summarizer("default", language_check="warn",
                            summarizer_model=tiny["bart"], device="cpu", translators={"fr": tiny["en-fr"]})
    bart, french = load_model(tiny["bart"], device="cpu"), load_model(tiny["en-fr"], device="cpu")
    calls = {"bart": 0, "fr": 0}
    for name, model in (("bart", bart), ("fr", french)):
        original = model.generate

        def counted(texts, name=name, original=original, **kwargs):
            calls[name] += 1
            return original(texts, **kwargs)

        monkeypatch.setattr(model, "generate", counted)
    long = " ".join(f"The council met for the {n}th time and approved {n} new benches." for n in range(1, 200))
    requests = [Request(text=long, languages=["en", "fr"]), Request(text=ARTICLE, languages=["en", "fr"])]
    results = summarizer.summarize_requests(requests, active=lambda index: index != 0 or calls["bart"] == 0)
    assert isinstance(results[0], ClientGoneError)  # its chunk summaries were not reduced, nor translated
    assert results[1].summaries["fr"]  # its batch-mate was served in full
    assert calls["bart"] == 1 and calls["fr"] == 1  # one round: the long article's reduce round never ran


# ------------------------------------------------------------------ hole 6: one key can fill the queue
def test_one_key_cannot_fill_the_queue_and_keys_take_turns(tiny, tmp_path_factory):
    service = Service(Config(preset="extractive", device="cpu"), ServerSettings(
        max_queue=6, max_queue_per_key=4, max_batch=1, batch_wait_ms=1))
    gate, order = threading.Event(), []
    original = service.runner

    def held(requests, partial, active=None):
        order.extend(request.text.split(".")[0] for request in requests)
        gate.wait(60)
        return original(requests, partial, active)

    service.runner = held
    running = Running(create_app(service, keys=_keys(tmp_path_factory)))
    url = running.url + "/v1/summarize"
    try:
        wait_ready(running.url)

        def batch(names: list[str]):
            return httpx.post(url + "/batch", headers=_auth("A"), timeout=120,
                              json={"articles": [{"text": f"{n}. {ARTICLE}"} for n in names]})

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            first = pool.submit(batch, ["A1", "A2", "A3", "A4"])  # one runs, three wait
            until(lambda: service.queue_length() == 3)
            second = batch(["A5", "A6", "A7"])  # 3 + 3 waiting would be over key A's share of 4
            assert second.status_code == 503 and second.json()["error"]["code"] == "queue_full"
            assert "one key may have 4" in second.json()["error"]["message"]
            other = pool.submit(httpx.post, url, headers=_auth("B"), json={"text": f"B1. {ARTICLE}"}, timeout=120)
            until(lambda: service.queue_length() == 4)
            gate.set()
            assert other.result().status_code == 200 and first.result().status_code == 200
        assert order[:2] == ["A1", "B1"]  # B's article went before A's other three: the keys take turns
    finally:
        gate.set()
        running.close()


def test_each_article_of_a_batch_counts_against_the_rate_limit(keyed):
    response = httpx.post(keyed + "/v1/summarize/batch", headers=_auth("slow"), timeout=60,
                          json={"articles": [{"text": ARTICLE}] * 4})
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
    assert "3 articles per minute (4 asked for)" in response.json()["error"]["message"]


# ------------------------------------------------------------------ hole 7: what counts against a key
def test_a_refused_request_costs_no_characters(keyed):
    text = ARTICLE[:140] + "."
    refused = httpx.post(keyed + "/v1/summarize", headers=_auth("quota"), timeout=60,
                         json={"text": text, "languages": ["xx"]})
    assert refused.status_code == 400
    for _ in range(2):  # 2 x 141 of 300 characters: both fit, as the refused one cost nothing
        assert httpx.post(keyed + "/v1/summarize", headers=_auth("quota"), json={"text": text},
                          timeout=60).status_code == 200
    over = httpx.post(keyed + "/v1/summarize", headers=_auth("quota"), json={"text": text}, timeout=60)
    assert over.status_code == 429 and over.json()["error"]["code"] == "quota_exceeded"


def test_looking_around_needs_a_key_but_costs_nothing(keyed):
    for route in ("/v1/languages", "/v1/models", "/metrics"):
        assert httpx.get(keyed + route).status_code == 401
        assert [httpx.get(keyed + route, headers=_auth("few"), timeout=60).status_code for _ in range(3)] == [200] * 3
    assert [httpx.post(keyed + "/v1/summarize", headers=_auth("few"), json={"text": ARTICLE},
                       timeout=60).status_code for _ in range(3)] == [200, 200, 429]


def test_the_help_says_that_limits_are_kept_in_memory(capsys):
    from summarizer.cli.main import cli

    with pytest.raises(SystemExit):
        cli(["serve", "--help"])
    assert "a restart resets them" in " ".join(capsys.readouterr().out.split())


# ------------------------------------------------------------------ hole 8: a model that cannot be loaded
def test_a_corrupt_summariser_leaves_the_server_ready_and_saying_so(tiny, tmp_path):
    broken = tmp_path / "broken-bart"
    shutil.copytree(tiny["bart"], broken)
    (broken / "model.safetensors").write_bytes(b"\xff" * 8 + b"{not a header")
    service = Service(Config(summarizer_model=str(broken), device="cpu", engine="torch"))
    running = Running(create_app(service))
    try:
        wait_ready(running.url, timeout=60)  # ready: it knows the model is missing, it is not 'loading' for ever
        assert httpx.get(running.url + "/health").json()["missing"] == [str(broken)]
        answer = httpx.post(running.url + "/v1/summarize", json={"text": ARTICLE}, timeout=60)
        assert answer.status_code == 503 and answer.json()["error"]["code"] == "model_unavailable"
        assert "not a readable model" in answer.json()["error"]["message"]
    finally:
        running.close()


# ------------------------------------------------------------------ hole 10: slow clients
def test_a_client_that_sends_its_headers_slowly_is_cut_off(keyed):
    host, port = keyed.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # and never the end of the headers
        started = time.monotonic()
        assert sock.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 15  # after its read timeout (2 s here), not never


def test_a_client_that_sends_its_body_slowly_is_answered_408(keyed):
    headers = f"POST /v1/summarize HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEYS['A']}\r\n" \
              "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    answer = _raw(keyed, headers.encode() + b'{"text": "The', wait=10)  # 13 of 100 bytes, then nothing
    assert answer.startswith(b"HTTP/1.1 408") and b'"too_slow"' in answer
