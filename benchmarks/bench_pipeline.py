"""Speed of the summarise-and-translate pipeline against a naive transformers loop and a plain CTranslate2 script.

    python benchmarks/bench_pipeline.py [--data CNNDM.jsonl] [--json OUT.json] [--sections naive,ct2,project,...]
    python benchmarks/bench_pipeline.py --quick        # 4 articles, the small version of every section
    python benchmarks/bench_pipeline.py --tiny --quick # tiny models: checks the benchmark itself in a minute

Random-weight models of the real sizes (distilbart-cnn-12-6; opus-mt-en-de, one copy per target language), built
once under --workdir, with tokenizers trained on the data. The workload (`workload.py`): N CNN/DailyMail articles
of 700 tokens, each summarised (60 tokens, beam 4), its reference highlights taking the place of the random
summary, every sentence of that summary translated into fr, de and es (24 tokens each, beam 4).

Sections, each in its own process (so that peak memory is its own), each printed as soon as it is done and added
to --json (a section run again replaces its entry; the file keeps the others):

  naive       one article at a time, one call per language, transformers float32, beam 4 (on every
              --naive-every-th article, 6 of 32: it runs one article at a time, so its time per article is its rate)
  ct2         a plain CTranslate2 script of the same models (int8 on CPU, float16 on CUDA)
  project     summarizer.Summarizer.summarize_batch (default engine), then three articles alone
  profile     where each second goes, the project and the plain script on the same articles (`pipeline_profile.py`)
  scaling     the project on one article of 500 to 8,000 tokens, and on batches of 1, 4 and 16 articles
  beam_cache  the torch engine's beam search with and without the cross-attention reorder (same output)
  real        a trained model: OPUS-MT zh->en on held-out NTREX-128 news, the project's translate() against the
              plain CTranslate2 model on the same segments (speed and chrF); needs --real-model and --ntrex

Each section records its wall time and the 1-minute load average before and after it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import workload  # noqa: E402

SUMMARY_TOKENS = 60
TRANSLATION_TOKENS = 24
ARTICLE_TOKENS = 700
TARGETS = list(workload.TARGETS)
SECTIONS = ("naive", "ct2", "project", "profile", "scaling", "beam_cache", "real")


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def busy_cpu_s() -> float:
    """CPU seconds every process of the machine has used since boot (/proc/stat), and this process's children's:
    their difference over a section is what other work took from it."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    machine = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    own = resource.getrusage(resource.RUSAGE_CHILDREN)
    return machine - own.ru_utime - own.ru_stime


