"""The page reads no file of the server's, whatever an input names, and its uploads are counted, capped, typed
and deleted once read (issue 27, defects 1 and 7). Called as an attacker would: raw HTTP to /gradio_api/."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import httpx
import pytest

from summarizer import Config
from summarizer.server.keys import KeyStore
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.servers import api_key, page_server

SECRET = "SECRET-7f3a9c-do-not-show"
KEY_A, KEY_B = api_key("a"), api_key("b")
FILE_META = {"_type": "gradio.FileData"}


@contextlib.contextmanager
def _server(root: Path, settings: ServerSettings, keys: KeyStore | None = None):
    """The page and the API with Gradio's upload folder in `root`/gradio."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
        with page_server(Service(Config(preset="extractive", device="cpu"), settings), keys) as url:
            yield url


@pytest.fixture(scope="module")
def open_page(tmp_path_factory):
    """A server without keys; a secret file of the server's beside it."""
    root = tmp_path_factory.mktemp("open")
    secret = root / "secret.txt"
    secret.write_text(f"{SECRET}. {ARTICLE}")
    with _server(root, ServerSettings(max_upload_mb=0.02, max_uploads_mb=0.05)) as url:
        yield url, root, secret


@pytest.fixture(scope="module")
def keyed_page(tmp_path_factory):
    """Two keys: "a" may send 3 requests (and uploads) a minute, "b" 100; each may hold 20 KB of uploads."""
    root = tmp_path_factory.mktemp("keyed")
    (root / "keys.json").write_text(json.dumps({"keys": [{"key": KEY_A, "name": "a", "requests_per_minute": 3},
                                                         {"key": KEY_B, "name": "b", "requests_per_minute": 100}]}))
    settings = ServerSettings(max_upload_mb=0.01, max_uploads_mb_per_key=0.02)
    with _server(root, settings, KeyStore.load(root / "keys.json")) as url:
        yield url, root


