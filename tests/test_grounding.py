"""Every summary, in every language, carries its evidence: the article sentences behind each sentence."""

from __future__ import annotations

import json

import pytest

from summarizer import Summarizer, load_model
from summarizer.evidence.backcheck import BackCheck, compare
from summarizer.evidence.support import evidence
from summarizer.models.base import Generated
from summarizer.pipeline.grounding import translated_evidence
from tests.articles import COUNCIL_LINES as ARTICLE

SUMMARY = "Mayor Anna Keller said the new bridge would open in 2027. The council approved 4,700 dollars on Monday."


def _summarizer(tiny, monkeypatch, **changes):
    changes = {"translators": {"fr": tiny["en-fr"], "ja": tiny["m2m100"]}, **changes}
    summarizer = Summarizer("default", language_check="warn", summarizer_model=tiny["bart"], device="cpu",
                            **changes)
    bart = load_model(tiny["bart"], device="cpu")
    monkeypatch.setattr(bart, "generate", lambda texts, **kw: [Generated(SUMMARY, True, False) for _ in texts])
    return summarizer


def test_each_language_has_evidence_and_a_translation_keeps_the_sources_of_what_it_translates(tiny, monkeypatch):
    result = _summarizer(tiny, monkeypatch).summarize(ARTICLE, ["en", "fr", "ja"])
    english = result.evidence["en"]
    assert [s.sources[0].sentence for s in english.sentences] == [1, 0]  # the mayor, then the council
    assert english.method == "words" and english.score > 0.8
    for lang in ("fr", "ja"):
        translated = result.evidence[lang]
        assert translated.method.startswith("translated sentence by sentence from the en summary")
        assert [s.sources for s in translated.sentences] == [s.sources for s in english.sentences]
        for sentence in translated.sentences:  # offsets into the translated summary
            assert result.summaries[lang][sentence.start:sentence.end] == sentence.text
    assert json.loads(json.dumps(result.to_dict()))["evidence"]["fr"]["sentences"][0]["sources"][0]["sentence"] == 1


def test_a_number_the_translation_adds_is_marked_in_it():
    original = evidence(ARTICLE, SUMMARY, "en")
    translated = ["Le maire Anna Keller a dit que le pont ouvrirait en 2031.", "Le conseil a voté 4 700 dollars lundi."]
    text = " ".join(translated)
    found = translated_evidence(ARTICLE, "en", original, text, translated, "fr")
    first, second = found.sentences
    assert [u.text for u in first.unsupported] == ["2031"] and first.score < original.sentences[0].score
    assert not second.unsupported and second.sources == original.sentences[1].sources


def test_translated_sentences_that_do_not_line_up_are_checked_against_the_article_directly():
    original = evidence(ARTICLE, SUMMARY, "en")
    found = translated_evidence(ARTICLE, "en", original, "Le pont ouvrira en 2027.", ["Le pont ouvrira en 2027.", ""],
                                "fr")
    assert "do not line up" in found.method and found.sentences[0].score == 1.0


def test_evidence_can_be_turned_off(tiny, monkeypatch):
    result = _summarizer(tiny, monkeypatch, evidence=False).summarize(ARTICLE, ["en"])
    assert result.evidence == {} and "evidence_s" not in result.timings


def test_a_back_translation_that_differs_marks_its_sentence_and_one_that_agrees_counts_as_compared():
    home = evidence(ARTICLE, SUMMARY, "en")
    translated = ["Le maire Anna Keller a dit que le nouveau pont ouvrirait en 2027.",
                  "Le conseil n'a pas approuvé 4 700 dollars lundi."]
    text = " ".join(translated)
    back = ("qwen", [BackCheck("Mayor Anna Keller said the new bridge would open in 2027.", 1.0, ()),
                     BackCheck("The council did not approve 4,700 dollars on Monday.", 0.2,
                               ("a negation differs (at 'not')",))])
    checked = translated_evidence(ARTICLE, "en", home, text, translated, "fr", back)
    first, second = checked.sentences
    assert not first.unsupported and first.score == home.sentences[0].score
    assert [u.kind for u in second.unsupported] == ["meaning"] and second.score == 0.2
    assert "did not approve" in second.unsupported[0].reason and text[second.start:second.end] == translated[1]
    assert first.compared > home.sentences[0].compared  # the back-translation's words were compared too
    assert "translated back by qwen" in checked.method
    plain = translated_evidence(ARTICLE, "en", home, text, translated, "fr")
    assert not any(s.unsupported for s in plain.sentences)  # numbers and names alone pass the reversed meaning


def test_strict_mode_translates_an_instruction_models_translations_back_and_flags_what_differs(tiny, tiny_llm,
                                                                                               monkeypatch):
    summarizer = _summarizer(tiny, monkeypatch, translators={"fr": tiny_llm["chat"]})
    llm = load_model(tiny_llm["chat"], device="cpu")
    calls = []

    def translate(texts, sources, targets, **kwargs):
        calls.append((list(sources), list(targets)))
        if targets[0] == "fr":
            return [Generated(f"Une phrase {'ab'[n % 2]} en français.", True, False) for n, _ in enumerate(texts)]
        return [Generated(x if n == 0 else "The council did not approve 4,700 dollars on Monday.", True, False)
                for n, x in enumerate(["Mayor Anna Keller said the new bridge would open in 2027."] * len(texts))]

    monkeypatch.setattr(llm, "translate", translate)
    plain = summarizer.summarize(ARTICLE, ["en", "fr"])
    assert len(calls) == 1 and "translated back" not in plain.evidence["fr"].method
    strict = summarizer.summarize(ARTICLE, ["en", "fr"], strict=True)
    assert calls[-1] == (["fr", "fr"], ["en", "en"])  # every sentence back, in one call
    assert strict.faithful["fr"] is False
    assert any("sentence 2 no longer says" in w for w in strict.language_warnings["fr"])
    assert [bool(s.unsupported) for s in strict.evidence["fr"].sentences] == [False, True]


@pytest.mark.parametrize(("back", "differences"), [
    ("Mayor Anna Keller said the bridge would open in 2027.", ()),  # a paraphrase: nothing flagged
    ("Mayor Anna Keller said the new bridge would not open in 2027.", ("a negation differs (at 'not')",)),
    ("Mayor Anna Keller said the new bridge would open in 2029.", ("number '2029'",)),
    ("The mayor said the river bridge would open in 2027, Keller added.", ()),
])
def test_a_back_translation_is_flagged_for_what_paraphrase_does_not_explain(back, differences):
    check = compare("Mayor Anna Keller said the new bridge would open in 2027.", "en", back, ARTICLE)
    assert check.differences == differences and check.flagged == bool(differences)


def test_a_negation_the_sentence_carries_in_a_word_is_not_a_difference():
    said = compare("Tevez is yet to make a decision on his future.", "en",
                   "Tevez has not yet made a decision on his future.", ARTICLE)
    assert not said.flagged
    assert compare("Leeds refused to give Cardiff the rights.", "en", "Leeds did not give Cardiff the rights.",
                   ARTICLE).differences == ()


def test_another_of_the_articles_names_is_flagged_and_a_lost_negation_too():
    article = ARTICLE + "\nCouncillor Tom Hardy voted against it."
    swapped = compare("Mayor Anna Keller backed the budget.", "en", "Tom Hardy backed the budget.", article)
    assert swapped.flagged and any("Hardy" in d or "Tom" in d for d in swapped.differences)
    lost = compare("The bridge will not open this year.", "en", "The bridge will open this year.", article)
    assert lost.differences == ("a negation differs (at 'open')",)  # the verb whose polarity changed
