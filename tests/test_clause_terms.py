"""What a term, date, governing-law or exclusivity row says and which sentence it quotes, on invented clauses:
the rules of the fourth CUAD round (docs/eval.md), each chosen on the fit fold."""

from __future__ import annotations

from datetime import date

import numpy as np

from reportgen.extract.local.clause_values import first_date, governing_law, no_exclusivity, term_value
from reportgen.extract.local.clauses import DATES, EXCLUSIVITY, TERM, contract_units
from reportgen.extract.local.strategies.contract import agreement_date, pick_unit, row_text
from tests.test_local_contracts import paged

START = date(2016, 3, 9)


def test_a_term_stated_as_an_anniversary_or_in_words_ends_on_a_date() -> None:
    assert term_value("The Term shall continue until the later of (a) the third (3rd) anniversary of the Effective "
                      "Date, or (b) the delivery of the last Report.", START) == "March 9, 2019"
    assert term_value("This Agreement shall expire upon the earlier of (i) the first anniversary of the Effective "
                      "Date and (ii) the sale of all Units.", START) == "March 9, 2017"
    assert term_value("The Term shall begin on the Effective Date and shall end fifteen months therefrom.",
                      START) == "June 9, 2017"
    assert term_value("This Agreement shall continue for seven (7) Contract Years, unless terminated earlier.",
                      START) == "March 9, 2023"


def test_an_early_termination_is_not_the_terms_end() -> None:
    assert term_value("Unless earlier terminated, this Agreement shall take effect on May 2nd, 2016 and shall expire "
                      "on May 1, 2018.") == "May 1, 2018"
    assert term_value("The term shall commence on the Effective Date and shall continue, unless terminated sooner "
                      "under Article 9, until October 3, 2021 (the Term).") == "October 3, 2021"


def test_a_renewals_period_is_not_the_initial_term() -> None:
    renewal = ("This Agreement shall automatically continue following the Initial Term, for an additional period of "
               "two (2) years, unless a party gives notice at least ninety (90) days prior to its expiration.")
    assert term_value(renewal, START) == "90 days"
    initial = "The initial term shall commence on the Effective Date and extend for three (3) years thereafter."
    assert term_value(initial, START) == "March 9, 2019"


def test_a_renewal_of_twelve_months_reads_as_cuad_writes_it() -> None:
    assert term_value("This Agreement shall automatically renew for additional successive terms of twelve (12) months "
                      "each.") == "successive 1 year"
    assert term_value("This Agreement may be renewed once for a period of eighteen (18) months.") == "18 months"
    assert term_value("After the initial term, unless terminated, this Agreement will automatically renew for "
                      "periods of one (1) calendar year each.") == "successive 1 year"


def test_a_term_runs_from_the_effective_date_the_agreement_defines_later() -> None:
    """The preamble states no date; the definitions do, and "four (4) years" runs from it."""
    doc = paged([["DEVELOPMENT AGREEMENT", "This Agreement is made by and between Norvale Optics Inc. and Quillon "
                  "Labs LLC."] + [f"Clause {k} says nothing of dates." for k in range(14)],
                 ["\u201cEffective Date\u201d means April 15, 2010.",
                  "This Agreement will begin on the Effective Date and continue for four (4) years."]])
    units = contract_units(doc, 0)
    assert agreement_date(units) == date(2010, 4, 15)
    k = next(i for i, u in enumerate(units) if "four (4) years" in u.text)
    assert row_text(TERM, doc, units, k)[0] == "April 15, 2014"
    assert agreement_date(contract_units(paged([["No dates here at all."]]), 0)) is None


def test_a_term_ended_only_by_notice_is_perpetual() -> None:
    assert term_value("Your engagement shall commence on 4 April 2016 and shall continue unless and until either "
                      "party gives notice to the other.") == "perpetual"
    assert term_value("This Agreement shall continue in effect until either Party informs the other Party with "
                      "sixty (60) days prior written notice of termination.") == "perpetual"
    assert term_value("This Agreement shall become effective as of the day and year first above written and shall "
                      "remain in force thereafter, unless terminated under Section 6.") == "perpetual"
    # a fixed length still ends it
    assert term_value("This Agreement shall continue for two (2) years and thereafter until either party gives "
                      "sixty (60) days notice.", START) == "March 9, 2018"


