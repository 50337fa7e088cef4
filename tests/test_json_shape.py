"""The scan of a JSON body's bytes before it is parsed (json_shape.py): strings skipped whole, escapes included;
depth, containers and tokens counted; and no valid request ever refused."""

from __future__ import annotations

import json

import pytest

from summarizer.errors import InvalidRequestError, TooLongError
from summarizer.server.json_shape import MAX_FIELDS, BodyLimits, check_shape
from summarizer.server.schemas import BatchArticle, BatchRequest
from tests.test_api_limits import largest_batch


@pytest.mark.parametrize(("articles", "languages"), [(64, 20), (1, 1), (500, 3), (2, 200)])
def test_the_scan_never_refuses_the_largest_valid_requests(articles, languages):
    assert len(BatchArticle.model_fields) <= MAX_FIELDS and len(BatchRequest.model_fields) <= MAX_FIELDS
    check_shape(json.dumps(largest_batch(articles, languages)).encode(), BodyLimits.of(articles, languages))


@pytest.mark.parametrize(("body", "error"), [
    (b'{"text": "' + b"[{" * 50 + b'"}', None),  # brackets in a string are text
    (b'{"text": "a \\" [[[[[[[[[[ \\\\"}', None),  # an escaped quote does not end the string
    (b'{"text": "a \\\\" , "x": [[[[[[[[[[]]]]]]]]]]}', InvalidRequestError),  # an escaped backslash does
    (b'{"text": "never ends [[[[', InvalidRequestError),
    (b"[" * 9 + b"]" * 9, InvalidRequestError),
    (b"[" + b"{}," * 20 + b"{}]", TooLongError),
    (b"[" + b"1," * 200 + b"1]", TooLongError),
])
def test_the_scan_skips_strings_and_counts_the_rest(body, error):
    limits = BodyLimits(depth=8, containers=16, tokens=100)
    if error is None:
        check_shape(body, limits)
    else:
        with pytest.raises(error):
            check_shape(body, limits)
