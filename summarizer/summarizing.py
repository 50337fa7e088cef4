"""Step 3 of the pipeline: chunk, summarise, reduce; then check the summary against its article.

Every chunk of every article goes through one batched `generate`; an article
longer than the summariser's input is summarised in chunks whose summaries are
summarised again until one remains. Nothing is truncated.
"""

from __future__ import annotations

from .article import Article
from .extractive import SENTENCES_FOR_LENGTH
from .faithfulness import check_summary
from .languages import LANGUAGES
from .models import Generated, Seq2SeqModel
from .options import LENGTHS, SummarizeOptions
from .text import chunk, ends_sentence, join_sentences, split_sentences, trim_to_sentence


def summary_settings(model: Seq2SeqModel, options: SummarizeOptions, budget: int) -> dict:
    """The model card's generation settings with lengths scaled by `options.length` (new tokens, explicit)."""
    settings = model.generation_settings()
    factor = LENGTHS[options.length]
    max_new = int(settings.pop("max_length", 142) * factor)
    min_new = int(settings.pop("min_length", 0) * factor)
    # A chunk summary must be well under half a chunk (re-tokenised text can come out
    # longer than generated), so that summarising the summaries always converges.
    cap = min(budget // 3, model.max_output_tokens)
    if options.summary_tokens:
        max_new = min_new = min(options.summary_tokens, cap)
    else:
        max_new = max(8, min(max_new, cap))
    settings.update(max_new_tokens=max_new, min_new_tokens=min(min_new, max_new))
    return settings


def _chunks(model: Seq2SeqModel, art: Article, text: str, budget: int) -> list[str]:
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


def summarize_articles(model: Seq2SeqModel, articles: list[Article], options: SummarizeOptions, *,
                       batch_size: int, max_rounds: int) -> None:
    """Set each article's `summary`: chunk, summarise all chunks in one batched call, reduce."""
    budget = model.max_input_tokens - 2  # room for bos/eos
    settings = summary_settings(model, options, budget)
    pending: dict[int, list[str]] = {}
    by_index = {art.index: art for art in articles}
    for art in articles:
        pending[art.index] = _chunks(model, art, art.work_text, budget)
        art.chunks = len(pending[art.index])
        if art.chunks > 1:
            art.warn(f"article longer than the summariser's {budget}-token input: summarised in {art.chunks} "
                     "chunks, then the chunk summaries were summarised again")
    for _ in range(max_rounds + 1):
        if not pending:
            break
        flat = [(index, piece) for index, pieces in pending.items() for piece in pieces]
        outputs = model.generate([piece for _, piece in flat], settings=settings, batch_size=batch_size)
        grouped: dict[int, list[Generated]] = {}
        for (index, _), out in zip(flat, outputs, strict=True):
            grouped.setdefault(index, []).append(out)
        pending = {}
        for index, outs in grouped.items():
            art = by_index[index]
            if any(out.truncated_input for out in outs):
                art.warn(f"{model.name} cut an input at {model.max_input_tokens} tokens")
            if len(outs) == 1:
                art.summary = finish(outs[0], art)
                art.final_input = next(piece for i, piece in flat if i == index)
            else:
                pending[index] = _chunks(model, art, join_sentences([out.text for out in outs]), budget)
    for index, pieces in pending.items():  # did not converge: keep everything, say so
        art = by_index[index]
        art.summary = join_sentences(pieces)
        art.warn(f"summary still {len(pieces)} chunks long after {max_rounds} rounds; the chunk summaries are joined")


def summarize_extractively(articles: list[Article], options: SummarizeOptions) -> None:
    for art in articles:
        art.summary = art.extractive(SENTENCES_FOR_LENGTH[options.length])


def check_summaries(articles: list[Article], model: Seq2SeqModel | None, options: SummarizeOptions) -> None:
    """Numbers and names of each summary must be in what it summarises; `strict` acts on a failure:
    the summary is generated again with twice the beams, and if that fails too it becomes extractive."""
    for art in articles:
        problems = check_summary(art.work_text, art.summary, art.summary_language)
        if problems and options.strict and model is not None:
            problems = _retry(art, model, options, problems)
        art.faithful[art.summary_language] = not problems
        for problem in problems:
            art.warn_language(art.summary_language, f"unfaithful: {problem}")


def _retry(art: Article, model: Seq2SeqModel, options: SummarizeOptions, problems: list[str]) -> list[str]:
    settings = summary_settings(model, options, model.max_input_tokens - 2)
    settings.update(num_beams=2 * settings.get("num_beams", 4), length_penalty=1.0)
    retry = finish(model.generate([art.final_input], settings=settings, batch_size=1)[0], art)
    first = "; ".join(problems)
    if not check_summary(art.work_text, retry, art.summary_language):
        art.warn_language(art.summary_language, f"strict: the first summary failed the faithfulness check "
                                                f"({first}); regenerated with wider beam search")
        art.summary = retry
        return []
    count = max(1, len(split_sentences(art.summary)))
    art.summary = art.extractive(count)
    art.warn_language(art.summary_language, f"strict: the summary failed the faithfulness check twice ({first}); "
                                            f"replaced by the article's {count} most central sentences (extractive)")
    return check_summary(art.work_text, art.summary, art.summary_language)
