"""Contract terms from the offline engine: agreements written here, clause rows asserted one by one."""

from __future__ import annotations

import asyncio

from reportgen.drafts import DraftSection
from reportgen.extract.local import LocalExtractor
from reportgen.extract.local.clauses import clause_values, contract_units
from reportgen.ingest import ingest
from reportgen.ingest.build import TextBuilder, finish
from reportgen.models import Document
from reportgen.pipeline import extract_all, make_run
from reportgen.sop import SOP, FieldSpec, SectionSpec
from tests.fixtures_pdf import text_pdf

CLAUSE_VALUES = ["parties", "agreement dates", "term and renewal", "termination", "change of control", "assignment",
                 "exclusivity", "liability cap", "governing law", "other"]  # fmt: skip
TERMS = SectionSpec(
    id="contract_terms",
    title="Key contract terms",
    kind="table",
    required=False,
    instructions="For each material agreement, the clauses an investor checks. One row per clause per agreement.",
    cues=["agreement", "party", "governing law", "assign", "terminat"],
    fields={
        "clause": FieldSpec(type="enum", values=CLAUSE_VALUES),
        "summary": FieldSpec(type="text"),
        "document": FieldSpec(type="text", required=False),
    },
)

MSA_PAGES: list[list[str]] = [
    [
        "MASTER SUPPLY AGREEMENT",
        "This Master Supply Agreement (the \u201cAgreement\u201d) is entered into as of March 3, 2021 by and between "
        "Northwind Traders Ltd, a Delaware corporation (\u201cSupplier\u201d), and Contoso Foods Inc, a New York "
        "corporation (\u201cCustomer\u201d).",
        "Table of Contents",
        "12. GOVERNING LAW 7",
        "WHEREAS, Supplier makes packaged foods and Customer runs grocery stores across the region.",
        "1. DEFINITIONS",
        "1.1 \u201cChange of Control\u201d means the acquisition by any person of more than fifty percent of the "
        "voting securities of a Party.",
        "1.2 \u201cProducts\u201d means the goods listed in Schedule A, as updated by the Parties from time to time.",
    ],
    [
        "4. TERM",
        "4.1 The term of this Agreement shall commence on the Effective Date and continue for three (3) years. "
        "Thereafter it shall automatically renew for successive one (1) year periods unless either Party gives "
        "ninety (90) days notice of non-renewal.",
        "5. TERMINATION",
        "5.1 Customer may terminate this Agreement for convenience upon sixty (60) days prior written notice to "
        "Supplier.",
        "5.2 Either Party may terminate this Agreement if the other Party becomes insolvent.",
        "6. EXCLUSIVITY",
        "6.1 During the term, Supplier shall be the exclusive supplier of Products to Customer in the Territory.",
    ],
    [
        "9. LIMITATION OF LIABILITY",
        "9.1 In no event shall either Party's aggregate liability under this Agreement exceed the fees paid by "
        "Customer in the twelve (12) months preceding the claim.",
        "10. ASSIGNMENT",
        "10.1 Neither Party may assign this Agreement without the prior written consent of the other Party.",
        "10.2 Upon a Change of Control of Supplier, Customer may terminate this Agreement on thirty (30) days notice.",
        "11. INSURANCE",
        "11.1 Supplier shall maintain general liability insurance of two million dollars.",
        "12. GOVERNING LAW",
        "12.1 This Agreement shall be governed by and construed in accordance with the laws of the State of "
        "New York, without regard to its conflict of laws rules.",
    ],
]


def paged(pages: list[list[str]], name: str = "msa.pdf") -> Document:
    """A document shaped like an ingested PDF: one segment per text block, with its page number."""
    b = TextBuilder()
    for page_no, blocks in enumerate(pages, 1):
        for block in blocks:
            b.add(block, page=page_no, sep="\n\n")
    return finish(b, data=b.text.encode(), filename=name, kind="pdf", format="pdf", media_type="application/pdf",
                  pages=len(pages))  # fmt: skip


def run(docs: list[Document], spec: SectionSpec = TERMS) -> DraftSection:
    sop = SOP(id="t", name="test", sections=[spec])
    [section] = asyncio.run(extract_all(LocalExtractor(), make_run(sop, docs)))
    return section


def rows(section: DraftSection) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for item in section.items:
        assert item.fields["clause"] not in out, f"two rows for {item.fields['clause']}"
        out[item.fields["clause"]] = {**item.fields, "quotes": item.quotes}
    return out


