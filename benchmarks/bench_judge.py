"""An instruction model as a judge of faithfulness, on FRANK validation, beside the support score.

    python benchmarks/bench_judge.py --gguf FILE --frank ../shared/eval/frank_valid/frank_cnndm_valid.jsonl \
        [--cache judge.jsonl]

Each summary sentence is shown to the model with the article sentences the evidence aligns with it (its three
best sources and their neighbours, in article order), asking whether the text states everything the sentence
says; the judgement is P(Yes) against P(No) in the first token's logits (CTranslate2). A summary's score is its
lowest sentence's, or their mean. Printed: ROC AUC for the summaries with an entity or circumstance error, for
the judge, the support score, the trigram baseline (the share of the summary's word trigrams found in the
article) and the judge and support averaged by rank, on all 375 and on each half (split by article, as
`bench_evidence.py` splits it).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_evidence import ranks, roc_auc  # this folder is on the path when run as a script

from summarizer import Summarizer
from summarizer.evidence.support import evidence
from summarizer.text.splitting import split_sentences

SYSTEM = ("You check a claim against a news text. Answer Yes when the text states everything the claim says (the "
          "same people, roles, numbers, places, times and actions), No otherwise.")


def trigram_share(article: str, summary: str) -> float:
    def grams(text: str) -> list[tuple[str, ...]]:
        words = re.findall(r"\w+|[^\w\s]", text.lower())
        return [tuple(words[i:i + 3]) for i in range(len(words) - 2)]

    found, made = set(grams(article)), grams(summary)
    return sum(g in found for g in made) / len(made) if made else 1.0


def judge(model, article: str, summary: str) -> list[float]:
    """P(Yes) for each sentence of `summary`, judged against the article sentences aligned with it."""
    tokenizer, generator = model.tokenizer, model.engine.generator
    yes = [tokenizer.convert_tokens_to_ids(t) for t in ("Yes", "ĠYes")]
    no = [tokenizer.convert_tokens_to_ids(t) for t in ("No", "ĠNo")]
    sentences = split_sentences(article)
    out = []
    for sentence in evidence(article, summary, "en").sentences:
        near = sorted({k for source in sentence.sources[:3] for k in range(source.sentence - 1, source.sentence + 2)
                       if 0 <= k < len(sentences)})
        text = " ".join(sentences[k] for k in near) or " ".join(sentences[:5])
        ids = model._chat([{"role": "system", "content": SYSTEM},
                           {"role": "user", "content": f"Text:\n{text}\n\nClaim:\n{sentence.text}\n\nDoes the text "
                                                       "state everything the claim says? Answer Yes or No."}])
        # one prompt a call: CTranslate2 reads prompts of different lengths together only up to the shortest
        result = generator.generate_batch([tokenizer.convert_ids_to_tokens(list(ids))], max_length=1,
                                          return_logits_vocab=True, include_prompt_in_result=False)[0]
        logits = np.asarray(result.logits[0]).reshape(-1)
        out.append(float(1 / (1 + np.exp(np.logaddexp.reduce(logits[no]) - np.logaddexp.reduce(logits[yes])))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--frank", required=True)
    parser.add_argument("--cache", default="judge.jsonl", help="judgements, kept as they are made (resumes)")
    args = parser.parse_args()
    with open(args.frank, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    cache = Path(args.cache)
    done = {r["i"]: r for r in map(json.loads, cache.read_text().splitlines())} if cache.exists() else {}
    if len(done) < len(rows):
        model = Summarizer("default", summarizer_model=args.gguf, device="cpu").load(args.gguf)
        with cache.open("a", encoding="utf-8") as out:
            for i, row in enumerate(rows):
                if i not in done:
                    done[i] = {"i": i, "p": judge(model, row["article"], row["summary"])}
                    out.write(json.dumps(done[i]) + "\n")
                    out.flush()
    wrong = [row["labels"]["EntE"] < 1 or row["labels"]["CircE"] < 1 for row in rows]
    scores = {"judge, lowest sentence": [min(done[i]["p"], default=1.0) for i in range(len(rows))],
              "judge, mean": [float(np.mean(done[i]["p"])) if done[i]["p"] else 1.0 for i in range(len(rows))],
              "support score": [evidence(row["article"], row["summary"], "en").score for row in rows],
              "trigram baseline": [trigram_share(row["article"], row["summary"]) for row in rows]}
    scores["support and judge (lowest), by rank"] = [
        a + b for a, b in zip(ranks(scores["support score"]), ranks(scores["judge, lowest sentence"]), strict=True)]
    articles = list(dict.fromkeys(row["hash"] for row in rows))
    first = set(articles[:len(articles) // 2])
    halves = [[i for i, row in enumerate(rows) if (row["hash"] in first) == side] for side in (True, False)]

    def auc(values: list[float], keep: list[int]) -> float:  # low scores should be the summaries with an error
        return roc_auc([wrong[i] for i in keep], [-values[i] for i in keep])

    for name, values in scores.items():
        print(f"{name:<38} AUC {auc(values, list(range(len(rows)))):.3f}  halves {auc(values, halves[0]):.3f} / "
              f"{auc(values, halves[1]):.3f}")


if __name__ == "__main__":
    main()
