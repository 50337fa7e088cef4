"""The web demo: the page at / and the JSON API beside it, on one queue and one set of models.

    python demo.py [--host 127.0.0.1] [--port 7860] [--api-keys keys.json] [--preset default] \
                   [--summarizer-model NAME_OR_PATH] [--translator LANG=NAME_OR_PATH] [--device auto]

The same as `summarize serve` (summarizer/server.py); the page itself is summarizer/page.py.
"""

from __future__ import annotations

from summarizer.page import (
    MAX_UPLOAD_BYTES,
    UPLOAD_TYPES,
    close,
    configure,
    current,
    demo,
    describe,
    get_summarizer,
    launch,
    read_upload,
    render,
    summarize,
    summarize_page,
)
from summarizer.server import main

__all__ = ["MAX_UPLOAD_BYTES", "UPLOAD_TYPES", "close", "configure", "current", "demo", "describe", "get_summarizer",
           "launch", "main", "read_upload", "render", "summarize", "summarize_page"]

if __name__ == "__main__":
    main()
