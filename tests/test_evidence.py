"""Evidence for summaries, on hand-written articles: copies fully supported, changed numbers, swapped names, added
or dropped negations and wrong places caught at their spans, lower-cased and tokenised text, French and
Chinese, sources pointing at the right article sentences, and the JSON round trip."""

import json

import pytest

from summarizer.evidence.alignment import tokens
from summarizer.evidence.number_words import number_word
from summarizer.evidence.support import THRESHOLD, Evidence, evidence, summary_sentences
from summarizer.text.splitting import split_sentences
from tests.articles import RIVERTON_NEGATION as ARTICLE

SENTENCES = split_sentences(ARTICLE)


def _unsupported(found: Evidence) -> list[tuple[str, str]]:
    return [(u.text, u.kind) for s in found.sentences for u in s.unsupported]


@pytest.mark.parametrize("summary", [
    SENTENCES[1],
    SENTENCES[0] + " " + SENTENCES[3],
    "mayor anna keller said the bridge would not reopen before 2027 .",  # lower-cased and tokenised
])
def test_sentences_copied_from_the_article_are_fully_supported(summary):
    found = evidence(ARTICLE, summary, "en")
    assert found.score == 1.0 and found.supported
    assert all(s.copied and s.score == 1.0 for s in found.sentences)
    assert _unsupported(found) == []


def test_each_sentence_points_at_the_article_sentences_behind_it():
    found = evidence(ARTICLE, "Tom Brandt found cracks in two pillars. Riverton approved a budget on Monday.", "en")
    assert [s.sources[0].sentence for s in found.sentences] == [3, 0]
    assert found.article_sentences == len(SENTENCES)
    assert all(0 < source.score <= 1 for s in found.sentences for source in s.sources)


def test_a_sentence_drawn_from_two_article_sentences_lists_both_best_first():
    summary = "Mayor Anna Keller said the bridge would not reopen, though 15,000 people cross it daily."
    sources = evidence(ARTICLE, summary, "en").sentences[0].sources
    assert [s.sentence for s in sources] == [1, 2] and sources[0].score > sources[1].score


@pytest.mark.parametrize(("summary", "span", "kind"), [
    ("The city council of Riverton approved a budget of 4,900 dollars on Monday.", "4,900", "number"),
    ("Mayor Anna Keller said the bridge would not reopen before 2028.", "2028", "number"),
    ("Mayor Anna Brandt said the bridge would not reopen before 2027.", "Brandt", "name"),  # in the article,
    # but not in the sentence this one draws on: a swapped name
    ("Mayor Anna Keller said the bridge would not reopen before 2027 in Chicago.", "Chicago", "name"),  # a place
    ("About 15,000 people cross it daily, most of them commuters from Hillside.", "Hillside", "name"),
    ("The city council of Riverton did not approve a budget of 4,700 dollars on Monday.", "not", "negation"),
    ("Mayor Anna Keller said the bridge would reopen before 2027.", "reopen", "negation"),  # a dropped "not"
])
def test_an_unfaithful_change_is_caught_at_its_span(summary, span, kind):
    found = evidence(ARTICLE, summary, "en")
    problems = [u for s in found.sentences for u in s.unsupported]
    assert any(u.text == span and u.kind == kind for u in problems), problems
    caught = next(u for u in problems if u.text == span)
    assert summary[caught.start:caught.end] == span and caught.reason
    assert found.score < 1.0


def test_the_changed_sentence_scores_below_the_faithful_one():
    good = evidence(ARTICLE, "Mayor Anna Keller said the bridge would not reopen before 2027.", "en").score
    for bad in ("Mayor Tom Keller said the bridge would not reopen before 2029.",
                "Mayor Anna Keller said the stadium would reopen in Chicago on Friday."):
        assert evidence(ARTICLE, bad, "en").score < good


def test_lower_cased_text_is_read_with_the_article_s_names():
    summary = "mayor anna brandt said the bridge would not reopen before 2027 ."
    found = evidence(ARTICLE, summary, "en")
    assert ("brandt", "name") in _unsupported(found)  # no capital in the summary: the article's own says so
    assert found.sentences[0].sources[0].sentence == 1


def test_numbers_are_compared_by_value_not_by_spelling():
    found = evidence(ARTICLE, "Tom Brandt found cracks in 2 of its pillars. About 15000 people cross it daily.", "en")
    assert [u for u in _unsupported(found) if u[1] == "number"] == []
    assert number_word("two", "en") == {2.0} and number_word("found", "en") == frozenset()


