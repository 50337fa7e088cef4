"""Steps 3 and 4 of the pipeline: chunk, summarise, reduce; then check each summary against its article.

Every chunk of every article goes through one batched call; an article longer than
the summariser's input is summarised in chunks whose summaries are summarised again
until one remains (map, then reduce). Nothing is truncated, except where an instruction
model reads the most central sentences of a long article instead (`Config.long_articles`),
which its warnings say. The last step writes each summary the summariser makes for an
article: in its summary language, and, for an instruction model, in every target language
it writes directly (`Article.writes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..evidence.faithfulness import check_summary
from ..evidence.support import evidence
from ..languages import UNSPACED
from ..models.base import Generated, Model
from ..options import SummarizeOptions
from ..text.extractive import SENTENCES_FOR_LENGTH, central_part, extract
from ..text.splitting import chunk, ends_sentence, join_sentences, split_sentences, trim_to_sentence
from .article import Article

# strict: a summary sentence the article supports less than this is replaced by the article sentence that supports
# it best (chosen on the development half of benchmarks/results/faithful_set, counting which labelled error spans
# the replaced sentences held: 6/29 -> 3/29 summaries with an error (0.5B), 17/29 -> 2/29 (1.5B), 0.8 left 4 and 5;
# the strict summaries, read again, had 4/29 and 3/29: docs/benchmarks.md)
STRICT_SUPPORT = 0.9
# strict: an article sentence in the summary whose first CONTEXT_WORDS words hold a word that refers back (a
# pronoun, a demonstrative) is preceded by the article sentence before it, when the summary lacks that one: copied
# out of place, "he told me" or "Ce dernier" point to no one (3 of the 4 such errors on the development half)
CONTEXT_WORDS = 6
REFERS_BACK = {
    "en": frozenset("he she they it him her them his its their this these those".split()),
    "fr": frozenset("il elle ils elles ce cet cette ces celui celle ceux celles lui leur leurs".split()),
}
_WORD = re.compile(r"\w+")


def _chunks(model: Model, art: Article, text: str, budget: int) -> list[str]:
    spaced = art.summary_language not in UNSPACED
    chunks, split = chunk(text, model.count_tokens, budget, spaced)
    for tokens, pieces in split:
        art.warn(f"a sentence of {tokens} tokens (over the {budget}-token limit of {model.name}) was split at "
                 f"word level into {pieces} pieces")
    return chunks


def finish(out: Generated, art: Article) -> str:
    """A generated summary, its unfinished last sentence cut when the length limit stopped it (saying so)."""
    if not out.text.strip():
        art.warn("the summariser produced an empty summary")
    if out.finished:
        return out.text
    text, trimmed = trim_to_sentence(out.text)
    if trimmed:
        art.warn("summary reached the length limit; its unfinished last sentence was removed")
    elif not ends_sentence(text):
        art.warn("summary reached the length limit and does not end with a full sentence")
    return text


def summarize_articles(model: Model, articles: list[Article], options: SummarizeOptions, *, batch_size: int,
                       max_rounds: int, active: Callable[[int], bool] | None = None, central: bool = False) -> None:
    """Set each article's `written` summaries: chunk, summarise all chunks in one batched call, reduce; the
    last call writes every language the summariser writes for the article. `central`: an instruction model
    reads the most central sentences of an article longer than its input instead of every chunk. Before each
    call, an article whose client has gone (`active(index)` false) is marked `gone` and left out."""
    budget = model.max_input_tokens - 2  # room for bos/eos
    settings = model.summary_settings(options.length, options.summary_tokens, budget)
    pending: dict[int, list[str]] = {}
    by_index = {art.index: art for art in articles}
    for art in articles:
        text = art.work_text
        if central and model.family == "instruct":
            text, kept, total = central_part(text, art.read_language, model.count_tokens, budget)
            if kept < total:
                art.warn(f"article longer than the summariser's {budget}-token input: {model.name} read its {kept} "
                         f"most central of {total} sentences (the extractive ranking; long_articles='chunks' reads "
                         "all of it, in chunks, at several times the cost)")
        pending[art.index] = _chunks(model, art, text, budget)
        art.chunks = len(pending[art.index])
        if art.chunks > 1:
            art.warn(f"article longer than the summariser's {budget}-token input: summarised in {art.chunks} "
                     "chunks, then the chunk summaries were summarised again")
    for _ in range(max_rounds + 1):
        for index in [index for index in pending if active is not None and not active(index)]:
            by_index[index].gone = True
            del pending[index]
        if not pending:
            break
        # (article, text, language, whether this is the article's last step)
        tasks = [(index, piece, lang, len(pieces) == 1) for index, pieces in pending.items()
                 for lang in (by_index[index].writes if len(pieces) == 1 else (by_index[index].summary_language,))
                 for piece in pieces]
        outputs = model.summarize([task[1] for task in tasks], [task[2] for task in tasks], settings=settings,
                                  batch_size=batch_size)
        grouped: dict[int, list[Generated]] = {}
        for (index, piece, lang, last), out in zip(tasks, outputs, strict=True):
            art = by_index[index]
            if out.truncated_input:
                art.warn(f"{model.name} cut an input at {model.max_input_tokens} tokens")
            if last:
                art.written[lang] = finish(out, art)
                art.final_input = piece
            else:
                grouped.setdefault(index, []).append(out)
        pending = {index: _chunks(model, by_index[index], join_sentences([out.text for out in outs]), budget)
                   for index, outs in grouped.items()}
    for index, pieces in pending.items():  # did not converge: keep everything, say so
        art = by_index[index]
        art.written = {art.summary_language: join_sentences(pieces)}  # the direct languages are translated
        art.warn(f"summary still {len(pieces)} chunks long after {max_rounds} rounds; the chunk summaries are joined")


def summarize_extractively(articles: list[Article], options: SummarizeOptions) -> None:
    for art in articles:
        art.written = {art.summary_language: art.extractive(SENTENCES_FOR_LENGTH[options.length])}


def check_summaries(articles: list[Article], model: Model | None, options: SummarizeOptions) -> None:
    """Numbers and names of each summary must be in what it summarises; `strict` acts on a failure:
    the summary is generated again with twice the beams; if that fails too, a summary in the article's
    language becomes extractive, and one the summariser wrote in another language directly is made by
    translation instead. `strict` then holds a summary written in the article's own language to the article
    (`hold_to_article`; after a pivot the summary is in English and is not held: its translation into the
    article's language is, by `hold_translated`)."""
    for art in articles:
        for lang in list(art.written):
            if lang not in art.written:
                continue  # dropped by hold_to_article: translated from the repaired summary
            problems = check_summary(art.work_text, art.written[lang], lang, art.read_language)
            if problems and options.strict and model is not None:
                problems = _retry(art, model, options, problems, lang)
            if lang not in art.written:
                continue  # given up: this language is translated from the article's summary
            if options.strict and model is not None and lang == art.read_language == art.source \
                    and hold_to_article(art, lang):
                problems = check_summary(art.work_text, art.written[lang], lang, art.read_language)
            art.faithful[lang] = not problems
            for problem in problems:
                art.warn_language(lang, f"unfaithful: {problem}")


def _retry(art: Article, model: Model, options: SummarizeOptions, problems: list[str], lang: str) -> list[str]:
    first = "; ".join(problems)
    if not art.final_input:  # the chunk summaries never became one text: there is nothing to regenerate from
        art.warn_language(lang, "strict: the summary failed the faithfulness check and could not be regenerated "
                                "(its chunk summaries never converged)")
        return problems
    settings = model.summary_settings(options.length, options.summary_tokens, model.max_input_tokens - 2)
    settings = settings.replace(num_beams=2 * max(1, settings.num_beams or 4), length_penalty=1.0)
    retry = finish(model.summarize([art.final_input], [lang], settings=settings, batch_size=1)[0], art)
    if not check_summary(art.work_text, retry, lang, art.read_language):
        art.warn_language(lang, f"strict: the first summary failed the faithfulness check ({first}); regenerated "
                                "with wider beam search")
        art.written[lang] = retry
        return []
    if lang != art.read_language:
        if lang != art.summary_language:
            del art.written[lang]
            art.warn_language(lang, f"strict: the summary written in this language failed the faithfulness check "
                                    f"twice ({first}); translated from the {art.summary_language!r} summary instead")
            return []
        return problems  # no extractive summary in `lang`: the first summary stays, flagged
    count = max(1, len(split_sentences(art.written[lang])))
    art.written[lang] = art.extractive(count)
    art.warn_language(lang, f"strict: the summary failed the faithfulness check twice ({first}); replaced by the "
                            f"article's {count} most central sentences (extractive)")
    return check_summary(art.work_text, art.written[lang], lang, art.read_language)


def _held(summary: str, article: str, lang: str) -> tuple[str, int, int, int]:
    """`summary` with each sentence the article supports less than `STRICT_SUPPORT` replaced by the article
    sentence that supports it best (once; a sentence nothing supports is dropped), and article sentences that
    refer back put in context (`_in_context`); how many changed, how many were added for context, of how many.
    When no sentence holds, nothing of the summary is kept: the article's most central sentences, as many as it
    had up to a long summary's (on the development half this kept ROUGE where sentence-by-sentence sources lost
    it)."""
    found = evidence(article, summary, lang)
    sentences = split_sentences(article)
    kept: list[str] = []
    changed = 0
    for sentence in found.sentences:
        text = sentence.text
        if sentence.score < STRICT_SUPPORT:
            changed += 1
            if not sentence.sources:
                continue
            text = sentences[sentence.sources[0].sentence]
        if text not in kept:
            kept.append(text)
    spaced = lang not in UNSPACED
    if changed and changed == len(found.sentences):
        kept = extract(article, lang, min(changed, SENTENCES_FOR_LENGTH["long"]))
    placed, context = _in_context(kept, sentences, lang)
    return join_sentences(placed, spaced), changed, context, len(found.sentences)


def _in_context(kept: list[str], sentences: list[str], lang: str) -> tuple[list[str], int]:
    """`kept`, each article sentence in it that refers back (`REFERS_BACK`) preceded by the article sentence
    before it when the summary lacks that one; and how many were added."""
    back = REFERS_BACK.get(lang)
    if not back:
        return kept, 0
    index = {sentence: i for i, sentence in enumerate(sentences)}
    placed: list[str] = []
    context = 0
    for sentence in kept:
        i = index.get(sentence, 0)
        words = [word.casefold() for word in _WORD.findall(sentence)[:CONTEXT_WORDS]]
        # not when the sentence before is in the summary anywhere: moving it up un-places what it answers
        if i and sentences[i - 1] not in kept and sentences[i - 1] not in placed and back.intersection(words):
            placed.append(sentences[i - 1])
            context += 1
        placed.append(sentence)
    return placed, context


def _held_note(changed: int, added: int, total: int) -> str:
    if changed and changed == total:
        note = (f"strict: no summary sentence had support of {STRICT_SUPPORT} or more: the summary was replaced by "
                "the article's most central sentences (extractive)")
    elif changed:
        note = (f"strict: {changed} of {total} summary sentences had support below {STRICT_SUPPORT}: each replaced by "
                "the article sentence that supports it best")
    else:
        note = ""
    if added:
        placed = f"{added} article sentence(s) put before the summary sentences that refer back to them"
        note = f"{note}; {placed}" if note else f"strict: {placed}"
    return note


def hold_to_article(art: Article, lang: str) -> int:
    """Strict: the summary in the article's language, held to the article (`_held`). When a sentence was replaced,
    the summaries the summariser wrote directly in other languages, which it wrote from the same reading, are
    dropped and made by translating the repaired summary. Returns how many sentences changed or were added."""
    text, changed, added, total = _held(art.written[lang], art.work_text, lang)
    if not changed and not added:
        return 0
    art.written[lang] = text
    art.warn_language(lang, _held_note(changed, added, total))
    if changed and lang == art.summary_language:  # not for context alone: what they say is not in question
        for other in [other for other in art.written if other != lang]:
            del art.written[other]
            art.warn_language(other, f"strict: the {lang!r} summary was held to the article; this language is "
                                     "translated from it instead of written directly")
    return changed + added


def hold_translated(articles: list[Article]) -> None:
    """Strict, after translation: where the summariser wrote another language than the article's (it reads the
    article but writes English, say), the summary in the article's own language is a translation; it is held to
    the article as `hold_to_article` holds a written one, and then checked against the article directly (the
    translation checks made before no longer describe it)."""
    for art in articles:
        lang = art.source
        if lang in art.written or not art.summaries.get(lang, "").strip():
            continue
        text, changed, added, total = _held(art.summaries[lang], art.text, lang)
        if not changed and not added:
            continue
        art.summaries[lang] = text
        art.sentences[lang] = len(split_sentences(text))
        art.translated.pop(lang, None)  # its evidence is now the article's own, word by word (grounding.py)
        art.back.pop(lang, None)
        notes = art.language_warnings.get(lang, [])
        notes[:] = [note for note in notes if not note.startswith("unfaithful:")]
        art.warn_language(lang, _held_note(changed, added, total) + "; translated from the "
                                f"{art.summary_language!r} summary, then held to the article")
        problems = check_summary(art.text, text, lang, art.source)
        art.faithful[lang] = not problems
        for problem in problems:
            art.warn_language(lang, f"unfaithful: {problem}")
