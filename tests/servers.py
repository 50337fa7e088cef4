"""What the tests that start servers share: a free port, waiting until a server says it is ready, the page on a
background thread, and a real browser to read it with."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import time

import httpx
import pytest


def api_key(seed: str) -> str:
    """A key for a test's key file: 32 hex digits, as varied as a random key's, the same for the same seed."""
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def until(condition, timeout: float = 60) -> None:
    """Wait for `condition()` to hold (polled every 50 ms); fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.05)


def wait_ready(url: str, timeout: float = 120, process: subprocess.Popen | None = None) -> None:
    """Poll `url`/health until it answers 200 (ready: the models are loaded or known to be missing); fail with
    the server's own words if its `process` ends first, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass  # not listening yet
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}: {process.stderr.read()[-3000:]}")
        time.sleep(0.2)
    raise AssertionError(f"{url} was not ready within {timeout} s")


class Running:
    """`app` served on a background thread by the project's own server (its timeouts, its graceful stop)."""

    def __init__(self, app, settings=None):
        import dataclasses
        import threading

        from summarizer.server.run import Server
        from summarizer.server.settings import ServerSettings

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = Server(app, dataclasses.replace(settings or ServerSettings(), port=self.port))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    def close(self) -> None:
        self.server.stop()
        self.thread.join(timeout=30)


@contextlib.contextmanager
def page_server(service, keys=None):
    """The page and the API of `service` on a background thread; yields the URL (ending with /)."""
    from summarizer.server.api import create_app

    running = Running(create_app(service, keys=keys, page=True), service.settings)
    try:
        wait_ready(running.url)
        yield running.url + "/"
    finally:
        running.close()


# ------------------------------------------------- a real browser: Debian's Chromium through Playwright
CHROMIUM = "/usr/bin/chromium"
_chromium_present = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                       reason="Debian chromium is not installed (apt-get install chromium)")


def needs_chromium(test):
    """A test in the browser tier: headless Chromium on a page served here (skipped without Chromium)."""
    return pytest.mark.browser(_chromium_present(test))


@contextlib.contextmanager
def browser_page(url: str, viewport: dict | None = None):
    """A page of Debian's Chromium (headless, no network beyond this machine) at `url`."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        try:
            page = browser.new_page(viewport=viewport or {"width": 1280, "height": 1000})
            page.goto(url)
            yield page
        finally:
            browser.close()


def choose_languages(page, names: list[str]) -> None:
    """Pick `names` (as the dropdown shows them) as the summary languages, instead of the defaults."""
    page.locator('[title="Clear"]').first.click()  # drop the default languages
    for name in names:
        box = page.get_by_label("Summary languages")
        box.click()
        box.fill(name)
        page.get_by_role("option", name=name).first.click()
