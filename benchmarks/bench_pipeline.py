"""Side-by-side speed benchmark of the summarise-and-translate pipeline on CPU.

    python benchmarks/bench_pipeline.py [--quick] [--json OUT.json] [--data CNNDM.jsonl]

Builds random-weight models of the real sizes (distilbart-cnn-12-6 and
opus-mt-en-de configurations, vocabularies padded to the real 50,264 and 58,101
entries; one translator copy per target language), then runs the same workload
three ways, each in its own process so that peak memory is its own:

  naive    one article at a time, one call per language, transformers fp32, beam 4
  ct2      a plain CTranslate2 int8 script of the same models (batched per step)
  project  summarizer.Summarizer.summarize_batch (default engine)

Workload: N articles of ~700 tokens (CNN/DailyMail test articles when --data is
given, else generated text); a 60-token summary (beam 4) and its translation into
3 languages (40 tokens per translated piece, beam 4). Output lengths are fixed
(min = max) so every approach generates the same number of tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUMMARY_TOKENS = 60
TRANSLATION_TOKENS = 40
ARTICLE_TOKENS = 700
TARGETS = ["fr", "de", "es"]
BART_VOCAB = 50264
MARIAN_VOCAB = 58101


# ----------------------------------------------------------------------------- data
def load_articles(data: str | None, count: int) -> list[str]:
    if data:
        rows = [json.loads(line) for line in Path(data).read_text(encoding="utf-8").splitlines() if line.strip()]
        texts = [row["article"] for row in rows]
    else:
        words = ("the council approved a new budget for the city on monday after a long debate about "
                 "transport schools and housing while the mayor said the bridge would reopen next year").split()
        texts = [" ".join(words[(i * 7 + j) % len(words)] for j in range(600)).capitalize() + "." for i in range(64)]
    return (texts * (count // len(texts) + 1))[:count]


# --------------------------------------------------------------------------- models
def build_models(workdir: Path, corpus: list[str]) -> dict[str, str]:
    """Random-weight distilbart-cnn-12-6 and opus-mt-en-de (x3) folders; built once, reused."""
    import sentencepiece as spm
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import (
        BartConfig,
        BartForConditionalGeneration,
        BartTokenizer,
        MarianConfig,
        MarianMTModel,
        MarianTokenizer,
    )

    paths = {"bart": workdir / "distilbart-cnn-12-6-random", **{t: workdir / f"opus-mt-en-{t}-random"
                                                                 for t in TARGETS}}
    if all((p / "config.json").is_file() for p in paths.values()):
        return {k: str(v) for k, v in paths.items()}
    workdir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)

    bart_dir = paths["bart"]
    bart_dir.mkdir(exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=8000, min_frequency=2,
                            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(str(bart_dir))
    vocab = json.loads((bart_dir / "vocab.json").read_text())
    for i in range(len(vocab), BART_VOCAB):  # pad to the real vocabulary size
        vocab[f"<unused{i}>"] = i
    (bart_dir / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = BartTokenizer(vocab=str(bart_dir / "vocab.json"), merges=str(bart_dir / "merges.txt"))
    tokenizer.model_max_length = 1024
    tokenizer.save_pretrained(bart_dir)
    config = BartConfig(vocab_size=BART_VOCAB, d_model=1024, encoder_layers=12, decoder_layers=6,
                        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
                        decoder_ffn_dim=4096, max_position_embeddings=1024, bos_token_id=0, pad_token_id=1,
                        eos_token_id=2, decoder_start_token_id=2, forced_bos_token_id=0, forced_eos_token_id=2)
    model = BartForConditionalGeneration(config)
    model.generation_config.update(num_beams=4, length_penalty=2.0, no_repeat_ngram_size=3, early_stopping=True,
                                   max_length=142, min_length=56)
    model.save_pretrained(bart_dir)
    del model

    marian_dir = paths[TARGETS[0]]
    marian_dir.mkdir(exist_ok=True)
    corpus_file = workdir / "corpus.txt"
    corpus_file.write_text("\n".join(corpus), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus_file), model_prefix=str(workdir / "spm"), vocab_size=8000,
                                   character_coverage=1.0, minloglevel=2, num_threads=2, hard_vocab_limit=False)
    for name in ("source.spm", "target.spm"):
        shutil.copy(workdir / "spm.model", marian_dir / name)
    sp = spm.SentencePieceProcessor(model_file=str(workdir / "spm.model"))
    marian_vocab: dict[str, int] = {}
    for piece in ["</s>", "<unk>", *(sp.id_to_piece(i) for i in range(sp.get_piece_size()))]:
        marian_vocab.setdefault(piece, len(marian_vocab))
    for i in range(len(marian_vocab), MARIAN_VOCAB - 1):
        marian_vocab[f"<unused{i}>"] = i
    marian_vocab["<pad>"] = MARIAN_VOCAB - 1
    (marian_dir / "vocab.json").write_text(json.dumps(marian_vocab))
    MarianTokenizer(source_spm=str(marian_dir / "source.spm"), target_spm=str(marian_dir / "target.spm"),
                    vocab=str(marian_dir / "vocab.json")).save_pretrained(marian_dir)
    config = MarianConfig(vocab_size=MARIAN_VOCAB, d_model=512, encoder_layers=6, decoder_layers=6,
                          encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=2048,
                          decoder_ffn_dim=2048, max_position_embeddings=512, pad_token_id=MARIAN_VOCAB - 1,
                          eos_token_id=0, forced_eos_token_id=0, decoder_start_token_id=MARIAN_VOCAB - 1)
    model = MarianMTModel(config)
    model.generation_config.update(num_beams=4)
    model.save_pretrained(marian_dir)
    for target in TARGETS[1:]:
        shutil.copytree(marian_dir, paths[target], dirs_exist_ok=True)
    return {k: str(v) for k, v in paths.items()}


# ------------------------------------------------------------------------ approaches
def _peak_rss_mb() -> float:
    """This process's own peak resident memory. (ru_maxrss would include the parent's peak,
    which survives fork and exec on Linux.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_naive(models: dict, articles: list[str]) -> dict:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.set_num_threads(os.cpu_count() or 2)
    summarizer_tok = AutoTokenizer.from_pretrained(models["bart"])
    summarizer = AutoModelForSeq2SeqLM.from_pretrained(models["bart"]).eval()
    translators = {t: (AutoTokenizer.from_pretrained(models[t]),
                       AutoModelForSeq2SeqLM.from_pretrained(models[t]).eval()) for t in TARGETS}
    started = time.perf_counter()
    per_article, outputs = [], 0
    with torch.inference_mode():
        for article in articles:
            clock = time.perf_counter()
            enc = summarizer_tok(article, return_tensors="pt", truncation=True, max_length=1024)
            ids = summarizer.generate(**enc, num_beams=4, length_penalty=2.0, no_repeat_ngram_size=3,
                                      min_new_tokens=SUMMARY_TOKENS, max_new_tokens=SUMMARY_TOKENS)
            summary = summarizer_tok.decode(ids[0], skip_special_tokens=True)
            for target in TARGETS:
                tok, model = translators[target]
                enc = tok(summary, return_tensors="pt", truncation=True, max_length=512)
                model.generate(**enc, num_beams=4, min_new_tokens=TRANSLATION_TOKENS,
                               max_new_tokens=TRANSLATION_TOKENS)
                outputs += 1
            per_article.append(time.perf_counter() - clock)
    return {"seconds": time.perf_counter() - started, "per_article_s": per_article, "translated_pieces": outputs,
            "generated_tokens": len(articles) * SUMMARY_TOKENS + outputs * TRANSLATION_TOKENS}


