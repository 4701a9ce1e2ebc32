"""Page images (GET /v1/documents/{id}/pages/{n}.png), quote boxes through the API, and the evidence pack
(`?evidence=1`), whose highlights `pdftotext -bbox` must find on the quotes."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from reportgen.render import evidence as evidence_mod
from reportgen.store.pdfpages import cache_dir
from tests.pagefixtures import bare, bbox_words, contract_pdf, words_in
from tests.service_fixtures import client_on, key_headers, upload, wait_report


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):  # noqa: ANN001, ANN201
    tmp = tmp_path_factory.mktemp(f"pages-{request.param}")
    mp = pytest.MonkeyPatch()
    mp.setenv("REPORTGEN_PAGE_CACHE", str(tmp / "page-cache"))
    try:
        for c in client_on(request.param, tmp, open_when_no_keys=False):
            yield _populate(c)
    finally:
        mp.undo()


def _populate(c):  # noqa: ANN001, ANN202
    a, b = key_headers(c, "alpha"), key_headers(c, "beta")
    docs = upload(c, {"contract.pdf": contract_pdf(), "notes.txt": b"Plain notes, no pages at all."},
                  headers=a).json()["documents"]
    pdf, txt = docs[0]["id"], docs[1]["id"]
    rep = c.post("/v1/reports", json={"sop": "diligence-memo", "document_ids": [pdf], "engine": "local"},
                 headers=a).json()["id"]
    assert wait_report(c, rep, headers=a)["state"] == "succeeded"
    report = c.get(f"/v1/reports/{rep}/result", headers=a).json()
    return c, a, b, {"pdf": pdf, "txt": txt, "rep": rep, "report": report}


def test_page_png_is_the_page_at_the_scale_and_cached(world) -> None:  # noqa: ANN001
    c, a, _, ids = world
    r = c.get(f"/v1/documents/{ids['pdf']}/pages/1.png", params={"scale": 2}, headers=a)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.size == (round(595.28 * 2), round(841.89 * 2))
    assert img.convert("L").getextrema()[0] < 64  # dark pixels: text was drawn, not a blank page
    cached = list(cache_dir().glob("*-1-2.0.png"))
    assert len(cached) == 1 and cached[0].read_bytes() == r.content  # the second request reads this file
    again = c.get(f"/v1/documents/{ids['pdf']}/pages/1.png", params={"scale": 2}, headers=a)
    assert again.content == r.content


def test_the_page_cache_is_pruned_oldest_first(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import os

    from reportgen.store import pdfpages

    for i in range(5):
        path = tmp_path / f"{i}.png"
        path.write_bytes(b"x" * 100)
        os.utime(path, (1000 + i, 1000 + i))
    monkeypatch.setattr(pdfpages, "CACHE_BYTES", 350)
    pdfpages._prune(tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["3.png", "4.png"]  # under 80% of the cap


@pytest.mark.parametrize(("path", "status", "words"), [
    ("pages/3.png", 404, "has pages 1 to 2"),
    ("pages/0.png", 422, "number"),
    ("pages/one.png", 422, "number"),
    ("pages/1.png?scale=9", 422, "scale"),
])
def test_bad_pages_are_4xx_with_a_reason(world, path: str, status: int, words: str) -> None:  # noqa: ANN001
    c, a, _, ids = world
    r = c.get(f"/v1/documents/{ids['pdf']}/{path}", headers=a)
    assert r.status_code == status and words in r.json()["error"]["message"]


def test_pages_of_a_text_source_or_of_another_tenant_are_refused(world) -> None:  # noqa: ANN001
    c, a, b, ids = world
    r = c.get(f"/v1/documents/{ids['txt']}/pages/1.png", headers=a)
    assert r.status_code == 422 and "not a PDF" in r.json()["error"]["message"]
    assert c.get(f"/v1/documents/{ids['pdf']}/pages/1.png", headers=b).status_code == 404
    assert c.get(f"/v1/documents/{ids['pdf']}/pages/1.png").status_code == 401


def _located(report: dict) -> list[tuple[int, dict]]:
    """(footnote number, citation) as every output numbers them: kept items' citations in order."""
    out, n = [], 0
    for s in report["sections"]:
        for item in s["items"]:
            if item["review"] == "rejected":
                continue
            for cite in item["citations"]:
                n += 1
                out.append((n, cite))
    return out


