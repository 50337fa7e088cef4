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
