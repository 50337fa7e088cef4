"""What a caller asks of an article: one frozen type, `SummarizeOptions`, with every default written once.

Every door fills it in: the Python API from keyword arguments, the CLI from its
flags, the page from its widgets, the JSON API from the request body (whose
fields are these: `request.Request` adds the text). `Config.options` holds the
configured defaults, and `request.Request.resolve` merges them once per
request: a field the caller set (not None) wins over the configuration's, which
wins over the default written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, WithJsonSchema

from .errors import InputError
from .models.base import LENGTHS
from .models.registry import PRESETS

MAX_TOKENS = 512  # the most a request may ask for as an exact output length

Length = Literal[tuple(LENGTHS)]  # type: ignore[valid-type]
PresetName = Literal[tuple(PRESETS)]  # type: ignore[valid-type]
# Any list is taken, so that a bad element gets the message every door gives it (from normalize_language);
# the schema says what is expected.
Languages = Annotated[list[Any] | str, WithJsonSchema({
    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    "description": "target languages: ISO 639-1 codes, names or aliases (a list, or one comma-separated string)",
    "examples": [["fr", "de"]]})]
Tokens = Annotated[int, Field(ge=1, le=MAX_TOKENS)]


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """One line for what pydantic (or FastAPI) refused: where, and why, for the first problem."""
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    return f"{where or 'body'}: {first.get('msg', 'not valid')}".replace("Value error, ", "")


class SummarizeOptions(BaseModel):
    """What to make of an article. None (or a field left out) takes the configuration's value."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    languages: Languages | None = Field(default_factory=lambda: ["en"],
                                        description="languages to summarise into, besides the article's own")
    source_language: StrictStr | None = Field(None, description="the article's language (default: detected)")
    include_source: StrictBool | None = Field(True, description="also summarise in the article's own language, "
                                                                "first")
    length: Length | None = Field("short", description="summary length")
    strict: StrictBool | None = Field(False, description="regenerate a summary whose numbers or names are not in "
                                                         "the article, then fall back to its own sentences; in the "
                                                         "article's language, replace each sentence the article "
                                                         "supports less than 0.9 by the article sentence behind it; "
                                                         "translate an instruction model's translations back and "
                                                         "flag what differs")
    summary_tokens: Tokens | None = Field(None, description="exact summary length in tokens, overriding length "
                                                            "(benchmarks)")
    translation_tokens: Tokens | None = Field(None, description="exact length of each translated sentence in "
                                                                "tokens (benchmarks)")
    preset: PresetName | None = Field(None, description="the models to use (default: the configured preset)")

    def __init__(self, **fields: Any) -> None:
        """A field of the wrong type or value is an InputError naming it."""
        try:
            super().__init__(**fields)
        except ValidationError as exc:
            raise InputError(validation_message(exc.errors())) from None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        _validate_without_init(cls)

    def asked(self) -> dict[str, Any]:
        """The fields the caller set, and not to None: those that win over the configuration's."""
        return {name: getattr(self, name) for name in self.model_fields_set if getattr(self, name) is not None}

    def with_defaults(self) -> SummarizeOptions:
        """These options, with the defaults written here where none was set."""
        return self.over(SummarizeOptions())

    def over(self, base: SummarizeOptions) -> SummarizeOptions:
        """`base` with the fields this one set (see `asked`)."""
        mine = {name: value for name, value in self.asked().items() if name in SummarizeOptions.model_fields}
        return base.model_copy(update=mine) if mine else base


def _validate_without_init(cls: type[BaseModel]) -> None:
    """Validation by pydantic itself (FastAPI reading a body, a field of this type) does not go through the
    `__init__` above, so that its errors keep their locations (``articles.0.length``) and status (422); only a
    caller constructing the options in Python gets the InputError."""
    cls.__pydantic_custom_init__ = False
    cls.model_rebuild(force=True)


_validate_without_init(SummarizeOptions)
