"""Hand-written source/output pairs, traps included: locale number forms, scales, dates, names off by a letter."""

import pytest

from summarizer.faithfulness import check_summary, check_translation, extract_names, extract_numbers

ARTICLE = ("The city council of Riverton approved a budget of 4,700 dollars on Monday. Mayor Anna Keller said "
           "the bridge, built in 1889, would reopen on 15.03.2027. About 15 000 people cross it daily, and "
           "three schools are nearby. Prices rose by 3.5 percent, officials at Riverton Transit said.")


@pytest.mark.parametrize("summary", [
    "Riverton approved a budget of 4,700 dollars.",
    "Riverton approved a budget of 4.700 dollars.",  # German/Spanish thousands separator
    "Riverton approved a budget of 4 700 dollars.",  # French thousands separator
    "Riverton approved a budget of 4700 dollars.",
    "Riverton approved a budget of 4.7 thousand dollars.",  # the trap: a scale word
    "About 15,000 people cross the bridge, built in 1889.",
    "About 15000 people cross the bridge every day.",
    "The bridge reopens on 15 March 2027.",  # a date's parts
    "Prices rose by 3,5 percent.",  # decimal comma
    "Mayor Keller said 3 schools are nearby.",  # "three" in words in the article
    "Keller's bridge will reopen in 2027.",  # a possessive is the same name
])
def test_faithful_summaries_pass(summary):
    assert check_summary(ARTICLE, summary, "en") == []


@pytest.mark.parametrize(("summary", "problem"), [
    ("Riverton approved a budget of 4,800 dollars.", "number '4,800' does not appear in the article"),
    ("Riverton approved a budget of 47 dollars.", "number '47' does not appear in the article"),
    ("About 16 000 people cross it daily.", "number '16 000' does not appear in the article"),
    ("The bridge reopens on 16.03.2027.", "number '16' does not appear in the article"),
    ("The bridge reopens in 2028.", "number '2028' does not appear in the article"),
    ("Prices rose by 35 percent.", "number '35' does not appear in the article"),
    ("Mayor Anna Keler said the bridge would reopen.",
     "name 'Keler' does not appear in the article (the article has 'Keller')"),
    ("Mayor John Smith praised the plan.", "name 'John' does not appear in the article"),
])
def test_unfaithful_summaries_name_the_offending_span(summary, problem):
    assert problem in check_summary(ARTICLE, summary, "en")


def test_numbers_keep_every_locale_reading():
    (number,) = extract_numbers("4.700")
    assert number.values == {4700.0, 4.7}
    (scaled,) = extract_numbers("4,7 Millionen")
    assert 4_700_000.0 in scaled.values
    assert {n.span for n in extract_numbers("on 15.03.2027 at 10")} == {"15", "03", "2027", "10"}
    assert extract_numbers("1 234 567,5")[0].values == {1234567.5}


def test_names_skip_sentence_starts_and_function_words():
    assert extract_names("The mayor met Anna Keller. She thanked the Riverton Transit staff.") == [
        "Anna", "Keller", "Riverton", "Transit"]


@pytest.mark.parametrize(("source", "translation", "target", "problems"), [
    ("The budget is 4,700 dollars.", "Le budget est de 4 700 dollars.", "fr", []),
    ("The budget is 4,700 dollars.", "Der Haushalt beträgt 4.700 Dollar.", "de", []),
    ("The budget is 4.7 million dollars.", "El presupuesto es de 4,7 millones de dólares.", "es", []),
    ("Mayor Anna Keller spoke.", "La maire Anna Keller a parlé.", "fr", []),
    ("Mayor Anna Keller spoke.", "Burmistrz Anna Keller przemówiła.", "pl", []),
    ("Mayor Anna Keller spoke.", "Burmistrz Anny Kellera przemówiła.", "pl", []),  # inflected names
    ("The bridge has 102 arches.", "Le pont a cent deux arches.", "fr",
     ["number '102' of the text it translates is missing"]),  # NLLB writes numbers as words
    ("The bridge opened in 2027.", "Le pont a ouvert en 2028.", "fr",
     ["number '2028' is not in the text it translates", "number '2027' of the text it translates is missing"]),
    ("Mayor Anna Keller spoke.", "La maire a parlé.", "fr",
     ["name 'Anna' of the text it translates is missing", "name 'Keller' of the text it translates is missing"]),
    ("Mayor Anna Keller spoke in 2027.", "Мэр Анна Келлер выступила в 2027 году.", "ru", []),  # names not checked
])
def test_translation_checks(source, translation, target, problems):
    assert check_translation(source, translation, "en", target) == problems
