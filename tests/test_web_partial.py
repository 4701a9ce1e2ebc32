"""The page of a partial report (issue 14): a real server whose model fails one section; the report
page says "Partial report" and names the failed section, both while following and when reopened."""

from __future__ import annotations

import httpx
import pytest

from tests.test_web_browser import TRANSCRIPT, browser, page, serve, shot  # noqa: F401 - fixtures


def test_a_partial_report_says_so_on_its_page(tmp_path_factory: pytest.TempPathFactory, page) -> None:  # noqa: ANN001, F811
    from playwright.sync_api import expect

    from reportgen.testing import Fault, serve_fake_openai

    with serve_fake_openai(faults=[Fault("server_error", match="Section: Decisions")]) as llm, serve(
        tmp_path_factory, OPENAI_BASE_URL=llm.base_url, REPORTGEN_MAX_RETRIES="0"
    ) as base:
        up = httpx.post(base + "/v1/documents", files=[("files", ("call.txt", TRANSCRIPT, "text/plain"))], timeout=30)
        doc_id = up.json()["documents"][0]["id"]
        started = httpx.post(base + "/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc_id],
                                                         "engine": "llm"}, timeout=30)
        assert started.status_code == 202, started.text
        rid = started.json()["id"]
        page.goto(f"{base}/reports/{rid}")
        box = page.locator("#load-error")
        expect(box).to_be_visible(timeout=90_000)
        expect(box).to_contain_text("Partial report")
        expect(box).to_contain_text("Decisions")
        status = httpx.get(f"{base}/v1/reports/{rid}", timeout=30).json()
        assert status["state"] == "succeeded" and status["partial"] is True
        shot(page, "20-partial-report")
        page.reload()
        expect(page.locator("#load-error")).to_contain_text("Partial report", timeout=30_000)
        expect(page.locator("#review .rsec").first).to_be_visible()
        above = page.evaluate("document.getElementById('load-error').getBoundingClientRect().top "
                              "< document.getElementById('review').getBoundingClientRect().top")
        assert above, "the partial notice is shown above the review"
        shot(page, "21-partial-report-reopened")
