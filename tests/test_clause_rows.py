"""What a contract-terms row says and where its gold may sit: every party the preamble names, no non-exclusive grant
shown as exclusivity, blank or redacted dates as written, termination cues, and a labelled date at each occurrence."""

from __future__ import annotations

import numpy as np

from reportgen.evals.cuad import date_evidence
from reportgen.extract.local.clause_model import unit_features
from reportgen.extract.local.clause_values import first_date, non_exclusive_only, parties_text
from reportgen.extract.local.clauses import EXCLUSIVITY, PARTIES, contract_units
from reportgen.extract.local.strategies.contract import pick_unit, row_text
from tests.test_local_contracts import paged

PREAMBLE = ('This Hosting and Services Agreement ("Agreement") is entered into as of this 12 day of May, 2001 by and '
            'between ACME SOFT, INC., a Delaware corporation ("Acme"), whose principal place of business 77 Harbour '
            'Road, Suite 12, Fremont, California 94536 and NORTHWIND DATA SYSTEMS, INC. ("NDS"), whose '
            'principal place of business is 15 Quarry Lane, Durham, NC 27701.')


def test_every_party_the_preamble_names_even_after_an_address() -> None:
    assert parties_text(PREAMBLE) == 'ACME SOFT, INC. ("Acme"); NORTHWIND DATA SYSTEMS, INC. ("NDS")'
    # an "and" between capitalised words is part of one name, not the start of the next party
    assert parties_text('This Agreement is made by and between Smith and Jones LLP ("SJ") and Black and Decker, '
                        'Inc. ("BD").') == 'Smith and Jones LLP ("SJ"); Black and Decker, Inc. ("BD")'


def test_a_parties_row_reads_the_sentence_the_preamble_started_in() -> None:
    # "Co." cuts the preamble: the unit the model picks may start inside the first party's name
    doc = paged([['This Agreement is made by and between Alpha Tools Co. Ltd. ("Alpha"), having offices in '
                  'Springfield. And Beta Parts LLC ("Beta"), of 9 Elm Road.']])
    units = contract_units(doc, 0)
    k = next(i for i, u in enumerate(units) if u.text.startswith("Ltd."))
    text, span = row_text(PARTIES, doc, units, k)
    assert text == 'Alpha Tools Co. Ltd. ("Alpha")'
    assert span == (units[k - 1].start, units[k].end)
    last = len(units) - 1  # a unit that does not continue a "between" sentence is read alone
    assert row_text(PARTIES, doc, units, last)[1] == (units[last].start, units[last].end)


def test_every_defined_name_of_a_party_and_names_without_quotation_marks() -> None:
    both = (
        "This Supply Agreement is made by and between Quillon Labs Limited, a company with registration number 5521 "
        "(\u201cQuillon\u201d and together with its Affiliates, \u201cQuillon Group\u201d) and Marrow Bay Inc. "
        "(\u201cMarrow\u201d)."
    )
    assert parties_text(both) == 'Quillon Labs Limited ("Quillon", "Quillon Group"); Marrow Bay Inc. ("Marrow")'
    unquoted = (  # no quotation marks, one of them, or single quotes
        "This Agreement is entered into by and between Tessel Corp., a Utah corporation having a place of business "
        'at 12 Pine Road (hereinafter Tessel) and Orrin Works LLC (hereinafter, -Distributor") and Vell Ltd. '
        "(\u2018Reseller\u2019)."
    )
    assert parties_text(unquoted) == 'Tessel Corp. ("Tessel"); Orrin Works LLC ("Distributor"); Vell Ltd. ("Reseller")'


