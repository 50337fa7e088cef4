"""Evidence on the page: each summary sentence linked to the article sentences behind it, unsupported words
underlined with their reason, the support score shown, and nothing from the article reaching the page as markup."""

from __future__ import annotations

import re

import pytest

from summarizer import Config, load_model
from summarizer.evidence.support import evidence
from summarizer.models.base import Generated
from summarizer.server.evidence_html import article_html, summary_html
from summarizer.server.page import render, user_error
from summarizer.server.service import Service
from summarizer.text.splitting import split_sentences
from tests.articles import COUNCIL_PAGE as ARTICLE
from tests.servers import browser_page, choose_languages, needs_chromium, page_server

# Twenty sentences, so that the article pane scrolls; the summary's first sentence stands on the last of them.
SUMMARY = ("Mayor Anna Keller said the new bridge over the river would open in 2031. "
           "The city council approved a budget of 4,700 dollars on Monday.")
MARKUP = ('<script>window.pwned = "script"</script> <img src=x onerror="window.pwned = \'img\'"> '
          '${window.pwned = "template"} {{constructor.constructor("window.pwned = 1")()}}')


def _result(article: str, summary: str) -> dict:
    return {"summaries": {"en": summary}, "models": {"en": ["m"]}, "warnings": [], "language_warnings": {},
            "faithful": {"en": True}, "errors": {}, "evidence": {"en": evidence(article, summary, "en").to_dict()}}


def test_each_summary_sentence_carries_its_sources_and_the_unsupported_number_its_reason():
    found = evidence(ARTICLE, SUMMARY, "en").to_dict()
    page = summary_html(SUMMARY, found)
    sentences = re.findall(r'<span class="summary-sentence[^"]*" role="button" tabindex="0" data-sources="([^"]*)"',
                           page)
    assert sentences == ["19", "0"]
    assert re.search(r'<u class="unsupported" data-kind="number" title="number &#x27;2031&#x27; is not in the '
                     r'article">2031</u>', page)
    assert re.sub(r"<[^>]+>", "", page) == SUMMARY  # all of the summary, and nothing else


def test_the_article_pane_numbers_the_sentences_the_sources_point_at():
    pane = article_html(ARTICLE)
    found = re.findall(r'<span class="article-sentence" id="article-sentence-(\d+)" data-sentence="\1">'
                       r'<sup class="sentence-number">(\d+)</sup>([^<]*)</span>', pane)
    assert [text for _, _, text in found] == split_sentences(ARTICLE)
    assert [(int(index), int(shown)) for index, shown, _ in found] == [(i, i + 1) for i in range(20)]


def test_the_support_score_is_shown_and_a_low_one_is_flagged():
    good = render(_result(ARTICLE, ARTICLE.splitlines()[0]))
    bad = render(_result(ARTICLE, "Aliens landed on the moon in 1999 and sold purple bicycles."))
    assert 'class="support-score"' in good and "support 1.00" in good
    assert 'class="support-score low"' in bad and "⚠ support 0.00" in bad


def test_markup_in_the_article_and_the_summary_reaches_the_page_as_text():
    article = f"{ARTICLE}\n{MARKUP}"
    page = render(_result(article, f"{SUMMARY} {MARKUP}"), article)
    assert "<script" not in page and "<img" not in page
    assert page.count("&lt;script&gt;") == 2 and page.count("&lt;img src=x onerror=") == 2


def test_an_error_message_with_markup_is_shown_as_text():
    """Gradio renders an error's message as HTML: a file named like markup must not become markup."""
    assert user_error("<img src=x onerror=alert(1)>.png: only .txt files").message.startswith("&lt;img src=x")


@pytest.fixture(scope="module")
def evidence_server(tiny):
    """The page on tiny models whose summariser always writes SUMMARY."""
    service = Service(Config(language_check="warn",
                             summarizer_model=tiny["bart"], device="cpu", translators={"fr": tiny["en-fr"]}))
    bart = load_model(tiny["bart"], device="cpu", cache=service.cache)
    original = bart.generate
    bart.generate = lambda texts, **kwargs: [Generated(SUMMARY, True, False) for _ in texts]
    try:
        with page_server(service) as url:
            yield url
    finally:
        bart.generate = original


def _in_view(page, selector: str) -> bool:
    """Whether the element is visible in its scrolling pane and in the window."""
    return page.evaluate("""(selector) => {
        const e = document.querySelector(selector), pane = e.closest('.article-text');
        const r = e.getBoundingClientRect(), p = pane.getBoundingClientRect();
        return r.top >= p.top - 1 && r.bottom <= p.bottom + 1 && r.top >= 0 && r.bottom <= window.innerHeight;
    }""", selector)


@needs_chromium
def test_clicking_or_focusing_a_summary_sentence_lights_up_the_article_sentences_behind_it(evidence_server,
                                                                                         tmp_path):
    with browser_page(evidence_server, viewport={"width": 1280, "height": 900}) as page:
        page.get_by_label("Article").fill(ARTICLE)
        choose_languages(page, ["English"])
        page.get_by_role("button", name="Summarise").click()
        page.wait_for_selector('#status:has-text("Source language:")', timeout=120_000)
        first = page.locator('.summary-panel[data-lang="en"] .summary-sentence').nth(0)
        second = page.locator('.summary-panel[data-lang="en"] .summary-sentence').nth(1)
        assert page.locator(".article-sentence").count() == 20
        assert not _in_view(page, "#article-sentence-19")  # far down the pane before anything is clicked
        first.click()
        assert page.locator(".article-sentence.highlighted").evaluate_all("l => l.map(e => e.id)") == [
            "article-sentence-19"]
        assert _in_view(page, "#article-sentence-19")
        assert page.locator('u.unsupported[data-kind="number"]').inner_text() == "2031"
        assert "not in the article" in page.locator("u.unsupported").get_attribute("title")
        score = f"support {evidence(ARTICLE, SUMMARY, 'en').score:.2f}"
        assert score in page.locator('.summary-panel[data-lang="en"] .support-score').inner_text()
        page.screenshot(path=str(tmp_path / "evidence.png"))
        page.keyboard.press("Tab")  # from the first summary sentence to the second, by keyboard alone
        assert second.evaluate("e => e === document.activeElement")
        assert page.locator(".article-sentence.highlighted").evaluate_all("l => l.map(e => e.id)") == [
            "article-sentence-0"]
        assert _in_view(page, "#article-sentence-0") and not _in_view(page, "#article-sentence-19")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        assert page.locator(".article-sentence.highlighted").evaluate_all("l => l.map(e => e.id)") == [
            "article-sentence-19"]
    assert (tmp_path / "evidence.png").stat().st_size > 10_000
