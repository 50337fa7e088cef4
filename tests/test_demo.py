"""The web page on tiny models: gradio_client calls, 16 at once, keys and their limits, and a real browser."""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import tempfile
import time
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from summarizer import Config
from summarizer.server.api import create_app
from summarizer.server.keys import KeyStore
from summarizer.server.page import render, upload_text
from summarizer.server.service import Service
from summarizer.server.settings import ServerSettings
from tests.articles import COUNCIL as ARTICLE
from tests.awkward import FILES, LANGUAGE_LISTS, TEXTS, check_outcome
from tests.configs import tiny_config
from tests.servers import Running, api_key, browser_page, choose_languages, needs_chromium, page_server, wait_ready

PAGE_LANGUAGES = ("fr", "pl", "ja", "en", "ar")  # the page's tests write these
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


UPLOAD_LIMIT = ServerSettings().max_upload_bytes


@pytest.fixture(scope="module")
def tiny_service(tiny):
    return Service(tiny_config(tiny, PAGE_LANGUAGES))


@pytest.fixture(scope="module")
def server(tiny_service):
    with page_server(tiny_service) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def test_summarize_endpoint_returns_the_summary_dict(client, tiny):
    result = client.predict(text=ARTICLE, languages=["en", "fr", "ja"], api_name="/summarize")
    assert list(result["summaries"]) == ["en", "fr", "ja"]
    assert result["source_language"] == "en" and result["models"]["fr"] == [tiny["bart"], tiny["en-fr"]]
    assert set(result) >= {"summaries", "models", "chunks", "warnings", "timings", "language_warnings"}


def test_optional_parameters_have_defaults_and_can_be_given(client):
    result = client.predict(text=ARTICLE, languages=["fr"], length="long", preset="default", source_language="en",
                            api_name="/summarize")
    assert result["language_confidence"] is None and list(result["summaries"]) == ["fr"]


@pytest.mark.parametrize(("text", "languages", "message"), [
    ("   ", ["en"], "empty"),
    (ARTICLE, ["xx"], "'xx' is not a known language. Supported: "),
    (ARTICLE, [], "No target language"),
])
def test_user_errors_come_back_as_clear_messages(client, text, languages, message):
    with pytest.raises(AppError, match=message):
        client.predict(text=text, languages=languages, api_name="/summarize")


def test_a_missing_model_falls_back_to_extractive_and_names_the_download_command(tiny):
    # the real summariser is not here; the fallback is the server's choice (its flags turn it on)
    service = Service(Config(language_check="warn",
                             translators={"fr": tiny["en-fr"]}, device="cpu", extractive_fallback=True))
    with page_server(service) as url:
        result = Client(url, verbose=False).predict(text=ARTICLE, languages=["en", "fr", "de"], api_name="/summarize")
    assert result["warnings"][0].startswith("ABSTRACTIVE SUMMARISER UNAVAILABLE")
    assert "summarize download --model distilbart-cnn-12-6" in result["warnings"][0]
    assert result["models"]["en"] == ["extractive"] and result["summaries"]["en"].startswith("The city council")
    assert "summarize download --model opus-mt-en-de" in result["errors"]["de"]
    html = render(result)
    assert 'class="loud"' in html and 'class="summary-error"' in html


def test_sixteen_concurrent_requests_share_the_loaded_models(client, tiny_service):
    client.predict(text=ARTICLE, languages=["en", "fr"], api_name="/summarize")  # warm
    loaded = tiny_service.cache.loads
    texts = [ARTICLE.replace("Monday", f"day {i}") for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(client.predict, text=t, languages=["en", "fr"], api_name="/summarize")
                   for t in texts]
        results = [f.result(timeout=300) for f in futures]
    assert len(results) == 16 and all(set(r["summaries"]) == {"en", "fr"} for r in results)
    assert tiny_service.cache.loads == loaded  # no model loaded again


def test_page_button_returns_status_panels_and_a_json_file_and_leaves_no_file_behind(client):
    """The JSON download is written, handed to Gradio (which keeps its copy in its cache, deleted after an hour)
    and deleted: a summary leaves no file of ours in the temporary folder."""
    before = set(Path(tempfile.gettempdir()).glob("summary-*"))
    status, panels, json_file = client.predict(ARTICLE, None, ["en", "ar"], "short", "default",
                                               api_name="/summarize_page")
    assert "**Source language:** English" in status
    assert 'data-lang="ar"' in panels and 'dir="rtl"' in panels
    assert json.loads(Path(json_file).read_text(encoding="utf-8"))["summaries"]["en"]
    assert set(Path(tempfile.gettempdir()).glob("summary-*")) <= before


