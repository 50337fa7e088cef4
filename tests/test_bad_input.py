"""A battery of awkward inputs: each gets a result or a SummarizerError with a clear message, never another
exception. Run on the extractive engine (no weights) so that every stage but generation is exercised."""

import pytest

from summarizer import Summarizer, Summary
from summarizer.errors import SummarizerError

SENTENCE = "The city council approved a budget of 4,700 dollars on Monday after a long debate. "
INPUTS = {
    "empty": "",
    "whitespace": " \t\n  \r\n ",
    "single word": "Budget",
    "long sentence without punctuation": " ".join(["word"] * 1000),
    "5000 characters no spaces": "a" * 5000,
    "20 MB": "x" * 20_000_000,
    "nul and controls": "The council\x00 approved\x07 the budget\x1b[31m on Monday. " * 3,
    "zero-width": "The\u200b council\u200d approved the budget on Monday.\ufeff " * 3,
    "bidi overrides": "The council \u202eyadnoM no\u202c approved the budget. " * 3,
    "emoji only": "🎉🎉🎉 🚀🚀 😀",
    "mixed scripts": "The council 市议会 approved 予算 the budget Городской совет on Monday. " * 3,
    "right to left": "وافق مجلس المدينة على الميزانية يوم الاثنين بعد نقاش طويل. " * 4,
    "CJK without spaces": "市议会周一批准了新的预算。市长说这是一个好消息。" * 5,
    "html with scripts": "<html><script>alert(1)</script><style>p{}</style><p>" + SENTENCE * 3 + "</p></html>",
    "markdown table": "| a | b |\n|---|---|\n| 1 | 2 |\n\n" + SENTENCE * 3,
    "only numbers": "4700 15 000 3.5 2027 1889 31 12",
    "a URL alone": "https://example.org/news/2026/11/26/bridge.html",
    "lone surrogate": "The council approved\ud800 the budget on Monday. " * 3,
    "only punctuation": "... !!! ??? ;;; ---",
    "thai": "ฉลามทำร้ายเด็กอายุ 13 ในขณะที่ดำน้ำหากุ้งมังกรที่แคลิฟอร์เนีย ฉลามตัวหนึ่งได้เข้าทำร้ายเด็ก",
    "newlines only between words": "\n".join(SENTENCE.split()),
    "very many sentences": SENTENCE * 2000,
}


@pytest.fixture(scope="module")
def extractive():
    return Summarizer("extractive", device="cpu")


@pytest.mark.parametrize("name", INPUTS)
def test_awkward_text_gets_a_result_or_a_clear_error(extractive, name):
    try:
        result = extractive.summarize(INPUTS[name], [], include_source=True)
    except SummarizerError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert isinstance(result, Summary) and result.source_language
    summary = next(iter(result.summaries.values()))
    assert summary and "\x00" not in summary and "\u202e" not in summary


@pytest.mark.parametrize(("languages", "message"), [
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
])
def test_language_lists(extractive, languages, message):
    if isinstance(message, list):
        result = extractive.summarize(SENTENCE * 3, languages)
        assert list(result.summaries) + list(result.errors) == message
        return
    with pytest.raises(SummarizerError, match=message):
        extractive.summarize(SENTENCE * 3, languages)


@pytest.mark.parametrize(("options", "message"), [
    ({"length": "huge"}, "length='huge'"),
    ({"length": ""}, "length=''"),
    ({"batch_size": 0}, "batch_size=0"),
    ({"batch_size": -3}, "batch_size=-3"),
    ({"max_chars": 10**12 * -1}, "max_chars"),
    ({"summary_tokens": 0}, "summary_tokens=0"),
])
def test_absurd_options_are_refused(options, message):
    from summarizer import SummarizeOptions

    with pytest.raises(SummarizerError, match=message):
        SummarizeOptions(**options)
