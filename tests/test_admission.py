"""Floods of connections and of the page's event streams, and key guessing (admission.py), against a real
server with small caps. Each client is its own loopback address (127.0.0.N), as separate machines would be."""

from __future__ import annotations

import contextlib
import json
import socket
import uuid

import httpx
import pytest

from summarizer import Config
from summarizer.errors import InputError
from summarizer.server.api import create_app
from summarizer.server.keys import KeyStore
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.servers import Running, api_key, until, wait_ready

KEY = api_key("k")
CAPS = ServerSettings(max_streams_per_client=20, max_streams=30, max_connections_per_client=40,
                      max_connections=500, max_auth_failures=5, read_timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The page and the API with keys and small caps, on the extractive preset."""
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": KEY, "name": "newsroom"}]}))
    running = Running(create_app(Service(Config(preset="extractive", device="cpu"), CAPS),
                                 keys=KeyStore.load(path), page=True), CAPS)
    wait_ready(running.url)
    yield running.url
    running.close()


def _client(source: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30)


def _connect(url: str, source: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30, source_address=(source, 0))
    return sock


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    """The status of what the server sent first, and what came with it (all of it, for a refusal)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        return 0, data
    status = int(head.split()[1])
    if status != 200:
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(
            b"content-length")))
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return status, head + b"\r\n\r\n" + rest


def _stream(url: str, source: str, cookie: str = "") -> tuple[socket.socket, int, bytes]:
    """A page heartbeat stream (an event stream held open) from `source`: the socket, its status and answer."""
    sock = _connect(url, source)
    sock.sendall(f"GET /gradio_api/heartbeat/{uuid.uuid4().hex} HTTP/1.1\r\nHost: x\r\n"
                 f"{'Cookie: ' + cookie + chr(13) + chr(10) if cookie else ''}\r\n".encode())
    status, data = _answer(sock)
    return sock, status, data


def _error(data: bytes) -> dict:
    return json.loads(data.partition(b"\r\n\r\n")[2])["error"]


def _login(url: str, source: str, password: str = KEY) -> httpx.Response:
    with _client(source) as client:
        return client.post(url + "/login", data={"username": "newsroom", "password": password})


def _cookie(url: str, source: str) -> str:
    answer = _login(url, source)
    assert answer.status_code == 200, answer.text
    return "; ".join(f"{name}={value}" for name, value in answer.cookies.items())


def _keyed_requests_answer(url: str) -> None:
    """/health and keyed API requests (from yet another address) answer while the caps hold."""
    with _client("127.0.0.1") as client:
        assert client.get(url + "/health").status_code == 200
        auth = {"Authorization": f"Bearer {KEY}"}
        assert client.get(url + "/v1/models", headers=auth).status_code == 200
        answer = client.post(url + "/v1/summarize", json={"text": ARTICLE, "languages": ["en"]}, headers=auth)
        assert answer.status_code == 200, answer.text


# ----------------------------------------------------------- defect 4: a flood of streams takes the server down
def test_a_page_stream_without_the_pages_login_is_refused_on_a_keyed_server(server):
    sock, status, data = _stream(server, "127.0.0.2")
    sock.close()
    assert status == 401, data[:300]
    assert _error(data)["code"] == "unauthorized"


def test_streams_over_the_caps_are_refused_while_health_and_keyed_requests_answer(server):
    held = []
    try:
        cookie = _cookie(server, "127.0.0.3")
        for _ in range(CAPS.max_streams_per_client):
            sock, status, data = _stream(server, "127.0.0.3", cookie)
            held.append(sock)
            assert status == 200, data[:300]
        sock, status, data = _stream(server, "127.0.0.3", cookie)  # one more from the same address
        sock.close()
        assert status == 429, data[:300]
        assert _error(data)["code"] == "too_many_streams" and b"retry-after" in data.lower()
        _keyed_requests_answer(server)

        other = _cookie(server, "127.0.0.4")  # a second address fills the total
        for _ in range(CAPS.max_streams - CAPS.max_streams_per_client):
            sock, status, data = _stream(server, "127.0.0.4", other)
            held.append(sock)
            assert status == 200, data[:300]
        sock, status, data = _stream(server, "127.0.0.4", other)
        sock.close()
        assert status == 503, data[:300]
        assert _error(data)["code"] == "server_busy"
        _keyed_requests_answer(server)
    finally:
        for sock in held:
            sock.close()

    def reopens() -> bool:
        sock, status, _ = _stream(server, "127.0.0.3", cookie)
        sock.close()
        return status == 200

    until(reopens)  # closed streams give their room back


