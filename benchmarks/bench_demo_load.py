"""Load test of the web demo: many gradio_client requests at once against one server process.

    python benchmarks/bench_demo_load.py [--requests 32] [--burst 48] [--json OUT.json]

Serves demo.py in its own process with random-weight models of the real sizes
(distilbart-cnn-12-6 and opus-mt-en-xx, built by bench_pipeline.py) and its
default queue (2 requests generating at once, 32 waiting), then:

  1. one request, to load the models;
  2. `--requests` requests at once: every one must be answered;
  3. `--burst` requests at once (more than the queue holds): each is answered
     or told that the queue is full;
  4. one more request: the server still serves.

Generated lengths are cut short (a 24-token summary, so a translation of at most
58 tokens) so that a request takes seconds, not the ~15 s that random weights take
when they never stop before the real 142-token limit: this measures queueing and
memory, not model speed (bench_pipeline.py does that).

The server's resident memory is sampled every 0.1 s throughout: with models shared
between requests it rises when the models load and then stays flat.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARTICLE = ("The city council of Riverton approved a budget of 4.7 million dollars on Monday to rebuild the old "
           "stone bridge over the Elm river. Mayor Anna Keller said the work would start in March and the "
           "bridge would reopen in 2027. Residents had complained for years about closures and long detours. "
           "The plan passed by nine votes to two after a debate that lasted more than four hours.")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RssSampler(threading.Thread):
    """Samples a process's resident memory (MB) every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples = pid, interval, []
        self._stop_event = threading.Event()

    def rss(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.samples.append((time.monotonic(), self.rss()))
            except OSError:
                return
            time.sleep(self.interval)

    def peak(self, since: float = 0.0) -> float:
        return max((mb for t, mb in self.samples if t >= since), default=0.0)

    def stop(self) -> None:
        self._stop_event.set()


SUMMARY_TOKENS = 24


def short_summarizer(folder: str) -> str:
    """A copy of the random-weight summariser whose generation config stops after SUMMARY_TOKENS tokens."""
    import shutil

    short = Path(f"{folder}-len{SUMMARY_TOKENS}")
    if not (short / "config.json").is_file():
        shutil.copytree(folder, short, dirs_exist_ok=True)
        config = json.loads((short / "generation_config.json").read_text())
        config.update(max_length=SUMMARY_TOKENS + 2, min_length=SUMMARY_TOKENS + 2)  # + start and BOS tokens
        (short / "generation_config.json").write_text(json.dumps(config, indent=2))
    return str(short)


def fire(client_url: str, count: int, languages: list[str]) -> dict:
    """`count` requests at once, one client each; latency of each, and what the refused ones were told."""
    from gradio_client import Client

    def one(i: int):
        client = Client(client_url, verbose=False)
        start = time.monotonic()
        try:
            result = client.predict(text=ARTICLE.replace("Monday", f"day {i}"), languages=languages,
                                    api_name="/summarize")
            return ("ok", time.monotonic() - start, sorted(result["summaries"]))
        except Exception as exc:  # what a refused request is told
            return ("refused", time.monotonic() - start, str(exc))

    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        outcomes = list(pool.map(one, range(count)))
    wall = time.monotonic() - start
    answered = [o for o in outcomes if o[0] == "ok"]
    refused = [o for o in outcomes if o[0] == "refused"]
    latencies = sorted(o[1] for o in answered)
    return {
        "requests": count, "answered": len(answered), "refused": len(refused),
        "complete_answers": sum(o[2] == sorted(languages) for o in answered),
        "refusal_messages": sorted({o[2] for o in refused}),
        "refused_within_s": round(max((o[1] for o in refused), default=0.0), 2),
        "wall_s": round(wall, 1),
        "latency_s": {"min": round(latencies[0], 1), "median": round(statistics.median(latencies), 1),
                      "max": round(latencies[-1], 1)} if latencies else None,
        "answers_per_s": round(len(answered) / wall, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=32, help="requests at once that must all be answered")
    parser.add_argument("--burst", type=int, default=48, help="requests at once, more than the queue holds")
    parser.add_argument("--languages", default="en,fr", help="summary languages of each request")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "summarizer-bench"),
                        help="where the random-weight models are built (shared with bench_pipeline.py)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from bench_pipeline import build_models, load_articles

    languages = args.languages.split(",")
    models = build_models(Path(args.workdir), load_articles(None, 64))
    port = _free_port()
    translators = [f"--translator={lang}={models[lang]}" for lang in languages if lang in models]
    command = [sys.executable, str(ROOT / "demo.py"), "--port", str(port), "--device", "cpu",
               "--summarizer-model", short_summarizer(models["bart"]), *translators]
    env = {**os.environ, "SUMMARIZER_MODELS_DIR": str(Path(args.workdir) / "store"), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(server.pid)
    sampler.start()
    url = f"http://127.0.0.1:{port}/"
    report: dict = {"machine": f"{os.cpu_count()} CPUs", "languages": languages,
                    "queue": {"concurrency": 2, "max_size": 32}, "models": "random weights, real sizes: "
                    "distilbart-cnn-12-6 + opus-mt-en-xx (engine auto: CTranslate2 int8 on CPU)",
                    "summary_tokens": SUMMARY_TOKENS}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(2)
        report["rss_mb_idle"] = round(sampler.rss())
        warm = fire(url, 1, languages)
        report["first_request_s"] = warm["latency_s"]["max"] if warm["latency_s"] else None
        report["rss_mb_after_first_request"] = round(sampler.rss())
        mark = time.monotonic()
        report["concurrent"] = fire(url, args.requests, languages)
        report["concurrent"]["rss_mb_peak"] = round(sampler.peak(mark))
        if args.burst:
            mark = time.monotonic()
            report["burst"] = fire(url, args.burst, languages)
            report["burst"]["rss_mb_peak"] = round(sampler.peak(mark))
        after = fire(url, 1, languages)
        report["served_afterwards"] = after["answered"] == 1
        report["rss_mb_end"] = round(sampler.rss())
        report["rss_mb_peak_while_loading_models"] = round(sampler.peak())  # a first CTranslate2 conversion too
        loads = [report[phase]["rss_mb_peak"] for phase in ("concurrent", "burst") if phase in report]
        report["rss_growth_under_load_mb"] = max(loads) - report["rss_mb_after_first_request"]
    finally:
        sampler.stop()
        server.terminate()
        server.wait(30)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
