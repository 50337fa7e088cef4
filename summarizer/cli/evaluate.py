"""Quality metrics: ROUGE for summaries, chrF and BLEU for translations, and beside ROUGE the mean support
score of the summaries in their articles (`support.evidence`: no reference needed).

ROUGE comes from rouge-score. Its default tokenizer keeps only a-z and 0-9, which
would score every non-Latin summary as empty: English keeps that tokenizer (with
Porter stemming, as published CNN/DailyMail figures use); other languages are
split into words with \\w+, and Chinese, Japanese and Thai into characters.
chrF and BLEU come from sacrebleu, with its signature reported.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from ..errors import SummarizerError
from ..languages import CJK, HANGUL, THAI

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_CHARACTER_SCRIPTS = re.compile(f"[{THAI}{CJK}{HANGUL}]")


def _require(module: str, package: str):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise SummarizerError(f"Evaluation needs {package}: pip install -e '.[eval]'") from None


class UnicodeTokenizer:
    """Lower-cased words; characters for scripts written without spaces."""

    def tokenize(self, text: str) -> list[str]:
        tokens = []
        for word in re.findall(r"\w+", text.casefold()):
            tokens.extend(list(word) if _CHARACTER_SCRIPTS.search(word) else [word])
        return tokens


def rouge(predictions: Sequence[str], references: Sequence[str], language: str = "en") -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 (x100) over the pairs."""
    rouge_scorer = _require("rouge_score.rouge_scorer", "rouge-score")
    tokenizer = None if language == "en" else UnicodeTokenizer()
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=language == "en", tokenizer=tokenizer)
    scores = [scorer.score(ref, pred) for pred, ref in zip(predictions, references, strict=True)]
    return {kind: 100 * statistics.fmean(s[kind].fmeasure for s in scores) for kind in ROUGE_TYPES}


def translation_scores(hypotheses: Sequence[str], references: Sequence[str], language: str) -> dict:
    """Corpus chrF and BLEU (sacrebleu), with their signatures."""
    sacrebleu = _require("sacrebleu", "sacrebleu")
    tokenize = {"zh": "zh", "ja": "ja-mecab", "ko": "ko-mecab"}.get(language, "13a")
    chrf = sacrebleu.metrics.CHRF()
    try:
        bleu = sacrebleu.metrics.BLEU(tokenize=tokenize)
        bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    except (ImportError, RuntimeError):  # mecab tokenizers are optional: fall back to characters
        bleu = sacrebleu.metrics.BLEU(tokenize="char")
        bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf_score = chrf.corpus_score(list(hypotheses), [list(references)])
    return {"chrf": chrf_score.score, "bleu": bleu_score.score, "chrf_signature": str(chrf.get_signature()),
            "bleu_signature": str(bleu.get_signature())}


def mean_support(texts: Sequence[str], predictions: Sequence[str], language: str,
                 found: Sequence | None = None) -> float:
    """Mean support score of each prediction in its article: `found[i]` (the pipeline's `Evidence`) where given,
    else `support.evidence` of the pair."""
    from ..evidence.support import evidence

    found = found or [None] * len(texts)
    scores = [(given or evidence(text, prediction, language, article_language=language)).score
              for text, prediction, given in zip(texts, predictions, found, strict=True)]
    return statistics.fmean(scores) if scores else 1.0


def lead(text: str, count: int = 3) -> str:
    """The first `count` sentences: the classic news baseline."""
    from ..text.splitting import split_sentences

    return " ".join(split_sentences(text)[:count])


def _read_rows(path: str, limit: int | None) -> list[dict]:
    """JSONL rows; a line that is not a JSON object is an error naming the file and line."""
    import json
    from pathlib import Path

    from ..batch.inputs import decode
    from ..errors import InputError

    try:
        lines = decode(Path(path).read_bytes(), path).splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from None
    rows: list[dict] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not valid JSON ({exc})") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{number}: a JSON object was expected")
        rows.append(row)
        if limit and len(rows) == limit:
            break
    return rows


def eval_command(argv: Sequence[str]) -> int:
    """summarize eval DATA.jsonl: ROUGE of summaries against references; chrF/BLEU of translations."""
    import argparse
    import json

    from ..config import add_limit_flags, add_model_flags, add_request_flags, config_from_args
    from ..errors import InputError
    from ..languages import normalize_language
    from ..pipeline.summarizer import Summarizer

    parser = argparse.ArgumentParser(
        prog="summarize eval", description="Score summaries (ROUGE) and translations (chrF, BLEU) against "
        "references, with the summaries' mean support score in their articles (0 to 1, see `summarize check`). "
        "The summariser scored is the one the model flags configure (e.g. --preset extractive).")
    parser.add_argument("data", help="JSONL, one article per line")
    parser.add_argument("--system", default="summarizer", choices=["summarizer", "lead-3"],
                        help="what to score: the configured summariser, or the first three sentences "
                             "(default: summarizer)")
    parser.add_argument("--text-field", default="text", help="the article (default: text)")
    parser.add_argument("--reference-field", default="reference", help="the reference summary (default: reference)")
    parser.add_argument("--translations-field",
                        help="a field holding {language: reference translation of the text}: scores translations")
    parser.add_argument("--limit", type=int, help="only the first N rows")
    parser.add_argument("-o", "--output", help="write the scores as JSON here")
    add_request_flags(parser, languages=False)
    add_model_flags(parser)
    add_limit_flags(parser)
    args = parser.parse_args(argv)
    language = normalize_language(args.source_language or "en")
    rows = _read_rows(args.data, args.limit)
    if not rows or args.text_field not in rows[0]:
        raise InputError(f"{args.data}: no rows with a {args.text_field!r} field; choose one with --text-field")
    texts = [row[args.text_field] for row in rows]
    system = args.system if args.system == "lead-3" else args.summarizer_model or args.preset
    report: dict = {"data": args.data, "rows": len(rows), "system": system, "language": language}
    config = config_from_args(args)
    summarizer = Summarizer.from_config(config)
    if args.reference_field in rows[0]:
        found = None
        if args.system == "lead-3":
            predictions = [lead(text, 3) for text in texts]
        else:
            results = summarizer.summarize_batch(texts, [language], source_language=language, include_source=False)
            predictions = [result.summaries[language] for result in results]
            found = [result.evidence.get(language) for result in results]
        report["rouge"] = rouge(predictions, [row[args.reference_field] for row in rows], language)
        report["support"] = mean_support(texts, predictions, language, found)
        print(f"ROUGE ({len(rows)} rows, {system}): " +
              "  ".join(f"{kind} {value:.2f}" for kind, value in report["rouge"].items()) +
              f"  support {report['support']:.3f}")
    if args.translations_field:
        report["translation"] = {}
        targets = sorted({lang for row in rows for lang in (row.get(args.translations_field) or {})})
        for target in targets:
            pairs = [(row[args.text_field], row[args.translations_field][target]) for row in rows
                     if target in (row.get(args.translations_field) or {})]
            hypotheses = summarizer.translate([source for source, _ in pairs], target, language)
            scores = translation_scores(hypotheses, [reference for _, reference in pairs], target)
            report["translation"][target] = {"rows": len(pairs), **scores}
            print(f"{language}->{target} ({len(pairs)} rows): chrF {scores['chrf']:.2f}  BLEU {scores['bleu']:.2f}  "
                  f"[{scores['bleu_signature']}]")
    if "rouge" not in report and "translation" not in report:
        raise InputError(f"{args.data}: no {args.reference_field!r} field and no --translations-field to score.")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, ensure_ascii=False)
    return 0
