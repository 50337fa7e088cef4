"""Step 3 of the pipeline: chunk, summarise, reduce; then check each summary against its article.

Every chunk of every article goes through one batched call; an article longer than
the summariser's input is summarised in chunks whose summaries are summarised again
until one remains (map, then reduce). Nothing is truncated, except where an instruction
model reads the most central sentences of a long article instead (`Config.long_articles`),
which its warnings say. The last step writes each summary the summariser makes for an
article: in its summary language, and, for an instruction model, in every target language
it writes directly (`Article.writes`).
"""

from __future__ import annotations

from collections.abc import Callable

from .article import Article
from .extractive import SENTENCES_FOR_LENGTH, central_part
from .faithfulness import check_summary
from .languages import LANGUAGES
from .models import Generated, Model
from .options import SummarizeOptions
from .text import chunk, ends_sentence, join_sentences, split_sentences, trim_to_sentence


def _chunks(model: Model, art: Article, text: str, budget: int) -> list[str]:
    spaced = LANGUAGES[art.summary_language].spaced if art.summary_language in LANGUAGES else True
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
    settings = model.summary_settings(options, budget)
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
    translation instead."""
    for art in articles:
        for lang in list(art.written):
            problems = check_summary(art.work_text, art.written[lang], lang, art.read_language)
            if problems and options.strict and model is not None:
                problems = _retry(art, model, options, problems, lang)
            if lang not in art.written:
                continue  # given up: this language is translated from the article's summary
            art.faithful[lang] = not problems
            for problem in problems:
                art.warn_language(lang, f"unfaithful: {problem}")


def _retry(art: Article, model: Model, options: SummarizeOptions, problems: list[str], lang: str) -> list[str]:
    first = "; ".join(problems)
    if not art.final_input:  # the chunk summaries never became one text: there is nothing to regenerate from
        art.warn_language(lang, "strict: the summary failed the faithfulness check and could not be regenerated "
                                "(its chunk summaries never converged)")
        return problems
    settings = model.summary_settings(options, model.max_input_tokens - 2)
    settings.update(num_beams=2 * max(1, settings.get("num_beams", 4)), length_penalty=1.0)
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