def test_a_term_row_keeps_its_best_sentence_over_a_much_weaker_number() -> None:
    best = "This Agreement will be in effect from the Effective Date until completion of the Study Program."
    weak = "Either party may terminate for material breach on sixty (60) days written notice."
    doc = paged([[best, weak]])
    units = contract_units(doc, 0)
    probs = np.array([0.9, 0.3])
    assert pick_unit(TERM, doc, units, probs, 0.1) == 0  # 0.3 < 0.7 x 0.9: the clause itself, quoted
    probs = np.array([0.4, 0.35])
    assert pick_unit(TERM, doc, units, probs, 0.1) == 1  # nearly as probable, and it states a value


def test_a_signature_blocks_date_is_its_last_and_a_filing_footer_is_none() -> None:
    block = ("By: /s/ Dana Whitcombe By: /s/ Lior Abernathy Name: Dana Whitcombe Name: Lior Abernathy "
             "Date: 6/2/2014 Date: 6/5/2014")
    assert first_date(block) == "6/5/2014"
    assert first_date("Source: NORVALE OPTICS INC, 10-K, 3/30/2015") is None
    assert first_date("This Agreement is dated 3/1/2015. Source: NORVALE OPTICS INC, 10-K, 3/30/2015") == "3/1/2015"


def test_a_date_row_quotes_the_preamble_over_a_cover_line_with_the_same_date() -> None:
    cover = "Date: July 14, 2016"
    preamble = "This Supply Agreement is made as of the 14th day of July, 2016 by and between Norvale Optics Inc."
    doc = paged([[cover], [preamble]])
    units = contract_units(doc, 0)
    k_cover = next(i for i, u in enumerate(units) if u.text.startswith("Date"))
    k_pre = next(i for i, u in enumerate(units) if "made as of" in u.text)
    probs = np.zeros(len(units))
    probs[k_cover], probs[k_pre] = 0.8, 0.4
    assert pick_unit(DATES, doc, units, probs, 0.05) == k_pre
    probs[k_pre] = 0.01  # below the threshold: not a candidate
    assert pick_unit(DATES, doc, units, probs, 0.05) == k_cover


def test_a_date_row_states_a_date_or_is_not_shown() -> None:
    doc = paged([["This Agreement shall be effective on the date of its execution by both Parties."]])
    units = contract_units(doc, 0)
    assert pick_unit(DATES, doc, units, np.full(len(units), 0.9), 0.05) is None


def test_governing_law_names_england_and_wales_and_a_provinces_country() -> None:
    assert governing_law("This Agreement is governed by the laws of England and the courts of England and Wales "
                         "shall have jurisdiction.") == "England and Wales"
    assert governing_law("This Agreement shall be governed by the laws of England.") == "England"
    assert governing_law("This Agreement shall be governed by the laws of the Province of Ontario.") == \
        "Ontario, Canada"


def test_negated_owned_or_warranted_exclusivity_is_no_row() -> None:
    assert no_exclusivity("This Agreement does not create an exclusive relationship between the Parties.")
    assert no_exclusivity("Licensor shall retain the exclusive ownership of the Licensed Marks.")
    assert no_exclusivity("THE WARRANTIES IN SECTION 7 ARE THE EXCLUSIVE WARRANTIES OF SUPPLIER.")
    assert no_exclusivity("Prices quoted are exclusive of travel and lodging expenses.")
    assert not no_exclusivity("Reseller shall be the exclusive reseller of the Products in the Territory.")
    assert not no_exclusivity("Norvale is not a party to it; Reseller shall be the exclusive reseller in Spain.")
    doc = paged([["This Agreement does not create an exclusive relationship between the Parties."]])
    units = contract_units(doc, 0)
    assert pick_unit(EXCLUSIVITY, doc, units, np.full(len(units), 0.9), 0.25) is None


def test_a_promise_not_to_solicit_employees_is_no_exclusivity() -> None:
    assert no_exclusivity("During the Term and for one (1) year after it, Customer shall not directly or indirectly "
                          "solicit or hire any employee of Vendor.")
    assert not no_exclusivity("Reseller shall not solicit customers for, or sell, any product that competes with "
                              "the Products, and shall not hire a competitor's employees to do so.")
    assert not no_exclusivity("Vendor shall be the exclusive supplier and shall not solicit Customer's employees.")
