"""No summary leaves under a language it is not written in (`language_check.py` says which is which).

After the summariser writes (`check_written`) and after each translation (`check_translated`), every text is
checked against the language it is for. What fails is made again once, asked more firmly, where the model
that made it is an instruction model; what still fails is not returned under that label:

- a target the summariser wrote directly is translated from the summary instead;
- the summary every translation starts from, answered in the article's own language, is kept as a summary
  in that language (and the language asked for is translated from it); answered in any other, it becomes
  the article's most central sentences (extractive), in the language the summariser read;
- a translation that fails twice is an error for that language, saying why.

Each language's `Article.made` says how it was made: by whom, from which language, and what was redone.
"""

from __future__ import annotations

import re

from ..languages import LANGUAGES, UNSPACED
from ..models.base import Model
from ..models.engines.base import Decoding
from ..models.registry import EXTRACTIVE
from ..options import SummarizeOptions
from ..text.language_check import Verdict, check_language
from ..text.splitting import join_sentences, split_sentences
from .article import Article


def _instruct(model: Model | None) -> bool:
    return model is not None and getattr(model, "family", "") == "instruct"


def check_written(articles: list[Article], model: Model | None, options: SummarizeOptions,
                  finish, batch_size: int, refuse: bool = True) -> None:
    """Check each summary the summariser wrote; ask an instruction model once more, in one batched call, for
    those in the wrong language; give up on what still is (see the module's docstring). Not `refuse`
    (``Config.language_check="warn"``): what fails is kept, and its warnings say so."""
    failed: list[tuple[Article, str, Verdict]] = []
    for art in articles:
        for lang, text in art.written.items():
            verdict = check_language(text, lang)
            method = "extractive" if model is None else \
                "summarised" if lang == art.summary_language else "written directly"
            art.made[lang] = {"method": method, "language_check": _passed(verdict)}
            if not verdict.ok:
                failed.append((art, lang, verdict))
    if not refuse:
        for art, lang, verdict in failed:
            art.warn_language(lang, f"language: this summary is {verdict.reason} (language_check='warn': returned "
                                    "all the same)")
        return
    if model is None:  # the article's own sentences: where they fail, it is the article's label that is in doubt
        for art, lang, verdict in failed:
            art.warn_language(lang, f"language: the article's sentences chosen as its summary are {verdict.reason}: "
                                    "is the article's language right? (source_language= sets it)")
        return
    again = [(art, lang, verdict) for art, lang, verdict in failed if _instruct(model) and art.final_input]
    if again:
        settings = model.summary_settings(options.length, options.summary_tokens, model.max_input_tokens - 2)
        outputs = model.summarize([art.final_input for art, _, _ in again], [lang for _, lang, _ in again],
                                  settings=settings, batch_size=batch_size, again=True)
        for (art, lang, first), out in zip(again, outputs, strict=True):
            text = finish(out, art)
            verdict = check_language(text, lang)
            if verdict.ok:
                art.written[lang] = text
                art.made[lang].update(language_check=_passed(verdict), retried=f"the first answer was {first.reason}")
                art.warn_language(lang, f"language: the first summary was {first.reason}; asked again, it is "
                                        f"in {_name(lang)}")
            else:
                _give_up(art, lang, first)
        failed = [item for item in failed if item not in again]
    for art, lang, verdict in failed:
        _give_up(art, lang, verdict)


def _give_up(art: Article, lang: str, verdict: Verdict) -> None:
    if lang != art.summary_language:  # a target written directly: translate it from the summary instead
        del art.written[lang]
        del art.made[lang]
        art.warn_language(lang, f"language: written directly, the summary was {verdict.reason}; translated from "
                                f"the {_name(art.summary_language)} summary instead")
        return
    text = art.written.pop(lang)
    art.made.pop(lang, None)
    read = art.read_language
    if verdict.found == read and read != lang:
        kept, how = text, f"the summariser answered in {_name(read)}: kept as the {_name(read)} summary"
    else:
        kept = art.extractive(max(1, len(split_sentences(text))))
        how = f"replaced by the article's most central sentences in {_name(read)} (extractive)"
    if kept is not text:
        art.chain = [*art.chain[:-1], EXTRACTIVE]
    art.summary_language = read
    art.written = {read: kept, **{k: v for k, v in art.written.items() if k != read}}
    art.made[read] = {"method": "summarised" if kept is text else "extractive",
                      "language_check": _passed(check_language(kept, read)),
                      "retried": f"asked for {_name(lang)}, the summary was {verdict.reason}"}
    art.warn(f"language: the {_name(lang)} summary was {verdict.reason}, also when asked again; {how}"
             + (f", and the {_name(lang)} summary is translated from it" if lang in art.targets else ""))