def test_the_pages_copies_of_the_json_downloads_are_deleted(tiny, tmp_path, monkeypatch):
    """Gradio's own copy of each download goes too, once it is `keep_files_s` old (an hour by default)."""
    from summarizer.server.page import mount_page

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    service = Service(Config(preset="extractive", device="cpu"))
    app = create_app(service)
    running = Running(mount_page(app, service, keep_files_s=1), service.settings)
    try:
        wait_ready(running.url)
        Client(running.url + "/", verbose=False).predict(ARTICLE, None, ["en"], "short", "extractive",
                                                          api_name="/summarize_page")
        deadline = time.monotonic() + 20
        while list((tmp_path / "gradio").rglob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not list((tmp_path / "gradio").rglob("*.json"))
    finally:
        running.close()


def test_an_open_page_tab_does_not_hold_the_servers_stop(capfd):
    """A tab keeps a heartbeat stream open; stopping (what SIGTERM does) ends it at once, instead of waiting for
    the whole shutdown timeout and then cancelling it with tracebacks (issue 20, hole 10)."""
    import threading

    import httpx

    service = Service(Config(preset="extractive", device="cpu"))
    running = Running(create_app(service, page=True), service.settings)
    wait_ready(running.url)
    beats: list[str] = []

    def tab() -> None:
        with contextlib.suppress(httpx.HTTPError), httpx.stream(
                "GET", running.url + "/gradio_api/heartbeat/tab0123456", timeout=httpx.Timeout(5, read=60)) as stream:
            beats.extend(line for line in stream.iter_lines() if line.startswith("data:"))

    reader = threading.Thread(target=tab)
    reader.start()
    deadline = time.monotonic() + 30
    while not beats and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    running.close()
    reader.join(timeout=30)
    assert beats and not reader.is_alive() and not running.thread.is_alive()
    assert time.monotonic() - started < 10  # the shutdown timeout is 30 s
    assert "Traceback" not in capfd.readouterr().err


def test_render_escapes_html_and_marks_right_to_left():
    result = {"summaries": {"en": "<script>alert(1)</script> & <img src=x onerror=alert(2)>", "ar": "نص"},
              "models": {"en": ["m"], "ar": ["m", "t"]}, "warnings": ["general"],
              "language_warnings": {"ar": ["odd"]}, "faithful": {"en": True, "ar": False}, "errors": {}}
    html = render(result)
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'lang="ar" dir="rtl"' in html and 'lang="en" dir="ltr"' in html
    assert html.count("odd") == 1 and "general" in html  # the Arabic warning sits with the Arabic summary
    assert html.count('class="unfaithful"') == 1


def test_uploads_are_checked_for_type_and_size():
    with pytest.raises(gr.Error, match=r"only .* files"):
        upload_text("photo.png", b"\x89PNG", UPLOAD_LIMIT)
    with pytest.raises(gr.Error, match="upload limit"):
        upload_text("big.txt", b"a" * (UPLOAD_LIMIT + 1), UPLOAD_LIMIT)
    page = f"<html><body><nav>Menu</nav><article><p>{ARTICLE}</p></article></body></html>"
    assert "Mayor Anna Keller" in upload_text("story.html", page.encode(), UPLOAD_LIMIT)


def test_importing_the_page_and_the_demo_loads_no_model_and_builds_nothing():
    import subprocess
    import sys

    code = ("import gc, sys, demo, gradio, summarizer.server.page, summarizer.server.api; "
            "print('torch' in sys.modules, sum(isinstance(o, gradio.Blocks) for o in gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.split()[-2:] == ["False", "0"]  # no model, and no page until a factory builds one


@needs_chromium
def test_in_a_real_browser(server):
    ARTIFACTS.mkdir(exist_ok=True)
    with browser_page(server) as page:
        page.get_by_label("Article").fill(ARTICLE)
        choose_languages(page, ["Français", "Polski"])
        page.get_by_role("button", name="Summarise").click()
        page.wait_for_selector('#status:has-text("Source language:")', timeout=120_000)
        assert page.locator(".summary-panel").count() == 2 and page.locator(".summary-panel.pending").count() == 0
        assert page.locator('.summary-panel[data-lang="fr"] .summary-text').inner_text().strip()
        summaries = page.locator("#summaries").bounding_box()
        article = page.get_by_label("Article").bounding_box()
        assert summaries["x"] > article["x"] + article["width"] / 2  # beside the article, where the eye is
        assert summaries["y"] < 1000  # in sight without scrolling on a laptop-sized window
        page.screenshot(path=str(ARTIFACTS / "demo-summaries.png"), full_page=True)
    assert (ARTIFACTS / "demo-summaries.png").stat().st_size > 10_000


@needs_chromium
def test_each_summary_appears_as_soon_as_it_is_ready(server, tiny, tiny_service, monkeypatch):
    """With three languages and the French translator held, English shows while French is still pending."""
    import threading

    from summarizer import load_model

    french = load_model(tiny["en-fr"], device="cpu", cache=tiny_service.cache)
    original = french.generate
    release = threading.Event()

    def held(texts, **kwargs):
        release.wait(120)  # French is held until the page has been looked at
        return original(texts, **kwargs)

    monkeypatch.setattr(french, "generate", held)
    try:
        with browser_page(server) as page:
            page.get_by_label("Article").fill(ARTICLE)
            choose_languages(page, ["English", "日本語 · Japanese", "Français"])
            started = time.monotonic()
            page.get_by_role("button", name="Summarise").click()
            page.wait_for_selector('.summary-panel[data-lang="en"]:not(.pending)', timeout=120_000)
            first = time.monotonic() - started
            assert page.locator('.summary-panel[data-lang="fr"].pending').count() == 1  # French still being made
            release.set()
            page.wait_for_selector('.summary-panel[data-lang="fr"]:not(.pending)', timeout=120_000)
            last = time.monotonic() - started
    finally:
        release.set()
    assert first < last
    print(f"first panel after {first:.1f} s, last after {last:.1f} s")


# ------------------------------------------------- the bad-input battery through the running demo
GENERIC = "has not enabled verbose error reporting"  # what Gradio says for an exception that is not ours


def _assert_ours(exc: AppError) -> None:
    message = str(exc)
    assert message and GENERIC not in message and "Traceback" not in message


@pytest.mark.parametrize("name", [name for name in TEXTS if name != "lone surrogate"])  # not encodable as JSON
def test_every_awkward_text_gets_its_outcome(client, capfd, name):
    import httpx

    text, outcome = TEXTS[name]
    try:
        result = client.predict(text=text, languages=["en"], preset="extractive", api_name="/summarize")
    except AppError as exc:
        _assert_ours(exc)
        check_outcome(outcome, error=str(exc))
    except httpx.HTTPStatusError as exc:  # a body over the server's limit (10 MB) is refused as it arrives
        assert exc.response.status_code == 413 and len(text.encode()) > ServerSettings().max_body_bytes
    else:
        check_outcome(outcome, language=result["source_language"])
        assert result["summaries"] and all(text.strip() for text in result["summaries"].values())
    assert "Traceback" not in capfd.readouterr().err  # nothing unexpected in the server's log either


@pytest.mark.parametrize("name", FILES)
def test_every_awkward_upload_gets_its_outcome(client, capfd, tmp_path, name):
    file_name, data, outcome = FILES[name]
    path = tmp_path / file_name
    path.write_bytes(data)
    try:
        status, panels, result_file = client.predict("", handle_file(str(path)), ["en"], "short", "extractive",
                                                     api_name="/summarize_page")
    except AppError as exc:
        _assert_ours(exc)
        check_outcome(outcome, error=str(exc))
    except ValueError as exc:  # the client itself refuses a file over the server's upload limit
        assert len(data) > UPLOAD_LIMIT and "exceeds the maximum file size" in str(exc)
    else:
        import json

        check_outcome(outcome, language=json.loads(Path(result_file).read_text(encoding="utf-8"))["source_language"])
        assert "Source language" in status and "summary-text" in panels
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(("languages", "message"), LANGUAGE_LISTS)
def test_language_lists_through_the_demo(client, capfd, languages, message):
    try:
        result = client.predict(text=ARTICLE, languages=languages, preset="extractive", api_name="/summarize")
    except AppError as exc:
        _assert_ours(exc)
        assert isinstance(message, str) and message in str(exc)
    else:
        assert list(result["summaries"]) + list(result["errors"]) == message
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize(("options", "message"), [
    ({"length": "huge"}, "length: Input should be 'short', 'medium' or 'long'"),
    ({"preset": "../../etc/passwd"}, "preset: Input should be 'default'"),
    ({"source_language": "zz"}, "'zz' is not a known language"),
])
def test_absurd_options_through_the_demo(client, options, message):
    with pytest.raises(AppError, match=message):
        client.predict(text=ARTICLE, languages=["en"], api_name="/summarize", **options)


def test_a_lone_surrogate_sent_as_a_json_escape_gets_a_summary(server):
    """A browser's JSON.stringify sends a lone surrogate as "\\ud800": it still gets a summary."""
    import json

    import httpx

    article = ARTICLE.replace("approved", "approved\\ud800")
    body = '{"data": ["' + article + '", ["en"], "short", "extractive", ""]}'
    base = server.rstrip("/") + "/gradio_api/call/summarize"
    event = httpx.post(base, content=body.encode(), headers={"Content-Type": "application/json"}).json()["event_id"]
    stream = httpx.get(f"{base}/{event}", timeout=60).text
    assert "event: complete" in stream
    data = json.loads(stream.split("event: complete\ndata: ", 1)[1].splitlines()[0])
    assert data[0]["summaries"]["en"].strip()  # the tokenizer cannot take a lone surrogate: it was replaced


@needs_chromium
def test_script_and_img_onerror_in_an_article_do_not_run_in_the_page():
    """The extractive engine copies the article's sentences, so the summary holds the markup itself."""
    markup = '<script>window.pwned = "script"; document.title = "pwned"</script> ' \
             '<img src=x onerror="window.pwned = \'img\'; alert(1)">'
    article = f"{ARTICLE} {markup} The bridge will cost 12 million dollars, the mayor said on Tuesday."
    dialogs = []
    with page_server(Service(Config(preset="extractive", device="cpu"))) as server, browser_page(server) as page:
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.get_by_label("Article").fill(article)
        choose_languages(page, ["English"])
        page.get_by_role("button", name="Summarise").click()
        panel = page.locator('.summary-panel[data-lang="en"] .summary-text')
        panel.wait_for(timeout=120_000)
        page.wait_for_timeout(500)  # time for an injected handler to fire, were there one
        assert "<script>" in panel.inner_text() and "onerror=" in panel.inner_text()  # shown as text
        pane = page.locator(".article-text")  # the evidence view's article pane: the markup as text there too
        assert "<script>" in pane.inner_text() and "onerror=" in pane.inner_text()
        assert page.locator("#summaries script, #summaries img").count() == 0
        assert page.evaluate("window.pwned") is None and page.title() != "pwned" and not dialogs
        page.screenshot(path=str(ARTIFACTS / "demo-escaped-markup.png"), full_page=True)


ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", [
    "/etc/passwd", str(ROOT / "demo.py"), str(ROOT / "pyproject.toml"), "../../../../etc/passwd", "demo.py",
    "%2e%2e/%2e%2e/etc/passwd",
])
def test_the_server_serves_no_file_of_its_own(server, path):
    import httpx

    for route in ("/gradio_api/file=", "/file="):
        response = httpx.get(server.rstrip("/") + route + path, timeout=30)
        assert response.status_code in (403, 404), (route, path, response.status_code)
        assert "root:" not in response.text and "[project]" not in response.text


