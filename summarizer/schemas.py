"""The JSON API's bodies and answers, as the OpenAPI schema (/docs) shows them.

The body of POST /v1/summarize is `request.Request` itself; the batch body
carries the same options, as defaults for each of its articles. Answers are
`result.Summary`; errors are ``{"error": {"code", "message"}}``, with the codes of
`errors.ERROR_CODES`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from .errors import ERROR_CODES
from .request import Request, RequestOptions
from .result import Summary
from .text import replace_surrogates


class BatchArticle(Request):
    """One article of a batch, with its own options where they differ from the batch's."""

    id: StrictStr | StrictInt | None = Field(None, description="echoed in its answer (default: its position)")

    @field_validator("id")
    @classmethod
    def _valid_utf8(cls, value: str | int | None) -> str | int | None:
        return replace_surrogates(value) if isinstance(value, str) else value


class BatchRequest(RequestOptions):
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


class BatchItem(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str | int = Field(description="the article's id, or its position")
    result: Summary | None = None
    error: ErrorDetail | None = None


class BatchAnswer(BaseModel):
    results: list[BatchItem]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: each status with the codes that come with it."""
    return {status: {"model": ErrorAnswer, "description": ", ".join(
        code for code, (code_status, _) in ERROR_CODES.items() if code_status == status) or "error"}
        for status in statuses}
