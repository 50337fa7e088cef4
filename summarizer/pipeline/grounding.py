"""Step 6 of the pipeline, the evidence: for every summary of an article, in every language, the article sentences
behind each of its sentences, what nothing in the article supports, and a support score (`support.evidence`).

A summary the summariser wrote (in the article's language, in English after a pivot, or directly in another
language) is compared with the article itself: word by word in the same language, by numbers and names across
languages. A translated summary went through the translator sentence by sentence, one sentence out for each
sentence in, so each of its sentences carries the sources and score of the sentence it translates; numbers and
names the translation states that the article does not are marked in it too (and lower its sentence's score).
Where the translated sentences cannot be lined up with the summary's (an empty translation of a sentence), the
translation is checked against the article directly, numbers and names only, and its `method` says so.
"""

from __future__ import annotations

from dataclasses import replace

from ..evidence.backcheck import BackCheck
from ..evidence.support import UNFAITHFUL_BELOW, Evidence, SentenceEvidence, Unsupported, evidence
from .article import Article


def ground(articles: list[Article]) -> None:
    """Set `evidence[lang]` for every summary of each article; a summary with a sentence the article hardly
    supports is marked not faithful (`_flag_weak`)."""
    for art in articles:
        written = {lang: evidence(art.text, text, lang, article_language=art.source)
                   for lang, text in art.written.items() if lang in art.summaries}
        home = written.get(art.summary_language) or (evidence(art.text, art.summary, art.summary_language,
                                                              article_language=art.source) if art.summary else None)
        for lang, text in art.summaries.items():
            if lang in written:
                art.evidence[lang] = written[lang]
            elif lang in art.translated and home is not None:
                art.evidence[lang] = translated_evidence(art.text, art.source, home, text, art.translated[lang], lang,
                                                         art.back.get(lang))
            elif lang not in art.translated:  # held to the article after translation (strict mode)
                art.evidence[lang] = evidence(art.text, text, lang, article_language=art.source)
            _flag_weak(art, lang)


def _flag_weak(art: Article, lang: str) -> None:
    """A summary with a sentence the article supports less than `UNFAITHFUL_BELOW` is not faithful."""
    found = art.evidence.get(lang)
    weakest = found.weakest() if found is not None else None
    if weakest is None:
        return
    number, sentence = weakest
    low = sum(1 for s in found.sentences if s.score < UNFAITHFUL_BELOW)
    art.faithful[lang] = False
    art.warn_language(lang, f"unfaithful: {low} sentence(s) with support below {UNFAITHFUL_BELOW}, the lowest "
                            f"sentence {number} ({sentence.score:.2f}): too little of it was found in the article "
                            "(see its evidence)")


def translated_evidence(article: str, article_language: str, original: Evidence, text: str, translated: list[str],
                        language: str, back: tuple[str, list[BackCheck]] | None = None) -> Evidence:
    """The evidence of a translation of the summary `original` describes: sentence i of `translated` (the
    translator's output for sentence i of that summary) keeps its sources and score. `back` (strict mode): the
    model that translated each sentence back, and how each back-translation compares with its summary sentence
    (`backcheck.py`): a flagged sentence is marked whole, and its score is at most the back-translation's support."""
    checked = evidence(article, text, language, article_language=article_language)
    spans = _offsets(text, translated)
    if spans is None or len(translated) != len(original.sentences):
        return replace(checked, method=f"{checked.method} (the translation's sentences do not line up with the "
                                       f"{original.language} summary's; checked against the article directly)")
    own = [u for sentence in checked.sentences for u in sentence.unsupported]
    checked_back = back is not None and len(back[1]) == len(spans)
    backs = back[1] if checked_back else [None] * len(spans)
    sentences = []
    for (start, end), source, again in zip(spans, original.sentences, backs, strict=True):
        marks = tuple(u for u in own if start <= u.start < end)
        worst = min((s.score for s in checked.sentences if s.start < end and start < s.end), default=1.0)
        score, compared = (min(source.score, worst) if marks else source.score), source.compared
        if again is not None:
            compared += len(again.back.split())
            if again.flagged:
                marks += (Unsupported(start, end, text[start:end], "meaning",
                                      f"translated back into {original.language} it reads {again.back!r}: "
                                      f"{'; '.join(again.differences)}, which the summary sentence does not say"),)
                score = min(score, again.support)
        sentences.append(SentenceEvidence(start, end, text[start:end], score, source.sources, marks, source.copied,
                                          compared))
    score = sum(s.score for s in sentences) / len(sentences) if sentences else 1.0
    how = (f"; each sentence translated back by {back[0]} and compared with the summary sentence (negations, "
           "numbers, the article's names)") if checked_back else ""
    return Evidence(round(score, 4), tuple(sentences), original.article_sentences,
                    f"translated sentence by sentence from the {original.language} summary ({original.method}){how}",
                    language, article_language, tuple(dict.fromkeys(original.warnings + checked.warnings)),
                    sum(s.compared for s in sentences))


def _offsets(text: str, pieces: list[str]) -> list[tuple[int, int]] | None:
    """Where each piece stands in `text` (the pieces joined as `join_sentences` joins them); None if one is empty."""
    spans, position = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            return None
        start = text.find(piece, position)
        if start < 0:
            return None
        spans.append((start, start + len(piece)))
        position = start + len(piece)
    return spans
