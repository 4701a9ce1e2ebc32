"""A real contract end to end: the page view with a boxed quote, and an evidence pack checked with poppler.

    python bench/page_view_cuad.py [--pdf PATH] [--out test-artifacts/cuad]

Starts `reportgen serve` on a free loopback port (its own data folder), uploads one CUAD contract
from ../shared/corpus/pdfs/cuad, runs the diligence memo with the local engine, opens the report
in headless Chromium (Debian's /usr/bin/chromium under Playwright), clicks the first citation chip
of the contract-terms section whose quote is past the cover page, and saves a screenshot of the
viewer. Then it downloads `?evidence=1` and checks, page by page, that the words `pdftotext -bbox`
finds inside each highlight annotation are the words of the quote its footnote cites. Prints the
paths and the check's counts; exit 1 if a highlight misses its quote.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from reportgen.procs import free_port, stop, wait_ready  # noqa: E402

DEFAULT_PDF = (REPO.parent / "shared" / "corpus" / "pdfs" / "cuad"
               / "BUFFALOWILDWINGSINC_06_05_1998-EX-10.3-FRANCHISE AGREEMENT.PDF")
_PAGE = re.compile(r'<page width="[\d.]+" height="[\d.]+">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def bare(w: str) -> str:
    return w.replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'").strip(".,;:()[]\"'\u201c\u201d")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pdf", type=Path, default=DEFAULT_PDF)
    parser.add_argument("--out", type=Path, default=REPO / "test-artifacts" / "cuad")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="rg-cuad-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTGEN_", "DATABASE_URL"))}
    env.update(REPORTGEN_DATA_DIR=data_dir, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        if not wait_ready(base + "/healthz", proc):
            raise SystemExit("reportgen serve did not start")
        up = httpx.post(base + "/v1/documents", timeout=120,
                        files=[("files", (args.pdf.name, args.pdf.read_bytes(), "application/pdf"))])
        doc = up.json()["documents"][0]["id"]
        rid = httpx.post(base + "/v1/reports", timeout=60,
                         json={"sop": "diligence-memo", "document_ids": [doc], "engine": "local"}).json()["id"]
        while httpx.get(f"{base}/v1/reports/{rid}", timeout=30).json()["state"] not in ("succeeded", "failed"):
            time.sleep(0.5)
        report = httpx.get(f"{base}/v1/reports/{rid}/result", timeout=30).json()
        terms = next(s for s in report["sections"] if s["id"] == "contract_terms")
        cite = next(c for i in terms["items"] for c in i["citations"] if c["boxes"] and c["page"] > 1)
        shot = args.out / "cuad-pageview.png"
        _screenshot(base, rid, cite, shot)
        print(f"report {rid}: page view of p. {cite['page']} with {len(cite['boxes'])} box(es): {shot}")
        pack = httpx.get(f"{base}/v1/reports/{rid}.pdf", params={"evidence": 1}, timeout=300)
        pack.raise_for_status()
        path = args.out / "cuad-evidence.pdf"
        path.write_bytes(pack.content)
        ok, checked = _check_pack(path, report)
        print(f"evidence pack: {path} ({pack.headers['x-evidence-pages']} source pages appended); "
              f"{ok} of {checked} footnotes' highlights hold exactly their quote's words (pdftotext -bbox)")
        return 0 if ok == checked else 1
    finally:
        stop(proc)


def _screenshot(base: str, rid: str, cite: dict, path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            pg = browser.new_page(viewport={"width": 1500, "height": 1100})
            pg.goto(f"{base}/reports/{rid}")
            label = re.escape(cite["quote"][:40])
            pg.get_by_role("button", name=re.compile(f"page {cite['page']}: “{label}")).first.click()
            pg.locator(".pv-frame[data-ready='1']").wait_for(timeout=60_000)
            pg.locator("#viewer").screenshot(path=str(path))
        finally:
            browser.close()


def _check_pack(path: Path, report: dict) -> tuple[int, int]:
    """(footnotes whose highlights hold exactly their quote's words, footnotes with highlights)."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [[(bare(t), (float(a) + float(c)) / 2, (float(b) + float(d)) / 2) for a, b, c, d, t in _WORD.findall(m)]
             for m in _PAGE.findall(out)]
    quotes, n = {}, 0
    for s in report["sections"]:
        for item in s["items"]:
            if item["review"] == "rejected":
                continue
            for c in item["citations"]:
                n += 1
                quotes[n] = c
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    rects: dict[int, list[tuple[int, tuple[float, float, float, float]]]] = {}
    for index, page in enumerate(reader.pages):
        top = float(page.cropbox[3])
        for ref in page.get("/Annots") or []:
            a = ref.get_object()
            if a.get("/Subtype") != "/Highlight":
                continue
            x0, y0, x1, y1 = (float(v) for v in a["/Rect"])
            for note in re.findall(r"\[(\d+)\]", str(a.get("/Contents", ""))):
                rects.setdefault(int(note), []).append((index, (x0, top - y1, x1, top - y0)))
    ok = 0
    for note, found in rects.items():
        index = found[0][0]
        boxes = [r for i, r in found if i == index]
        inside = [w for w, x, y in pages[index] if w and any(a - .5 <= x <= c + .5 and b - .5 <= y <= d + .5
                                                             for a, b, c, d in boxes)]
        want = [w for w in (bare(x) for x in quotes[note]["quote"].split()) if w]
        ok += inside == want
    return ok, len(rects)


if __name__ == "__main__":
    raise SystemExit(main())
