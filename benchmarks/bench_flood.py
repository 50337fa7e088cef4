"""A flood of the page's event streams against a real keyed server on 127.0.0.1: does /health still answer?

    python benchmarks/bench_flood.py [--streams 20000] [--openers 200] [--seconds 120] [--login] [--json OUT]

Starts `summarize serve` (extractive preset, a key file, the default caps) and opens `--streams` Gradio heartbeat
streams (GET /gradio_api/heartbeat/...) from 127.0.0.2, `--openers` at a time, keeping open every stream the
server keeps open until the end; with `--login` the streams carry the page's login (so the stream caps, not the
login, refuse them). Meanwhile, from 127.0.0.1, /health and a keyed GET /v1/models are timed every 0.2 s, and
the server's resident memory and open files are sampled. Everything stops after `--seconds` at most; every
socket is closed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEY = "f" * 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Watch(threading.Thread):
    """/health and a keyed request timed, the server's memory and open files sampled, every `interval` s."""

    def __init__(self, url: str, pid: int, interval: float = 0.2):
        super().__init__(daemon=True)
        self.url, self.pid, self.interval = url, pid, interval
        self.health, self.keyed, self.failures, self.rss, self.files = [], [], Counter(), [], []
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self.done.wait(self.interval):
                self.rss.append(_rss_mb(self.pid))
                self.files.append(len(os.listdir(f"/proc/{self.pid}/fd")))
                for times, path, headers in ((self.health, "/health", {}),
                                             (self.keyed, "/v1/models", {"Authorization": f"Bearer {KEY}"})):
                    started = time.monotonic()
                    try:
                        status = client.get(self.url + path, headers=headers).status_code
                    except httpx.HTTPError as exc:
                        status = type(exc).__name__
                    if status == 200:
                        times.append((time.monotonic() - started) * 1000)
                    else:
                        self.failures[f"{path} {status}"] += 1


async def flood(port: int, count: int, openers: int, cookie: str, deadline: float) -> tuple[Counter, int]:
    """Open `count` heartbeat streams from 127.0.0.2; the statuses, and how many were held open at once."""
    statuses: Counter = Counter()
    held: list[asyncio.StreamWriter] = []
    gate = asyncio.Semaphore(openers)
    extra = f"Cookie: {cookie}\r\n" if cookie else ""

    async def one() -> None:
        async with gate:
            if time.monotonic() > deadline:
                statuses["not sent (time)"] += 1
                return
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(
                    "127.0.0.1", port, local_addr=("127.0.0.2", 0)), 10)
                writer.write(f"GET /gradio_api/heartbeat/{uuid.uuid4().hex} HTTP/1.1\r\nHost: x\r\n{extra}\r\n"
                             .encode())
                line = await asyncio.wait_for(reader.readline(), 10)
            except (OSError, asyncio.TimeoutError) as exc:
                statuses[type(exc).__name__] += 1
                return
            status = line.split()[1].decode() if line.startswith(b"HTTP/") else "closed"
            statuses[status] += 1
            if status == "200":
                held.append(writer)
            else:
                writer.close()

    await asyncio.gather(*(one() for _ in range(count)))
    most = len(held)
    await asyncio.sleep(max(0.0, min(5.0, deadline - time.monotonic())))  # hold them a moment while watched
    for writer in held:
        writer.close()
    return statuses, most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=20000)
    parser.add_argument("--openers", type=int, default=200, help="streams being opened at once")
    parser.add_argument("--seconds", type=float, default=120, help="the whole run stops after this long")
    parser.add_argument("--login", action="store_true", help="the streams carry the page's login")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the flooder's own sockets
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder) / "keys.json"
        keys.write_text(json.dumps({"keys": [{"key": KEY, "name": "bench"}]}))
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMARIZER_MODELS_DIR": folder}
        server = subprocess.Popen([sys.executable, "-m", "summarizer", "serve", "--preset", "extractive",
                                   "--api-keys", str(keys), "--port", str(port)], cwd=ROOT, env=env,
                                  stderr=subprocess.PIPE, text=True)
        try:
            while True:
                try:
                    if httpx.get(url + "/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
                if server.poll() is not None or time.monotonic() - started > 60:
                    raise SystemExit(f"the server did not start: {server.stderr.read()[-2000:]}")
            cookie = ""
            if args.login:
                answer = httpx.post(url + "/login", data={"username": "bench", "password": KEY})
                cookie = "; ".join(f"{k}={v}" for k, v in answer.cookies.items())
            rss_before = _rss_mb(server.pid)
            watch = Watch(url, server.pid)
            watch.start()
            flood_started = time.monotonic()
            statuses, held = asyncio.run(flood(port, args.streams, args.openers, cookie,
                                               started + args.seconds - 10))
            flood_s = time.monotonic() - flood_started
            watch.done.set()
            watch.join()
            report = {
                "streams": args.streams, "login": args.login, "flood_s": round(flood_s, 1),
                "statuses": dict(statuses), "held_open_at_most": held,
                "server_rss_mb": {"before": round(rss_before, 1), "peak": round(max(watch.rss, default=0), 1)},
                "server_open_files_peak": max(watch.files, default=0),
                "health_ms": _spread(watch.health), "keyed_v1_models_ms": _spread(watch.keyed),
                "watch_failures": dict(watch.failures), "server_alive": server.poll() is None,
                "open_file_limit": {"soft_before": soft, "hard": hard}}
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


def _spread(times: list[float]) -> dict:
    if not times:
        return {"answered": 0}
    ordered = sorted(times)
    return {"answered": len(times), "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max": round(ordered[-1], 1)}


if __name__ == "__main__":
    main()
