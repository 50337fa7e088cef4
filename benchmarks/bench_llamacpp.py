"""Speed anchor: the project against llama.cpp on the same GGUF file, side by side in one run.

    python benchmarks/bench_llamacpp.py --gguf FILE --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        --llama-python VENV/bin/python [--articles 8] [--beams 1] [--profile] [--json OUT]

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
    """Runs under llama.cpp's interpreter: one JSON request per line in, one JSON answer per line out. A request
    with "draft": K decodes greedily by prompt lookup, K tokens checked a step (0: one token a step)."""
    from llama_cpp import Llama

    llm = Llama(model_path=gguf, n_ctx=8192, n_threads=threads, n_threads_batch=threads, n_batch=512,
                verbose=False)
    eos = llm.token_eos()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        clock = time.perf_counter()
        if "draft" in request:
            ids, steps = prompt_lookup(llm, request["prompt"], request["tokens"], request["draft"])
            answer = {"tokens": len(ids), "steps": steps, "ids": ids}
        else:
            out = llm.create_completion(prompt=request["prompt"], max_tokens=request["tokens"], temperature=0.0,
                                        logit_bias={eos: -1e9}, stop=[])
            answer = {"tokens": out["usage"]["completion_tokens"], "text": out["choices"][0]["text"][:200]}
        print(json.dumps({"seconds": time.perf_counter() - clock, **answer}), flush=True)


def looked_up(seq: list[int], draft: int) -> list[int]:
    """The `draft` tokens that followed the last earlier occurrence of the last two tokens (else the last one)."""
    for n in (2, 1):
        at = next((j for j in range(len(seq) - n - 1, -1, -1) if seq[j:j + n] == seq[-n:]), None)
        if at is not None:
            return seq[at + n:at + n + draft]
    return []


def lookup_steps(prompt: list[int], written: list[int], draft: int = 10) -> int:
    """The steps prompt lookup would take to write `written` after `prompt` (each keeps the draft tokens that
    match, then one more)."""
    seq, steps, at = list(prompt), 0, 0
    while at < len(written):
        guess = looked_up(seq, draft)
        kept = 0
        while kept < len(guess) and at + kept < len(written) and guess[kept] == written[at + kept]:
            kept += 1
        seq += written[at:at + kept + 1]
        at += kept + 1
        steps += 1
    return steps


def prompt_lookup(llm, prompt: list[int], tokens: int, draft: int) -> tuple[list[int], int]:
    """Greedy decoding by prompt lookup (Saxena 2023): the `draft` tokens that followed the last occurrence of
    the text's last two tokens (else its last one) are checked in one batch with the next token, and those the
    model would have written are kept; the rest leave the cache. The same tokens as one a step, fewer steps."""
    import numpy as np

    vocab, ctx, batch = llm.n_vocab(), llm._ctx, llm._batch
    llm.reset()  # the binding's own record of what its cache holds: nothing it can reuse after this
    ctx.kv_cache_seq_rm(-1, 0, -1)
    for start in range(0, len(prompt), llm.n_batch):
        piece = prompt[start:start + llm.n_batch]
        batch.set_batch(batch=piece, n_past=start, logits_all=False)
        ctx.decode(batch)
    seq = [*prompt, int(np.ctypeslib.as_array(ctx.get_logits_ith(len(piece) - 1), shape=(vocab,)).argmax())]
    steps = 0
    while len(seq) - len(prompt) < tokens:
        guess = looked_up(seq, draft)[:tokens - (len(seq) - len(prompt)) - 1]
        past = len(seq) - 1
        batch.set_batch(batch=[seq[-1], *guess], n_past=past, logits_all=True)
        ctx.decode(batch)
        best = np.ctypeslib.as_array(ctx.get_logits(), shape=(len(guess) + 1, vocab)).argmax(1)
        kept = 0
        while kept < len(guess) and best[kept] == guess[kept]:
            kept += 1
        seq += [*guess[:kept], int(best[kept])]
        ctx.kv_cache_seq_rm(-1, past + 1 + kept, -1)
        steps += 1
    return seq[len(prompt):len(prompt) + tokens], steps


class Llama:
    def __init__(self, python: str, gguf: str, threads: int):
        self.process = subprocess.Popen([python, __file__, "--worker", "--gguf", gguf, "--threads", str(threads)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert json.loads(self.process.stdout.readline())["ready"]

    def __call__(self, prompt: list[int], tokens: int, **more) -> dict:
        self.process.stdin.write(json.dumps({"prompt": prompt, "tokens": tokens, **more}) + "\n")
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
    parser.add_argument("--profile", action="store_true",
                        help="where each engine's time goes (reading the prompt, each generated token) and what "
                             "decoding by prompt lookup saves llama.cpp, instead of the per-article comparison")
    parser.add_argument("--worker", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args.gguf, args.threads)
        return

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from summarizer import Summarizer
    from summarizer.models.base import generated_tokens
    from summarizer.text.extractive import SENTENCES_FOR_LENGTH
    from summarizer.text.splitting import clean_text

    if args.beams:  # like for like with llama.cpp's greedy decoding
        from summarizer.models.instruct import InstructModel

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
    if args.profile:
        profile(model, llama, articles, args)
        return
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


def profile(model, llama: Llama, articles: list[str], args) -> None:
    """Per article, each engine alone on the project's own prompt: reading it (1 token written), then reading it
    and writing `TOKENS` tokens greedily (CTranslate2 held to that length; llama.cpp by the loop of
    `prompt_lookup` with no draft, which ignores the end token); and llama.cpp writing the same by prompt lookup
    (10 draft tokens a step), checked to give the very tokens of one a step."""
    rows = []
    for text in articles:
        prompt = model.prompt(model._fit(text), "en", 3)
        row = {"prompt_tokens": len(prompt)}
        clock = time.perf_counter()
        model.engine.run([prompt], {"num_beams": 1, "max_new_tokens": 1})
        row["project_read_s"] = time.perf_counter() - clock
        clock = time.perf_counter()
        run = model.engine.run([prompt], {"num_beams": 1, "max_new_tokens": TOKENS, "min_new_tokens": TOKENS})[0]
        row["project_greedy_s"] = time.perf_counter() - clock
        row["project_lookup_steps"] = lookup_steps(prompt, list(run.ids))  # what prompt lookup would take it
        row["llama_read_s"] = llama(prompt, 1)["seconds"]  # a new prompt: nothing of it is in llama.cpp's cache
        plain, lookup = llama(prompt, TOKENS, draft=0), llama(prompt, TOKENS, draft=10)  # both clear the cache
        row.update(llama_greedy_s=plain["seconds"], llama_lookup_s=lookup["seconds"], lookup_steps=lookup["steps"],
                   same_tokens=plain["ids"] == lookup["ids"])
        rows.append(row)
        print(json.dumps(row), flush=True)
    mean = {key: sum(r[key] for r in rows) / len(rows) for key in rows[0] if key != "same_tokens"}
    for engine in ("project", "llama"):
        mean[f"{engine}_s_per_token"] = (mean[f"{engine}_greedy_s"] - mean[f"{engine}_read_s"]) / (TOKENS - 1)
    out = {"articles": len(rows), "tokens": TOKENS, "engine": model.engine_name, "mean": mean, "rows": rows,
           "same_tokens": sum(r["same_tokens"] for r in rows)}
    print(json.dumps(mean, indent=1), flush=True)
    Path(args.json).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


TOKENS = 100

if __name__ == "__main__":
    main()