def test_where_a_party_name_starts_and_ends() -> None:
    # a list number is no part of the name; a parenthetical inside a name does not end it; an address does
    numbered = (
        "This Agreement is made by and between (1) Norwick Foods, Delaware corporation having offices at 4 Bay St "
        "(\u201cNORWICK\u201d), and (2) Calder Mills S.A (\u201cCALDER\u201d)."
    )
    assert parties_text(numbered) == 'Norwick Foods, Delaware corporation ("NORWICK"); Calder Mills S.A ("CALDER")'
    inner = "by and between Lanfeng (Hubei) Trading Co., Ltd. (\u201cSeller\u201d) of 8 Lake Road"
    assert parties_text(inner) == 'Lanfeng (Hubei) Trading Co., Ltd. ("Seller")'
    address = (
        "between KESTREL VENTURES A/S of Strandvej 12, 2900 Hellerup, Denmark (hereinafter referred to as "
        '"KESTREL") and Moor Ltd. ("Moor")'
    )
    assert parties_text(address) == 'KESTREL VENTURES A/S ("KESTREL"); Moor Ltd. ("Moor")'
    dated = 'between Orbit Media, L.P. of June 11, 2018 ("Orbit")'  # a date is no address
    assert parties_text(dated) == 'Orbit Media, L.P. of June 11, 2018 ("Orbit")'


def test_parties_named_by_label_or_without_defined_names() -> None:
    labelled = (
        "This Agreement is made between the following parties: Party A: Hanfei Example Technology Co., Ltd. "
        "Registration Address: 9 River Road Party B: Qinghe Sample Trading Co., Ltd. Address: 3 Hill Road"
    )
    said = 'Hanfei Example Technology Co., Ltd. ("Party A"); Qinghe Sample Trading Co., Ltd. ("Party B")'
    assert parties_text(labelled) == said
    assert parties_text("ORBIT MEDIA, L.P., represented herein by its general partner Orbit Media Inc.") == (
        "ORBIT MEDIA, L.P."
    )
    two = (  # "and" between two parties, not the one inside a name
        "CASCADE CAPITAL CORP., a corporation incorporated in Manitoba, at 12 Pine Road, Suite 40 and "
        "WEST HILL FILM AND SOUND CORPORATION, located at 9 Elm Road"
    )
    assert parties_text(two) == "CASCADE CAPITAL CORP.; WEST HILL FILM AND SOUND CORPORATION"


def _row_spans_two_units(blocks: list[str], said: str) -> None:
    doc = paged([blocks])
    units = contract_units(doc, 0)
    assert row_text(PARTIES, doc, units, 0) == (said, (units[0].start, units[1].end))


def test_a_parties_row_runs_on_past_a_cut_at_inc_or_and() -> None:
    _row_spans_two_units(
        ["This Collaboration Agreement is made by and among Zentrix Bio, Inc.",
         'a Delaware corporation ("Zentrix"), and Halden Pharma GmbH ("Halden").',
         "There shall be no further fees of any kind."],
        'Zentrix Bio, Inc. ("Zentrix"); Halden Pharma GmbH ("Halden")',
    )  # fmt: skip
    _row_spans_two_units(
        ['This Hosting Agreement is made by and between Pellam Data Corp., a Delaware corporation ("Pellam"), '
         "having an address at 4 Mill Street, and",
         'Rook Press Limited, a company registered in England ("Rook"), of 2 Quay Road.',
         "The parties agree as follows."],
        'Pellam Data Corp. ("Pellam"); Rook Press Limited ("Rook")',
    )  # fmt: skip
    doc = paged(
        [["This Agreement is made by and among Zentrix Bio, Inc.", "There shall be no further fees of any kind."]]
    )
    units = contract_units(doc, 0)  # a new sentence is no part of the preamble
    assert row_text(PARTIES, doc, units, 0) == ("Zentrix Bio, Inc.", (units[0].start, units[0].end))


def test_signature_fields_and_long_names() -> None:
    block = "Date: BRAMBLE TRUST COMPANY By: /s/ Ada Quince Name: Ada Quince Title: Attorney-in-fact"
    assert parties_text(block) == "BRAMBLE TRUST COMPANY"
    formed = (  # a name over 80 characters keeps its capitalised head
        "This Agreement is made between Example Trading Company to be formed by its founders Jane Roe, Richard Miles "
        "and John Doe, "
        'having an office at 1 Main Street, hereinafter referred to as "ETC", and Vell Ltd. ("Vell").'
    )
    assert parties_text(formed) == 'Example Trading Company ("ETC"); Vell Ltd. ("Vell")'


