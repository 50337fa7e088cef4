"""Load test of the server (`summarize serve`): concurrent clients over real HTTP, batching off and on.

    python benchmarks/bench_service.py [--data CNNDM.jsonl] [--clients 32,64] [--rounds 3] [--json OUT.json]

One server process at a time, with random-weight models of the real sizes (distilbart-cnn-12-6 and
opus-mt-en-fr, built by workload.py; CTranslate2 int8). The workload is bench_pipeline.py's (`workload.py`):
each request is a different article (CNN/DailyMail, cut to 120 tokens; generated articles without --data),
summarised at a fixed length of 24 tokens whose text is then the article's reference summary, every sentence of
it translated at 24 tokens: a batch of N requests costs what N real ones would.
For each mode, batching off (`--max-batch 1`: one request at a time) and on (the defaults:
`--max-batch 32`, waiting for company until 10 ms pass without any, 250 ms at most): one request to load
the models, then N clients at once each posting one article to /v1/summarize (English summary and French
translation): answers/s, p50/p95 latency, refusals, the server's peak memory, and whether it serves afterwards.
The ceiling: `Summarizer.summarize_batch` on the same N articles in this process, with the same models and
settings. A batched run is one or two batches, whose time varies by a second or two from run to run on this
machine: those runs (and the ceiling) are repeated `--rounds` times and the median is reported.
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
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import workload  # noqa: E402

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
TRANSLATION_TOKENS = 24
ARTICLE_TOKENS = 120


def exact_lengths() -> None:
    """The server's options, from its flags, with the benchmark's exact output lengths (random weights would stop
    anywhere)."""
    from summarizer import config

    from_flags = config.options_from_args
    config.options_from_args = lambda args: from_flags(args).model_copy(update={
        "summary_tokens": SUMMARY_TOKENS, "translation_tokens": TRANSLATION_TOKENS})


def articles(items: list, count: int) -> list[str]:
    return [item.article for item in items[:count]]


def fire(url: str, texts: list[str]) -> dict:
    """One client per text, each with its own connection made beforehand (as a real client keeps one): all post
    at once (a barrier), so that what is measured is the server, not the clients' start-up on the same CPUs."""
    import httpx

    clients = [httpx.Client(timeout=1800) for _ in texts]
    ready = threading.Barrier(len(texts))

    def one(index: int):
        ready.wait()
        started = time.monotonic()
        try:
            response = clients[index].post(url + "/v1/summarize", json={"text": texts[index], "languages": ["fr"]})
        except httpx.HTTPError as exc:
            return "failed", time.monotonic() - started, str(exc)
        kind = "ok" if response.status_code == 200 else "refused" if response.status_code == 503 else "failed"
        english = response.json().get("summaries", {}).get("en") if kind == "ok" else None
        return kind, time.monotonic() - started, english

    for client in clients:  # connected before the clock starts
        client.get(url + "/health")
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(texts)) as pool:
        outcomes = list(pool.map(one, range(len(texts))))
    for client in clients:
        client.close()
    wall = time.monotonic() - started
    latencies = sorted(o[1] for o in outcomes if o[0] == "ok")
    return {"clients": len(texts), "answered": len(latencies), "refused": sum(o[0] == "refused" for o in outcomes),
            "distinct_summaries": len({o[2] for o in outcomes if o[0] == "ok"}),
            "failed": sum(o[0] == "failed" for o in outcomes), "wall_s": round(wall, 1),
            "answers_per_s": round(len(latencies) / wall, 3),
            "latency_s": {"p50": round(statistics.median(latencies), 1),
                          "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 1),
                          "max": round(latencies[-1], 1)} if latencies else None}


