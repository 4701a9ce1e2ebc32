"""A located quote whose wording changes the meaning is not support; a value must be what its quotes state."""

from __future__ import annotations

import pytest

from reportgen.meaning import meaning_differs
from reportgen.values import numbers_in, value_stated


@pytest.mark.parametrize(
    ("quote", "source", "why"),
    [
        ("Instructor should not be part of the standard lib", "Instructor should be part of the standard lib",
         "negation"),
        ("we do ship on friday", "We don't ship on Friday.", "negation"),
        ("we never ship on a Friday afternoon", "we always ship on a Friday afternoon", "negation"),
        ("the deal is likely to close this quarter", "the deal is unlikely to close this quarter", "negation"),
        ("a non-exclusive licence to the brand", "an exclusive licence to the brand", "negation"),
        ("the fee is $25,000 per year", "The fee is $5,000 per year", "number"),
        ("churn went down 12% last year", "churn went down 21% last year", "number"),
        ("we meet again on Tuesday morning", "we meet again on Thursday morning", "number"),
        ("Jason will send the deck by Friday", "Alice will send the deck by Friday", "name"),
    ],
)
def test_a_flipped_quote_is_refused_with_its_reason(quote: str, source: str, why: str) -> None:
    assert meaning_differs(quote, source) == why


@pytest.mark.parametrize(
    ("quote", "source"),
    [
        ("we dont ship on friday", "We don't ship on Friday."),  # apostrophe and case lost, as ASR does
        ("so um we shipped it last week", "So we shipped it last week."),
        ("revenue grew 20% in 2023", "Revenue grew 20% in 2023."),
        ("and we agreed to send the deck", "So we agreed to send the deck"),  # sentence-initial words differ
        ("the fee is $25,000 per year", "the fee is $25,000 per year"),
    ],
)
def test_meaning_preserving_differences_pass(quote: str, source: str) -> None:
    assert meaning_differs(quote, source) is None


def test_one_value_in_digits_words_and_suffixes() -> None:
    clause = "(i) Twenty-Five thousand dollars ($25,000USD)"
    assert numbers_in(clause) == numbers_in("25,000 USD") == numbers_in("USD 25k") == numbers_in("$25K")
    assert value_stated("25,000 USD", [clause]) and value_stated("$25K", [clause])
    assert not value_stated("$5K", [clause])  # the figure once extracted from this clause
    assert value_stated("1.2 million", ["about 1.2M a year"]) and not value_stated("1.2 million", ["1.2 a year"])
    assert value_stated("net 30", ["payment within thirty days"])
    assert value_stated("quarterly", ["nothing numeric"])  # a value without a number has nothing to check
