"""The workload of the speed benchmarks (bench_pipeline.py, bench_service.py): each request costs what a real one does.

Random-weight models of the real sizes give real costs but not real text: their summaries are the same string of
unused vocabulary entries for every article, hundreds of sentencepiece tokens long, in one "sentence". A pipeline
that translates identical sentences once per batch then translates one summary per batch instead of one per
article, and each translation reads an input no real summary has. So here:

- each article's summary is generated at its full cost (fixed length, beam search, the real vocabulary size), then
  replaced by a summary a trained model would write: the article's CNN/DailyMail reference highlights (`--data`),
  else its first sentences. Every article has its own summary, of real sentences and a real length;
- every summary is translated sentence by sentence (the opus-mt models drop sentences when given several at once),
  each sentence at a fixed output length, by every approach, so that all generate the same number of tokens and
  de-duplication gains only what real text gives it (here: nothing, real summaries do not repeat).

`install(items)` makes the project's summariser write these summaries (in this process: a benchmark's child or the
server under test); the naive and plain CTranslate2 scripts take `item.summary` directly. `build_models` makes the
random-weight models once per work folder.
"""

from __future__ import annotations

import json
import re
import shutil
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "eval" / "cnndm_frank" / "cnndm_test_frank.jsonl"
TARGETS = ("fr", "de", "es")
BART_VOCAB = 50264
MARIAN_VOCAB = 58101
OPENING_WORDS = 12  # an article is known by its first words (unique in the CNN/DM file)


@dataclass(frozen=True)
class Item:
    """One request: the article, and the summary a trained summariser would write for it."""

    article: str
    summary: str


def _detokenize(text: str) -> str:
    """CNN/DM highlights are tokenised ("Friday . The club 's"): written as prose again."""
    text = re.sub(r" ([.,!?;:%)])", r"\1", text)
    text = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", text)
    return re.sub(r"\( ", "(", text).strip()


GENERATED = ("The council of {town} approved a budget of {n}.{m} million dollars on day {i} to rebuild the old "
             "bridge over the river. Mayor Anna Keller said the work would start in March and that the bridge would "
             "reopen in {year}. Residents had complained for years about closures and long detours through the "
             "centre. The plan passed by {votes} votes to two after a debate that lasted more than four hours.")
TOWNS = ("Riverton", "Elmsford", "Brookvale", "Ashby", "Northgate", "Millbank", "Corran", "Hollins")


