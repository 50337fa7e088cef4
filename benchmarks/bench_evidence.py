"""How well the support score of `summarizer.evidence` finds unfaithful summaries, and how rarely it cries wolf.

    python benchmarks/bench_evidence.py --frank ../shared/eval/frank_valid/frank_cnndm_valid.jsonl \\
        --cnndm ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl --ntrex ../shared/eval/ntrex128

FRANK (CNN/DM validation: 375 outputs of five published summarisers, judged by people; lower-cased and
tokenised as released):
- ROC AUC of (1 - score) for the summaries with an entity or circumstance error (EntE < 1 or CircE < 1), and
  Spearman of the score with the human Factuality score; on all of it and on each half (split by article, so
  that no article is in both), to show how much rests on these 375;
- recall per error type (EntE, CircE, RelE, OutE: summaries with that error flagged) at `THRESHOLD`, and the
  share flagged of the summaries with no error of any kind.
False alarms at `THRESHOLD`, on text that is faithful:
- copies: each CNN/DM article's own lead sentences (`extract`, three), as a summary (must be 0);
- the CNN/DM human highlights (the `reference` field, tokenised, joined with " . ");
- NTREX-128 human translations: the English source sentence as the article and its reference translation as
  the summary, and the other way round, per language (at most 2%, as `check_translation`).
Writes benchmarks/results/evidence.json. AUC and Spearman are computed here, without scipy or scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from summarizer.evidence.support import THRESHOLD, UNFAITHFUL_BELOW, evidence  # noqa: E402
from summarizer.text.extractive import extract  # noqa: E402

NTREX = {"fra": "fr", "deu": "de", "spa": "es", "ita": "it", "por": "pt", "nld": "nl", "pol": "pl", "rus": "ru",
         "ukr": "uk", "tur": "tr", "arb": "ar", "heb": "he", "fas": "fa", "hin": "hi", "ben": "bn", "urd": "ur",
         "zho-CN": "zh", "zho-TW": "zh", "jpn": "ja", "kor": "ko", "vie": "vi", "tha": "th", "ind": "id",
         "swa": "sw", "ell": "el", "ces": "cs", "ron": "ro", "hun": "hu", "swe": "sv"}
ERRORS = ("EntE", "CircE", "RelE", "OutE")
KINDS = ("EntE", "CircE", "RelE", "OutE", "GramE", "CorefE", "LinkE", "Other")


def ranks(values: list[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def roc_auc(positive: list[bool], score: list[float]) -> float:
    """The chance that a positive scores above a negative (Mann-Whitney), ties counted half."""
    r = ranks(score)
    count = sum(positive)
    return (sum(x for x, p in zip(r, positive, strict=True) if p) - count * (count + 1) / 2) / \
        (count * (len(positive) - count))


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    return cov / (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5


def rate(flags: list[bool]) -> float:
    return round(100 * sum(flags) / len(flags), 2) if flags else 0.0


def frank(path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    found = [evidence(row["article"], row["summary"], "en") for row in rows]
    scores = [item.score for item in found]
    weak = [item.weakest() is not None for item in found]  # the rule that decides Summary.faithful
    wrong = [row["labels"]["EntE"] < 1 or row["labels"]["CircE"] < 1 for row in rows]
    factuality = [row["labels"]["Factuality"] for row in rows]
    articles = list(dict.fromkeys(row["hash"] for row in rows))
    first = set(articles[:len(articles) // 2])

    def measured(keep: list[int]) -> dict:
        return {"summaries": len(keep), "with_error": sum(wrong[i] for i in keep),
                "roc_auc": round(roc_auc([wrong[i] for i in keep], [-scores[i] for i in keep]), 3),
                "spearman": round(spearman([scores[i] for i in keep], [factuality[i] for i in keep]), 3)}

    everything = list(range(len(rows)))
    flagged = [s < THRESHOLD for s in scores]
    recall = {}
    for kind in ERRORS:
        having = [i for i in everything if rows[i]["labels"][kind] < 1]
        recall[kind] = {"summaries": len(having), "flagged_pct": rate([flagged[i] for i in having])}
    clean = [i for i in everything if all(rows[i]["labels"][k] >= 1 for k in KINDS)]
    by_system = {}
    for system in dict.fromkeys(row["system"] for row in rows):
        keep = [i for i in everything if rows[i]["system"] == system]
        by_system[system] = {"mean_score": round(sum(scores[i] for i in keep) / len(keep), 3),
                             "flagged_pct": rate([flagged[i] for i in keep]),
                             "with_error_pct": rate([wrong[i] for i in keep])}
    thresholds = {}
    for threshold in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9):
        below = [s < threshold for s in scores]
        thresholds[str(threshold)] = {
            "flagged_with_error_pct": rate([below[i] for i in everything if wrong[i]]),
            "flagged_without_any_error_pct": rate([below[i] for i in clean])}
    return {"all": measured(everything),
            "half_1": measured([i for i in everything if rows[i]["hash"] in first]),
            "half_2": measured([i for i in everything if rows[i]["hash"] not in first]),
            "threshold": THRESHOLD, "recall": recall,
            "flagged_with_entity_or_circumstance_error_pct": rate([flagged[i] for i in everything if wrong[i]]),
            "flagged_without_any_error_pct": rate([flagged[i] for i in clean]), "without_any_error": len(clean),
            "by_system": by_system, "thresholds": thresholds,
            "lowest_sentence_below": {"threshold": UNFAITHFUL_BELOW,
                                      "flagged_with_error_pct": rate([weak[i] for i in everything if wrong[i]]),
                                      "flagged_without_any_error_pct": rate([weak[i] for i in clean])}}


def false_alarms(pairs: list[tuple[str, str]], source: str | None, target: str | None) -> dict:
    flagged, examples, unsupported = [], [], 0
    for article, summary in pairs:
        found = evidence(article, summary, target, article_language=source)
        flagged.append(not found.supported)
        unsupported += sum(len(s.unsupported) for s in found.sentences)
        if flagged[-1] and len(examples) < 5:
            examples.append({"article": article[:300], "summary": summary[:300], "score": found.score,
                             "unsupported": [u.reason for s in found.sentences for u in s.unsupported][:6]})
    return {"items": len(pairs), "flagged_pct": rate(flagged), "unsupported_spans": unsupported,
            "examples": examples}


def cnndm(path: Path) -> dict:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    copies = [(row["article"], " ".join(extract(row["article"], "en", 3))) for row in rows]
    highlights = [(row["article"], row["reference"]) for row in rows]
    return {"copies": false_alarms(copies, "en", "en"), "highlights": false_alarms(highlights, "en", "en")}


def ntrex(folder: Path) -> dict:
    english = (folder / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    out = {}
    for code, lang in NTREX.items():
        reference = (folder / f"newstest2019-ref.{code}.txt").read_text(encoding="utf-8").splitlines()
        pairs = list(zip(english, reference, strict=True))
        out[f"en->{code}"] = false_alarms(pairs, "en", lang)
        out[f"{code}->en"] = false_alarms([(ref, en) for en, ref in pairs], lang, "en")
        print(f"  NTREX {code:7} en->x flagged {out[f'en->{code}']['flagged_pct']:5.2f}%   "
              f"x->en flagged {out[f'{code}->en']['flagged_pct']:5.2f}%", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frank", type=Path, help="frank_cnndm_valid.jsonl")
    parser.add_argument("--cnndm", type=Path, help="cnndm_test_frank.jsonl (copies and human highlights)")
    parser.add_argument("--ntrex", type=Path, help="the NTREX-128 folder")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "evidence.json")
    args = parser.parse_args()
    started, report = time.perf_counter(), {"threshold": THRESHOLD}
    if args.frank:
        report["frank"] = result = frank(args.frank)
        print(f"FRANK validation ({result['all']['summaries']} summaries, {result['all']['with_error']} with an "
              f"entity or circumstance error), threshold {THRESHOLD}")
        print(f"  {'':8} {'ROC AUC':>8} {'Spearman':>9}")
        for part in ("all", "half_1", "half_2"):
            print(f"  {part:8} {result[part]['roc_auc']:8.3f} {result[part]['spearman']:9.3f}")
        print("  recall: " + ", ".join(f"{k} {v['flagged_pct']}% of {v['summaries']}"
                                       for k, v in result["recall"].items()))
        print(f"  flagged: {result['flagged_with_entity_or_circumstance_error_pct']}% of those with an entity or "
              f"circumstance error, {result['flagged_without_any_error_pct']}% of the "
              f"{result['without_any_error']} with no error of any kind")
        print("  threshold: " + ", ".join(f"{t}: {v['flagged_with_error_pct']}% / {v['flagged_without_any_error_pct']}%"
                                          for t, v in result["thresholds"].items()) + " (flagged with / without error)")
        rule = result["lowest_sentence_below"]
        print(f"  a sentence below {rule['threshold']} (Summary.faithful): {rule['flagged_with_error_pct']}% / "
              f"{rule['flagged_without_any_error_pct']}% (flagged with / without error)")
        for system, row in result["by_system"].items():
            print(f"  {system:9} mean score {row['mean_score']:.3f}, flagged {row['flagged_pct']:5.1f}%, "
                  f"with an entity/circumstance error {row['with_error_pct']:5.1f}%")
    if args.cnndm:
        report["cnndm"] = result = cnndm(args.cnndm)
        for kind, row in result.items():
            print(f"CNN/DM {kind}: {row['flagged_pct']}% of {row['items']} flagged, "
                  f"{row['unsupported_spans']} unsupported spans")
    if args.ntrex:
        report["ntrex"] = result = ntrex(args.ntrex)
        worst = max(result.items(), key=lambda item: item[1]["flagged_pct"])
        report["ntrex_worst"] = {"pair": worst[0], "flagged_pct": worst[1]["flagged_pct"]}
        print(f"NTREX worst: {worst[0]} {worst[1]['flagged_pct']}% flagged")
    report["seconds"] = round(time.perf_counter() - started, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
