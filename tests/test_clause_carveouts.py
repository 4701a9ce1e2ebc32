"""The hand check's contract faults, as rules: a clause row keeps the sentence that qualifies it, an insurance
policy's termination is no termination row, a blank party's address and the parties named together are no party,
a draft's header stamp is not the agreement's date, and a term's length from its start is its end date."""

from __future__ import annotations

from datetime import date

import numpy as np

from reportgen.extract.local.clause_model import unit_features
from reportgen.extract.local.clause_values import first_date, parties_text, term_value
from reportgen.extract.local.clauses import ASSIGNMENT, LAW, LIABILITY, TERMINATION, contract_units
from reportgen.extract.local.strategies.contract import pick_unit, row_text
from tests.test_local_contracts import paged

NO_ASSIGN = "Neither party may assign this Agreement without the prior written consent of the other party."
CARVE_OUT = "Provided, however, that either party may assign this Agreement to an acquirer of its business."
CAP = "IN NO EVENT SHALL EITHER PARTY'S TOTAL LIABILITY EXCEED THE FEES PAID."
RESTATED = "NOTWITHSTANDING THE FOREGOING, THIS SECTION DOES NOT LIMIT EITHER PARTY'S INDEMNITY."


def test_a_clause_row_keeps_the_sentence_that_qualifies_it() -> None:
    doc = paged([[f"{NO_ASSIGN} {CARVE_OUT}", "Each party shall bear its own costs."]])
    units = contract_units(doc, 0)
    text, span = row_text(ASSIGNMENT, doc, units, 0)
    assert text == f"{NO_ASSIGN} {CARVE_OUT}"
    assert span == (units[0].start, units[1].end)
    # a sentence that does not qualify it stays out, and so does anything after the carve-out
    assert row_text(ASSIGNMENT, doc, units, 1)[0] == CARVE_OUT
    alone = paged([[NO_ASSIGN, "Each party shall bear its own costs."]])
    assert row_text(ASSIGNMENT, alone, contract_units(alone, 0), 0)[0] == NO_ASSIGN


def test_a_liability_cap_keeps_its_restatement_an_assignment_clause_does_not() -> None:
    doc = paged([[f"{CAP} {RESTATED}"]])
    units = contract_units(doc, 0)
    assert row_text(LIABILITY, doc, units, 0)[0] == f"{CAP} {RESTATED}"
    apart = "Notwithstanding the foregoing, either party may assign this Agreement to an Affiliate."
    doc = paged([[f"{NO_ASSIGN} {apart}"]])  # CUAD labels such a sentence apart
    assert row_text(ASSIGNMENT, doc, contract_units(doc, 0), 0)[0] == NO_ASSIGN


def test_a_clause_that_announces_its_exceptions_quotes_them() -> None:
    doc = paged([["The total liability of each party shall not exceed the fees paid, except as follows:",
                  "(a) a breach of Section 9 (Confidentiality) is not limited."]])
    units = contract_units(doc, 0)
    text, span = row_text(LIABILITY, doc, units, 0)
    assert text.endswith("is not limited.") and span[1] == units[-1].end
    # a value kind states its value and is never extended
    law = paged([["This Agreement is governed by the laws of the State of New York.",
                  "Notwithstanding the foregoing, either party may seek relief in any court."]])
    assert row_text(LAW, law, contract_units(law, 0), 0)[0] == "New York"


def test_a_termination_lead_in_quotes_the_ground_it_announces() -> None:
    doc = paged([["This Agreement may be terminated as follows:",
                  "(a) by either party for any reason upon sixty (60) days' written notice to the other party."]])
    units = contract_units(doc, 0)
    text, span = row_text(TERMINATION, doc, units, 0)
    assert text.endswith("written notice to the other party.") and span == (units[0].start, units[1].end)


def test_an_insurance_policys_termination_is_no_termination_row() -> None:
    coverage = ("Licensee will not modify or terminate any coverage without thirty (30) days' prior written notice "
                "to Vendor.")
    doc = paged([[coverage, "Either party may terminate this Agreement for any reason upon thirty (30) days' notice."]])
    units = contract_units(doc, 0)
    # the notice period makes the insurance sentence look like a termination on notice to the model's cues
    assert "c:terminate_on_notice" in unit_features(units[0], 20, 40)
    probs = np.array([0.9, 0.0])
    assert pick_unit(TERMINATION, doc, units, probs, 0.5) is None
    probs[1] = 0.6
    assert pick_unit(TERMINATION, doc, units, probs, 0.5) == 1


def test_a_blank_party_and_the_parties_together_are_no_party() -> None:
    together = ('This Agreement is made between Dev Labs LLC, located at 1 Main St, Miami (the "Developer") and '
                'Click Corp with its principal office located at 9 Park Ave (the "Client") and together with the '
                'Developer (the "Parties").')
    assert parties_text(together) == 'Dev Labs LLC ("Developer"); Click Corp ("Client")'
    blank = ('This Agreement is entered into between Acme Inc. ("Acme") with its principal place of business at '
             '2900 Lakeside Drive and ______________, a ________ corporation ("Distributor").')
    assert parties_text(blank) == 'Acme Inc. ("Acme"); ______________ ("Distributor")'  # the blank as written
    unnamed = 'This Agreement is made between Acme Inc. ("Acme"); with its principal place of business ("Office").'
    assert parties_text(unnamed) == 'Acme Inc. ("Acme")'


def test_a_party_referred_to_as_its_defined_name() -> None:
    preamble = ('This Agreement is between Birch Hill Ventures, LLC, a Texas limited liability company, whose '
                'principal place of business is in Austin, Texas, referred to in this Agreement as "Company", and '
                'Fenwick Oil, Inc., a Delaware corporation, referred to herein as "Sponsor".')
    assert parties_text(preamble) == 'Birch Hill Ventures, LLC ("Company"); Fenwick Oil, Inc. ("Sponsor")'


def test_a_drafts_header_stamp_is_not_the_agreements_date() -> None:
    header = ("DRAFT (Europe) 3/02/00 (Rev 2)   SERVICES AGREEMENT\nThis Agreement is made as of "
              "March 3, 2000 between X and Y.")
    assert first_date(header) == "March 3, 2000"
    assert first_date("DRAFT (Europe) 3/02/00 (Rev 2)") is None
    assert first_date("This Agreement is dated 1/12/00.") == "1/12/00"  # a date that is no stamp stays


def test_a_term_stated_as_a_length_from_the_start_ends_on_a_date() -> None:
    start = date(2007, 11, 28)
    assert term_value("The term of this Agreement shall be fifteen (15) years from the Effective Date.", start) \
        == "November 28, 2022"
    assert term_value("This Agreement will continue beginning on the Effective Date and ending two (2) years "
                      "thereafter.", start) == "November 28, 2009"
    assert term_value("The term of this Agreement shall end on the seventh anniversary of the date hereof.", start) \
        == "November 28, 2014"
    assert term_value("The term of this Agreement shall be fifteen (15) years from the Effective Date.") is None
