"""The working state of one article while it moves through the pipeline, and the `Summary` it becomes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..errors import EmptyTextError, InputError
from ..evidence.backcheck import BackCheck
from ..evidence.support import Evidence
from ..languages import UNSPACED
from ..request import Resolved, with_source
from ..result import Summary
from ..text.detect import detect_language
from ..text.extractive import extract
from ..text.splitting import clean_text, join_sentences
from .routing import Route


@dataclass
class Article:
    index: int  # position in the batch
    text: str  # cleaned
    source: str  # its language
    confidence: float | None  # the detector's, or None when given
    warnings: list[str] = field(default_factory=list)  # about the article as a whole
    targets: tuple[str, ...] = ()  # languages asked for, in order
    work_text: str = ""  # what the summariser reads (the article, or its English pivot)
    read_language: str = ""  # the language of `work_text`
    summary_language: str = ""  # the language the summariser writes (other targets are translated from it)
    route: Route | None = None  # how its summaries are made (`Router.plan`), set before the summariser runs
    writes: tuple[str, ...] = ()  # languages the summariser writes for this article: its summary language first,
    # then the targets an instruction model writes directly
    chain: list[str] = field(default_factory=list)  # models that produced the summary
    chunks: int = 1
    written: dict[str, str] = field(default_factory=dict)  # language -> summary the summariser wrote
    final_input: str = ""  # what the summariser read for the final summary (strict mode regenerates it)
    started_with: tuple[str, ...] = ()  # the warnings it had when prepared (a rerun starts from them)
    gone: bool = False  # its client left: no further work is done for it
    translated: dict[str, list[str]] = field(default_factory=dict)  # language -> its sentences, one per summary's
    # language -> (model, one BackCheck per translated sentence): strict mode (backcheck.py)
    back: dict[str, tuple[str, list[BackCheck]]] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)  # language -> the article sentences behind it
    summaries: dict[str, str] = field(default_factory=dict)
    models: dict[str, list[str]] = field(default_factory=dict)
    sentences: dict[str, int] = field(default_factory=dict)
    language_warnings: dict[str, list[str]] = field(default_factory=dict)
    faithful: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # languages that could not be produced, and why
    made: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> how it was made (language_repair)
    work: dict[str, float] = field(default_factory=dict)  # stage -> characters this article brought to it

    @property
    def summary(self) -> str:
        """The summary in the summary language, which the other targets are translated from."""
        return self.written.get(self.summary_language, "")

    def restart(self) -> Article:
        """This article as it was when prepared: to run it again on its own."""
        return Article(self.index, self.text, self.source, self.confidence, list(self.started_with), self.targets,
                       started_with=self.started_with, work={"detect_s": self.work.get("detect_s", 0.0)})

    def warn(self, message: str) -> None:
        """A warning about the article as a whole (added once)."""
        if message not in self.warnings:
            self.warnings.append(message)

    def warn_language(self, language: str, message: str) -> None:
        """A warning about one language's summary only (added once)."""
        notes = self.language_warnings.setdefault(language, [])
        if message not in notes:
            notes.append(message)

    def fail_language(self, language: str, message: str) -> None:
        self.errors[language] = message
        self.warn_language(language, f"error: {message}")

    def extractive(self, count: int) -> str:
        """The `count` most central sentences of what the summariser reads, in its language."""
        spaced = self.read_language not in UNSPACED
        return join_sentences(extract(self.work_text, self.read_language, count), spaced)

    def result(self, engines: dict[str, str], timings: dict[str, float]) -> Summary:
        done = [lang for lang in self.targets if lang in self.summaries]  # the order asked for; no failures
        return Summary(
            source_language=self.source, summaries={lang: self.summaries[lang] for lang in done},
            models={lang: self.models[lang] for lang in done}, chunks=self.chunks, warnings=self.warnings,
            timings=timings, language_confidence=self.confidence,
            sentences={lang: self.sentences[lang] for lang in done},
            language_warnings=self.language_warnings, faithful={lang: self.faithful.get(lang, True) for lang in done},
            errors=self.errors, evidence={lang: self.evidence[lang] for lang in done if lang in self.evidence},
            made={lang: self.made[lang] for lang in done if lang in self.made},
            engines={m: engines[m] for chain in self.models.values() for m in chain if m in engines})


def shared_timings(articles: list[Article], stages: dict[str, float]) -> dict[int, dict[str, float]]:
    """Each article's share of the batch's stage times, split by how much text it brought to each stage.

    The shares of a batch add up to its stage times, so summing `timings` over results gives the real cost.
    """
    out: dict[int, dict[str, float]] = {art.index: {} for art in articles}
    for stage, seconds in stages.items():
        total = sum(art.work.get(stage, 0.0) for art in articles)
        for art in articles:
            share = art.work.get(stage, 0.0) / total if total else 1.0 / len(articles)
            out[art.index][stage] = round(seconds * share, 4)
    for times in out.values():
        times["total_s"] = round(sum(times.values()), 4)
    return out


@contextmanager
def stage(stages: dict[str, float], stage: str) -> Iterator[None]:
    """Add the time the block takes to a stage, also when it raises (a batch run again adds to it)."""
    since = time.perf_counter()
    try:
        yield
    finally:
        add_time(stages, stage, since)


def add_time(stages: dict[str, float], stage: str, since: float) -> None:
    stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - since  # a batch run again adds to it


def prepare(index: int, request: Resolved, stages: dict[str, float]) -> Article:
    """Step 1 of the pipeline: clean the article and detect its language (the request was checked when it was
    resolved); the article that comes out knows its languages, its own first when asked."""
    started = time.perf_counter()
    options = request.options
    cleaned = clean_text(request.text)
    if not cleaned:
        raise EmptyTextError("The article is empty or holds only whitespace or control characters.")
    if not any(ch.isalpha() for ch in cleaned):
        raise InputError("The article has no words: only numbers, punctuation or symbols.")
    if options.source_language:
        art = Article(index, cleaned, options.source_language, None)
    else:
        detection = detect_language(cleaned)
        art = Article(index, cleaned, detection.language, detection.confidence)
        if not detection.reliable:
            art.warn(f"source language detected as {detection.language!r} with low confidence "
                     f"({detection.confidence:.2f}); pass source_language= to be sure")
    art.targets = with_source(art.source, request.targets, bool(options.include_source))
    art.work["detect_s"] = len(cleaned)
    art.started_with = tuple(art.warnings)
    add_time(stages, "detect_s", started)
    return art