def peak_rss_mb() -> float:
    """This process's own peak resident memory (ru_maxrss would include the parent's, which survives fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tokens(pieces: int, articles: int) -> int:
    return articles * SUMMARY_TOKENS + pieces * TRANSLATION_TOKENS


# ------------------------------------------------------------------------ the three approaches
def run_naive(spec: dict, items: list) -> dict:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    models, device = spec["models"], spec["device"]
    torch.set_num_threads(os.cpu_count() or 2)
    summarizer_tok = AutoTokenizer.from_pretrained(models["bart"])
    summarizer = AutoModelForSeq2SeqLM.from_pretrained(models["bart"]).to(device).eval()
    translators = {t: (AutoTokenizer.from_pretrained(models[t]),
                       AutoModelForSeq2SeqLM.from_pretrained(models[t]).to(device).eval()) for t in TARGETS}
    picked = items[::spec["naive_every"]]
    started, per_article, pieces = time.perf_counter(), [], 0
    with torch.inference_mode():
        for item in picked:
            clock = time.perf_counter()
            enc = summarizer_tok(item.article, return_tensors="pt", truncation=True, max_length=1024).to(device)
            ids = summarizer.generate(**enc, num_beams=4, length_penalty=2.0, no_repeat_ngram_size=3,
                                      min_new_tokens=SUMMARY_TOKENS, max_new_tokens=SUMMARY_TOKENS)
            summarizer_tok.decode(ids[0], skip_special_tokens=True)  # (the workload's summary takes its place)
            sentences = workload.sentences(item.summary)
            for target in TARGETS:
                tok, model = translators[target]
                enc = tok(sentences, return_tensors="pt", padding=True, truncation=True, max_length=512).to(device)
                out = model.generate(**enc, num_beams=4, min_new_tokens=TRANSLATION_TOKENS,
                                     max_new_tokens=TRANSLATION_TOKENS)
                tok.decode(out[0], skip_special_tokens=True)
                pieces += len(sentences)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            per_article.append(time.perf_counter() - clock)
    seconds = time.perf_counter() - started
    return {"articles_run": len(picked), "seconds": seconds, "per_article_s": per_article,
            "translated_pieces": pieces, "generated_tokens": tokens(pieces, len(picked)),
            # one article at a time: the time for all of them is the time per article times their number
            "projected_seconds_all": statistics.mean(per_article) * len(items)}


def plain_copy(spec: dict, name: str) -> Path:
    """The plain script's own CTranslate2 conversion of a model (CTranslate2's converter, as a user runs it)."""
    from summarizer.models.conversion import convert

    compute = "float16" if spec["device"].startswith("cuda") else "int8"
    model = spec["models"][name]
    return convert(model, Path(spec["store"]) / "plain-ct2" / f"{Path(model).name}-{compute}", compute)


def run_ct2(spec: dict, items: list, instrument=None) -> dict:
    """The plain script: one translate_batch for all summaries, then one per language for all sentences.
    `instrument(kind, tokenizer, translator)` may wrap the tokenizers and translators (the profile's clocks)."""
    import ctranslate2
    from transformers import AutoTokenizer

    models, device = spec["models"], spec["device"]
    compute = "float16" if device.startswith("cuda") else "int8"

    def load_one(name, kind):
        # one intra-op thread per core, as the project runs it (CTranslate2's default is 4, more than 2 cores)
        pair = AutoTokenizer.from_pretrained(models[name]), ctranslate2.Translator(
            str(plain_copy(spec, name)), device="cuda" if device.startswith("cuda") else "cpu", compute_type=compute,
            intra_threads=os.cpu_count() or 1)
        return instrument(kind, *pair) if instrument else pair

    summarizer_tok, summarizer = load_one("bart", "summariser")
    translators = {t: load_one(t, "translators") for t in TARGETS}
    started = time.perf_counter()
    sources = [summarizer_tok.convert_ids_to_tokens(ids) for ids in
               summarizer_tok([item.article for item in items], truncation=True, max_length=1024)["input_ids"]]
    results = summarizer.translate_batch(sources, target_prefix=[["<s>"]] * len(sources), beam_size=4,
                                         length_penalty=2.0, no_repeat_ngram_size=3, max_batch_size=8,
                                         min_decoding_length=SUMMARY_TOKENS + 1,
                                         max_decoding_length=SUMMARY_TOKENS + 1)
    summarize_s = time.perf_counter() - started
    for result in results:  # (the workload's summaries take their place)
        summarizer_tok.convert_tokens_to_string(result.hypotheses[0][1:])
    sentences = [sentence for item in items for sentence in workload.sentences(item.summary)]
    for target in TARGETS:
        tok, model = translators[target]
        batch = [tok.convert_ids_to_tokens(ids) for ids in tok(sentences, truncation=True, max_length=512)["input_ids"]]
        out = model.translate_batch(batch, beam_size=4, max_batch_size=16, min_decoding_length=TRANSLATION_TOKENS,
                                    max_decoding_length=TRANSLATION_TOKENS)
        [tok.convert_tokens_to_string(result.hypotheses[0]) for result in out]
    seconds = time.perf_counter() - started
    pieces = len(sentences) * len(TARGETS)
    return {"seconds": seconds, "summarize_s": summarize_s, "translate_s": seconds - summarize_s,
            "translated_pieces": pieces, "generated_tokens": tokens(pieces, len(items))}


def project(spec: dict, batch_size: int | None = None):
    """The project as a user runs it: its defaults, but the benchmark's exact output lengths."""
    from summarizer import Config, SummarizeOptions, Summarizer

    models = spec["models"]
    workload.install(spec["items_list"])
    options = SummarizeOptions(length="medium", summary_tokens=SUMMARY_TOKENS, translation_tokens=TRANSLATION_TOKENS)
    config = Config(summarizer_model=models["bart"], translators={t: models[t] for t in TARGETS},
                    device=spec["device"], engine=spec["engine"], options=options)
    if batch_size or spec.get("batch_size"):
        config = Config(**{**config.__dict__, "batch_size": batch_size or spec["batch_size"]})
    summarizer = Summarizer(config)
    summarizer.summarize("Warm up. " * 5, ["en", *TARGETS], source_language="en")  # loads the models
    return summarizer


def run_project(spec: dict, items: list) -> dict:
    summarizer = project(spec)
    articles = [item.article for item in items]
    started = time.perf_counter()
    results = summarizer.summarize_batch(articles, ["en", *TARGETS], source_language="en")
    seconds = time.perf_counter() - started
    pieces = sum(r.sentences[t] for r in results for t in TARGETS)
    expected = sum(len(workload.sentences(item.summary)) for item in items) * len(TARGETS)
    if pieces != expected:
        raise SystemExit(f"the project translated {pieces} sentences where the workload has {expected}")
    latencies = []
    for article in articles[:3]:
        clock = time.perf_counter()
        summarizer.summarize(article, ["en", *TARGETS], source_language="en")
        latencies.append(time.perf_counter() - clock)
    return {"seconds": seconds, "translated_pieces": pieces, "generated_tokens": tokens(pieces, len(items)),
            "distinct_summaries": len({r.summaries["en"] for r in results}),
            "single_article_latency_s": latencies, "engines": results[0].engines, "stages_s": results[0].timings,
            "batch_size": summarizer.config.batch_size}


# ------------------------------------------------------------------------------ other sections
def run_profile(spec: dict, items: list) -> dict:
    import pipeline_profile

    return pipeline_profile.profile(spec, items[:spec["profile_articles"]], project, run_ct2)


def run_scaling(spec: dict, items: list) -> dict:
    summarizer = project(spec)
    tokenizer = summarizer.load(spec["models"]["bart"]).tokenizer
    text = " ".join(item.article for item in items)
    by_length = []
    for length in spec["lengths"]:
        article = workload.fit(tokenizer, text, length)
        clock = time.perf_counter()
        result = summarizer.summarize(article, ["en", *TARGETS], source_language="en")
        by_length.append({"article_tokens": length, "chunks": result.chunks, "seconds": time.perf_counter() - clock})
        print(f"  {length} tokens: {by_length[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    by_batch = []
    for size in spec["batches"]:
        batch = [item.article for item in (items * (size // len(items) + 1))[:size]]
        clock = time.perf_counter()
        summarizer.summarize_batch(batch, ["en", *TARGETS], source_language="en")
        seconds = time.perf_counter() - clock
        by_batch.append({"articles": size, "seconds": seconds, "articles_per_s": size / seconds})
    return {"by_length": by_length, "by_batch": by_batch}


def run_beam_cache(spec: dict, items: list) -> dict:
    """The torch engine's beam search with and without the cross-attention reorder (same output)."""
    from summarizer import load_model
    from summarizer.models.engines.base import Decoding

    model = load_model(spec["models"]["bart"], device=spec["device"], engine="torch")
    batch = model.tokenizer([item.article for item in items[:spec["beam_articles"]]], truncation=True,
                            max_length=1024)["input_ids"]
    settings = Decoding(num_beams=4, length_penalty=2.0, no_repeat_ngram_size=3, min_new_tokens=SUMMARY_TOKENS,
                        max_new_tokens=SUMMARY_TOKENS)
    timings, outputs = {}, {}
    for skip in (False, True):
        model.engine.skip_cross_attention_reorder = skip
        clock = time.perf_counter()
        outputs[skip] = [run.ids for run in model.engine.run(batch, settings)]
        timings["skip_reorder" if skip else "reorder"] = time.perf_counter() - clock
    return {"articles": len(batch), "seconds": timings, "speedup": timings["reorder"] / timings["skip_reorder"],
            "same_output": outputs[True] == outputs[False]}


def run_real(spec: dict, items: list) -> dict:
    import bench_translation_real

    return bench_translation_real.project_vs_plain(spec["real_model"], Path(spec["ntrex"]), spec["real_segments"],
                                                   spec["store"], device=spec["device"])


RUNNERS = {"naive": run_naive, "ct2": run_ct2, "project": run_project, "profile": run_profile,
           "scaling": run_scaling, "beam_cache": run_beam_cache, "real": run_real}


def child(path: str) -> None:
    spec = json.loads(Path(path).read_text())
    os.environ.update(SUMMARIZER_MODELS_DIR=spec["store"], HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    spec["items_list"] = items = workload.read_items(spec["items"])
    result = RUNNERS[spec["section"]](spec, items)
    result["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(result), flush=True)


def run_child(section: str, spec: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({**spec, "section": section}, handle)
    out = subprocess.run([sys.executable, __file__, "--child", handle.name], stdout=subprocess.PIPE,
                         stderr=None if spec.get("verbose") else subprocess.PIPE, text=True)
    os.unlink(handle.name)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"section {section} failed:\n{(out.stderr or '')[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def run_prepare(spec: dict, items: list) -> dict:
    """Builds the CTranslate2 copies once, before any section is timed."""
    from summarizer import load_model

    for name in ("bart", *TARGETS):
        load_model(spec["models"][name], device=spec["device"], engine=spec["engine"])
        plain_copy(spec, name)
    return {}


RUNNERS["prepare"] = run_prepare


# ------------------------------------------------------------------------------------ report
def rate(result: dict) -> float:
    return result["generated_tokens"] / result["seconds"]


def comparison(sections: dict) -> dict:
    """The ratios the goals are about, from the sections run so far."""
    naive, ct2, ours = (sections.get(name) for name in ("naive", "ct2", "project"))
    out = {}
    if ours and naive:
        out["speedup_vs_naive"] = naive["projected_seconds_all"] / ours["seconds"]
        out["rss_ratio_vs_naive"] = ours["peak_rss_mb"] / naive["peak_rss_mb"]
        out["naive_single_article_s"] = statistics.median(naive["per_article_s"])
    if ours and ct2:
        out["ratio_vs_plain_ct2"] = ct2["seconds"] / ours["seconds"]
        out["rss_ratio_vs_plain_ct2"] = ours["peak_rss_mb"] / ct2["peak_rss_mb"]
    if ours:
        out["single_article_latency_s"] = statistics.median(ours["single_article_latency_s"])
    return out


def show(section: str, result: dict, report: dict) -> None:
    sections, count = report["sections"], report["workload"]["articles"]
    took = (f"(section {result['section_s']:.0f} s, load {result['load_before']:.2f} -> {result['load_after']:.2f}, "
            f"other processes {100 * result['others_cpu_share']:.0f}% of the CPU)")
    print(f"\n== {section} {took}")
    if section in ("naive", "ct2", "project"):
        print(f"{'approach':<9}{'articles':>9}{'seconds':>9}{'s/article':>10}{'tokens/s':>9}{'pieces':>7}{'RSS MB':>8}")
        for name in ("naive", "ct2", "project"):
            r = sections.get(name)
            if r:
                run = r.get("articles_run", count)
                print(f"{name:<9}{run:>9}{r['seconds']:>9.1f}{r['seconds'] / run:>10.2f}{rate(r):>9.1f}"
                      f"{r['translated_pieces']:>7}{r['peak_rss_mb']:>8.0f}")
        if section == "naive":
            print(f"naive: one article at a time, so {count} articles take {result['projected_seconds_all']:.0f} s")
        if section == "project":
            print(f"distinct summaries {result['distinct_summaries']}/{count}; batch size {result['batch_size']}; "
                  f"stages {result['stages_s']}")
        for key, value in comparison(sections).items():
            print(f"  {key} {value:.2f}")
    elif section == "profile":
        import pipeline_profile

        pipeline_profile.show(result)
    elif section == "scaling":
        print("by article length: " + ", ".join(f"{r['article_tokens']} tokens {r['seconds']:.1f} s ({r['chunks']} "
                                                 "chunks)" for r in result["by_length"]))
        print("by batch: " + ", ".join(f"{r['articles']}: {r['seconds']:.1f} s ({r['articles_per_s']:.3f}/s)"
                                       for r in result["by_batch"]))
    elif section == "beam_cache":
        print(f"{result['articles']} articles: {result['seconds']['reorder']:.1f} s with the cross-attention reorder, "
              f"{result['seconds']['skip_reorder']:.1f} s without ({result['speedup']:.2f}x), same output: "
              f"{result['same_output']}")
    elif section == "real":
        import bench_translation_real

        bench_translation_real.show_project_vs_plain(result)
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(workload.DEFAULT_DATA) if workload.DEFAULT_DATA.is_file() else None,
                        help="CNN/DailyMail JSONL with 'article' and 'reference' (default: ../shared's, if there; "
                             "else generated articles)")
    parser.add_argument("--articles", type=int, help="articles (default 32, --quick 4)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of: {', '.join(SECTIONS)}")
    parser.add_argument("--json", help="add each section's results to this file")
    parser.add_argument("--quick", action="store_true", help="4 articles and the small version of every section")
    parser.add_argument("--tiny", action="store_true", help="tiny models (checks the benchmark, measures nothing)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--engine", default="auto", help="the project's engine (default: its own choice)")
    parser.add_argument("--batch-size", type=int, help="the project's batch_size (default: Config's)")
    parser.add_argument("--naive-every", type=int, help="the naive loop runs every n-th article (default 6, quick 2)")
    parser.add_argument("--profile-articles", type=int, help="articles profiled (default 8, quick 2)")
    parser.add_argument("--real-model", default=str(Path(sys.prefix) / "test-models" / "opus-mt-zh-en"),
                        help="OPUS-MT zh-en folder (python tests/real_models.py DIR opus-mt-zh-en)")
    parser.add_argument("--ntrex", default=str(HERE.parent.parent / "shared" / "eval" / "ntrex128"))
    parser.add_argument("--real-segments", type=int, help="held-out NTREX segments (default 150, quick 40)")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "summarizer-bench"),
                        help="where the random models and their conversions are kept between runs")
    parser.add_argument("--verbose", action="store_true", help="show the sections' own output")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)

    quick = args.quick
    sections = [s for s in args.sections.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    clock = time.perf_counter()
    models, workdir = workload.prepare_models(Path(args.workdir), args.data, args.tiny)
    from transformers import AutoTokenizer

    count = args.articles or (4 if quick else 32)
    items = workload.make_items(args.data, count, AutoTokenizer.from_pretrained(models["bart"]), ARTICLE_TOKENS)
    workload.save_items(items, workdir / f"items-{count}.json")
    spec = {"models": models, "items": str(workdir / f"items-{count}.json"), "store": str(workdir / "store"),
            "device": args.device, "engine": args.engine, "batch_size": args.batch_size,
            "naive_every": args.naive_every or (2 if quick else 6),
            "profile_articles": args.profile_articles or (2 if quick else 8),
            "lengths": [500, 2000] if quick else [500, 2000, 8000], "batches": [1, 4] if quick else [1, 4, 16],
            "beam_articles": 1 if quick else 2, "real_model": args.real_model, "ntrex": args.ntrex,
            "real_segments": args.real_segments or (40 if quick else 150), "verbose": args.verbose}
    run_child("prepare", spec)
    setup_s = time.perf_counter() - clock
    report = {"workload": {"articles": count, "article_tokens": ARTICLE_TOKENS, "targets": TARGETS,
                           "summary_tokens": SUMMARY_TOKENS, "translation_tokens_per_sentence": TRANSLATION_TOKENS,
                           "summary_sentences": sum(len(workload.sentences(i.summary)) for i in items),
                           "data": args.data and Path(args.data).name, "tiny": args.tiny, "device": args.device},
              "cpu_count": os.cpu_count(), "sections": {}}
    if args.json and Path(args.json).is_file():
        old = json.loads(Path(args.json).read_text())
        if old.get("workload") == report["workload"]:
            report["sections"] = old.get("sections", {})
    report["setup_s"] = setup_s
    print(f"setup (models, conversions) {setup_s:.0f} s; {count} articles, "
          f"{report['workload']['summary_sentences']} summary sentences", flush=True)
    for section in sections:
        if section == "real" and not (Path(args.real_model, "config.json").is_file() and Path(args.ntrex).is_dir()):
            print(f"\n== real: skipped (no model at {args.real_model} or no NTREX at {args.ntrex}; build the model "
                  "with: python tests/real_models.py DIR opus-mt-zh-en)", flush=True)
            continue
        before, others, started = load(), busy_cpu_s(), time.perf_counter()
        result = run_child(section, spec)
        wall = time.perf_counter() - started
        # the CPU share other processes took while the section ran: a timing with much of it is not final
        result.update(section_s=wall, load_before=before, load_after=load(),
                      others_cpu_share=(busy_cpu_s() - others) / (wall * (os.cpu_count() or 1)))
        report["sections"][section] = result
        report.update(comparison(report["sections"]))
        show(section, result, report)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\ntotal {time.perf_counter() - clock:.0f} s", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