def run_ct2(models: dict, articles: list[str], store: str) -> dict:
    import ctranslate2
    from transformers import AutoTokenizer

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from summarizer.conversion import convert

    def load(name):
        path = convert(models[name], Path(store) / "plain-ct2" / Path(models[name]).name, "int8")
        return AutoTokenizer.from_pretrained(models[name]), ctranslate2.Translator(str(path), compute_type="int8")

    summarizer_tok, summarizer = load("bart")
    translators = {t: load(t) for t in TARGETS}
    started = time.perf_counter()
    sources = [summarizer_tok.convert_ids_to_tokens(summarizer_tok(a, truncation=True, max_length=1024)["input_ids"])
               for a in articles]
    results = summarizer.translate_batch(sources, target_prefix=[["<s>"]] * len(sources), beam_size=4,
                                         length_penalty=2.0, no_repeat_ngram_size=3, max_batch_size=8,
                                         min_decoding_length=SUMMARY_TOKENS + 1,
                                         max_decoding_length=SUMMARY_TOKENS + 1)
    summaries = [summarizer_tok.convert_tokens_to_string(r.hypotheses[0][1:]) for r in results]
    outputs = 0
    for target in TARGETS:
        tok, model = translators[target]
        tokens = [tok.convert_ids_to_tokens(tok(s, truncation=True, max_length=512)["input_ids"]) for s in summaries]
        model.translate_batch(tokens, beam_size=4, max_batch_size=16, min_decoding_length=TRANSLATION_TOKENS,
                              max_decoding_length=TRANSLATION_TOKENS)
        outputs += len(tokens)
    return {"seconds": time.perf_counter() - started, "translated_pieces": outputs,
            "generated_tokens": len(articles) * SUMMARY_TOKENS + outputs * TRANSLATION_TOKENS}


