"""ROUGE of the extractive engine against Lead-3 and sumy's LexRank and TextRank, on the same articles.

    python benchmarks/bench_extractive_rouge.py ../shared/eval/cnndm_frank/cnndm_test_frank.jsonl \
        [--limit N] [--json OUT]
    python benchmarks/bench_extractive_rouge.py ../shared/eval/orangesum_dev/orangesum_dev.jsonl --language fr

Every system picks 3 sentences from the same sentence split (ours), so only the
choice of sentences differs. ROUGE-1/2/L F1 with Porter stemming (rouge-score),
as published CNN/DailyMail figures are computed, for English; for other languages
rouge-score with a tokenizer that keeps their letters, no stemming (summarizer.cli.evaluate).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from summarizer.cli.evaluate import lead, rouge
from summarizer.text.extractive import extract
from summarizer.text.splitting import clean_text, split_sentences


class _OurSplitter:
    """sumy's tokenizer interface on top of our splitter (sumy's own needs NLTK data downloads)."""

    language = "english"

    def to_sentences(self, text):
        return split_sentences(text)

    def to_words(self, sentence):
        import re

        return re.findall(r"\w+", sentence)


def sumy_summarizers():
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    made = {}
    for name, cls in (("sumy LexRank", LexRankSummarizer), ("sumy TextRank", TextRankSummarizer)):
        summarizer = cls(Stemmer("english"))
        summarizer.stop_words = get_stop_words("english")
        made[name] = summarizer
    return made


def sumy_summary(summarizer, text: str, count: int = 3) -> str:
    from sumy.parsers.plaintext import PlaintextParser

    parser = PlaintextParser.from_string(text, _OurSplitter())
    return " ".join(str(s) for s in summarizer(parser.document, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="JSONL with 'article' and 'reference' fields")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--json", help="write the scores here")
    parser.add_argument("--language", default="en", help="the articles' language (default: en)")
    args = parser.parse_args()
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = rows[: args.limit] if args.limit else rows
    articles = [clean_text(row["article"]) for row in rows]
    references = [row["reference"] for row in rows]
    language = args.language
    systems = {"Lead-3": lambda text: lead(text, 3),
               "ours (extractive)": lambda text: " ".join(extract(text, language, 3))}
    try:
        if language == "en":
            systems.update({name: (lambda text, s=s: sumy_summary(s, text)) for name, s in sumy_summarizers().items()})
    except ImportError:
        print("sumy is not installed (pip install -e '.[bench]'): LexRank and TextRank skipped", file=sys.stderr)
    report = {"articles": len(rows), "data": args.data, "language": language, "scores": {}}
    print(f"{len(rows)} articles from {args.data}")
    print(f"{'system':<20}{'R-1':>7}{'R-2':>7}{'R-L':>7}{'s/article':>11}")
    for name, summarize in systems.items():
        clock = time.perf_counter()
        predictions = [summarize(text) for text in articles]
        seconds = (time.perf_counter() - clock) / len(articles)
        scores = rouge(predictions, references, language)
        report["scores"][name] = {**scores, "seconds_per_article": seconds}
        print(f"{name:<20}{scores['rouge1']:>7.2f}{scores['rouge2']:>7.2f}{scores['rougeL']:>7.2f}{seconds:>11.4f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
