"""Quality metrics: ROUGE for summaries, chrF and BLEU for translations.

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

from .errors import SummarizerError

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_CHARACTER_SCRIPTS = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


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


def lead(text: str, count: int = 3) -> str:
    """The first `count` sentences: the classic news baseline."""
    from .text import split_sentences

    return " ".join(split_sentences(text)[:count])
