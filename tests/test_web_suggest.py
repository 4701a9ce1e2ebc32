"""The upload page suggests the SOP that suits the sources and warns on a mismatch, and reads a
scanned PDF again with OCR (issue 14).

It used to preselect the first SOP alphabetically (Advisory memo) and let a user build an
interview scorecard from a supply contract without a word. Headless Chromium against a real
`reportgen serve`; the ranking itself is `reportgen.sop.suggest`, checked in
tests/test_walkthrough_bugs.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests import test_web_browser as wb
from tests.fixtures_pdf import image_only_pdf
from tests.support import require_tool
from tests.test_web_browser import pdf_bytes, serve

# the browser and page fixtures of the main browser test, shared rather than copied
browser, page = wb.browser, wb.page

CONTRACT = pdf_bytes([[
    "SUPPLY AGREEMENT between Acme Corp (the Supplier) and Globex Inc (the Buyer).",
    "1. Term. This Agreement continues for three years and renews automatically.",
    "2. Termination. Either party may terminate this Agreement upon a Change of Control.",
    "3. Liability. The Supplier's liability is capped at the fees paid in the prior twelve months.",
    "4. Exclusivity. The Buyer shall purchase the products exclusively from the Supplier.",
    "5. Governing law. This Agreement is governed by the laws of Delaware.",
]])
INTERVIEW = "\n".join([
    "Interviewer: Tell me about a project you led.",
    "Candidate: I led the billing migration. The way I approached it, first I broke it down into services.",
    "Candidate: I designed the architecture and I implemented the data layer.",
    "Interviewer: What went wrong?",
    "Candidate: We had an outage under pressure near the deadline. I took responsibility and we recovered.",
    "Candidate: I learned to test the edge case first. I'm proud of how the team handled it.",
    "Candidate: I've never run Kubernetes in production, I'm not familiar with it.",
]).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory, REPORTGEN_WORKERS="0") as base:
        yield base


def test_contract_suggests_the_diligence_memo_and_warns_on_a_scorecard(server: str, page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    pg = page
    pg.goto(server + "/")
    expect(pg.locator(".sop-card")).to_have_count(5)
    assert pg.locator("input[name=sop]:checked").count() == 0  # nothing preselected by its name
    pg.set_input_files("#file-input", files=[{"name": "supply.pdf", "mimeType": "application/pdf",
                                              "buffer": CONTRACT}])
    diligence = pg.get_by_role("radio", name=re.compile("^Diligence memo"))
    expect(diligence).to_be_checked()
    expect(pg.locator("#sop-diligence-memo-fit")).to_contain_text("Suggested for these sources")
    expect(pg.locator("#start-why")).not_to_contain_text("⚠")
    pg.get_by_role("radio", name=re.compile("^Interview scorecard")).check()
    expect(pg.locator("#start-why")).to_contain_text("Interview scorecard is made for transcript")
    expect(pg.locator("#sop-interview-scorecard-fit")).to_contain_text("finds almost nothing")
    expect(pg.locator("#start")).to_be_enabled()  # a warning, not a block: the person decides


def test_interview_suggests_the_scorecard(server: str, page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    pg = page
    pg.goto(server + "/")
    pg.set_input_files("#file-input", files=[{"name": "interview.txt", "mimeType": "text/plain",
                                              "buffer": INTERVIEW}])
    expect(pg.get_by_role("radio", name=re.compile("^Interview scorecard"))).to_be_checked()
    expect(pg.locator("#sop-interview-scorecard-fit")).to_contain_text("Suggested")


def test_scanned_pdf_is_read_again_with_ocr_from_the_page(server: str, page) -> None:  # noqa: ANN001
    # was: the warning said "run with --ocr" and the page had no way to do it
    from playwright.sync_api import expect

    require_tool("tesseract", "tesseract-ocr")
    pg = page
    pg.goto(server + "/")
    scan = image_only_pdf([["The supplier shall deliver", "the goods by Friday."]])
    pg.set_input_files("#file-input", files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": scan}])
    row = pg.locator("li.file").filter(has_text="scan.pdf")
    expect(row.locator("details.fwarn")).to_contain_text("1 warning")
    assert "--ocr" not in row.inner_text()
    row.get_by_role("button", name="Read again with OCR").click()
    expect(row.get_by_role("button", name="Read again with OCR")).to_have_count(0, timeout=60_000)
    expect(row).to_contain_text("PDF · 1 page")
    row.locator("details.fwarn summary").click()
    expect(row.locator("details.fwarn")).to_contain_text("recognised by OCR")
