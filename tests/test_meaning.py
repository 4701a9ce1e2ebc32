"""A located quote whose wording changes the meaning is not support; a value must be what its quotes state."""

from __future__ import annotations

import pytest

import reportgen
from reportgen.drafts import DraftItem, DraftSection
from reportgen.grounding import Grounder
from reportgen.ingest.build import TextBuilder, finish
from reportgen.meaning import meaning_differs
from reportgen.models import Document
from reportgen.sop import SOP, FieldSpec, SectionSpec
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


def _doc(lines: list[str]) -> Document:
    b = TextBuilder()
    for i, line in enumerate(lines):
        b.add(line, speaker="Jason" if i % 2 else "Priya", start=float(i * 10))
    return finish(b, data="\n".join(lines).encode(), filename="call.txt", kind="transcript", format="speaker-lines",
                  media_type="text/plain")


SOURCE = [
    "I think instructor should be part of the standard lib for structured outputs in Python.",
    "The endorsement fee is (i) Twenty-Five thousand dollars ($25,000USD) per contract year.",
    "We shipped the billing migration to forty customers last week without any outage.",
]


@pytest.mark.parametrize(
    ("quote", "why"),
    [
        ("I think instructor should not be part of the standard lib for structured outputs in Python.", "negation"),
        ("We shipped the billing migration to fourteen customers last week without any outage.", "number"),
        ("We shipped the billing migration to forty customers last week with an outage.", "negation"),
    ],
)
def test_grounding_refuses_a_quote_that_flips_its_source(quote: str, why: str) -> None:
    doc = _doc(SOURCE)
    c = Grounder([doc]).ground(quote)
    assert c.status == "unsupported" and c.reason == f"meaning-differs: {why}" and c.char_start is None


def test_asr_noise_without_a_change_of_meaning_is_still_located() -> None:
    doc = _doc(SOURCE)
    c = Grounder([doc]).ground("i think instructor should be um part of the standard lib for structured outputs")
    assert c.located and c.status in ("normalized", "fuzzy") and c.reason is None


def test_a_figure_its_quote_does_not_state_is_flagged_and_not_supported() -> None:
    doc = _doc(SOURCE)
    spec = SectionSpec(id="terms", title="Terms", kind="table",
                       fields={"term": FieldSpec(type="text"), "amount": FieldSpec(type="money", required=False)})
    sop = SOP(id="t", name="t", sections=[spec])
    quote = "The endorsement fee is (i) Twenty-Five thousand dollars ($25,000USD) per contract year."
    fee = {"term": "endorsement fee"}
    right = DraftItem(fields={**fee, "amount": {"value": 25000, "unit": "USD", "text": "25,000 USD"}}, quotes=[quote])
    wrong = DraftItem(fields={**fee, "amount": {"value": 5000, "unit": "USD", "text": "$5K"}}, quotes=[quote])
    good = reportgen.generate([doc], sop=sop, engine=_Fixed([right]))
    [ok] = good.sections[0].items
    assert ok.support == "supported" and not ok.flags and good.verification()["items_supported"] == 1
    report = reportgen.generate([doc], sop=sop, engine=_Fixed([wrong]))
    [bad] = report.sections[0].items
    assert bad.support == "inconsistent" and any(f.startswith("value-not-in-quote") for f in bad.flags)
    assert all(c.located for c in bad.citations)  # the quote is there; what the item says of it is not
    v = report.verification()
    assert v["items_supported"] == 0 and v["items_inconsistent"] == 1


class _Fixed:
    """An engine double that returns the given items for every section (pydantic-ai's FunctionModel idea)."""

    name, model, extractive, notes = "fixed", None, False, []

    def __init__(self, items: list[DraftItem]) -> None:
        self.items = items

    async def extract(self, run):  # noqa: ANN001, ANN201
        for spec in run.sections:
            yield DraftSection(section_id=spec.id, items=self.items)
