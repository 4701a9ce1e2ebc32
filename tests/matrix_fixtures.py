"""Three small data rooms of contracts, written here, for the matrix tests (API and browser).

Each room's agreement differs in the clauses an investor checks, so the matrix has something to
show in every flag: acme has a change-of-control clause and a liability cap, globex has neither,
initech has a change-of-control clause but no cap.
"""

from __future__ import annotations

from tests.fixtures_pdf import text_pdf
from tests.service_fixtures import make_zip


def contract(supplier: str, customer: str, *, law: str, change_of_control: bool, cap: bool) -> bytes:
    pages = [
        [
            "MASTER SERVICES AGREEMENT",
            f"This Master Services Agreement (the \u201cAgreement\u201d) is entered into as of March 3, 2021 by and "
            f"between {supplier}, a Delaware corporation (\u201cSupplier\u201d), and {customer}, a New York "
            "corporation (\u201cCustomer\u201d).",
            "1. SERVICES",
            "1.1 Supplier shall provide the hosting services described in Schedule A to Customer.",
            "4. TERM",
            "4.1 The term of this Agreement shall commence on the Effective Date and continue for three (3) years. "
            "Thereafter it shall automatically renew for successive one (1) year periods unless either Party gives "
            "ninety (90) days notice of non-renewal.",
            "5. TERMINATION",
            "5.1 Customer may terminate this Agreement for convenience upon sixty (60) days prior written notice to "
            "Supplier.",
        ],
        [
            *(["9. LIMITATION OF LIABILITY",
               "9.1 In no event shall either Party's aggregate liability under this Agreement exceed the fees paid by "
               "Customer in the twelve (12) months preceding the claim."] if cap else []),
            "10. ASSIGNMENT",
            "10.1 Neither Party may assign this Agreement without the prior written consent of the other Party.",
            *([f"10.2 Upon a Change of Control of {supplier}, Customer may terminate this Agreement on thirty (30) "
               "days notice."] if change_of_control else []),
            "12. GOVERNING LAW",
            f"12.1 This Agreement shall be governed by and construed in accordance with the laws of the State of "
            f"{law}, without regard to its conflict of laws rules.",
        ],
    ]
    return text_pdf(pages)


ROOMS = {
    "acme": contract("Acme Hosting Inc", "Northwind Foods Inc", law="New York", change_of_control=True, cap=True),
    "globex": contract("Globex Cloud Ltd", "Contoso Retail Inc", law="Texas", change_of_control=False, cap=False),
    "initech": contract("Initech Data LLC", "Fabrikam Stores Inc", law="Delaware", change_of_control=True, cap=False),
}


def rooms_zip() -> bytes:
    """One folder per company, as `POST /v1/batches/upload` groups them."""
    return make_zip({f"{room}/msa.pdf": data for room, data in ROOMS.items()})