def load_rows(data: str | Path | None, count: int) -> list[tuple[str, str]]:
    """(article, reference summary) pairs: CNN/DM rows of `data` (JSONL with "article" and "reference"), repeated
    when there are fewer than `count`, else generated articles, each with its own numbers, summarised by its
    first two sentences."""
    if data:
        rows = [json.loads(line) for line in Path(data).read_text(encoding="utf-8").splitlines() if line.strip()]
        pairs = [(row["article"], _detokenize(row.get("reference") or row.get("highlights") or "")) for row in rows]
    else:
        pairs = []
        for i in range(64):
            text = GENERATED.format(town=TOWNS[i % len(TOWNS)], n=i % 9 + 1, m=i % 7, i=i + 1, year=2027 + i % 5,
                                    votes=5 + i % 5)
            pairs.append((text, " ".join(text.split(". ")[:2]) + "."))
    return (pairs * (count // len(pairs) + 1))[:count]


def fit(tokenizer, text: str, tokens: int) -> str:
    """`text` cut (or repeated) to `tokens` tokens of the summariser's tokenizer."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    while len(ids) < tokens:
        ids = ids + ids
    return tokenizer.decode(ids[:tokens])


def make_items(data: str | Path | None, count: int, tokenizer, article_tokens: int) -> list[Item]:
    """`count` requests whose articles are `article_tokens` tokens long; no two articles open alike."""
    items = [Item(fit(tokenizer, article, article_tokens), summary) for article, summary in load_rows(data, count)]
    openings = [opening(item.article) for item in items]
    distinct = len(set(openings))
    if distinct < len(set(item.article for item in items)):
        raise SystemExit("two different articles open with the same words: the workload cannot tell them apart")
    return items


def opening(text: str) -> str:
    return " ".join(text.split()[:OPENING_WORDS])


def save_items(items: Sequence[Item], path: Path) -> None:
    path.write_text(json.dumps([asdict(item) for item in items]), encoding="utf-8")


def read_items(path: str | Path) -> list[Item]:
    return [Item(**row) for row in json.loads(Path(path).read_text(encoding="utf-8"))]


def summary_for(items: Sequence[Item], text: str) -> str:
    """The summary of the article `text` is (by its opening words); any other text (a chunk of a long article, the
    joined chunk summaries) gets one of the summaries, chosen by a checksum of the text, so that it too is real
    text of a real length."""
    known = {opening(item.article): item.summary for item in items}
    return known.get(opening(text)) or items[zlib.crc32(text.encode("utf-8")) % len(items)].summary


def install(items: Sequence[Item]) -> None:
    """The project's encoder-decoder summarisers, in this process, generate as they do (the full cost), then return
    the summary of `items` for the text they read, as a summary that ended by itself."""
    from summarizer.models.base import Generated, Seq2SeqModel

    known = {opening(item.article): item.summary for item in items}
    generate_summaries = Seq2SeqModel.summarize

    def summarize(self, texts, languages, *, settings, batch_size=8):
        outputs = generate_summaries(self, texts, languages, settings=settings, batch_size=batch_size)
        return [Generated(known.get(opening(text)) or summary_for(items, text), True, out.truncated_input)
                for text, out in zip(texts, outputs, strict=True)]

    Seq2SeqModel.summarize = summarize


def sentences(summary: str) -> list[str]:
    """The pieces every approach translates: the summary's sentences, split as the project splits them."""
    from summarizer.text.splitting import split_sentences

    return split_sentences(summary)


# --------------------------------------------------------------------------- models
def prepare_models(base: Path, data: str | Path | None, tiny: bool = False) -> tuple[dict[str, str], Path]:
    """The random-weight models for `data` (their tokenizers are trained on its text, so that its articles and
    summaries have about the token counts the real tokenizers give them), and their folder under `base`."""
    workdir = base / (("cnndm" if data else "generated") + ("-tiny" if tiny else ""))
    rows = _all_rows(data) if data else load_rows(None, 64)
    return build_models(workdir, [text for pair in rows for text in pair], tiny), workdir


def _all_rows(data: str | Path) -> list[tuple[str, str]]:
    count = sum(1 for line in Path(data).read_text(encoding="utf-8").splitlines() if line.strip())
    return load_rows(data, count)


def build_models(workdir: Path, corpus: list[str], tiny: bool = False) -> dict[str, str]:
    """Random-weight distilbart-cnn-12-6 and opus-mt-en-de (x3, one per target) folders; built once, reused.

    `tiny`: the same families a few layers and dimensions small, for a dry run of the benchmarks."""
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

    suffix = "-tiny" if tiny else "-random"
    paths = {"bart": workdir / f"distilbart-cnn-12-6{suffix}",
             **{t: workdir / f"opus-mt-en-{t}{suffix}" for t in TARGETS}}
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
    size = dict(d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                encoder_ffn_dim=128, decoder_ffn_dim=128) if tiny else \
        dict(d_model=1024, encoder_layers=12, decoder_layers=6, encoder_attention_heads=16, decoder_attention_heads=16,
             encoder_ffn_dim=4096, decoder_ffn_dim=4096)
    config = BartConfig(vocab_size=BART_VOCAB, **size, max_position_embeddings=1024, bos_token_id=0, pad_token_id=1,
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
    size = dict(d_model=64, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4, decoder_attention_heads=4,
                encoder_ffn_dim=128, decoder_ffn_dim=128) if tiny else \
        dict(d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8, decoder_attention_heads=8,
             encoder_ffn_dim=2048, decoder_ffn_dim=2048)
    config = MarianConfig(vocab_size=MARIAN_VOCAB, **size, max_position_embeddings=512, pad_token_id=MARIAN_VOCAB - 1,
                          eos_token_id=0, forced_eos_token_id=0, decoder_start_token_id=MARIAN_VOCAB - 1)
    model = MarianMTModel(config)
    model.generation_config.update(num_beams=4)
    model.save_pretrained(marian_dir)
    for target in TARGETS[1:]:
        shutil.copytree(marian_dir, paths[target], dirs_exist_ok=True)
    return {k: str(v) for k, v in paths.items()}