def serve(models: dict, workdir: Path, items: list, max_batch: int, clients: list[int], rounds: int,
          device: str, engine: str) -> dict:
    import httpx

    port = _free_port()
    command = [sys.executable, __file__, "--serve", "--no-page", "--port", str(port), "--device", device,
               "--summarizer-model", models["bart"], "--translator", f"fr={models['fr']}",
               "--max-batch", str(max_batch), "--max-queue", "256", "--engine", engine]
    env = {**os.environ, "SUMMARIZER_MODELS_DIR": str(workdir / "store"), "HF_HUB_OFFLINE": "1",
           "BENCH_ITEMS": str(workdir / "service-items.json")}
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    sampler = RssSampler(server.pid)
    sampler.start()
    url = f"http://127.0.0.1:{port}"
    report: dict = {"max_batch": max_batch}
    try:
        with httpx.Client(transport=httpx.HTTPTransport(retries=30)) as client:  # retries until it listens
            while client.get(url + "/health", timeout=5).status_code != 200:  # 503 while it loads
                time.sleep(1)
        report["first_request"] = fire(url, articles(items, 1))
        report["rss_mb_loaded"] = round(sampler.rss())
        for count in clients:
            mark = time.monotonic()
            runs = sorted((fire(url, articles(items, count)) for _ in range(rounds)), key=lambda run: run["wall_s"])
            report[f"{count}_clients"] = {**runs[len(runs) // 2], "rounds_wall_s": [run["wall_s"] for run in runs],
                                          "rss_mb_peak": round(sampler.peak(mark))}  # the median round
        report["served_afterwards"] = fire(url, articles(items, 1))["answered"] == 1
        metrics = httpx.get(url + "/metrics", timeout=30).text
        report["batch_size_metrics"] = [line for line in metrics.splitlines()
                                        if line.startswith("summarizer_batch_size_")][-2:]
    finally:
        sampler.stop()
        server.terminate()
        server.wait(60)
    return report


def ceiling(models: dict, workdir: Path, items: list, count: int, rounds: int, device: str, engine: str) -> dict:
    """summarize_batch on the same articles in one process: what batching can reach here."""
    os.environ.update(SUMMARIZER_MODELS_DIR=str(workdir / "store"), HF_HUB_OFFLINE="1")
    from summarizer import SummarizeOptions, Summarizer

    workload.install(items)
    options = SummarizeOptions(summary_tokens=SUMMARY_TOKENS, translation_tokens=TRANSLATION_TOKENS)
    summarizer = Summarizer(summarizer_model=models["bart"], translators={"fr": models["fr"]}, device=device,
                            engine=engine, options=options)
    summarizer.summarize(articles(items, 1)[0], ["fr"])  # load
    walls = []
    for _ in range(rounds):
        started = time.monotonic()
        results = summarizer.summarize_batch(articles(items, count), ["fr"])
        walls.append(time.monotonic() - started)
    wall = sorted(walls)[len(walls) // 2]
    return {"articles": count, "complete": sum(set(r.summaries) == {"en", "fr"} for r in results),
            "distinct_summaries": len({r.summaries["en"] for r in results}),
            "rounds_wall_s": [round(w, 1) for w in sorted(walls)],
            "wall_s": round(wall, 1), "articles_per_s": round(count / wall, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(workload.DEFAULT_DATA) if workload.DEFAULT_DATA.is_file() else None,
                        help="CNN/DailyMail JSONL (default: ../shared's, if there; else generated articles)")
    parser.add_argument("--clients", default="32,64", help="concurrent clients, comma-separated")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "summarizer-bench"),
                        help="where the random-weight models are built (shared with bench_pipeline.py)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the batched runs (one batch each: noisy), the median is reported")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--engine", default="auto", help="the server's engine (default: its own choice)")
    parser.add_argument("--tiny", action="store_true", help="tiny models (checks the benchmark, measures nothing)")
    parser.add_argument("--json", default=str(HERE / "results" / "service.json"))
    args = parser.parse_args()
    from transformers import AutoTokenizer

    clients = [int(c) for c in args.clients.split(",")]
    models, workdir = workload.prepare_models(Path(args.workdir), args.data, args.tiny)
    items = workload.make_items(args.data, max(clients), AutoTokenizer.from_pretrained(models["bart"]),
                                ARTICLE_TOKENS)
    workload.save_items(items, workdir / "service-items.json")
    report: dict = {"machine": f"{os.cpu_count()} CPUs", "device": args.device, "engine": args.engine,
                    "models": "random weights, real sizes: distilbart-cnn-12-6 + opus-mt-en-fr, CTranslate2; "
                              f"{ARTICLE_TOKENS}-token articles, {SUMMARY_TOKENS}-token summaries (text: the "
                              f"reference summary), every sentence translated at {TRANSLATION_TOKENS} tokens",
                    "languages": ["en", "fr"], "tiny": args.tiny, "load_before": load()}
    others, started = others_cpu_s(), time.monotonic()
    # batching off: the requests run in a row, one round is an average already
    report["batching_off"] = serve(models, workdir, items, 1, clients, 1, args.device, args.engine)
    print(json.dumps(report["batching_off"]), flush=True)
    report["batching_on"] = serve(models, workdir, items, 32, clients, args.rounds, args.device, args.engine)
    print(json.dumps(report["batching_on"]), flush=True)
    report["summarize_batch"] = {f"{c}_articles": ceiling(models, workdir, items, c, args.rounds, args.device,
                                                         args.engine)
                                 for c in clients}
    for count in clients:
        on = report["batching_on"][f"{count}_clients"]["answers_per_s"]
        off = report["batching_off"][f"{count}_clients"]["answers_per_s"]
        top = report["summarize_batch"][f"{count}_articles"]["articles_per_s"]
        report[f"{count}_clients_ratio_to_summarize_batch"] = round(on / top, 3)
        report[f"{count}_clients_speedup_over_batching_off"] = round(on / off, 2)
    report["load_after"] = load()
    wall = (time.monotonic() - started) * (os.cpu_count() or 1)
    report["others_cpu_share"] = round((others_cpu_s() - others) / wall, 3)  # what other processes took meanwhile
    print(json.dumps(report, indent=2))
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def others_cpu_s() -> float:
    """CPU seconds the machine has used since boot, less this process's and its (finished) servers': the
    difference over the run is what other work took."""
    import resource

    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    ours = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK") - sum(u.ru_utime + u.ru_stime for u in ours)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:  # the server under test: `summarize serve`, each request at its own cost
        workload.install(workload.read_items(os.environ["BENCH_ITEMS"]))
        exact_lengths()
        from summarizer.cli.main import cli

        sys.exit(cli(["serve", *sys.argv[2:]]))
    main()