def test_a_number_from_another_sentence_of_the_article_is_told_apart_from_a_new_one():
    found = evidence(ARTICLE, "Riverton approved a budget of 2027 dollars on Monday.", "en")
    reasons = [u.reason for s in found.sentences for u in s.unsupported]
    assert any("2027" in r and "not in the sentences this one draws on" in r for r in reasons), reasons


FRENCH = ("Le conseil municipal de Riverton a approuvé lundi un budget de 4 700 euros. "
          "La maire Anna Keller a déclaré que le pont ne rouvrirait pas avant 2027.")


def test_french():
    assert evidence(FRENCH, "La maire Anna Keller a déclaré que le pont ne rouvrirait pas avant 2027.").score == 1.0
    found = evidence(FRENCH, "Le conseil municipal de Riverton a approuvé un budget de 4 900 euros.", "fr")
    assert found.method == "words" and ("4 900", "number") not in _unsupported(found)  # two tokens: 4, 900
    assert any(u[0] == "900" and u[1] == "number" for u in _unsupported(found))
    dropped = evidence(FRENCH, "La maire Anna Keller a déclaré que le pont rouvrirait avant 2027.", "fr")
    assert any(kind == "negation" for _, kind in _unsupported(dropped))


CHINESE = "里弗顿市议会周一批准了4700美元的预算。市长安娜·凯勒说，这座桥在2027年之前不会重新开放。"


def test_chinese():
    assert [t.text for t in tokens("预算4700美元")] == ["预", "算", "4700", "美", "元"]
    copied = evidence(CHINESE, "市长安娜·凯勒说，这座桥在2027年之前不会重新开放。", "zh")
    assert copied.score == 1.0 and copied.sentences[0].sources[0].sentence == 1
    changed = evidence(CHINESE, "里弗顿市议会批准了4900美元的预算。", "zh")
    assert ("4900", "number") in _unsupported(changed) and changed.score < 1.0
    assert changed.sentences[0].sources[0].sentence == 0


def test_across_languages_only_numbers_and_names_are_checked():
    faithful = evidence(ARTICLE, "Le conseil de Riverton a approuvé lundi un budget de 4 700 dollars.", "fr",
                        article_language="en")
    assert faithful.method == "numbers and names" and faithful.score == 1.0
    assert faithful.sentences[0].sources[0].sentence == 0
    wrong = evidence(ARTICLE, "Le conseil de Riverton a approuvé lundi un budget de 4 900 dollars.", "fr",
                     article_language="en")
    assert _unsupported(wrong) == [("4 900", "number")] and not wrong.supported
    english = evidence(FRENCH, "Mayor Anna Kellerman said the bridge would not reopen before 2027.", "en",
                       article_language="fr")
    assert ("Kellerman", "name") in _unsupported(english)


def test_tokenised_summaries_split_at_a_stop_between_spaces():
    summary = "the council approved a budget . the bridge would not reopen ."
    assert [summary[a:b] for a, b in summary_sentences(summary)] == ["the council approved a budget .",
                                                                       "the bridge would not reopen ."]


@pytest.mark.parametrize("text", [
    "First one. Second « quoted ! » third?\nA headline\nthe end . of it",
    "市长说。桥不会开放！真的吗？", "ประโยคแรกยาวพอสมควรแล้วนะ ประโยคที่สองยาวพอสมควรเช่นกันครับ", "  spaced   out .  text  ",
])
def test_summary_sentences_keep_every_character_in_order(text):
    spans = summary_sentences(text)
    assert all(a < b <= c for (a, b), (c, _) in zip(spans, [*spans[1:], (len(text), 0)], strict=True))
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == "".join(text.split()).replace(" ", "")


def test_contractions_read_the_same_however_tokenised():
    assert [t.key for t in tokens("couldn't")] == [t.key for t in tokens("could n't")] == ["could", "not"]


def test_to_dict_round_trips_through_json():
    found = evidence(ARTICLE, "Mayor Tom Keller said the bridge would reopen in 2029. Riverton approved a budget.")
    data = json.loads(json.dumps(found.to_dict()))
    assert Evidence.from_dict(data) == found
    assert set(data) == {"score", "sentences", "article_sentences", "method", "language", "article_language",
                         "warnings", "compared"}
    assert data["sentences"][0]["unsupported"][0]["kind"] in {"number", "name", "negation", "word"}


def test_empty_texts():
    assert evidence(ARTICLE, "", "en").score == 1.0 and evidence(ARTICLE, "", "en").sentences == ()
    nothing = evidence("", "Riverton approved a budget.", "en")
    assert nothing.score == 0.0 and not nothing.supported and THRESHOLD > 0