def test_connections_over_the_per_address_cap_are_answered_and_closed(server):
    with contextlib.ExitStack() as stack:
        idle = [stack.enter_context(_connect(server, "127.0.0.5")) for _ in range(CAPS.max_connections_per_client)]
        assert len(idle) == CAPS.max_connections_per_client
        with _connect(server, "127.0.0.5") as sock:
            status, data = _answer(sock)
        assert status == 429, data[:300]
        assert _error(data)["code"] == "too_many_streams"
        _keyed_requests_answer(server)


# ----------------------------------------------------------- defect 8: no throttling of key and login guessing
def test_repeated_wrong_keys_lock_the_address_out_without_checking_the_key(server):
    with _client("127.0.0.6") as client:
        for n in range(CAPS.max_auth_failures):
            answer = client.get(server + "/v1/models", headers={"Authorization": f"Bearer wrong-{n}"})
            assert answer.status_code == 401
        answer = client.get(server + "/v1/models", headers={"Authorization": f"Bearer {KEY}"})  # even the right one
    assert answer.status_code == 429, answer.text
    assert answer.json()["error"]["code"] == "too_many_failures"
    assert 0 < int(answer.headers["Retry-After"]) <= CAPS.auth_failure_window + 1
    with _client("127.0.0.7") as client:  # another address is not locked out
        assert client.get(server + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_repeated_wrong_logins_lock_the_address_out(server):
    for n in range(CAPS.max_auth_failures):
        assert _login(server, "127.0.0.8", f"wrong-{n}").status_code == 400
    answer = _login(server, "127.0.0.8")  # the right password: not checked
    assert answer.status_code == 429, answer.text
    assert answer.json()["error"]["code"] == "too_many_failures" and "Retry-After" in answer.headers
    assert _login(server, "127.0.0.9").status_code == 200


def test_successful_keys_and_logins_are_never_slowed(server):
    with _client("127.0.0.10") as client:
        for _ in range(4 * CAPS.max_auth_failures):
            assert client.get(server + "/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    for _ in range(2 * CAPS.max_auth_failures):
        assert _login(server, "127.0.0.10").status_code == 200


@pytest.mark.parametrize(("key", "problem"), [
    (api_key("x")[:21], "too short"), ("Kq2v-ZpR8sLw_3NtYe7bHc", None),  # base64url: 6 bits a character
    (api_key("h")[:31], "too short"), (api_key("h"), None),  # hex: 4 bits
    ("7394018265" * 3 + "73940182", "too short"), ("739401826573940182659302748165039274815", None),  # digits
    ("short-but-16-chr", "too short"),  # what was accepted before: 96 bits at most
    ("a" * 36, "repeats"), ("!" * 22, "repeats"), ("ab" * 20, "repeats"),  # long enough, one or two characters
    ("Ä" * 22, "printable ASCII"), (" " + api_key("p") + " ", "printable ASCII"), (10 ** 41, "not a JSON string"),
])
def test_a_weak_key_is_refused_by_its_name_and_why(tmp_path, key, problem):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": api_key("g"), "name": "good"}, {"key": key, "name": "desk"}]}))
    if problem is None:
        assert KeyStore.load(path).named("desk") is not None
        return
    with pytest.raises(InputError) as error:
        KeyStore.load(path)
    assert "'desk'" in str(error.value) and problem in str(error.value) and str(key).strip() not in str(error.value)
    assert "'good'" not in str(error.value)


def test_a_refused_connection_is_answered_and_counted_like_any_error():
    from summarizer.errors import BusyError
    from summarizer.server.answers import raw_response
    from summarizer.server.metrics import Metrics

    metrics = Metrics()
    raw = raw_response(BusyError("Too many connections."), metrics=metrics, retry_after=7)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and b"retry-after: " in head.lower()
    assert b"connection: close" in head.lower() and f"content-length: {len(body)}".encode() in head.lower()
    assert json.loads(body)["error"]["code"] == BusyError.code
    assert f'summarizer_errors_total{{code="{BusyError.code}"}} 1' in metrics.render()
