"""The page view in headless Chromium: a PDF citation opens the rendered page with the quote boxed where
poppler (`pdftotext -bbox`, not PDFium) puts the quote's words; zoom keeps the box on them; "next citation
on this page" moves to another quote. The screenshot goes to test-artifacts/web/pageview.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pagefixtures import bare, bbox_words, contract_pdf, words_in
from tests.test_web_browser import SHOTS, chromium, serve

QUOTE_START = "Either party may terminate"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory) as base:
        yield base


def _report(base: str) -> tuple[str, dict]:
    doc = httpx.post(base + "/v1/documents", files=[("files", ("contract.pdf", contract_pdf(), "application/pdf"))],
                     timeout=60).json()["documents"][0]["id"]
    rid = httpx.post(base + "/v1/reports", json={"sop": "diligence-memo", "document_ids": [doc], "engine": "local"},
                     timeout=60).json()["id"]
    deadline = time.monotonic() + 120
    while httpx.get(f"{base}/v1/reports/{rid}", timeout=30).json()["state"] not in ("succeeded", "failed"):
        assert time.monotonic() < deadline, "the report did not finish"
        time.sleep(0.3)
    return rid, httpx.get(f"{base}/v1/reports/{rid}/result", timeout=30).json()


def _overlay_rects(pg, w: float, h: float) -> list[tuple[float, float, float, float]]:  # noqa: ANN001
    """The current quote's overlay boxes, from screen pixels back to PDF points via the image's own box."""
    img = pg.locator(".pv-img").bounding_box()
    rects = []
    for el in pg.locator(".pv-box.current").all():
        b = el.bounding_box()
        rects.append(((b["x"] - img["x"]) / img["width"] * w, (b["y"] - img["y"]) / img["height"] * h,
                      (b["x"] + b["width"] - img["x"]) / img["width"] * w,
                      (b["y"] + b["height"] - img["y"]) / img["height"] * h))
    return rects


def test_page_view_boxes_the_quote_on_the_page(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    rid, report = _report(server)
    cite = next(c for s in report["sections"] for i in s["items"] for c in i["citations"]
                if c["quote"].startswith(QUOTE_START))
    src = tmp_path / "contract.pdf"
    src.write_bytes(contract_pdf())
    words = bbox_words(src)[cite["page"] - 1]
    w, h = cite["boxes"][0]["w"], cite["boxes"][0]["h"]
    quote_words = [bare(x) for x in cite["quote"].split()]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(f"{server}/reports/{rid}")
        chip = pg.get_by_role("button", name=re.compile(f"page {cite['page']}: “{QUOTE_START}")).first
        chip.click()
        frame = pg.locator(".pv-frame[data-ready='1']")
        expect(frame).to_be_visible(timeout=30_000)
        expect(pg.locator(".pv-box.current")).to_have_count(len(cite["boxes"]))
        assert words_in(words, _overlay_rects(pg, w, h)) == quote_words
        path = SHOTS / "pageview.png"
        pg.locator("#viewer").screenshot(path=str(path))
        print(f"page view screenshot: {path}")
        # zoom: the image grows and the boxes stay on the same words
        before = pg.locator(".pv-img").bounding_box()["width"]
        pg.get_by_role("button", name="Zoom in").click()
        assert pg.locator(".pv-img").bounding_box()["width"] > before * 1.4
        assert words_in(words, _overlay_rects(pg, w, h)) == quote_words
        # the extracted text is still there for search and copy
        expect(pg.locator("#viewer-body mark").first).to_contain_text(QUOTE_START)
        # next citation on this page: another quote becomes the current one
        pg.locator(".pv-next").click()
        expect(pg.locator("#viewer-quote blockquote")).not_to_have_text(cite["quote"])
        other = pg.locator("#viewer-quote blockquote").inner_text()
        boxed = words_in(words, _overlay_rects(pg, w, h))
        assert boxed == [bare(x) for x in other.split()]
        # the evidence pack beside the downloads, with the number of source pages it appends
        link = pg.locator("#downloads a.pv-evidence")
        expect(link).to_have_text("PDF + evidence (2 pages)")
        got = httpx.get(server + link.get_attribute("href"), timeout=120)
        assert got.status_code == 200 and got.headers["x-evidence-pages"] == "2"
        ctx.close()
        assert not errors, f"JavaScript errors on the page: {errors}"
