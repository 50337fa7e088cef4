"""Evidence for a summary: the article sentences behind each of its sentences, what nothing supports, and a
support score. Pure Python, no model weights: `evidence(article, summary)` works on any pair of texts.

Same language (the usual case): each summary sentence is traced to the article sentences it draws on
(`alignment.cover`), and each of its words is scored by how much of its context those sentences hold as it is
(`alignment.context`): a copied run of four words is fully supported, a word the sources hold alone a quarter,
a word they do not hold not at all. Numbers, names and negations weigh `ANCHOR_WEIGHT` times a plain word:
they are what a wrong summary most often gets wrong. Numbers are compared by value (`numbers.py`,
`number_words.py`: "two" is 2, "4.700" may be 4,700); names are the words the article capitalises inside
its sentences, so that a lower-cased summary ("u.s.", "natalia moon") is read with the article's own names.
A sentence's score is the weighted share of support; the summary's, the mean of its sentences'. A sentence
copied from the article scores 1 and has nothing unsupported.

Across languages (a translated summary beside its article), words cannot be compared: only numbers (in any
script) and, into English, names are checked, as `faithfulness.check_summary` does; a sentence with none of
them scores 1, which then means "nothing to contradict", not "verified".
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import asdict, dataclass
from typing import Any

from ..text.splitting import split_sentences
from .alignment import MAX_CANDIDATES, Token, contains, context, cover, tokens
from .faithfulness import checks_names
from .names import names, place_names
from .number_words import number_word, word_claims
from .numbers import claims
from .reading import Article as _Article
from .reading import negations as _negations

ANCHOR_WEIGHT = 3.0  # a number, name or negation weighs three plain words (chosen on FRANK validation)
THRESHOLD = 0.75  # below this a summary, or one of its sentences, is flagged (see benchmarks/bench_evidence.py)
# a summary with a sentence supported less than this is not faithful (Summary.faithful; grounding.py): chosen on the
# development half of benchmarks/results/faithful_set, the lowest that caught half of the Qwen models' summaries with
# an error there (13/23, flagging 2 of 35 without)
UNFAITHFUL_BELOW = 0.65
CAPPED = (f"some summary sentences were compared with only {MAX_CANDIDATES:,} of the article's sentences that "
          "share their words (the most one is compared with): their sources may not be the best ones")


@dataclass(frozen=True)
class Source:
    sentence: int  # index into summarizer.text.splitting.split_sentences(article)
    score: float  # share of the summary sentence this article sentence explains, beyond those ranked before it


@dataclass(frozen=True)
class Unsupported:
    start: int  # character offsets into the summary
    end: int
    text: str
    kind: str  # "number", "name", "negation", "word", or "meaning" (a back-translation that differs: backcheck.py)
    reason: str


@dataclass(frozen=True)
class SentenceEvidence:
    start: int  # character offsets of the sentence in the summary
    end: int
    text: str
    score: float  # 0..1, how much of the sentence the article supports
    sources: tuple[Source, ...]  # the article sentences behind it, best first
    unsupported: tuple[Unsupported, ...]
    copied: bool = False  # the article's own words, in order
    compared: int = 0  # how many of its words (numbers and names, across languages) were compared with the article


@dataclass(frozen=True)
class Evidence:
    score: float  # 0..1: the mean of the sentences' scores (1 for an empty summary)
    sentences: tuple[SentenceEvidence, ...]
    article_sentences: int  # how many sentences split_sentences(article) gives
    method: str  # "words" (same language) or "numbers and names" (across languages)
    language: str | None = None  # of the summary
    article_language: str | None = None
    warnings: tuple[str, ...] = ()  # where a bound on the work left something unchecked (`CAPPED`)
    # words (numbers and names, across languages) compared with the article in all: 0 means the score of 1 says
    # "nothing to contradict", not "verified", and is shown as "nothing compared"
    compared: int = 0

    @property
    def supported(self) -> bool:
        """Whether the score reaches `THRESHOLD`."""
        return self.score >= THRESHOLD

    def weakest(self) -> tuple[int, SentenceEvidence] | None:
        """The sentence the article supports least (1-based), where it is below `UNFAITHFUL_BELOW`."""
        low = [(n, sentence) for n, sentence in enumerate(self.sentences, 1) if sentence.score < UNFAITHFUL_BELOW]
        return min(low, key=lambda item: item[1].score) if low else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (`from_dict` reads it back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        sentences = tuple(SentenceEvidence(**{**s, "sources": tuple(Source(**x) for x in s["sources"]),
                                              "unsupported": tuple(Unsupported(**x) for x in s["unsupported"])})
                          for s in data["sentences"])
        return cls(**{**data, "sentences": sentences, "warnings": tuple(data.get("warnings", ()))})


_TOKENISED_STOP = re.compile(r"(?<=\s[.!?])\s+")  # "... 2012 . the darwin woman": a stop standing alone


def summary_sentences(summary: str) -> list[tuple[int, int]]:
    """Character spans of the summary's sentences: `split_sentences`, and in tokenised text (FRANK, CNN/DM
    highlights: "won . the team") also at a stop that stands between spaces, before a lower-case word too."""
    spans, cursor = [], 0
    for sentence in split_sentences(summary):
        start = summary.find(sentence, cursor)
        if start < 0:  # split_sentences keeps each sentence as written: cannot happen, and is not guessed at
            continue
        cursor = offset = start
        for piece in _TOKENISED_STOP.split(sentence):
            offset = summary.find(piece, offset)
            spans.append((offset, offset + len(piece)))
            offset += len(piece)
        cursor = start + len(sentence)
    return spans


@functools.lru_cache(maxsize=4096)
def _token_values(text: str, language: str | None, words: bool) -> frozenset[float]:
    """What a word of a summary says as a number: its digits, or (with `words`) the number word it is."""
    found = {v for number in claims(text, language) for v in number.values}
    return frozenset(found | (number_word(text, language) if words else set()))


@functools.lru_cache(maxsize=32)
def _places(language: str | None) -> frozenset[str]:
    """One-word place and language names, days and months, in English and `language` (CLDR through Babel):
    names, and circumstances, that a lower-cased summary writes in lower case."""
    codes = dict.fromkeys(["en", language or "en"])
    found = {phrase[0] for code in codes for phrase in place_names(code) if len(phrase) == 1}
    return frozenset(word for word in found if len(word) > 3 and word != "march")  # not "may", "sat", a march


def _kind(token: Token, position: int, article: _Article, cased: bool, negations: frozenset[str]) -> str:
    if token.key[:1].isdigit():
        return "number"
    if token.key in negations:
        return "negation"
    if token.key in article.names or token.key in _places(article.language) \
            or (cased and position > 0 and token.text[:1].isupper()):
        return "name"
    return "word"


def _sentence(article: _Article, summary: str, start: int, end: int, cased: bool) -> SentenceEvidence:
    """The evidence for one summary sentence of the article's language."""
    text = summary[start:end]
    read = tokens(text)
    words = [t.key for t in read]
    negations = _negations(article.language)
    kinds = [_kind(token, position, article, cased, negations) for position, token in enumerate(read)]
    sources = cover(words, article.index, article.weight, article.default)
    ranked = tuple(Source(index, share) for index, share in sources)
    if not words or contains(article.stream, words):
        return SentenceEvidence(start, end, text, 1.0, ranked, (), copied=bool(words), compared=len(words))
    local = [index for index, _ in sources]
    support = context(words, [article.grams(i) for i in local])
    problems: list[Unsupported] = []
    total = scored = 0.0
    for position, (token, kind) in enumerate(zip(read, kinds, strict=True)):
        weight = 1.0 if kind == "word" else ANCHOR_WEIGHT
        value, reason = support[position], None
        known = token.key in article.vocabulary
        numeric = _token_values(token.text, article.language, words=kind != "number") \
            if kind == "number" or not known else frozenset()
        if numeric:  # a number, or a word for one ("two" where the article has 2)
            kind, weight = "number", ANCHOR_WEIGHT
            if any(article.values(i).any(numeric) for i in local):
                value = 1.0
            elif article.values().any(numeric):
                value, reason = 0.0, "is in the article, but not in the sentences this one draws on"
            else:
                value, reason = 0.0, "is not in the article"
        elif not known:
            value, reason = 0.0, "is not in the article"
        elif kind == "name" and not any(token.key in article.sets[i] for i in local):
            value, reason = 0.0, "is in the article, but not in the sentences this one draws on"
        elif kind == "negation" and value < 0.75:
            value, reason = 0.0, "is not what the sentences this one draws on say"
        if reason:
            problems.append(Unsupported(start + token.start, start + token.end, token.text, kind,
                                        f"{kind} {token.text!r} {reason}"))
        total += weight
        scored += weight * value
    dropped = _dropped_negation(words, read, [(article.keys[i], article.negated(i)) for i in local], negations)
    if dropped is not None:
        token, negation = dropped
        problems.append(Unsupported(start + token.start, start + token.end, token.text, "negation",
                                    f"the article says {negation!r} before {token.text!r}; this sentence does not"))
        total += ANCHOR_WEIGHT
    return SentenceEvidence(start, end, text, round(scored / total, 4) if total else 1.0, ranked,
                            tuple(_merged(problems, summary)), compared=len(read))