def test_an_upload_over_the_limit_is_refused_by_the_server(server, tmp_path):
    import httpx

    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (UPLOAD_LIMIT + 1))
    with big.open("rb") as handle:
        response = httpx.post(server.rstrip("/") + "/gradio_api/upload", files={"files": handle}, timeout=60)
    assert response.status_code == 413 and "maximum allowed size of 2000000 bytes" in response.text


def test_beyond_the_queue_requests_are_told_it_is_full_and_the_server_keeps_serving(tiny):
    """40 requests at once while generation is held: 2 run (one batch), 32 wait, the rest hear that the queue
    is full; then all of them are answered, by the same models."""
    import threading

    service = Service(tiny_config(tiny, PAGE_LANGUAGES), ServerSettings(max_queue=32, max_batch=2, batch_wait_ms=5000))
    with page_server(service) as url:
        client = Client(url, verbose=False)
        client.predict(text=ARTICLE, languages=["en", "fr"], api_name="/summarize")  # models loaded
        loaded = service.cache.loads
        gate = threading.Event()
        original = service.runner
        service.runner = lambda *args: (gate.wait(120), original(*args))[1]
        count = 2 + 32 + 6

        def submit(i: int):
            return client.submit(text=ARTICLE.replace("Monday", f"day {i}"), languages=["en", "fr"],
                                 api_name="/summarize")

        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            submitted = [submit(0), submit(1)]
            deadline = time.monotonic() + 60
            while not (service.in_flight() == 2 and service.queue_length() == 0):  # one batch, held at the gate
                assert time.monotonic() < deadline, "the first two never reached the worker"
                time.sleep(0.05)
            jobs = [pool.submit(submit, i) for i in range(2, count)]
            submitted += [job.result(timeout=60) for job in jobs]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and sum(j.done() for j in submitted) < 6:
                time.sleep(0.1)  # the refused ones are answered at once
            gate.set()
            answered, refused = [], []
            for job in submitted:
                try:
                    answered.append(job.result(timeout=300))
                except Exception as exc:  # what the client raises for a full queue: checked below
                    refused.append(str(exc))
        assert len(answered) == 2 + 32
        assert all(set(result["summaries"]) == {"en", "fr"} for result in answered)
        assert len(refused) == 6 and all("queue is full" in message.lower() for message in refused), refused
        assert service.cache.loads == loaded  # the same models served everyone
        service.runner = original
        assert client.predict(text=ARTICLE, languages=["fr"], api_name="/summarize")["summaries"]["fr"]