def _project(models: dict, batch_size: int = 8):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from summarizer import Config, SummarizeOptions, Summarizer

    options = SummarizeOptions(length="medium", summary_tokens=SUMMARY_TOKENS, translation_tokens=TRANSLATION_TOKENS)
    return Summarizer(Config(summarizer_model=models["bart"], translators={t: models[t] for t in TARGETS},
                             batch_size=batch_size, options=options))


def run_project(models: dict, articles: list[str]) -> dict:
    summarizer = _project(models)
    summarizer.summarize("Warm up. " * 5, ["en", *TARGETS], source_language="en")  # load the models
    started = time.perf_counter()
    results = summarizer.summarize_batch(articles, ["en", *TARGETS], source_language="en")
    seconds = time.perf_counter() - started
    pieces = sum(r.sentences[t] for r in results for t in TARGETS)
    latencies = []
    for article in articles[:3]:
        clock = time.perf_counter()
        summarizer.summarize(article, ["en", *TARGETS], source_language="en")
        latencies.append(time.perf_counter() - clock)
    return {"seconds": seconds, "translated_pieces": pieces,
            "generated_tokens": len(articles) * SUMMARY_TOKENS + pieces * TRANSLATION_TOKENS,
            "single_article_latency_s": latencies, "engines": results[0].engines, "stages_s": results[0].timings}


