"""The evidence step of the pipeline: for every summary of an article, in every language, the article sentences
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

from .article import Article
from .support import Evidence, SentenceEvidence, evidence


def ground(articles: list[Article]) -> None:
    """Set `evidence[lang]` for every summary of each article."""
    for art in articles:
        written = {lang: evidence(art.text, text, lang, article_language=art.source)
                   for lang, text in art.written.items() if lang in art.summaries}
        home = written.get(art.summary_language) or (evidence(art.text, art.summary, art.summary_language,
                                                              article_language=art.source) if art.summary else None)
        for lang, text in art.summaries.items():
            if lang in written:
                art.evidence[lang] = written[lang]
            elif lang in art.translated and home is not None:
                art.evidence[lang] = translated_evidence(art.text, art.source, home, text, art.translated[lang], lang)


def translated_evidence(article: str, article_language: str, original: Evidence, text: str, translated: list[str],
                        language: str) -> Evidence:
    """The evidence of a translation of the summary `original` describes: sentence i of `translated` (the
    translator's output for sentence i of that summary) keeps its sources and score."""
    checked = evidence(article, text, language, article_language=article_language)
    spans = _offsets(text, translated)
    if spans is None or len(translated) != len(original.sentences):
        return replace(checked, method=f"{checked.method} (the translation's sentences do not line up with the "
                                       f"{original.language} summary's; checked against the article directly)")
    own = [u for sentence in checked.sentences for u in sentence.unsupported]
    sentences = []
    for (start, end), source in zip(spans, original.sentences, strict=True):
        marks = tuple(u for u in own if start <= u.start < end)
        worst = min((s.score for s in checked.sentences if s.start < end and start < s.end), default=1.0)
        sentences.append(SentenceEvidence(start, end, text[start:end], min(source.score, worst) if marks
                                          else source.score, source.sources, marks, source.copied, source.compared))
    score = sum(s.score for s in sentences) / len(sentences) if sentences else 1.0
    return Evidence(round(score, 4), tuple(sentences), original.article_sentences,
                    f"translated sentence by sentence from the {original.language} summary ({original.method})",
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