def check_translated(model: Model, art: Article, target: str, source_sentences: list[str],
                     translated: list[str], settings: Decoding, refuse: bool = True) -> list[str] | None:
    """The translation's sentences if it is in `target` (an instruction model's wrong sentences made once more
    first), else None, with the article's error for `target` set. Not `refuse`: kept, with a warning."""
    text = join_sentences(translated, LANGUAGES[target].spaced)
    source_text = join_sentences(source_sentences, LANGUAGES[art.summary_language].spaced)
    copied = source_text if art.summary_language != target else None
    verdict = check_language(text, target, copied_from=copied)
    art.made[target] = {"method": "translated", "from": art.summary_language, "by": model.model_id,
                        "language_check": _passed(verdict)}
    if model.spec is not None and model.spec.translation_quality:
        art.made[target]["quality"] = model.spec.translation_quality
    if verdict.ok:
        return translated
    if not refuse:
        art.warn_language(target, f"language: this translation is {verdict.reason} (language_check='warn': "
                                  "returned all the same)")
        return translated
    first, spaced = verdict, LANGUAGES[target].spaced
    for in_pieces in ((False, True) if _instruct(model) else ()):  # asked more firmly; then clause by clause
        redo = list(verdict.wrong_sentences) or list(range(len(source_sentences)))
        translated = list(translated)
        for index, text in zip(redo, _translate_again(model, [source_sentences[i] for i in redo],
                                                      art.summary_language, target, settings, in_pieces), strict=True):
            translated[index] = text
        verdict = check_language(join_sentences(translated, spaced), target, copied_from=copied)
        if verdict.ok:
            how = "clause by clause" if in_pieces else "asked more firmly"
            art.made[target].update(language_check=_passed(verdict),
                                    retried=f"the first translation was {first.reason}; translated again, {how}")
            art.warn_language(target, f"language: the first translation was {first.reason}; translated again "
                                      f"({len(redo)} sentence{'s' if len(redo) != 1 else ''}, {how}), it is in "
                                      f"{_name(target)}")
            return translated
    art.made.pop(target, None)
    again = " (also when translated again, firmly and clause by clause)" if _instruct(model) else ""
    art.fail_language(target, f"{model.name} did not write {_name(target)}: the translation was {verdict.reason}"
                              f"{again}. No summary is returned in this language rather than one in another.")
    return None


_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=[-–—]\s)")


def _translate_again(model: Model, sentences: list[str], source: str, target: str, settings: Decoding,
                     in_pieces: bool) -> list[str]:
    """Each sentence translated again, asked more firmly; `in_pieces`: each of its clauses (at commas, semicolons
    and dashes; a sentence without one in halves), so that a small model has less to copy from."""
    if not in_pieces:
        return [out.text for out in model.translate(sentences, [source] * len(sentences), [target] * len(sentences),
                                                    settings=settings, again=True)]
    pieces = [_clauses(sentence) for sentence in sentences]
    flat = [piece for parts in pieces for piece in parts]
    outputs = iter(model.translate(flat, [source] * len(flat), [target] * len(flat), settings=settings, again=True))
    spaced = target not in UNSPACED
    return [join_sentences([next(outputs).text for _ in parts], spaced) for parts in pieces]


def _clauses(sentence: str) -> list[str]:
    parts = [part for part in _CLAUSE.split(sentence) if part.strip()]
    if len(parts) == 1:
        words = sentence.split()
        half = len(words) // 2
        parts = [" ".join(words[:half]), " ".join(words[half:])] if half else parts
    return parts


def _passed(verdict: Verdict) -> str:
    if verdict.found is None and verdict.ok:
        return "too short to tell"
    return "passed" if verdict.ok else "failed"


def _name(code: str) -> str:
    return LANGUAGES[code].name if code in LANGUAGES else code