def test_a_unit_starting_at_a_cut_suffix_reads_the_sentence_before() -> None:
    letter = (
        'The undersigned, Fernlea Securities Ltd. ("Lead Agent") and Quarry Capital Co. Ltd. (the "Agents") '
        'understand that Moss Pharma Inc. ("Corporation") proposes to issue shares.'
    )
    doc = paged([[letter]])
    units = contract_units(doc, 0)
    k = next(i for i, u in enumerate(units) if u.text.startswith("Ltd. (the"))
    assert row_text(PARTIES, doc, units, k)[1] == (units[k - 1].start, units[k].end)


def test_a_non_exclusive_grant_is_not_an_exclusivity_row() -> None:
    grant = "Acme grants NDS a nonexclusive, nontransferable, non-sublicensable right to use the Application."
    assert non_exclusive_only(grant)
    assert not non_exclusive_only("Distributor shall be the exclusive distributor; other rights are non-exclusive.")
    assert not non_exclusive_only("Supplier shall not sell the Products to any other party in the Territory.")
    assert non_exclusive_only("This limitation applies notwithstanding any failure of the exclusive remedies.")
    doc = paged([[grant, "During the Term, Supplier shall sell the Products exclusively to Acme in the Territory."]])
    units = contract_units(doc, 0)
    grant_k = next(i for i, u in enumerate(units) if "grants" in u.text)
    probs = np.zeros(len(units))
    probs[grant_k] = 0.9
    assert pick_unit(EXCLUSIVITY, doc, units, probs, 0.5) is None  # silence, not the grant
    other = next(i for i, u in enumerate(units) if "exclusively" in u.text)
    probs[other] = 0.6
    assert pick_unit(EXCLUSIVITY, doc, units, probs, 0.5) == other


def test_blank_and_redacted_dates_are_given_as_written() -> None:
    assert first_date("This Distributor Agreement dated [*] is between Norvale Optics Inc.") == "[*]"
    assert first_date("is made and effective as of [\u00b7], 2019 (the Effective Date)") == "[\u00b7], 2019"
    assert first_date("effective as of [ ] day of [ ], 2020 (Effective Date)") == "[ ] day of [ ], 2020"
    assert first_date("made effective this day of _______, 19__, by and between") == "this day of _______, 19__"
    assert first_date("the parties [agree] to meet in 2019") is None


def test_termination_cues_say_a_party_may_end_it_at_will() -> None:
    doc = paged([["Either party may terminate this Agreement for any reason upon sixty (60) days' prior written "
                  "notice.", "Either party may terminate this Agreement if the other party breaches it."]])
    at_will, breach = (unit_features(u, 20, 40) for u in contract_units(doc, 0))
    assert {"c:terminate_at_will", "c:terminate_on_notice", "c:terminate_no_breach"} <= set(at_will)
    assert not {"c:terminate_at_will", "c:terminate_no_breach"} & set(breach)


def test_a_labelled_date_is_evidenced_at_each_occurrence() -> None:
    text = "Agreement dated June 1, 2000\n\nThis Agreement is made as of June 1, 2000 between A and B."
    second = text.index("June 1, 2000", 20)
    assert date_evidence(text, "June 1, 2000") == [{"span": [16, 28]}, {"span": [second, second + 12]}]
    assert date_evidence(text, "june 1, 2000") == date_evidence(text, "June 1, 2000")  # case aside, as the locator
    # the labeller's trailing comma and the PDF's spacing do not hide the other occurrence
    assert date_evidence(text.replace("as of June 1,", "as of June  1,"), "June 1, 2000,") == [
        {"span": [16, 28]}, {"span": [second, second + 13]}]
    assert date_evidence(text, "July 4, 2001") == [{"quote": "July 4, 2001"}]  # unplaced: left to the locator
    assert date_evidence("made as of 6/21/99", "6/21/99") == [{"quote": "6/21/99"}]  # once: placed as before
