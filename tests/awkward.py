"""Awkward inputs shared by the function, CLI and demo batteries (tests/test_bad_input.py, tests/test_demo.py)."""

from __future__ import annotations

import gzip

SENTENCE = "The city council approved a budget of 4,700 dollars on Monday after a long debate. "

# Article texts, each with the outcome it must have: "summary" (in any language), "summary:xx" (a summary, the
# article detected as language xx), or "error:..." (a one-line SummarizerError holding that text). A regression
# that starts refusing a good article, or accepting a non-article, fails.
TEXTS = {
    "empty": ("", "error:empty"),
    "whitespace": (" \t\n  \r\n ", "error:empty"),
    "single word": ("Budget", "summary"),
    "long sentence without punctuation": (" ".join(["word"] * 1000), "summary"),
    "5000 characters no spaces": ("a" * 5000, "summary"),
    "20 MB": ("x" * 20_000_000, "error:the limit is 500,000"),
    "nul and controls": ("The council\x00 approved\x07 the budget\x1b[31m on Monday. " * 3, "summary:en"),
    "zero-width": ("The\u200b council\u200d approved the budget on Monday.\ufeff " * 3, "summary:en"),
    "bidi overrides": ("The council \u202eyadnoM no\u202c approved the budget. " * 3, "summary:en"),
    "emoji only": ("🎉🎉🎉 🚀🚀 😀", "error:no words"),
    "mixed scripts": ("The council 市议会 approved 予算 the budget Городской совет on Monday. " * 3, "summary"),
    "right to left": ("وافق مجلس المدينة على الميزانية يوم الاثنين بعد نقاش طويل. " * 4, "summary:ar"),
    "CJK without spaces": ("市议会周一批准了新的预算。市长说这是一个好消息。" * 5, "summary:zh"),
    "html with scripts": ("<html><script>alert(1)</script><style>p{}</style><p>" + SENTENCE * 3 + "</p></html>",
                          "summary:en"),
    "markdown table": ("| a | b |\n|---|---|\n| 1 | 2 |\n\n" + SENTENCE * 3, "summary:en"),
    "only numbers": ("4700 15 000 3.5 2027 1889 31 12", "error:no words"),
    "a URL alone": ("https://example.org/news/2026/11/26/bridge.html", "summary"),
    "lone surrogate": ("The council approved\ud800 the budget on Monday. " * 3, "summary:en"),
    "only punctuation": ("... !!! ??? ;;; ---", "error:no words"),
    "thai": ("ฉลามทำร้ายเด็กอายุ 13 ในขณะที่ดำน้ำหากุ้งมังกรที่แคลิฟอร์เนีย ฉลามตัวหนึ่งได้เข้าทำร้ายเด็ก", "summary:th"),
    "newlines only between words": ("\n".join(SENTENCE.split()), "summary:en"),
    "very many sentences": (SENTENCE * 2000, "summary:en"),
    "script injection": (SENTENCE + '<script>document.title="pwned"</script> <img src=x onerror="alert(1)"> '
                         + SENTENCE, "summary:en"),
}

# The texts whose outcome differs when they are written to a file as they are (UTF-8, surrogates kept).
AS_FILE = {"nul and controls": "error:binary", "lone surrogate": "error:not UTF-8"}

# Files (name -> (file name, bytes, outcome)), as given to the CLI or uploaded to the demo.
FILES = {
    "binary (PNG)": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "error:not UTF-8"),
    "invalid UTF-8 (Latin-1)": ("latin1.txt", "Le café est fermé lundi, a dit le maire. ".encode("latin-1") * 3,
                                "error:undecodable byte 0xe9"),
    "UTF-16 with BOM": ("utf16.txt", (SENTENCE * 3).encode("utf-16"), "summary:en"),
    "UTF-16 without BOM": ("utf16le.txt", (SENTENCE * 3).encode("utf-16-le"), "error:binary"),
    "UTF-8 with BOM": ("bom.txt", b"\xef\xbb\xbf" + (SENTENCE * 3).encode(), "summary:en"),
    "empty file": ("empty.txt", b"", "error:empty"),
    "gzip bytes": ("archive.txt", gzip.compress((SENTENCE * 3).encode()), "error:not UTF-8"),
    "html with only a script": ("page.html", b"<html><head><script>alert(1)</script></head><body></body></html>",
                                "error:no article text"),
    "over 20 MB": ("huge.txt", b"x" * 20_000_001, "error:input limit"),
}


def check_outcome(outcome: str, *, language: str | None = None, error: str | None = None) -> None:
    """Assert that a case ended as its table says: `language` of a summary, or the `error` message."""
    kind, _, detail = outcome.partition(":")
    if kind == "error":
        assert error is not None and language is None, f"expected an error with {detail!r}, got a summary"
        assert detail in error and "\n" not in error, error
    else:
        assert error is None, f"expected a summary, got the error {error!r}"
        assert language and (not detail or language == detail), (language, detail)


# Language lists: the expected error text, or the languages that come back.
LANGUAGE_LISTS = [
    (["xx"], "not a known language"),
    (["en-"], "is not a language code"),
    (["../../etc/passwd"], "is not a language code"),
    ([""], "empty or not text"),
    ([None], "empty or not text"),
    ([42], "empty or not text"),
    (["en"] * 50, "limit is 20"),
    ([f"l{i}" for i in range(50)], "limit is 20"),
    (["fr", "fr", "FR", "French"], ["fr"]),  # duplicates collapse
    ("en,,fr", ["en", "fr"]),
]
