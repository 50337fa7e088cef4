"""Sentence-splitting F1 and document language-ID accuracy on NTREX-128 (29 languages).

    python benchmarks/bench_splitter_langid.py ../shared/eval/ntrex128 [--json OUT]

Each of the 123 documents is rebuilt from its line-aligned sentences the way an
article looks: the headline (the document's first line) on a line of its own, the
body sentences joined by one space (no space for Chinese and Japanese). The
splitter then has to find every boundary inside the body. Boundary F1 compares
the positions (in non-space characters) where the splitter ends a sentence with
the gold ones. Language ID runs on each whole document.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer.text.detect import detect_language
from summarizer.text.splitting import split_sentences

CODES = {"eng": "en", "fra": "fr", "deu": "de", "spa": "es", "ita": "it", "por": "pt", "nld": "nl", "pol": "pl",
         "rus": "ru", "ukr": "uk", "tur": "tr", "arb": "ar", "heb": "he", "fas": "fa", "hin": "hi", "ben": "bn",
         "urd": "ur", "zho-CN": "zh", "zho-TW": "zh", "jpn": "ja", "kor": "ko", "vie": "vi", "tha": "th",
         "ind": "id", "swa": "sw", "ell": "el", "ces": "cs", "ron": "ro", "hun": "hu", "swe": "sv"}
UNSPACED = {"zh", "ja"}


def boundaries(pieces: list[str]) -> set[int]:
    """End positions, counted in non-space characters, of every piece but the last."""
    ends, position = set(), 0
    for piece in pieces[:-1]:
        position += len("".join(piece.split()))
        ends.add(position)
    return ends


def documents(root: Path, name: str) -> list[list[str]]:
    ids = (root / "DOCUMENT_IDS.tsv").read_text().split("\n")
    file = root / ("newstest2019-src.eng.txt" if name == "eng" else f"newstest2019-ref.{name}.txt")
    grouped: OrderedDict[str, list[str]] = OrderedDict()
    for doc, line in zip(ids, file.read_text(encoding="utf-8").split("\n"), strict=False):
        if doc.strip():
            grouped.setdefault(doc.strip(), []).append(line.strip())
    return list(grouped.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ntrex", help="the ntrex128 folder")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    root = Path(args.ntrex)
    report: dict = {"languages": {}}
    correct = total = 0
    print(f"{'language':<9}{'F1':>7}{'P':>7}{'R':>7}{'lang-ID':>10}")
    for name, code in CODES.items():
        tp = fp = fn = right = 0
        docs = documents(root, name)
        for sentences in docs:
            headline, body = sentences[0], sentences[1:]
            text = headline + "\n" + ("" if code in UNSPACED else " ").join(body)
            gold = boundaries(sentences)
            found = boundaries(split_sentences(text))
            tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
            right += detect_language(text).language == code
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report["languages"][name] = {"f1": f1, "precision": precision, "recall": recall,
                                     "langid_accuracy": right / len(docs), "documents": len(docs)}
        correct, total = correct + right, total + len(docs)
        print(f"{name:<9}{f1:>7.3f}{precision:>7.3f}{recall:>7.3f}{right:>6}/{len(docs)}")
    f1s = [v["f1"] for v in report["languages"].values()]
    report.update(mean_f1=statistics.fmean(f1s), min_f1=min(f1s), langid_accuracy=correct / total)
    print(f"mean F1 {report['mean_f1']:.3f}, lowest {report['min_f1']:.3f}; "
          f"language ID {correct}/{total} = {100 * correct / total:.2f}%")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
