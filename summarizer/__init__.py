"""Multilingual news summarisation: seq2seq models and instruction (chat) models, with translation, language checks
and evidence.

    >>> import summarizer
    >>> result = summarizer.summarize(article, languages=["en", "fr", "ja"])
    >>> result.summaries["fr"]

Importing the package loads no model and touches no file.
"""

from .config import Config
from .errors import SummarizerError
from .evidence.support import Evidence, evidence
from .languages import LANGUAGES, normalize_language
from .models.cache import ModelCache
from .models.loading import load_model
from .models.registry import MODELS, PRESETS, available_models
from .options import SummarizeOptions
from .pipeline.summarizer import Summarizer, summarize
from .request import Request
from .result import Summary
from .version import __version__ as __version__

__all__ = [
    "LANGUAGES",
    "MODELS",
    "PRESETS",
    "Config",
    "Evidence",
    "ModelCache",
    "Request",
    "SummarizeOptions",
    "Summarizer",
    "SummarizerError",
    "Summary",
    "available_models",
    "evidence",
    "load_model",
    "normalize_language",
    "summarize",
]