def _session(url: str, name: str | None = None, key: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    if name:
        assert client.post("login", data={"username": name, "password": key}).status_code == 200
    return client


def _upload(client: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return client.post("gradio_api/upload", files={"files": (name, data)})


def _summarise(client: httpx.Client, upload, languages=("en",)) -> tuple[int, str]:
    """The page's button through /gradio_api/call: (status, everything the server answered)."""
    response = client.post("gradio_api/call/summarize_page",
                           json={"data": ["", upload, list(languages), "short", "extractive"]})
    if response.status_code != 200:
        return response.status_code, response.text
    events = client.get(f"gradio_api/call/summarize_page/{response.json()['event_id']}")
    return events.status_code, events.text


def _file(path: str) -> dict:
    return {"path": path, "meta": FILE_META}


def _forms(url: str, root: Path, secret: Path) -> dict[str, str]:
    """Ways of naming the secret file (and a file of the working directory) as a path."""
    return {
        "absolute": str(secret),
        "relative": os.path.relpath(secret),
        "dotdot": str(root / "gradio" / ".." / secret.name),
        "dotdot-deep": "../" * 12 + str(secret).lstrip("/"),
        "file-url": secret.as_uri(),
        "url": url + "gradio_api/file=" + str(secret),
        "working-directory": "README.md",
        "missing": "no-such-file.txt",
    }


FORMS = ["absolute", "relative", "dotdot", "dotdot-deep", "file-url", "url", "working-directory", "missing"]


@pytest.mark.parametrize("form", FORMS)
def test_no_page_input_reads_a_file_of_the_servers(open_page, capfd, form):
    """The path in the upload input, in the languages input and in the /summarize endpoint's text: refused in one
    line that names no path; the file is not copied into Gradio's folder; no traceback in the log."""
    url, root, secret = open_page
    path = _forms(url, root, secret)[form]
    client = _session(url)
    answers = [_summarise(client, _file(path)),
               _summarise(client, None, ["en", _file(path)]),
               (lambda r: (r.status_code, r.text))(client.post("gradio_api/call/summarize",
                                                               json={"data": [_file(path), ["en"]]}))]
    for status, text in answers:
        assert SECRET not in text and "multilingual" not in text.lower(), (form, text[:300])
        assert status == 403, (form, status, text[:300])
        message = json.loads(text)["error"]["message"]
        assert message == "Only a file uploaded on this page can be read: upload it again."
        assert os.getcwd() not in text and str(root) not in text and "/tmp" not in text
    copies = [f for f in (root / "gradio").rglob("*") if f.is_file() and SECRET in f.read_text(errors="replace")]
    assert not copies, copies
    assert "Traceback" not in capfd.readouterr().err


MALFORMED = {  # the page's button called with values Gradio would refuse with a traceback in the log
    "a file named by a url alone": (["", {"url": "/x", "meta": FILE_META}, ["en"], "short", "extractive"], 403),
    "a file's meta alone": (["", {"meta": FILE_META}, ["en"], "short", "extractive"], 403),
    "a bare path for the file": (["", "README.md", ["en"], "short", "extractive"], 422),
    "a language that is no choice": (["x", None, [{"x": 1}], "short", "extractive"], 422),
    "a list for the length": (["x", None, ["en"], ["short"], "extractive"], 422),
    "a number for the models": (["x", None, ["en"], "short", 5], 422),
    "an object for the article": ([{"a": 1}, None, ["en"], "short", "extractive"], 422),
    "one value of five": (["x"], 422),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_call_of_the_page_is_refused_in_one_line_without_a_traceback(open_page, capfd, case):
    url, _, _ = open_page
    data, status = MALFORMED[case]
    response = _session(url).post("gradio_api/call/summarize_page", json={"data": data})
    assert response.status_code == status, response.text[:300]
    error = response.json()["error"]
    assert error["code"] == {403: "forbidden_file", 422: "invalid_request"}[status]
    assert "\n" not in error["message"] and "pydantic" not in error["message"]
    assert "Traceback" not in capfd.readouterr().err


def test_an_upload_is_read_by_its_owner_once_then_deleted(keyed_page, capfd):
    url, _ = keyed_page
    owner, other = _session(url, "b", KEY_B), _session(url, "a", KEY_A)
    assert _upload(_session(url), "story.txt", ARTICLE.encode()).status_code == 401  # no login, no upload
    response = _upload(owner, "story.txt", ARTICLE.encode())
    assert response.status_code == 200, response.text
    (path,) = response.json()
    status, text = _summarise(other, _file(path))  # another key cannot name it
    assert status == 403 and "Mayor" not in text
    status, text = _summarise(owner, _file(path))
    assert status == 200 and "Source language" in text and "Mayor Anna Keller" in text, text[-500:]
    assert not Path(path).exists() and not Path(path).parent.exists()  # deleted once read
    status, text = _summarise(owner, _file(path))
    assert "read and deleted" in text and path not in text
    assert "Traceback" not in capfd.readouterr().err


def test_uploads_count_against_the_key_and_its_bytes(keyed_page):
    """Key "a": 3 uploads a minute, the 4th refused before its body is read. Key "b": 20 KB of unread uploads at
    most (10 KB files: the third is refused), room again once one is read."""
    url, _ = keyed_page
    small = _session(url, "a", KEY_A)
    assert [_upload(small, f"{i}.txt", f"{i} {ARTICLE}".encode()).status_code for i in range(4)] == [200] * 3 + [429]
    assert "over its 3 uploads per minute" in _upload(small, "x.txt", b"x").json()["error"]["message"]
    big = _session(url, "b", KEY_B)
    body = (ARTICLE + " ") * 60  # 8,700 bytes: under the 10 KB file limit
    first, second, third = (_upload(big, f"big{i}.txt", f"{i}{body}".encode()) for i in range(3))
    assert first.status_code == second.status_code == 200
    assert third.status_code == 429 and "max_uploads_mb_per_key" in third.json()["error"]["message"]
    assert _summarise(big, _file(first.json()[0]))[0] == 200
    assert _upload(big, "again.txt", body.encode()).status_code == 200


def test_only_article_files_are_accepted_and_a_refused_one_is_deleted(open_page):
    url, root, _ = open_page
    client = _session(url)
    for name in ("tool.exe", "page.php", "archive.zip", "noname"):
        response = _upload(client, name, b"MZ\x90\x00 not an article")
        assert response.status_code == 415 and "only .htm" in response.json()["error"]["message"], response.text
    two = client.post("gradio_api/upload", files=[("files", ("a.txt", b"one")), ("files", ("b.txt", b"two"))])
    assert two.status_code == 400 and "one file at a time" in two.text
    left = [f.name for f in (root / "gradio").rglob("*") if f.is_file()]
    assert not {"tool.exe", "page.php", "archive.zip", "noname", "a.txt", "b.txt"} & set(left), left


def test_the_servers_uploads_are_capped_in_all(open_page):
    """50 KB of unread uploads in all (max_uploads_mb): 20 KB files, the third is refused with 503; reading them
    gives the room back."""
    url, _, _ = open_page
    client = _session(url)
    body = (ARTICLE + " ") * 130  # 18,800 bytes
    answers = [_upload(client, f"all{i}.txt", f"{i}{body}".encode()) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 503], [a.text for a in answers]
    assert "max_uploads_mb" in answers[2].json()["error"]["message"]
    for answer in answers[:2]:
        assert _summarise(client, _file(answer.json()[0]))[0] == 200
    assert _upload(client, "after.txt", body.encode()).status_code == 200


def test_an_upload_not_read_is_deleted_after_a_while(tmp_path):
    """Uploads.keep_s (KEEP_UPLOADS_S, 15 minutes) on its own: at 0 s, the next upload deletes the old one."""
    from summarizer.server.uploads import Uploads

    folder = tmp_path / "gradio" / "abc"
    folder.mkdir(parents=True)
    old = folder / "old.txt"
    old.write_text(ARTICLE)
    uploads = Uploads(ServerSettings(), None, keep_s=0)
    uploads.finish(None, uploads.begin(None, 100), [str(old)], tmp_path / "gradio")
    assert uploads.held() == 4096 and uploads.allows(str(old), None)
    uploads.cancel(None, uploads.begin(None, 100))
    assert not old.exists() and not folder.exists() and uploads.held() == 0 and not uploads.allows(str(old), None)
