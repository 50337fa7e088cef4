"""How often the repetition check (`faithfulness.repetition`) fires on real text, and on what.

    python benchmarks/bench_repetition.py --data ../shared/eval [--summaries DIR]

False alarms: the check run on text that is correct by construction: CNN/DailyMail's human highlights and the
summaries of five systems (FRANK's test split), OrangeSum's human abstracts, and every NTREX-128 document (whole
documents of professional translation, 29 languages). Catches: JSONL files of model summaries (the `summary`
field), such as the caches benchmarks/bench_summarizer_real.py writes; each one it fires on is printed, to be
read. Writes benchmarks/results/repetition.json.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_summarizer_real import read_jsonl  # noqa: E402

from summarizer.evidence.faithfulness import repetition  # noqa: E402


def correct_texts(data: Path) -> dict[str, list[str]]:
    """Named groups of text that is right by construction (no model stuck in a loop wrote it)."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in read_jsonl(str(data / "cnndm_frank" / "cnndm_test_frank.jsonl")):
        groups["CNN/DM human highlights"].append(row["reference"])
        systems = row["system_summaries"]
        for system, summary in (ast.literal_eval(systems) if isinstance(systems, str) else systems).items():
            groups[f"CNN/DM system {system}"].append(summary)
    for row in read_jsonl(str(data / "orangesum_dev" / "orangesum_dev.jsonl")):
        groups["OrangeSum human abstracts"].append(row["reference"])
    ntrex = data / "ntrex128"
    documents = (ntrex / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    for path in sorted(ntrex.glob("newstest2019-*.txt")):
        by_document: dict[str, list[str]] = defaultdict(list)
        for document, sentence in zip(documents, path.read_text(encoding="utf-8").splitlines(), strict=False):
            by_document[document].append(sentence)
        groups["NTREX-128 documents, 29 languages"] += [" ".join(s) for s in by_document.values()]
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the eval folder (cnndm_frank/, orangesum_dev/, ntrex128/)")
    parser.add_argument("--summaries", help="a folder of JSONL files of model summaries (a `summary` field)")
    parser.add_argument("--json", default=str(HERE / "results" / "repetition.json"))
    args = parser.parse_args()
    report: dict = {"false_alarms": {}, "model_summaries": {}}
    print(f"{'correct text':<40}{'texts':>7}{'flagged':>9}")
    for name, texts in correct_texts(Path(args.data)).items():
        fired = [(text[:100], problem) for text in texts if (problem := repetition(text))]
        report["false_alarms"][name] = {"texts": len(texts), "flagged": len(fired), "each": fired}
        print(f"{name:<40}{len(texts):>7}{len(fired):>9}")
        for text, problem in fired[:5]:
            print(f"    {problem}: {text!r}")
    if args.summaries:
        print(f"\n{'model summaries':<50}{'texts':>7}{'flagged':>9}")
        for path in sorted(Path(args.summaries).glob("*.jsonl")):
            rows = [row for row in read_jsonl(str(path)) if row.get("summary")]
            fired = [(row["id"], problem, row["summary"][:160]) for row in rows
                     if (problem := repetition(row["summary"]))]
            report["model_summaries"][path.stem] = {"texts": len(rows), "flagged": len(fired), "each": fired}
            print(f"{path.stem:<50}{len(rows):>7}{len(fired):>9}")
            for _, problem, text in fired:
                print(f"    {problem}: {text!r}")
    Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
