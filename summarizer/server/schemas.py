"""The JSON API's bodies and answers, as the OpenAPI schema (/docs) shows them.

The body of POST /v1/summarize is `request.Request` itself; the batch body
carries the same options, as defaults for each of its articles. Answers are
`result.Summary` (as `SummaryAnswer`: its fields, with `evidence` typed, so that
the schema shows what evidence holds); errors are ``{"error": {"code", "message"}}``,
with the codes of `errors.ERROR_CODES`.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictInt, StrictStr, create_model, field_validator

from ..errors import ERROR_CODES
from ..options import SummarizeOptions
from ..request import Request
from ..result import Summary
from ..text.splitting import replace_surrogates


class BatchArticle(Request):
    """One article of a batch, with its own options where they differ from the batch's."""

    id: StrictStr | StrictInt | None = Field(None, description="echoed in its answer (default: its position)")

    @field_validator("id")
    @classmethod
    def _valid_utf8(cls, value: str | int | None) -> str | int | None:
        return replace_surrogates(value) if isinstance(value, str) else value


class BatchRequest(SummarizeOptions):
    """Several articles; the options given here are each article's defaults."""

    articles: list[BatchArticle] = Field(min_length=1, description="the articles, answered in this order")

    def requests(self) -> list[Request]:
        """Each article's request: its own options over the batch's (over the configuration's)."""
        shared = self.model_dump(exclude_unset=True, exclude={"articles"})
        return [Request(**{**shared, **article.model_dump(exclude_unset=True, exclude={"id"})})
                for article in self.articles]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable: " + ", ".join(ERROR_CODES))
    message: str = Field(description="what is wrong and what to do, on one line")


class ErrorAnswer(BaseModel):
    error: ErrorDetail


class Source(BaseModel):
    """An article sentence behind a summary sentence (`support.Source`)."""

    sentence: int = Field(description="index of the article sentence, from 0, in the article as the service read "
                                      "it (cleaned) split into sentences (summarizer.text.splitting.split_sentences)")
    score: float = Field(description="share of the summary sentence this article sentence explains, beyond those "
                                     "ranked before it")


class Unsupported(BaseModel):
    """Words of a summary sentence that nothing in the article supports (`support.Unsupported`)."""

    start: int = Field(description="character offset into the summary")
    end: int = Field(description="character offset into the summary, past the span")
    text: str = Field(description="the span as the summary writes it")
    kind: Literal["number", "name", "negation", "word", "meaning"]
    reason: str = Field(description="why it is marked, in words")


class SentenceEvidence(BaseModel):
    """One summary sentence: where it is, the article sentences behind it, what nothing supports."""

    start: int = Field(description="character offset of the sentence in the summary")
    end: int = Field(description="character offset of its end in the summary")
    text: str
    score: float = Field(ge=0, le=1, description="how much of the sentence the article supports")
    sources: list[Source] = Field(description="the article sentences behind it, best first")
    unsupported: list[Unsupported]
    copied: bool = Field(False, description="the article's own words, in order")
    compared: int = Field(0, ge=0, description="how many of its words (numbers and names, across languages) were "
                                               "compared with the article; 0: its score means nothing to contradict")


class Evidence(BaseModel):
    """The evidence of one summary (`support.Evidence`)."""

    score: float = Field(ge=0, le=1, description="support score of the whole summary: the mean of its sentences'; "
                                                 "under 0.75 it is flagged")
    sentences: list[SentenceEvidence]
    article_sentences: int = Field(description="how many sentences the article has (what `sentence` indexes)")
    method: str = Field(description="'words' (same language), 'numbers and names' (across languages), or how a "
                                    "translation took the evidence of the summary it translates")
    language: str | None = Field(None, description="the summary's language")
    article_language: str | None = None
    warnings: list[str] = Field(default_factory=list, description="where a bound on the work (docs/security.md) "
                                                                  "left something unchecked")
    compared: int = Field(0, ge=0, description="words (numbers and names, across languages) compared with the "
                                               "article in all; 0: the score of 1 means nothing was compared")


def _summary_fields() -> dict[str, Any]:
    """`result.Summary`'s fields as pydantic fields, with `evidence` typed."""
    hints = typing.get_type_hints(Summary)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(Summary):
        default = Field(default_factory=field.default_factory) \
            if field.default_factory is not dataclasses.MISSING else \
            (... if field.default is dataclasses.MISSING else field.default)
        fields[field.name] = (hints[field.name], default)
    fields["evidence"] = (dict[str, Evidence], Field(default_factory=dict, description=(
        "language -> the article sentences behind each sentence of that summary, the words nothing in the article "
        "supports, and support scores from 0 to 1 (empty when the server turns evidence off)")))
    return fields


SummaryAnswer = create_model("Summary", __doc__="The result of summarising one article (`result.Summary`).",
                             **_summary_fields())


class BatchItem(BaseModel):
    id: str | int = Field(description="the article's id, or its position")
    result: SummaryAnswer | None = None
    error: ErrorDetail | None = None


class BatchAnswer(BaseModel):
    results: list[BatchItem]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: each status with the codes that come with it."""
    return {status: {"model": ErrorAnswer, "description": ", ".join(
        code for code, (code_status, _) in ERROR_CODES.items() if code_status == status) or "error"}
        for status in statuses}
