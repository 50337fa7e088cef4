"""What the tests that start servers share: a free port, and waiting until a server says it is ready."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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

        from summarizer.config import ServerSettings
        from summarizer.server import Server

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
