"""The web demo: the page at / and the JSON API beside it, on one queue and one set of models.

    python demo.py [--host 127.0.0.1] [--port 7860] [--api-keys keys.json] [--preset default] \
                   [--summarizer-model NAME_OR_PATH] [--translator LANG=NAME_OR_PATH] [--device auto]

The same as `summarize serve` (summarizer/server/run.py); the page itself is built by summarizer/server/page.py.
"""

import sys

from summarizer.cli.main import cli

if __name__ == "__main__":
    sys.exit(cli(["serve", *sys.argv[1:]]))