def run_torch_beam_cache(models: dict, articles: list[str], quick: bool) -> dict:
    """The torch engine's beam search with and without the cross-attention reorder (same output)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from summarizer import load_model

    model = load_model(models["bart"], device="cpu", engine="torch")
    batch = model.tokenizer(articles[: 2 if quick else 4], truncation=True, max_length=1024)["input_ids"]
    settings = {"num_beams": 4, "length_penalty": 2.0, "no_repeat_ngram_size": 3,
                "min_new_tokens": SUMMARY_TOKENS, "max_new_tokens": SUMMARY_TOKENS}
    timings, outputs = {}, {}
    for skip in (False, True):
        model.engine.skip_cross_attention_reorder = skip
        clock = time.perf_counter()
        outputs[skip] = [run.ids for run in model.engine.run(batch, settings)]
        timings["skip_reorder" if skip else "reorder"] = time.perf_counter() - clock
    return {"articles": len(batch), "seconds": timings, "speedup": timings["reorder"] / timings["skip_reorder"],
            "same_output": outputs[True] == outputs[False]}


def run_scaling(models: dict, articles: list[str], quick: bool) -> dict:
    summarizer = _project(models)
    summarizer.summarize("Warm up. " * 5, ["en"], source_language="en")
    words = " ".join(articles).split()
    tok_per_word = 1.3
    lengths = [500, 2000, 8000] if quick else [500, 1000, 2000, 4000, 8000]
    by_length = []
    for tokens in lengths:
        needed = int(tokens / tok_per_word)
        text = " ".join((words * (needed // len(words) + 1))[:needed])
        clock = time.perf_counter()
        result = summarizer.summarize(text, ["en", *TARGETS], source_language="en")
        by_length.append({"article_tokens": tokens, "chunks": result.chunks, "seconds": time.perf_counter() - clock})
    by_batch = []
    for size in ([1, 4, 16] if quick else [1, 4, 16, 64]):
        batch = (articles * (size // len(articles) + 1))[:size]
        clock = time.perf_counter()
        summarizer.summarize_batch(batch, ["en", *TARGETS], source_language="en")
        seconds = time.perf_counter() - clock
        by_batch.append({"articles": size, "seconds": seconds, "articles_per_s": size / seconds})
    return {"by_length": by_length, "by_batch": by_batch}


APPROACHES = {"naive": run_naive, "ct2": run_ct2, "project": run_project, "scaling": run_scaling,
              "torch_beam_cache": run_torch_beam_cache}


def child(args) -> None:
    spec = json.loads(Path(args.child).read_text())
    articles = spec["articles"]
    function = APPROACHES[spec["approach"]]
    extra = {"ct2": (spec["store"],), "scaling": (spec["quick"],),
             "torch_beam_cache": (spec["quick"],)}.get(spec["approach"], ())
    result = function(spec["models"], articles, *extra)
    result["peak_rss_mb"] = _peak_rss_mb()
    print("RESULT " + json.dumps(result))


def run_child(approach: str, models: dict, articles: list[str], store: str, quick: bool) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"approach": approach, "models": models, "articles": articles, "store": store, "quick": quick},
                  handle)
    env = {**os.environ, "SUMMARIZER_MODELS_DIR": store, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    out = subprocess.run([sys.executable, __file__, "--child", handle.name], capture_output=True, text=True, env=env)
    os.unlink(handle.name)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{approach} failed:\n{out.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 articles, fewer scaling points (< 3 minutes)")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--data", help="CNN/DailyMail JSONL with an 'article' field (default: generated text)")
    parser.add_argument("--articles", type=int, help="number of articles (default 32, quick 4)")
    parser.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "summarizer-bench"),
                        help="where the random models and their conversions are kept between runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    count = args.articles or (4 if args.quick else 32)
    workdir = Path(args.workdir)
    clock = time.perf_counter()
    corpus = load_articles(args.data, 64)
    models = build_models(workdir, corpus)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(models["bart"])
    articles = []
    for text in load_articles(args.data, count):
        ids = tok(text, add_special_tokens=False)["input_ids"]
        while len(ids) < ARTICLE_TOKENS:
            ids = ids + ids
        articles.append(tok.decode(ids[:ARTICLE_TOKENS]))
    store = str(workdir / "store")
    run_child("project", models, articles[:1], store, args.quick)  # converts the models once (not timed)
    setup_s = time.perf_counter() - clock

    results = {name: run_child(name, models, articles, store, args.quick) for name in ("naive", "ct2", "project")}
    scaling = run_child("scaling", models, articles, store, args.quick)
    beam_cache = run_child("torch_beam_cache", models, articles, store, args.quick)
    naive, ct2, project = results["naive"], results["ct2"], results["project"]

    def rate(r):
        return r["generated_tokens"] / r["seconds"]

    report = {
        "articles": count, "article_tokens": ARTICLE_TOKENS, "targets": TARGETS,
        "summary_tokens": SUMMARY_TOKENS, "translation_tokens": TRANSLATION_TOKENS, "cpu_count": os.cpu_count(),
        "speedup_vs_naive": naive["seconds"] / project["seconds"],
        "ratio_vs_plain_ct2": ct2["seconds"] / project["seconds"],
        "tokens_per_s": {name: rate(r) for name, r in results.items()},
        "token_rate_speedup_vs_naive": rate(project) / rate(naive),
        "rss_ratio_vs_naive": project["peak_rss_mb"] / naive["peak_rss_mb"],
        "single_article_latency_s": statistics.median(project["single_article_latency_s"]),
        "single_article_latency_all_s": project["single_article_latency_s"],
        "naive_single_article_s": statistics.median(naive["per_article_s"]),
        "results": results, "scaling": scaling, "torch_beam_cache": beam_cache, "setup_s": setup_s,
    }
    print(f"{'approach':<10}{'seconds':>10}{'tokens/s':>10}{'pieces':>8}{'peak RSS MB':>13}")
    for name, r in results.items():
        print(f"{name:<10}{r['seconds']:>10.1f}{rate(r):>10.1f}{r['translated_pieces']:>8}{r['peak_rss_mb']:>13.0f}")
    print(f"speedup_vs_naive {report['speedup_vs_naive']:.2f}  ratio_vs_plain_ct2 {report['ratio_vs_plain_ct2']:.2f}  "
          f"rss_ratio_vs_naive {report['rss_ratio_vs_naive']:.2f}  "
          f"single_article_latency_s {report['single_article_latency_s']:.2f} "
          f"(naive {report['naive_single_article_s']:.2f})")
    print("scaling by article length:", ", ".join(f"{r['article_tokens']} tok: {r['seconds']:.1f}s/{r['chunks']} chunks"
                                                  for r in scaling["by_length"]))
    print("scaling by batch:", ", ".join(f"{r['articles']}: {r['seconds']:.1f}s ({r['articles_per_s']:.2f}/s)"
                                         for r in scaling["by_batch"]))
    print(f"torch beam search, {beam_cache['articles']} articles: {beam_cache['seconds']['reorder']:.1f}s with the "
          f"cross-attention reorder, {beam_cache['seconds']['skip_reorder']:.1f}s without "
          f"({beam_cache['speedup']:.2f}x, same output: {beam_cache['same_output']})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
