"""Multilingual news summarisation on Hugging Face seq2seq models.

    >>> import summarizer
    >>> result = summarizer.summarize(article, languages=["en", "fr", "ja"])
    >>> result.summaries["fr"]

Importing the package loads no model and touches no file.
"""

from .cache import ModelCache
from .config import Config
from .errors import SummarizerError
from .languages import LANGUAGES, normalize_language
from .loading import load_model
from .options import SummarizeOptions
from .pipeline import Summarizer, summarize
from .registry import MODELS, PRESETS, available_models
from .request import Request
from .result import Summary
from .support import Evidence, evidence
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
