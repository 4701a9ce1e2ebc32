"""Figures written in words and digits, ranges and hedges: the engine's reader and the support check's agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reportgen.extract.local.figures import find_figures
from reportgen.values import numbers_in, parse_number, value_stated


def one(text: str):
    figs = find_figures(text)
    assert len(figs) == 1, [f.text for f in figs]
    return figs[0]


def test_words_restated_in_digits_are_one_figure() -> None:
    f = one("(i) Twenty-Five thousand dollars ($25,000USD) upon signing")
    assert (f.value, f.unit, f.text) == (25000, "USD", "Twenty-Five thousand dollars ($25,000USD)")
    f = one("a fee of Five Hundred Thousand Dollars ($500,000) per year")
    assert (f.value, f.unit, f.period) == (500000, "USD", "annual")


def test_attached_currency_code_does_not_shorten_the_number() -> None:
    assert (one("$25,000USD").value, one("$25,000USD").unit) == (25000, "USD")
    assert (one("USD 1,250,000").value, one("EUR 3 million").value) == (1250000, 3000000)


@pytest.mark.parametrize(("text", "low", "high", "unit"), [
    ("royalties of 12, 15 percent", 12, 15, "%"),
    ("a 12-15% discount", 12, 15, "%"),
    ("between $2 and $3 million", 2_000_000, 3_000_000, "USD"),
])
def test_ranges(text: str, low: float, high: float, unit: str) -> None:
    f = one(text)
    assert (f.value, f.high, f.unit) == (low, high, unit)
    assert f.as_field()["value"] is None and f.as_field()["text"] == f.text  # a range has no one value


def test_hedges_stay_with_the_figure() -> None:
    f = one("revenue of about $3 million a year")
    assert (f.value, f.hedge, f.text) == (3_000_000, "about", "about $3 million a year")
    assert one("up to 5,000 customers").hedge == "up to"


def test_a_manner_of_speaking_is_not_a_figure() -> None:
    f = one("a thousand X higher leverage than sales")
    assert (f.unit, f.strong) == ("x", False)  # a multiple said loosely, never sales of 1K
    assert find_figures("I told him a thousand times and two of them agreed") == []


def test_one_number_reader_for_fields_and_checks() -> None:
    assert parse_number("Twenty-Five thousand") == Decimal(25000) == parse_number("25,000")
    assert numbers_in("Twenty-Five thousand dollars ($25,000USD)") == {Decimal(25000)}
    assert value_stated("$25,000", ["(i) Twenty-Five thousand dollars ($25,000USD)"])
    assert not value_stated("$5K", ["(i) Twenty-Five thousand dollars ($25,000USD)"])


def test_the_fast_scan_finds_what_finditer_finds() -> None:
    from reportgen.extract.local.figures import _DIGITS_ONLY_RE, _digit_figures

    texts = ["Fees of $25,000USD and USD 25,000 are due within 30 days; us$5 or C$ 3 per unit.",
             "Growth of 12, 15 percent, 3x more than 5 customers; see the 10-K and 1/2 dollars.",
             "Section 4.2: up to \u20ac3m, \u00a340 and 7 years from 6/21/99.", "No figures here at all.", ""]
    for text in texts:
        assert [m.span() for m in _digit_figures(text)] == [m.span() for m in _DIGITS_ONLY_RE.finditer(text)]
    assert len(list(_digit_figures(texts[0]))) >= 4