def test_report_json_carries_the_boxes(world) -> None:  # noqa: ANN001
    c, a, _, ids = world
    cites = [cite for _, cite in _located(ids["report"])]
    assert cites and all(cite["boxes"] for cite in cites if cite["status"] != "unsupported")
    box = cites[0]["boxes"][0]
    assert set(box) == {"page", "x0", "y0", "x1", "y1", "w", "h"} and box["page"] == cites[0]["page"]
    js = c.get(f"/v1/reports/{ids['rep']}.json", headers=a).json()
    assert js["sections"] == ids["report"]["sections"]


def test_evidence_pack_highlights_lie_on_the_quotes(world, tmp_path) -> None:  # noqa: ANN001
    c, a, _, ids = world
    plain = c.get(f"/v1/reports/{ids['rep']}.pdf", headers=a)
    r = c.get(f"/v1/reports/{ids['rep']}.pdf", params={"evidence": 1}, headers=a)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "evidence" in r.headers["content-disposition"]
    located = [(n, cite) for n, cite in _located(ids["report"]) if cite["boxes"]]
    pages_cited = sorted({cite["page"] for _, cite in located})
    assert int(r.headers["x-evidence-pages"]) == len(pages_cited) == 2
    body = len(PdfReader(io.BytesIO(plain.content)).pages)
    pack = PdfReader(io.BytesIO(r.content))
    assert len(pack.pages) == body + 1 + len(pages_cited)  # report, cover, one page per cited source page
    path = tmp_path / "pack.pdf"
    path.write_bytes(r.content)
    words = bbox_words(path)
    cover = " ".join(w.text for w in words[body])
    assert "Evidence pack" in cover and f"{len(pages_cited)} pages" in cover
    first = body + 1
    order = pages_cited  # one source: its cited pages in page order
    for n, cite in located:
        index = first + order.index(cite["page"])
        page = pack.pages[index]
        top = float(page.cropbox[3])
        rects = []
        for ref in page.get("/Annots") or []:
            annot = ref.get_object()
            if annot["/Subtype"] == "/Highlight" and f"[{n}]" in str(annot["/Contents"]):
                x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                rects.append((x0, top - y1, x1, top - y0))
        assert rects, f"footnote {n} has no highlight on its page"
        quote_words = [bare(w) for w in cite["quote"].split()]
        boxed = words_in(words[index], rects)
        assert boxed == quote_words, (n, boxed, quote_words)
    # every footnote link to a source page now jumps to its copy in the appendix
    targets = set()
    for i in range(body):
        for ref in pack.pages[i].get("/Annots") or []:
            action = ref.get_object().get("/A")
            if action is not None and action.get("/S") == "/GoTo":
                targets.add(pack.get_page_number(action["/D"][0].get_object()))
            assert action is None or "#page=" not in str(action.get("/URI", ""))
    assert targets == {first + k for k in range(len(order))}


def test_evidence_is_pdf_only_and_capped(world, monkeypatch) -> None:  # noqa: ANN001
    c, a, _, ids = world
    r = c.get(f"/v1/reports/{ids['rep']}.docx", params={"evidence": 1}, headers=a)
    assert r.status_code == 422 and "pdf" in r.json()["error"]["message"]
    monkeypatch.setattr(evidence_mod, "MAX_PAGES", 1)
    r = c.get(f"/v1/reports/{ids['rep']}/download", params={"format": "pdf", "evidence": "true"}, headers=a)
    assert r.status_code == 413
    assert "2 cited source pages, over the limit of 1" in r.json()["error"]["message"]
