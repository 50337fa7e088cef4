"""A JSON body's size, measured on its bytes before it is parsed: how deep it nests, how many objects and arrays
and how many tokens it holds.

`json.loads` of 10 MB of ``[{},{},...]`` builds five million dicts (gigabytes, for seconds) before validation
can refuse them, and the process keeps the memory. `check_shape` walks the raw bytes instead, from one
bracket, comma or string to the next (a string is skipped whole, escapes included, by one regular
expression), builds nothing, and refuses a body as soon as it passes a limit: after a few thousand tokens
at most, whatever its length. `BodyLimits.of` sets the limits from the largest valid request, so that no
valid request is ever refused here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidRequestError, TooLongError

# The most fields one object of a valid body has: an article of a batch has 10 (request.Request's 9 and its
# id), the batch itself 9 (tests/test_api_limits.py checks that the schemas stay under it).
MAX_FIELDS = 16
MAX_DEPTH = 8  # a valid body nests 4 deep: the batch, its articles, an article, its languages
_NEXT = re.compile(rb'["\[\]{},]')  # what the walk stops at: a string, a bracket, a comma
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a whole string, escaped quotes and all


@dataclass(frozen=True)
class BodyLimits:
    depth: int  # objects and arrays inside one another
    containers: int  # objects and arrays in all
    tokens: int  # strings, brackets and commas in all (every value but the first of a container has a comma)

    @classmethod
    def of(cls, max_articles: int, max_languages: int) -> BodyLimits:
        """The limits a batch of `max_articles` articles (and the batch's own options) never reaches, each
        object with every field set and `max_languages` languages as a list."""
        per_object = 2 + 3 * MAX_FIELDS + 2 + 2 * max_languages  # braces; keys, values, commas; languages
        return cls(depth=MAX_DEPTH, containers=4 * (max_articles + 1) + 16,
                   tokens=(max_articles + 1) * per_object + 16)


def check_shape(body: bytes, limits: BodyLimits) -> None:
    """Refuse a body past `limits`: TooLongError (413) for too many containers or tokens, InvalidRequestError
    (422) for nesting too deep or a string that never ends. Anything else is left for the JSON parser."""
    depth = containers = tokens = 0
    position = 0
    while (found := _NEXT.search(body, position)) is not None:
        tokens += 1
        if tokens > limits.tokens:
            raise TooLongError(f"The request's body holds more than {limits.tokens:,} JSON strings, brackets and "
                               "commas; a valid request holds fewer (the limit follows max_batch_articles and "
                               "max_languages).")
        char = body[found.start()]
        if char == ord('"'):
            string = _STRING.match(body, found.start())
            if string is None:
                raise InvalidRequestError(f"body: a string that never ends, at byte {found.start()} (not JSON).")
            position = string.end()
            continue
        position = found.end()
        if char in b"[{":
            depth, containers = depth + 1, containers + 1
            if depth > limits.depth:
                raise InvalidRequestError(f"body: nests deeper than {limits.depth} levels of objects and arrays; "
                                          "a valid request nests 4.")
            if containers > limits.containers:
                raise TooLongError(f"The request's body holds more than {limits.containers:,} JSON objects and "
                                   "arrays; a valid request holds fewer (the limit follows max_batch_articles).")
        elif char in b"]}":
            depth -= 1  # unbalanced brackets are the parser's to report
