"""Speed anchor: the project against llama.cpp on the same GGUF file, side by side in one run.

    python benchmarks/bench_llamacpp.py --gguf FILE --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        --llama-python VENV/bin/python [--articles 8] [--json OUT]

llama.cpp is what a GGUF user would otherwise pick. Its Python binding has no wheel here: build it from the sdist
in a venv of its own (`pip install --no-binary llama-cpp-python llama-cpp-python`, about 15 minutes on 2 cores)
and pass that venv's python. That interpreter runs this file as a worker (`--worker`), which loads the GGUF file
once with llama.cpp (2 threads, as many as the machine has) and answers one request per line.

Equal work per article: llama.cpp reads the project's own prompt (the same token ids: chat template, instruction
and article) and generates exactly as many tokens as the project did for that article (its end token suppressed
until then), greedily; the project summarises the article through `Summarizer.summarize_batch` as a user would
(CTranslate2 int8, its registry's beam search of 2, the language check and the evidence included): more work,
not less. Batch 1: one article per call, for both. Batch 8: the project's call takes 8 articles at once; the
binding serves one sequence at a time, so llama.cpp's batch 8 is the same 8 articles one after another. The
articles alternate between the two engines, so that the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def worker(gguf: str, threads: int) -> None:
    """Runs under llama.cpp's interpreter: one JSON request per line in, one JSON answer per line out."""
    from llama_cpp import Llama

    llm = Llama(model_path=gguf, n_ctx=8192, n_threads=threads, n_threads_batch=threads, n_batch=512,
                verbose=False)
    eos = llm.token_eos()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        clock = time.perf_counter()
        out = llm.create_completion(prompt=request["prompt"], max_tokens=request["tokens"], temperature=0.0,
                                    logit_bias={eos: -1e9}, stop=[])
        seconds = time.perf_counter() - clock
        print(json.dumps({"seconds": seconds, "tokens": out["usage"]["completion_tokens"],
                          "text": out["choices"][0]["text"][:200]}), flush=True)


class Llama:
    def __init__(self, python: str, gguf: str, threads: int):
        self.process = subprocess.Popen([python, __file__, "--worker", "--gguf", gguf, "--threads", str(threads)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline())["ready"]

    def __call__(self, prompt: list[int], tokens: int) -> dict:
        self.process.stdin.write(json.dumps({"prompt": prompt, "tokens": tokens}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--cnndm")
    parser.add_argument("--llama-python")
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--offset", type=int, default=200, help="first CNN/DM test article used")
    parser.add_argument("--json", default=str(RESULTS / "llamacpp.json"))
    parser.add_argument("--beams", type=int, help="the project's beams for summaries (default: its registry's, 2)")
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args.gguf, args.threads)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from summarizer import Summarizer
    from summarizer.extractive import SENTENCES_FOR_LENGTH
    from summarizer.models import generated_tokens
    from summarizer.text import clean_text

    if args.beams:  # like for like with llama.cpp's greedy decoding
        from summarizer.instruct import InstructModel

        settings = InstructModel.generation_settings
        InstructModel.generation_settings = lambda self: {**settings(self), "num_beams": args.beams}
    with open(args.cnndm, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle][args.offset: args.offset + args.articles]
    articles = [clean_text(row["article"]) for row in rows]
    summarizer = Summarizer("default", summarizer_model=args.gguf, device="cpu", evidence=True)
    summarizer.summarize_batch([articles[0][:500]], ["en"], source_language="en")  # loaded and warmed
    model = summarizer.load(args.gguf)
    llama = Llama(args.llama_python, args.gguf, args.threads)
    llama(model.prompt(articles[0][:500], "en", 3), 8)  # warmed
    table: dict[str, dict] = {}
    one = {"project_s": [], "llama_s": [], "tokens": [], "prompt_tokens": []}
    for text in articles:
        before = generated_tokens()
        clock = time.perf_counter()
        summarizer.summarize_batch([text], ["en"], source_language="en")
        one["project_s"].append(time.perf_counter() - clock)
        made = generated_tokens() - before
        prompt = model.prompt(model._fit(text), "en", SENTENCES_FOR_LENGTH["short"])
        answer = llama(prompt, made)
        one["llama_s"].append(answer["seconds"])
        one["tokens"].append(made)
        one["prompt_tokens"].append(len(prompt))
        print(f"batch 1: {len(prompt)} prompt tokens, {made} generated: project {one['project_s'][-1]:.1f} s, "
              f"llama.cpp {answer['seconds']:.1f} s", flush=True)
    table["batch 1"] = {"project_s_per_article": sum(one["project_s"]) / len(articles),
                        "llama_cpp_s_per_article": sum(one["llama_s"]) / len(articles), **one}
    clock = time.perf_counter()
    before = generated_tokens()
    summarizer.summarize_batch(articles, ["en"], source_language="en")
    project8 = (time.perf_counter() - clock) / len(articles)
    made8 = generated_tokens() - before
    llama8 = sum(llama(model.prompt(model._fit(t), "en", 3), n)["seconds"] for t, n in zip(articles, one["tokens"],
                                                                                           strict=True))
    table["batch 8"] = {"project_s_per_article": project8, "llama_cpp_s_per_article": llama8 / len(articles),
                        "project_tokens": made8}
    for name, row in table.items():
        row["speedup"] = row["llama_cpp_s_per_article"] / row["project_s_per_article"]
        print(f"{name}: project {row['project_s_per_article']:.1f} s per article, llama.cpp "
              f"{row['llama_cpp_s_per_article']:.1f} s: the project {row['speedup']:.2f}x", flush=True)
    table["setup"] = {"gguf": Path(args.gguf).name, "articles": len(articles), "threads": args.threads,
                      "engine": model.engine_name, "beams": args.beams or 2}
    Path(args.json).write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
