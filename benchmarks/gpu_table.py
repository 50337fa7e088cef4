"""The table of benchmarks/gpu_check.sh: naive transformers vs plain CTranslate2 vs the project, per article and
under 32 clients, from the JSON files the check wrote (a missing one says so)."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def read(folder: Path, name: str) -> dict:
    path = folder / name
    return json.loads(path.read_text()) if path.is_file() else {}


def cell(value: float | None, digits: int = 2) -> str:
    return "missing" if value is None else f"{value:.{digits}f}"


def main(folder: Path) -> None:
    pipeline = read(folder, "pipeline.json").get("sections", {})
    on_ct2 = read(folder, "pipeline-ct2.json").get("sections", {}).get("project")
    services = {engine: read(folder, f"service-{engine}.json") for engine in ("auto", "ctranslate2")}
    naive, plain, ours = pipeline.get("naive"), pipeline.get("ct2"), pipeline.get("project")
    articles = read(folder, "pipeline.json").get("workload", {}).get("articles", 32)
    gpu = (folder / "gpu.txt").read_text().strip() if (folder / "gpu.txt").is_file() else "CPU (dry run)"

    def served(engine: str, mode: str) -> str:
        run = services[engine].get(mode, {})
        key = next((k for k in run if k.endswith("_clients")), None)
        if not key:
            return "missing"
        r = run[key]
        return f"{r['answers_per_s']:.2f}/s, p50 {r['latency_s']['p50']:.1f} s ({key.replace('_', ' ')})"

    def per_article(result: dict | None) -> float | None:
        return result["seconds"] / articles if result else None

    def alone(result: dict | None) -> float | None:
        return statistics.median(result["single_article_latency_s"]) if result else None

    print(f"# GPU check: {gpu}\n")
    print(f"{articles} CNN/DM articles of 700 tokens, summary 60 tokens + fr/de/es, every sentence at 24 tokens, "
          "beam 4, random weights of the real sizes (bench_pipeline.py); the server: 120-token articles, en + fr "
          "(bench_service.py).\n")
    print("| approach | one article alone, s | in a batch of all, s per article | server under N clients |")
    print("|---|---|---|---|")
    naive_one = statistics.median(naive["per_article_s"]) if naive else None
    print(f"| naive: transformers float32, one article and language at a time | {cell(naive_one)} | "
          f"{cell(naive_one)} (no batching) | {cell(1 / naive_one if naive_one else None)}/s (one at a time) |")
    print(f"| plain CTranslate2 script ({'float16' if 'cuda' in gpu.lower() or 'nvidia' in gpu.lower() else 'int8'})"
          f" | - | {cell(per_article(plain))} | - |")
    engines = (ours or {}).get("engines", {})
    print(f"| project, default engine ({', '.join(sorted(set(engines.values()))) or '?'}) | {cell(alone(ours))} | "
          f"{cell(per_article(ours))} | batching on: {served('auto', 'batching_on')}; off: "
          f"{served('auto', 'batching_off')} |")
    print(f"| project, engine ctranslate2 | {cell(alone(on_ct2))} | {cell(per_article(on_ct2))} | batching on: "
          f"{served('ctranslate2', 'batching_on')}; off: {served('ctranslate2', 'batching_off')} |")
    real = read(folder, "real.json").get("sections", {}).get("real")
    if real:
        print(f"\nTrained OPUS-MT zh->en, {real['data']}:\n")
        print("| batch | plain CTranslate2 s | project translate() s | speed ratio | chrF plain | chrF project |")
        print("|---|---|---|---|---|---|")
        for row in real["rows"]:
            print(f"| {row['batch']} | {row['plain_s']} | {row['project_s']} | {row['speed_ratio']} | "
                  f"{row['plain']['chrf']} | {row['project']['chrf']} |")
    else:
        print("\nTrained OPUS-MT zh->en: not run (no model or NTREX here; see real.log)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/results/gpu"))
