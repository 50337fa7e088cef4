"""Decoding settings from measurements: a real, trained translator (OPUS-MT zh->en) on NTREX-128 zho-CN -> eng.

    python benchmarks/bench_translation_real.py --data ../shared/eval/ntrex128 --model DIR [--sentences 300]

DIR is the model folder `python tests/real_models.py OUT` builds (OUT/opus-mt-zh-en). For each engine x precision
(torch float32 / bfloat16, CTranslate2 int8 / int8_float32 / float32) x beam (1, 2, 4, 6) the model
translates the first N NTREX segments (batched, 16 a call, the project's length limit), scored with
chrF and BLEU (sacrebleu) against the English source, with segments per second. Then batch sizes for
the chosen setting, and the project's whole-article path (`Summarizer.translate`: documents split into
sentences, batched, re-joined) against the model on the gold segments, scored per document, with the
naive alternative (a whole document in one input) beside it. The default is the fastest setting within
0.5 chrF of the best. Wall-clock figures are this machine's; the quality figures are not.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

SETTINGS = [("torch", "float32"), ("torch", "bfloat16"), ("ctranslate2", "int8"), ("ctranslate2", "int8_float32"),
            ("ctranslate2", "float32")]
BEAMS = (1, 2, 4, 6)
BATCHES = (1, 4, 16, 64)


def load_ntrex(folder: Path, count: int) -> tuple[list[str], list[str], list[str]]:
    source = (folder / "newstest2019-ref.zho-CN.txt").read_text(encoding="utf-8").splitlines()[:count]
    reference = (folder / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()[:count]
    documents = [line.split("\t")[0] for line in
                 (folder / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()[:count]]
    return source, reference, documents


def scores(hypotheses: list[str], references: list[str]) -> dict:
    from summarizer.cli.evaluate import translation_scores

    result = translation_scores(hypotheses, references, "en")
    return {"chrf": round(result["chrf"], 2), "bleu": round(result["bleu"], 2)}


def translate_segments(model, segments: list[str], beams: int, batch: int) -> tuple[list[str], float]:
    from summarizer.models.engines.base import Decoding
    from summarizer.pipeline.translation import TRANSLATION_LENGTH_RATIO

    model.generate(["预热。"], source="zh", target="en", settings=Decoding(num_beams=beams))  # warm
    started = time.perf_counter()
    outputs = model.generate(segments, source="zh", target="en", settings=Decoding(num_beams=beams), batch_size=batch,
                             length_ratio=TRANSLATION_LENGTH_RATIO)
    return [out.text for out in outputs], time.perf_counter() - started


def grid(model_path: str, source: list[str], reference: list[str]) -> tuple[dict, dict]:
    """Every engine x precision x beam, then batch sizes; the default is the fastest within 0.5 chrF of the best."""
    from summarizer import ModelCache, load_model

    report: dict = {"data": f"NTREX-128 zho-CN -> eng, first {len(source)} segments", "model": model_path,
                    "machine": f"{os.cpu_count()} CPUs", "grid": [], "batches": [], "article_path": {}}
    for engine, precision in SETTINGS:
        model = load_model(model_path, "cpu", engine, precision=precision, cache=ModelCache())
        for beams in BEAMS:
            hypotheses, seconds = translate_segments(model, source, beams, 16)
            row = {"engine": engine, "precision": precision, "beams": beams, "batch": 16,
                   **scores(hypotheses, reference), "segments_per_s": round(len(source) / seconds, 2)}
            report["grid"].append(row)
            print(json.dumps(row), flush=True)
    best = max(row["chrf"] for row in report["grid"])
    eligible = [row for row in report["grid"] if row["chrf"] >= best - 0.5]
    chosen = max(eligible, key=lambda row: row["segments_per_s"])
    report["best_chrf"], report["chosen"] = best, chosen
    print(f"best chrF {best}; chosen (fastest within 0.5): {chosen}", flush=True)
    for engine, precision in {(chosen["engine"], chosen["precision"]), ("torch", "float32")}:
        model = load_model(model_path, "cpu", engine, precision=precision, cache=ModelCache())
        for batch in BATCHES:
            hypotheses, seconds = translate_segments(model, source, chosen["beams"], batch)
            row = {"engine": engine, "precision": precision, "beams": chosen["beams"], "batch": batch,
                   **scores(hypotheses, reference), "segments_per_s": round(len(source) / seconds, 2)}
            report["batches"].append(row)
            print(json.dumps(row), flush=True)
    return report, chosen


def article_path(model_path: str, chosen: dict, source: list[str], reference: list[str],
                 documents: list[str]) -> dict:
    """The project's path on whole documents vs the model on the gold segments, scored per document. A document
    is written as an article is: its headline (the first segment) on a line of its own, then the body."""
    from summarizer import ModelCache, Summarizer, load_model

    order = list(dict.fromkeys(documents))
    by_doc = {doc: [i for i, d in enumerate(documents) if d == doc] for doc in order}
    doc_source = [source[by_doc[doc][0]] + "\n" + " ".join(source[i] for i in by_doc[doc][1:]) for doc in order]
    doc_reference = [" ".join(reference[i] for i in by_doc[doc]) for doc in order]
    model = load_model(model_path, "cpu", chosen["engine"], precision=chosen["precision"], cache=ModelCache())
    gold, _ = translate_segments(model, source, chosen["beams"], 16)
    gold_docs = [" ".join(gold[i] for i in by_doc[doc]) for doc in order]
    naive, _ = translate_segments(model, doc_source, chosen["beams"], 16)
    summarizer = Summarizer("extractive", translators={"en": model_path}, device="cpu", engine=chosen["engine"],
                            precision=chosen["precision"], batch_size=16, cache=ModelCache())
    summarizer.translate(["预热。"], "en", "zh")
    started = time.perf_counter()
    project = summarizer.translate(doc_source, "en", "zh")
    seconds = time.perf_counter() - started
    return {"documents": len(order), "beams": chosen["beams"],
            "model_on_gold_segments": scores(gold_docs, doc_reference),
            "project_split_batch_rejoin": {**scores(project, doc_reference), "seconds": round(seconds, 1)},
            "whole_document_in_one_input": scores(naive, doc_reference),
            "project_minus_gold_chrf_95ci": bootstrap(project, gold_docs, doc_reference)}


def bootstrap(a: list[str], b: list[str], references: list[str], rounds: int = 1000) -> list[float]:
    """95% interval of chrF(a) - chrF(b), documents resampled with replacement (paired)."""
    import random

    from sacrebleu.metrics import CHRF

    rng, chrf, n = random.Random(0), CHRF(), len(references)
    diffs = []
    for _ in range(rounds):
        pick = [rng.randrange(n) for _ in range(n)]
        refs = [[references[i] for i in pick]]
        diffs.append(chrf.corpus_score([a[i] for i in pick], refs).score
                     - chrf.corpus_score([b[i] for i in pick], refs).score)
    diffs.sort()
    return [round(diffs[int(0.025 * rounds)], 2), round(diffs[int(0.975 * rounds)], 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the NTREX-128 folder")
    parser.add_argument("--model", required=True, help="the OPUS-MT zh-en transformers folder")
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--store", default="/tmp/bench-translation-store", help="model store for conversions")
    parser.add_argument("--json", default=str(HERE / "results" / "translation_real.json"))
    parser.add_argument("--article-only", action="store_true",
                        help="only the whole-article comparison, with the setting chosen in --json")
    args = parser.parse_args()
    os.environ["SUMMARIZER_MODELS_DIR"] = args.store
    os.environ["HF_HUB_OFFLINE"] = "1"
    source, reference, documents = load_ntrex(Path(args.data), args.sentences)
    if args.article_only:
        report = json.loads(Path(args.json).read_text(encoding="utf-8"))
    else:
        report, _ = grid(args.model, source, reference)
    report["article_path"] = article_path(args.model, report["chosen"], source, reference, documents)
    print(json.dumps(report["article_path"]), flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")



HELD_OUT = 300  # the first 300 segments chose the decoding settings above; these follow them


def plain_translate(translator, tokenizer, segments: list[str], batch: int) -> list[str]:
    """The plain CTranslate2 way: each segment tokenised whole, one translate_batch call, decoded."""
    tokens = [tokenizer.convert_ids_to_tokens(ids) for ids in tokenizer(segments)["input_ids"]]
    results = translator.translate_batch(tokens, beam_size=4, max_batch_size=batch)
    return [tokenizer.decode(tokenizer.convert_tokens_to_ids(r.hypotheses[0]), skip_special_tokens=True)
            for r in results]


def project_vs_plain(model_path: str, folder: Path, count: int, store: str, batches=(8, 32),
                     device: str = "cpu") -> dict:
    """`Summarizer.translate` (split into sentences, each once, batched by length, re-joined) against the plain
    CTranslate2 model on the same held-out NTREX segments (int8 on CPU with one thread per core, float16 on
    CUDA; beam 4): seconds and chrF at each batch size. The project's default batch size is Config's."""
    import ctranslate2
    from transformers import AutoTokenizer

    from summarizer import Config, ModelCache, Summarizer
    from summarizer.models.conversion import converted_path
    from summarizer.models.store import models_dir

    os.environ["SUMMARIZER_MODELS_DIR"] = store
    source, reference, _ = load_ntrex(folder, HELD_OUT + count)
    source, reference = source[HELD_OUT:], reference[HELD_OUT:]
    default = Config().batch_size
    report: dict = {"data": f"NTREX-128 zho-CN -> eng, segments {HELD_OUT + 1}-{HELD_OUT + len(source)}",
                    "model": model_path, "device": device, "default_batch_size": default, "rows": []}
    cache, precision = ModelCache(), "float16" if device.startswith("cuda") else "int8"
    project = Summarizer("extractive", translators={"en": model_path}, device=device, engine="ctranslate2",
                         precision=precision, cache=cache)
    project.translate(["预热。"], "en", "zh")  # loads (and converts, once)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    path = converted_path(model_path, str(Path(model_path).expanduser()), None, precision, models_dir())
    plain = ctranslate2.Translator(str(path), device="cuda" if device.startswith("cuda") else "cpu",
                                   compute_type=precision, intra_threads=os.cpu_count() or 1)
    plain_translate(plain, tokenizer, ["预热。"], 16)
    for batch in sorted({*batches, default}):
        started = time.perf_counter()
        theirs = plain_translate(plain, tokenizer, source, batch)
        plain_s = time.perf_counter() - started
        ours_model = Summarizer("extractive", translators={"en": model_path}, device=device, engine="ctranslate2",
                                precision=precision, batch_size=batch, cache=cache)
        started = time.perf_counter()
        ours = ours_model.translate(source, "en", "zh")
        project_s = time.perf_counter() - started
        same = sum(a == b for a, b in zip(ours, theirs, strict=True))
        row = {"batch": batch, "plain_s": round(plain_s, 2), "project_s": round(project_s, 2),
               "speed_ratio": round(plain_s / project_s, 3), "plain": scores(theirs, reference),
               "project": scores(ours, reference), "same_output": same}
        report["rows"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    return report


def show_project_vs_plain(report: dict) -> None:
    print(f"{report['data']}; project's default batch size {report['default_batch_size']}")
    print(f"{'batch':>5}{'plain s':>9}{'project s':>11}{'ratio':>7}{'plain chrF':>12}{'project chrF':>14}"
          f"{'same':>6}")
    for row in report["rows"]:
        print(f"{row['batch']:>5}{row['plain_s']:>9.1f}{row['project_s']:>11.1f}{row['speed_ratio']:>7.2f}"
              f"{row['plain']['chrf']:>12.2f}{row['project']['chrf']:>14.2f}{row['same_output']:>6}")


if __name__ == "__main__":
    main()