def _dropped_negation(words: list[str], read: list[Token], sources: list[tuple[list[str], list[int]]],
                      negations: frozenset[str]) -> tuple[Token, str] | None:
    """A negation of the sources that the summary sentence leaves out of the words it copies around it: the
    article's "is not expected to" as "is expected to". None when the sentence negates anything itself."""
    if any(w in negations for w in words):
        return None
    pairs = {(a, b): i for i, (a, b) in enumerate(itertools.pairwise(words))}
    for source, negated in sources:  # each with the positions of its negations
        for k in negated:
            word = source[k]
            if word == "nor":
                continue
            after = tuple(source[k + 1:k + 3])
            around = (source[k - 1], source[k + 1]) if 0 < k < len(source) - 1 else None
            for pair in (around, after):
                if pair and len(pair) == 2 and pair in pairs and pair[-1] not in negations:
                    return read[pairs[pair] + 1], word
    return None


def _merged(problems: list[Unsupported], summary: str) -> list[Unsupported]:
    """Neighbouring unsupported words of one kind and reason become one span ("air conditioning system")."""
    out: list[Unsupported] = []
    for problem in sorted(problems, key=lambda p: p.start):
        last = out[-1] if out else None
        if (last and last.kind == problem.kind == "word" and not summary[last.end:problem.start].strip()
                and last.reason.endswith("is not in the article") and problem.reason.endswith("is not in the article")):
            joined = summary[last.start:problem.end]
            out[-1] = Unsupported(last.start, problem.end, joined, "word", f"words {joined!r} are not in the article")
        else:
            out.append(problem)
    return out


