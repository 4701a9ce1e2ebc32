"""Item text width at 390 px on the report page: the layout now against the layout before issue 16
(the Accept/Reject/Edit column beside the text), both measured in the same run on the same report.

The "before" page is the same page with the two old rules put back on top of the stylesheet, so the
only difference is where the actions go. Run: `PYTHONPATH=$PWD python bench/web_phone_width.py`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

OLD_RULES = (".item { grid-template-columns: minmax(0, 1fr) auto !important; }"
             ".item-actions { flex-direction: column !important; align-items: flex-end !important; }")


class _Tmp:
    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=name))


def widths(browser: Any, url: str, old: bool) -> list[dict[str, float]]:
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=old)
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_selector("#review li.item")
    if old:
        pg.add_style_tag(content=OLD_RULES)
    out = pg.eval_on_selector_all("#review li.item .item-text", """els => els.map(e => {
        const r = e.getBoundingClientRect();
        const line = parseFloat(getComputedStyle(e).lineHeight) || 20;
        const words = e.textContent.trim().split(/\\s+/).length;
        return {width: r.width, words_per_line: words / Math.max(1, Math.round(r.height / line))};
    })""")
    ctx.close()
    return out


def main() -> None:
    from reportgen.testing import serve_fake_openai
    from tests.test_web_browser import TRANSCRIPT, chromium, serve

    with serve_fake_openai() as llm, serve(_Tmp(), OPENAI_BASE_URL=llm.base_url) as base:  # type: ignore[arg-type]
        up = httpx.post(base + "/v1/documents", files=[("files", ("call.txt", TRANSCRIPT, "text/plain"))], timeout=30)
        doc = up.json()["documents"][0]["id"]
        rid = httpx.post(base + "/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                                      "engine": "llm"}, timeout=30).json()["id"]
        while httpx.get(f"{base}/v1/reports/{rid}", timeout=10).json()["state"] not in ("succeeded", "failed"):
            time.sleep(0.3)
        with chromium() as browser:
            before = widths(browser, f"{base}/reports/{rid}", old=True)
            after = widths(browser, f"{base}/reports/{rid}", old=False)
    for name, rows in (("before (actions beside)", before), ("now (actions below)", after)):
        w = [r["width"] for r in rows]
        wpl = [r["words_per_line"] for r in rows]
        print(f"{name:24s} items={len(rows)} text width min {min(w):.0f} px, median {statistics.median(w):.0f} px; "
              f"words per line median {statistics.median(wpl):.1f}")
    ratio = statistics.median(r["width"] for r in after) / statistics.median(r["width"] for r in before)
    print(f"ratio of median widths now/before: {ratio:.2f}")


if __name__ == "__main__":
    main()
