"""Pure-Python text handling: cleaning, multilingual sentence splitting, chunk packing.

Nothing here touches a model; the token counts that chunking needs are passed in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from ..languages import CJK, THAI

# Characters that carry no text: C0/C1 controls (but tab and newline), zero-width
# characters and bidi overrides, which can hide or reorder what a reader sees.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def replace_surrogates(text: str) -> str:
    """Lone UTF-16 surrogates (possible in JSON's escapes, never valid in UTF-8) become U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str) -> str:
    """NFC-normalise, drop invisible control characters, collapse runs of spaces.

    Line breaks are kept (one per paragraph) because they mark sentence boundaries.
    Lone surrogates become U+FFFD, so that every result can be written as UTF-8.
    """
    text = replace_surrogates(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


# Sentence-final punctuation: Latin/Cyrillic/Greek, CJK full width, Devanagari danda,
# Arabic and Urdu question mark and full stop, Armenian, Ethiopic, Burmese.
_TERMINALS = ".!?…‼⁇⁈⁉。！？｡।॥؟۔։።။"
_NO_SPACE_TERMINALS = "。！？｡"  # CJK ends a sentence with no space after it
_CLOSERS = "\"'”’»›)]}」』）】〉》"
ABBREVIATIONS = frozenset("""
mr mrs ms dr prof sr jr st mt ft gen gov sen rep col lt sgt capt cmdr adm rev hon pres
inc ltd co corp bros dept univ assn est approx vs etc al fig no nos vol pp ed eds
jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun
u.s u.k u.n e.g i.e a.m p.m d.c
bzw usw vgl ggf z.b d.h u.a nr abs ang tzw np itd itp ok ul
mme mlle m cf env
sra sres srta dña
г гг им ул т.е т.д
""".split())
_CJK = CJK
_BOUNDARY = re.compile(
    rf"(?:[{re.escape(_NO_SPACE_TERMINALS)}][{re.escape(_CLOSERS)}]*\s*"
    # a run of stops is tried from its first only (from each of its characters, "....x" took quadratic time)
    rf"|(?<![{re.escape(_TERMINALS)}])[{re.escape(_TERMINALS)}]+(?:\s?[{re.escape(_CLOSERS)}])*\s+"  # "requin ! »"
    # Chinese and Japanese put no space between sentences, nor words: a closing quote, then a space, then
    # CJK text is where one quoted sentence ended without its full stop
    rf"|(?<=[{_CJK}])[”\"」』](?=\s+[{_CJK}])\s+"
    # scraped text glues sentences together: "Pyrénées.Alors" (a word, a stop, a capitalised word)
    r"|(?<=[a-zà-öø-ÿ][a-zà-öø-ÿ])[.!?](?=[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ])"
    # a model's answer glues a Latin-script sentence to a Chinese or Japanese one: "recognised.在"
    rf"|(?<=[a-zà-öø-ÿ][a-zà-öø-ÿ])[.!?](?=[{_CJK}]))"
)
_CONTINUES = ",;:)]}"  # a sentence does not start with these (quotes can open one: Swedish ”, German »)


LOOKBACK = 64  # characters read back from a stop for its word: a longer word is no abbreviation (bounds the work)
_LAST_WORD = re.compile(r"(\S+)\.\s*$")


def is_abbreviation(piece: str) -> bool:
    """True when `piece` (text up to a '.') ends with an abbreviation or an initial.

    Only its last `LOOKBACK` characters are read, so that a caller may pass all the text before a stop
    and still do work bounded by the stop, not by the text."""
    tail = piece[-LOOKBACK:]
    match = _LAST_WORD.search(tail)
    if not match or (match.start() == 0 and len(piece) > LOOKBACK and not piece[-LOOKBACK - 1].isspace()):
        return False  # none, or a word longer than LOOKBACK
    word = match.group(1).lstrip("\"'(“‘«").casefold()
    if word in ABBREVIATIONS:
        return True
    # single letters ("J. Smith") and dotted acronyms ("U.S.", "N.Y.")
    return (len(word) == 1 and word.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", word))


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; every non-space character is kept, in order.

    Line breaks always end a sentence (paragraphs, headlines). Within a line a
    sentence ends at terminal punctuation followed by space (or, for CJK, at
    the full-width stop itself), except after abbreviations and initials, and
    not when the next word starts in lower case after a period. Thai, which has
    no sentence punctuation, is split at spaces between longer stretches.
    """
    sentences: list[str] = []
    for line in text.split("\n"):
        start = 0
        for match in _BOUNDARY.finditer(line):
            end = match.end()
            following = line[end:end + 1]
            # what is read of the sentence so far stops LOOKBACK characters before the stop: pieces that grow
            # across hundreds of skipped stops ("A. B. C. ...") would otherwise be copied at each of them
            bare = line[max(start, match.start() - LOOKBACK - 1):end].rstrip().rstrip(_CLOSERS)
            if bare.endswith(".") and not bare.endswith("..") and (is_abbreviation(bare) or following.islower()):
                continue
            if following and following in _CONTINUES:
                continue
            piece = line[start:end]
            if piece.strip():
                sentences.append(piece.strip())
            start = end
        if line[start:].strip():
            sentences.append(line[start:].strip())
    return [part for sentence in sentences for part in _split_thai(sentence)]


_THAI_SPACE = re.compile(f"(?<=[{THAI}]) (?=[{THAI}])")
THAI_MIN_CHARS = 20  # Thai marks no sentence end but a space; shorter pieces are clauses, kept together


def _split_thai(sentence: str) -> list[str]:
    """Thai has no sentence punctuation: a space between Thai words after 20+ characters ends a sentence."""
    if not _THAI_SPACE.search(sentence):
        return [sentence]
    parts: list[str] = []
    for part in _THAI_SPACE.split(sentence):
        if parts and len(parts[-1]) < THAI_MIN_CHARS:
            parts[-1] += " " + part
        else:
            parts.append(part)
    return parts


def join_sentences(sentences: Sequence[str], spaced: bool = True) -> str:
    """Join sentences back into a paragraph (no spaces for unspaced scripts)."""
    return (" " if spaced else "").join(s.strip() for s in sentences if s.strip())


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSERS)[-1:] in set(_TERMINALS)


def trim_to_sentence(text: str) -> tuple[str, bool]:
    """Cut an unfinished trailing sentence off `text`.

    Returns (text, trimmed). When no complete sentence exists the text is left
    whole (dropping everything would lose more than it fixes).
    """
    if ends_sentence(text):
        return text, False
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return text, False
    return join_sentences(sentences[:-1]), True


def pack(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Greedily pack consecutive items into groups whose lengths sum to at most `budget`.

    Returns lists of item indices, in order. An item longer than the budget gets
    a group of its own (the caller splits such items beforehand).
    """
    groups: list[list[int]] = []
    used = budget + 1
    for index, length in enumerate(lengths):
        if used + length > budget:
            groups.append([])
            used = 0
        groups[-1].append(index)
        used += length
    return groups


def split_long(text: str, count, budget: int, spaced: bool = True) -> list[str]:
    """Split one over-long sentence into pieces of at most ~`budget` tokens.

    Cuts at spaces where the script has them, else between characters (also
    inside a single word longer than the budget). `count(pieces)` returns the
    token count of each piece. Nothing is dropped or reordered: the pieces hold
    the text's characters in order, cut only at spaces unless a word is too long.
    """
    use_spaces = spaced and " " in text
    units = text.split(" ") if use_spaces else list(text)
    lengths = count(units)
    if use_spaces and max(lengths) > budget:  # one giant "word": fall back to characters
        return [piece for unit in units for piece in split_long(unit, count, budget, spaced=False)]
    separator = " " if use_spaces else ""
    return [separator.join(units[i] for i in group) for group in pack(lengths, budget)]


TokenCounter = Callable[[Sequence[str]], list[int]]  # token count of each text


def split_to_fit(sentence: str, count: TokenCounter, budget: int, spaced: bool = True) -> list[str]:
    """Split an over-long sentence until every piece fits `budget` tokens (at spaces where it can)."""
    parts, target = [sentence], budget
    while any(n > budget for n in count(parts)) and target > 1:
        target = int(target * 0.8)
        parts = split_long(sentence, count, target, spaced)
    return parts


def chunk(text: str, count: TokenCounter, budget: int, spaced: bool = True) -> tuple[list[str], list[tuple[int, int]]]:
    """Split text into sentence-aligned chunks of at most `budget` tokens; nothing is dropped.

    Returns the chunks and, for each sentence longer than the budget (split at word level),
    its token count and the number of pieces it became.
    """
    pieces: list[str] = []
    split: list[tuple[int, int]] = []
    sentences = split_sentences(text)
    for sentence, n in zip(sentences, count(sentences), strict=True):
        if n <= budget:
            pieces.append(sentence)
            continue
        parts = split_to_fit(sentence, count, budget, spaced)
        split.append((n, len(parts)))
        pieces.extend(parts)
    counts, limit = count(pieces), budget
    while True:  # joined pieces can tokenise a little longer than their sum: re-check
        chunks = [join_sentences([pieces[i] for i in group], spaced) for group in pack(counts, limit)]
        if limit < budget // 2 or all(n <= budget for n in count(chunks)):
            return chunks, split
        limit = int(limit * 0.9)