def _across(article: _Article, summary: str, start: int, end: int, language: str | None) -> SentenceEvidence:
    """The evidence for one summary sentence in another language than its article: numbers by value, in any
    script, and English names kept by an article in a language that keeps them as written."""
    text = summary[start:end]
    items: list[tuple[str, str, frozenset[float] | None]] = []  # (kind, as written, values)
    for number in [*claims(text, language), *word_claims(text, language, article.language)]:
        items.append(("number", number.span, number.values))
    if checks_names("en", article.language) and language == "en":
        items += [("name", name, None) for name in names(text, "en")]
    problems, held, cursor = [], 0, 0
    for kind, written, numeric in items:
        found = article.values().any(numeric) if numeric is not None else article.kept(written)
        if found:
            held += 1
            continue
        at = text.find(written, cursor)
        at = at if at >= 0 else max(text.find(written), 0)
        cursor = at + len(written)
        problems.append(Unsupported(start + at, start + at + len(written), written, kind,
                                    f"{kind} {written!r} is not in the article"))
    sources = _shared(article, items)
    score = round(held / len(items), 4) if items else 1.0
    return SentenceEvidence(start, end, text, score, sources, tuple(sorted(problems, key=lambda p: p.start)),
                            compared=len(items))


def _shared(article: _Article, items: list[tuple[str, str, frozenset[float] | None]]) -> tuple[Source, ...]:
    """Across languages, the article sentences that hold most of a sentence's numbers and names."""
    if not items:
        return ()
    held: dict[int, int] = {}  # sentence -> how many of the items it holds
    for _, written, numeric in items:
        for index in article.holding(written, numeric):
            held[index] = held.get(index, 0) + 1
    counts = [(here, -index) for index, here in held.items()]
    ranked = sorted(counts, reverse=True)[:3]
    return tuple(Source(-index, round(here / len(items), 4)) for here, index in ranked)


def _detected(text: str) -> str | None:
    from ..text.detect import detect_language

    found = detect_language(text[:2000])  # the opening tells the language; the whole of a long text takes seconds
    return found.language if found.reliable else None


def evidence(article: str, summary: str, language: str | None = None, *,
             article_language: str | None = None) -> Evidence:
    """Evidence for `summary` in `article`: for each summary sentence, the article sentences behind it (indexes
    into `split_sentences(article)`), the numbers, names, negations and words nothing in the article supports
    (character spans into `summary`), and support scores from 0 to 1.

    `language` is the summary's, and the article's unless `article_language` says otherwise; either is
    detected when not given. Across languages only numbers and names can be checked (see the module's notes).
    """
    from ..languages import normalize_language

    language = normalize_language(language) if language else None
    given = normalize_language(article_language) if article_language else None
    article_language = given or language or _detected(article)
    language = language or _detected(summary) or article_language
    read = _Article(article, article_language)
    spans = summary_sentences(summary)
    if language != article_language and given is None and _overlap(summary, read) >= 0.5:
        language = article_language  # a guess that the texts differ, belied by the words they share
    across = language is not None and article_language is not None and language != article_language
    cased = any(ch.islower() for ch in summary) and any(ch.isupper() for ch in summary)
    sentences = tuple(_across(read, summary, start, end, language) if across
                      else _sentence(read, summary, start, end, cased) for start, end in spans)
    score = round(sum(s.score for s in sentences) / len(sentences), 4) if sentences else 1.0
    return Evidence(score, sentences, len(read.sentences), "numbers and names" if across else "words",
                    language, article_language, (CAPPED,) if read.index.capped or read.capped else (),
                    sum(s.compared for s in sentences))


def support_words(score: float, compared: int) -> str:
    """A support score as shown to a reader: "support 0.83", or what it means when nothing could be compared."""
    return f"support {score:.2f}" if compared else "support: nothing compared (no numbers or names to check)"


def _overlap(summary: str, article: _Article) -> float:
    words = [t.key for t in tokens(summary)]
    return sum(w in article.vocabulary for w in words) / len(words) if words else 0.0
