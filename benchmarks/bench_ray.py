"""Throughput of `summarize batch-ray` with 1 and 2 actors against the local batch path, in one run.

    python benchmarks/bench_ray.py [--articles 24] [--data CNNDM.jsonl] [--json OUT.json]

Random-weight models of the real sizes (distilbart-cnn-12-6 and opus-mt-en-fr,
built by workload.py), articles cut to ~400 words, a 60-token summary
translated into French (40 tokens per piece), beam 4: fixed output lengths, so
every run generates the same tokens. Each approach runs in its own process:

  local     the local CLI's row function (`outputs.summarize_items`) on one Summarizer,
            batches of 8, CTranslate2 using every core
  ray-1     ray_batch.run on a local 2-CPU Ray cluster, 1 actor (2 CPUs reserved)
  ray-2     the same with 2 actors (1 CPU each)

Times include loading the models (once per process or actor) and, for Ray, the
cluster's start; articles per second is articles / that time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUMMARY_TOKENS, TRANSLATION_TOKENS = 60, 40


def child(kind: str, feed: str, models: dict, out: str) -> dict:
    from summarizer import Config, SummarizeOptions
    from summarizer.batch.inputs import collect
    from summarizer.batch.outputs import JsonlWriter, summarize_items
    from summarizer.pipeline.summarizer import Summarizer

    config = Config(summarizer_model=models["bart"], translators={"fr": models["fr"]}, device="cpu",
                    options=SummarizeOptions(languages=["fr"], source_language="en", summary_tokens=SUMMARY_TOKENS,
                                             translation_tokens=TRANSLATION_TOKENS))
    start = time.monotonic()
    if kind == "local":
        summarizer = Summarizer.from_config(config)
        items = collect([feed])
        writer = JsonlWriter(out, overwrite=True)
        for i in range(0, len(items), 8):
            writer.write([outcome.row for outcome in summarize_items(summarizer, items[i:i + 8])])
        writer.close()
        detail = {"threads": "CTranslate2: one per core"}
    else:
        import ray

        from summarizer.batch import on_ray as ray_batch

        actors = int(kind.split("-")[1])
        ray_batch.connect(None, num_cpus=2)
        job = ray_batch.RayBatch(config=config)
        writer = JsonlWriter(out, overwrite=True)
        ray_batch.run([feed], job, writer, actors=actors, cpus_per_actor=2 / actors)
        writer.close()
        ray.shutdown()
        detail = {"cpus_per_actor": 2 / actors}
    seconds = time.monotonic() - start
    rows = [json.loads(line) for line in Path(out).read_text(encoding="utf-8").splitlines()]
    return {"approach": kind, "articles": len(rows), "errors": sum(bool(r["error"] or r["errors"]) for r in rows),
            "seconds": round(seconds, 1), "articles_per_s": round(len(rows) / seconds, 3), **detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--data", help="CNN/DailyMail JSONL with an 'article' field (default: generated text)")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "summarizer-bench"))
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, feed, models, out = args.child
        print(json.dumps(child(kind, feed, json.loads(models), out)))
        return

    sys.path.insert(0, str(HERE))
    from workload import build_models, load_rows

    workdir = Path(args.workdir)
    built = build_models(workdir, [text for pair in load_rows(None, 64) for text in pair])
    models = {"bart": built["bart"], "fr": built["fr"]}
    feed = workdir / "ray-feed.jsonl"
    texts = [" ".join(text.split()[:400]) for text, _ in load_rows(args.data, args.articles)]
    feed.write_text("".join(json.dumps({"id": f"a{i:03d}", "text": t}) + "\n" for i, t in enumerate(texts)),
                    encoding="utf-8")
    env = {**os.environ, "SUMMARIZER_MODELS_DIR": str(workdir / "store"), "HF_HUB_OFFLINE": "1",
           "RAY_DATA_DISABLE_PROGRESS_BARS": "1"}
    results = []
    for kind in ("local", "ray-1", "ray-2"):
        out = workdir / f"ray-bench-{kind}.jsonl"
        run = subprocess.run([sys.executable, __file__, "--child", kind, str(feed), json.dumps(models), str(out)],
                             capture_output=True, text=True, env=env, timeout=3600)
        if run.returncode:
            raise SystemExit(f"{kind} failed:\n{run.stderr[-3000:]}")
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    by = {r["approach"]: r for r in results}
    outputs = {kind: (workdir / f"ray-bench-{kind}.jsonl").read_text(encoding="utf-8") for kind in by}
    report = {
        "machine": f"{os.cpu_count()} CPUs", "articles": args.articles, "data": args.data or "generated text",
        "workload": f"~400-word articles, {SUMMARY_TOKENS}-token summary + French translation "
                    f"({TRANSLATION_TOKENS} tokens per piece), beam 4, random weights of the real sizes",
        "results": results,
        "speedup_2_actors_vs_1": round(by["ray-2"]["articles_per_s"] / by["ray-1"]["articles_per_s"], 2),
        "scaling_efficiency_2_actors": round(by["ray-2"]["articles_per_s"] / (2 * by["ray-1"]["articles_per_s"]), 2),
        "ray_2_vs_local": round(by["ray-2"]["articles_per_s"] / by["local"]["articles_per_s"], 2),
        "same_rows_as_local": {kind: outputs[kind] == outputs["local"] for kind in ("ray-1", "ray-2")},
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
