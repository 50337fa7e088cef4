"""Every error the package raises on purpose derives from `SummarizerError`.

Messages are written for the person who hit them: they name the offending
value and say what to do. The CLI prints them as one line; the demo shows them
with `gr.Error`.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class: a problem the user can act on."""


class EmptyTextError(SummarizerError, ValueError):
    """The article is empty or holds only whitespace."""


class InputError(SummarizerError, ValueError):
    """The input cannot be summarised as given (too long, undecodable, bad option)."""


class TooLongError(InputError):
    """The article is longer than the configured limit (max_chars)."""


class UnsupportedLanguageError(SummarizerError, ValueError):
    """A language code is unknown, malformed, or not reachable with the loaded models."""


class ModelLoadError(SummarizerError, OSError):
    """A model could not be loaded; the message names it and the command that fetches it."""


class ModelError(SummarizerError, RuntimeError):
    """A loaded model failed while generating."""


class ClusterError(SummarizerError, ConnectionError):
    """A Ray cluster could not be joined or started (summarize batch-ray)."""