def test_the_page_limits_are_configurable():
    service = Service(Config(preset="extractive", device="cpu", max_chars=50, max_languages=1),
                      ServerSettings(max_upload_mb=0.00001))
    with page_server(service) as url:
        client = Client(url, verbose=False)
        with pytest.raises(AppError, match="limit is 50"):
            client.predict(text=ARTICLE, languages=["en"], api_name="/summarize")
        with pytest.raises(AppError, match="the limit is 1"):
            client.predict(text=ARTICLE[:40], languages=["en", "fr"], api_name="/summarize")
    with pytest.raises(gr.Error, match="over the 10-byte upload limit"):
        upload_text("a.txt", ARTICLE.encode(), service.settings.max_upload_bytes)


# ------------------------------------------------- the page with API keys (issue 20, hole 1)
PAGE_KEY = api_key("p")


@pytest.fixture(scope="module")
def keyed_page(tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    path.write_text(json.dumps({"keys": [{"key": PAGE_KEY, "name": "newsroom", "requests_per_minute": 3,
                                          "characters_per_day": 600}]}))
    with page_server(Service(Config(preset="extractive", device="cpu")), KeyStore.load(path)) as url:
        yield url


def test_the_page_asks_for_a_key_and_its_name(keyed_page):
    with pytest.raises(Exception, match=r"(?i)login|credentials|auth"):
        Client(keyed_page, verbose=False)  # no login
    with pytest.raises(Exception, match=r"(?i)login|credentials|auth"):
        Client(keyed_page, auth=("someone", PAGE_KEY), verbose=False)  # the key, under another name


def test_the_page_and_its_api_routes_keep_the_keys_limits(keyed_page):
    """3 articles a minute: the page's button and its /summarize endpoint count against the same key, as an API
    request would; the fourth is refused."""
    client = Client(keyed_page, auth=("newsroom", PAGE_KEY), verbose=False)
    assert client.predict(text=ARTICLE, languages=["en"], api_name="/summarize")["summaries"]["en"]
    status, _, _ = client.predict(ARTICLE, None, ["en"], "short", "extractive", api_name="/summarize_page")
    assert "Source language" in status
    with pytest.raises(AppError, match="characters per day"):  # 2 x 134 characters so far; this would be 800
        client.predict(text=ARTICLE + " " + "More words here. " * 20, languages=["en"], api_name="/summarize")
    with pytest.raises(AppError, match=r"unsupported|not a known language"):  # refused: costs no characters
        client.predict(text=ARTICLE, languages=["xx"], api_name="/summarize")
    assert client.predict(text=ARTICLE, languages=["en"], api_name="/summarize")["summaries"]["en"]
    with pytest.raises(AppError, match="over its 3 articles per minute"):
        client.predict(text=ARTICLE, languages=["en"], api_name="/summarize")
