"""The evidence on the page, as HTML: each summary sentence a focusable element that names the article sentences
behind it, unsupported words underlined with the reason, and the article split into the same sentences.

Pure string building (no Gradio): the page (page.py) puts `summary_html` in each summary panel and `article_html`
beside them, and `EVIDENCE_JS` lights up the article sentences of the summary sentence that is clicked or
focused. Every piece of text (article, summary, reasons) is escaped: nothing from them reaches the page as markup.
Sentence numbers shown to people count from 1; `data-sources` and the ids hold `split_sentences` indexes (from 0),
as `Source.sentence` does.
"""

from __future__ import annotations

import html
from typing import Any

from ..evidence.support import THRESHOLD, support_words
from ..text.splitting import clean_text, split_sentences


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def numbers(sources: list[dict[str, Any]]) -> str:
    """The article sentences of `sources` as people count them: "4, 1"."""
    return ", ".join(str(int(source["sentence"]) + 1) for source in sources)


def score_html(found: dict[str, Any]) -> str:
    """A summary's support score, flagged when it is under `THRESHOLD`."""
    score = float(found["score"])
    compared = int(found.get("compared", 1))
    low = score < THRESHOLD and compared > 0
    title = (f"How much of this summary the article supports (0 to 1; under {THRESHOLD:g} is flagged). "
             f"Checked by {found.get('method', '')}: {compared} compared.")
    return (f'<span class="support-score{" low" if low else ""}" title="{_escape(title)}">'
            f'{"⚠ " if low else ""}{_escape(support_words(score, compared))}</span>')


def _marked(text: str, start: int, end: int, unsupported: list[dict[str, Any]]) -> str:
    """`text[start:end]` escaped, with each unsupported span inside it underlined and titled with its reason."""
    out, cursor = [], start
    for item in sorted(unsupported, key=lambda u: int(u["start"])):
        left, right = max(int(item["start"]), cursor), min(int(item["end"]), end)
        if right <= left:
            continue
        out.append(_escape(text[cursor:left]))
        out.append(f'<u class="unsupported" data-kind="{_escape(str(item["kind"]))}" '
                   f'title="{_escape(str(item["reason"]))}">{_escape(text[left:right])}</u>')
        cursor = right
    out.append(_escape(text[cursor:end]))
    return "".join(out)


def _sentence(text: str, sentence: dict[str, Any], start: int, end: int) -> str:
    sources = list(sentence["sources"])
    score = float(sentence["score"])
    behind = f"article sentences {numbers(sources)}" if sources else "no article sentence"
    title = f"Behind it: {behind} · {support_words(score, int(sentence.get('compared', 1)))}"
    ids = " ".join(str(int(source["sentence"])) for source in sources)
    weak = " weak" if score < THRESHOLD else ""
    return (f'<span class="summary-sentence{weak}" role="button" tabindex="0" data-sources="{ids}" '
            f'data-score="{score:.4f}" title="{_escape(title)}">'
            f'{_marked(text, start, end, list(sentence["unsupported"]))}</span>')


def summary_html(text: str, found: dict[str, Any] | None) -> str:
    """The summary escaped, each of its sentences in an element carrying its sources (`found` is
    `Evidence.to_dict()`; None: the plain text)."""
    if not found:
        return _escape(text)
    out, cursor = [], 0
    for sentence in sorted(found["sentences"], key=lambda s: int(s["start"])):
        start, end = max(int(sentence["start"]), 0), min(int(sentence["end"]), len(text))
        if start < cursor or end <= start:
            continue  # offsets that do not fit this text are not guessed at: it stays plain
        out.append(_escape(text[cursor:start]))
        out.append(_sentence(text, sentence, start, end))
        cursor = end
    out.append(_escape(text[cursor:]))
    return "".join(out)


def article_sentences(article: str) -> list[str]:
    """The article's sentences as the pipeline numbers them: `split_sentences` of the cleaned text."""
    return split_sentences(clean_text(article))


def article_html(article: str) -> str:
    """The article as the pipeline read it, each sentence an element with its index: what the summary sentences'
    `data-sources` point at. Line breaks are kept (the pane keeps white space)."""
    text = clean_text(article)
    out, cursor = [], 0
    for index, sentence in enumerate(split_sentences(text)):
        start = text.find(sentence, cursor)
        if start < 0:  # split_sentences keeps each sentence as written; never guessed at
            continue
        out.append(_escape(text[cursor:start]))
        out.append(f'<span class="article-sentence" id="article-sentence-{index}" data-sentence="{index}">'
                   f'<sup class="sentence-number">{index + 1}</sup>{_escape(sentence)}</span>')
        cursor = start + len(sentence)
    out.append(_escape(text[cursor:]))
    return (f'<section class="article-pane" aria-label="The source text, sentence by sentence">'
            f"<h3>Article <small>(click or tab to a summary sentence to see what stands behind it)</small></h3>"
            f'<div class="article-text">{"".join(out)}</div></section>')


# Runs once in the summaries' HTML component (`element` is its root): one listener for clicks, focus and keys,
# so summaries rendered later work without new listeners.
EVIDENCE_JS = """
if (!element.dataset.evidence) {
  element.dataset.evidence = "on";
  const show = (sentence) => {
    element.querySelectorAll(".article-sentence.highlighted").forEach((e) => e.classList.remove("highlighted"));
    element.querySelectorAll(".summary-sentence.active").forEach((e) => e.classList.remove("active"));
    sentence.classList.add("active");
    let first = null;
    (sentence.dataset.sources || "").split(" ").filter(Boolean).forEach((index) => {
      const target = element.querySelector('.article-sentence[data-sentence="' + index + '"]');
      if (target) {
        target.classList.add("highlighted");
        first = first || target;
      }
    });
    if (first) first.scrollIntoView({block: "nearest", inline: "nearest"});
  };
  const sentenceOf = (event) => {
    const found = event.target.closest ? event.target.closest(".summary-sentence") : null;
    return found && element.contains(found) ? found : null;
  };
  element.addEventListener("click", (event) => { const s = sentenceOf(event); if (s) show(s); });
  element.addEventListener("focusin", (event) => { const s = sentenceOf(event); if (s) show(s); });
  element.addEventListener("keydown", (event) => {
    const s = sentenceOf(event);
    if (s && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); show(s); }
  });
}
"""

EVIDENCE_CSS = """
.summary-sentence {cursor: pointer; border-radius: 3px}
.summary-sentence:hover, .summary-sentence:focus, .summary-sentence.active {background: #fef3c7; outline: none}
.summary-sentence:focus-visible {outline: 2px solid #d97706}
.summary-sentence.weak {border-bottom: 1px dotted #b45309}
u.unsupported {text-decoration: underline wavy #dc2626; text-underline-offset: 3px}
.support-score {font-size: 0.85em; padding: 0 0.4em; border-radius: 6px; background: #dcfce7; color: #166534}
.support-score.low {background: #fee2e2; color: #991b1b}
.article-pane {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 0.6em 1em}
.article-pane h3 {margin: 0 0 0.3em 0}
.article-pane h3 small {font-weight: normal; color: var(--body-text-color-subdued)}
.article-text {white-space: pre-wrap; max-height: 22em; overflow-y: auto; line-height: 1.5}
.article-sentence {border-radius: 3px; transition: background 0.2s}
.article-sentence.highlighted {background: #fde68a; box-shadow: 0 0 0 2px #fde68a}
.sentence-number {color: var(--body-text-color-subdued); font-size: 0.7em; margin-right: 0.15em}
"""