def test_one_row_per_clause_with_its_key_sentence() -> None:
    doc = paged(MSA_PAGES)
    got = rows(run([doc]))
    assert set(got) == {"parties", "agreement dates", "term and renewal", "termination", "change of control",
                        "assignment", "exclusivity", "liability cap", "governing law"}  # fmt: skip
    # value kinds say the value and quote the clause sentence; clause kinds say the sentence
    assert got["governing law"]["summary"] == "New York"
    assert got["governing law"]["quotes"][0].startswith("This Agreement shall be governed by")
    assert got["governing law"]["document"] == "msa.pdf \u00a7 12.1"
    assert got["assignment"]["summary"] == (
        "Neither Party may assign this Agreement without the prior written consent of the other Party."
    )
    assert got["termination"]["summary"].startswith("Customer may terminate this Agreement for convenience")
    assert got["term and renewal"]["quotes"][0].startswith("The term of this Agreement shall commence")
    assert got["term and renewal"]["summary"] == "March 3, 2024"  # three (3) years from March 3, 2021
    assert "aggregate liability" in got["liability cap"]["summary"]
    assert "exclusive supplier" in got["exclusivity"]["summary"]
    # the operative clause, not the definition of the term
    assert got["change of control"]["summary"].startswith("Upon a Change of Control of Supplier")
    assert got["parties"]["summary"] == 'Northwind Traders Ltd ("Supplier"); Contoso Foods Inc ("Customer")'
    assert got["agreement dates"]["summary"] == "March 3, 2021"
    assert all(0 < i.score <= 1 for i in run([doc]).items)  # the calibrated probability rides on each row
    for row in got.values():  # every quote is an exact, unique span of the source
        [quote] = row["quotes"]
        assert doc.text.count(quote) == 1


def test_units_carry_their_heading_and_contents_lines_are_skipped() -> None:
    units = contract_units(paged(MSA_PAGES), 0)
    law = next(u for u in units if u.text.startswith("This Agreement shall be governed by"))
    assert law.page == 3 and law.section_heading == "GOVERNING LAW" and law.number == "12.1"
    # "12. GOVERNING LAW 7" on the contents page is no unit (never a clause's quote), and names no section
    assert not any(u.skip is False and "GOVERNING LAW" in u.text for u in units)
    assert all(u.section_heading != "GOVERNING LAW" for u in units if u.page == 1)


def test_no_row_without_a_strong_signal() -> None:
    doc = paged([[
        "SERVICES LETTER",
        "We will deliver the monthly report to the board and keep the team informed of progress.",
        "The term \u201cReport\u201d refers to the monthly summary of sales by region.",
        "Supplier shall maintain general liability insurance of two million dollars.",
        "This service is offered on a non-exclusive basis and nothing here is exclusive to the client.",
    ]], name="letter.pdf")  # fmt: skip
    assert run([doc]).items == []


def test_each_agreement_in_a_data_room_gets_its_rows() -> None:
    nda = paged([[
        "MUTUAL NON-DISCLOSURE AGREEMENT",
        "This Agreement is made on 5 January 2022 between Fabrikam GmbH and Tailspin Toys Inc.",
        "7. Applicable Law. This Agreement is governed by the laws of Germany.",
    ]], name="nda.pdf")  # fmt: skip
    section = run([paged(MSA_PAGES), nda])
    by_doc = [(i.fields["document"].split(" ")[0], i.fields["clause"]) for i in section.items]
    assert ("nda.pdf", "governing law") in by_doc and ("msa.pdf", "governing law") in by_doc
    nda_law = next(i for i in section.items if i.fields["document"].startswith("nda.pdf")
                   and i.fields["clause"] == "governing law")  # fmt: skip
    assert nda_law.fields["summary"] == "Germany"
    assert nda_law.quotes == ["This Agreement is governed by the laws of Germany."]
    assert nda_law.fields["document"] == "nda.pdf \u00a7 7"
    assert [d for d, _ in by_doc] == sorted([d for d, _ in by_doc], key=lambda d: d != "msa.pdf")  # msa rows first


def test_a_typeset_pdf_through_ingest() -> None:
    [doc] = ingest(text_pdf(MSA_PAGES), filename="msa.pdf")
    got = rows(run([doc]))
    assert {"governing law", "assignment", "termination", "liability cap", "parties"} <= set(got)
    assert "New York" in got["governing law"]["summary"]
    assert got["assignment"]["summary"].startswith("Neither Party may assign this Agreement")


def test_an_sops_own_clause_labels_are_used() -> None:
    values = ["Governing_Law", "Assignment", "Limitation of liability", "Term", "Termination rights", "Misc"]
    assert clause_values(values) == {"governing law": "Governing_Law", "assignment": "Assignment",
                                     "liability cap": "Limitation of liability", "term and renewal": "Term",
                                     "termination": "Termination rights"}  # fmt: skip
    spec = TERMS.model_copy(update={"fields": {"kind": FieldSpec(type="enum", values=values),
                                               "what": FieldSpec(type="text")}})  # fmt: skip
    got = {i.fields["kind"]: i.fields["what"] for i in run([paged(MSA_PAGES)], spec).items}
    assert set(got) == {"Governing_Law", "Assignment", "Limitation of liability", "Term", "Termination rights"}


def test_a_long_contract_keeps_its_clauses_apart() -> None:
    filler = ("{n}.{k} The Supplier shall deliver the Products described in the relevant purchase order to the "
              "delivery point named by the Customer, and shall keep records of every delivery for audit.")  # fmt: skip
    pages = [[f"{n}. OPERATIONS {n}", *(filler.format(n=n, k=k) for k in range(1, 25))] for n in range(13, 58)]
    doc = paged(MSA_PAGES + pages)
    got = rows(run([doc]))
    assert "governing law" in got and "delivery point" not in got["governing law"]["summary"]
