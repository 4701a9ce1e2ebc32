"""The web app in headless Chromium against a real `reportgen serve` on loopback.

One user's whole flow: drop a transcript and PDFs (one unsupported, one encrypted: unlocked
with its password), pick an SOP, watch the progress (with a dropped SSE connection that must
resume from Last-Event-ID), open citations into the source viewer, edit an item, accept and
reject, give section feedback, and find the edit in the downloaded DOCX and PDF. A second
test runs a batch of two data rooms. Screenshots of every page go to test-artifacts/web/.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from reportgen.procs import free_port, wait_ready
from tests.support import require

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
MARKER = "ZEBRA7731"

TRANSCRIPT = "\n".join([
    "[00:00:05] Jason: Thanks everyone for joining the planning meeting about the billing migration.",
    "[00:01:10] Priya: We decided to move the invoices service to the new billing platform in March.",
    "[00:04:30] Marco: The old exports have been flaky for months and finance keeps asking about them.",
    "[00:12:04] Jason: I'll send the migration runbook to the whole team by Friday.",
    "[00:13:30] Marco: The vendor quoted twelve thousand dollars per year for the support contract.",
    "[00:15:00] Priya: I will follow up with legal about the data retention clause next week.",
    "[00:16:45] Marco: Our main risk is that the old exports break for the finance team.",
    "[00:18:20] Jason: We still need to find out who owns the reconciliation reports.",
]).encode()


def pdf_bytes(pages: list[list[str]], *, password: str | None = None) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=password)
    for lines in pages:
        y = 780
        for line in lines:
            c.drawString(72, y, line)
            y -= 18
        c.showPage()
    c.save()
    return buf.getvalue()


MEMO = pdf_bytes([
    ["Vendor memo: billing platform support.", "The support contract renews annually in April."],
    ["Decision log.", "We decided to keep the weekly sync on Tuesdays until the cutover is done.",
     "Priya will review the retention clause by March 15."],
])
LOCKED = pdf_bytes([["Board note: the migration budget was approved at forty thousand dollars."]], password="s3cret")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


SERVER_LOGS: dict[str, Path] = {}  # the running servers' logs, shown when a test fails (tests/conftest.py)


@contextmanager
def serve(tmp_path_factory: pytest.TempPathFactory, **extra_env: str) -> Iterator[str]:
    """`reportgen serve` itself, in a subprocess, on a free loopback port with its own data dir."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REPORTGEN_", "DATABASE_URL"))}
    env["REPORTGEN_DATA_DIR"] = str(tmp_path_factory.mktemp("web-data"))
    env.update(extra_env)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    log_path = tmp_path_factory.mktemp("web-log") / "serve.log"
    log = open(log_path, "w+b")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    if not wait_ready(base + "/healthz", proc):
        log.seek(0)
        proc.kill()
        raise AssertionError("reportgen serve did not start:\n" + log.read().decode(errors="replace")[-3000:])
    SERVER_LOGS[base] = log_path
    try:
        yield base
    finally:
        SERVER_LOGS.pop(base, None)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(tmp_path_factory) as base:
        yield base


@contextmanager
def chromium(*extra_args: str) -> Iterator[object]:
    """Debian's Chromium under Playwright, quiet (no background traffic); required, never skipped in CI."""
    require(os.path.exists(CHROMIUM), f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "Playwright for Python (pip install 'playwright>=1.40')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", *extra_args])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201 - playwright objects
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(pg, name: str) -> None:  # noqa: ANN001
    pg.screenshot(path=str(SHOTS / f"{name}.png"))


def drop_file(pg, selector: str, name: str, data: bytes, mime: str) -> None:  # noqa: ANN001
    """A real drop event carrying a File, as a drag from the desktop produces."""
    pg.evaluate(
        """([sel, name, bytes, mime]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], name, {type: mime}));
            const zone = document.querySelector(sel);
            zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: dt, bubbles: true}));
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
        }""",
        [selector, name, list(data), mime],
    )


def docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes, tmp: Path) -> str:
    exe = shutil.which("pdftotext")
    require(exe is not None, "`pdftotext` on PATH (apt-get install poppler-utils)")
    src = tmp / "report.pdf"
    src.write_bytes(data)
    return subprocess.run([exe, "-layout", str(src), "-"], capture_output=True, text=True, check=True).stdout


def test_upload_progress_review_edit_download(server: str, page, tmp_path: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    pg = page
    pg.goto(server + "/")
    expect(pg.locator(".sop-card")).to_have_count(5)
    expect(pg.locator("#engine-info")).to_contain_text("Offline engine")
    shot(pg, "01-upload-empty")

    # drag and drop one file, pick the rest; every file gets its own verdict
    drop_file(pg, "#dropzone", "call.txt", TRANSCRIPT, "text/plain")
    pg.set_input_files("#file-input", files=[
        {"name": "memo.pdf", "mimeType": "application/pdf", "buffer": MEMO},
        {"name": "board.pdf", "mimeType": "application/pdf", "buffer": LOCKED},
        {"name": "diagram.png", "mimeType": "image/png", "buffer": PNG},
    ])
    row = pg.locator("li.file")
    expect(row.filter(has_text="call.txt")).to_contain_text("transcript · 8 turns")
    expect(row.filter(has_text="memo.pdf")).to_contain_text("PDF · 2 pages")
    expect(row.filter(has_text="diagram.png")).to_contain_text("Unsupported format")
    locked = row.filter(has_text="board.pdf")
    expect(locked).to_contain_text("Password needed")
    pg.get_by_label("Password for board.pdf").fill("wrong")
    locked.get_by_role("button", name="Unlock").click()
    expect(locked).to_contain_text("does not open")
    pg.get_by_label("Password for board.pdf").fill("s3cret")
    locked.get_by_role("button", name="Unlock").click()
    expect(locked).to_contain_text("PDF · 1 page")
    pg.get_by_role("radio", name=re.compile("^Meeting action items")).check()
    expect(pg.locator("#start")).to_be_enabled()
    shot(pg, "02-upload-ready")

    # The first events request is cut after four events (as a dropped connection would be): started,
    # parsed, "section 1 of 5 extracted" and that section's grounded preview. The browser must come
    # back with ?after=4 and carry on without repeating anything; meanwhile the preview is readable.
    seen: list[str] = []
    held = []

    def events_route(route) -> None:  # noqa: ANN001
        seen.append(route.request.url)
        if len(seen) == 1:
            full = route.fetch(timeout=120_000).text()  # the stream ends when the report does
            blocks = [b for b in full.split("\n\n") if b.startswith("id: ")][:4]
            route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body="\n\n".join(blocks) + "\n\n")
        elif len(seen) == 2:
            held.append(route)  # let it through once the page has been seen mid-run
        else:
            route.continue_()

    pg.route(re.compile(r".*/v1/reports/[^/]+/events.*"), events_route)
    pg.locator("#start").click()
    pg.wait_for_url(re.compile(r".*/reports/rep_\w+$"))
    report_id = pg.url.rsplit("/", 1)[1]
    expect(pg.locator("#event-log li")).to_have_count(3, timeout=120_000)
    expect(pg.locator("#stepper li.active")).to_contain_text("section 1 of 5")
    expect(pg.locator("#section-progress li.done")).to_have_count(1)
    expect(pg.locator("#conn")).to_contain_text("resuming after event 4")
    # the finished section is shown, grounded and read-only, while the others are still pending
    preview = pg.locator("#preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Preview - validating when all sections are done")
    expect(preview.locator(".rsec.preview")).to_have_count(1)
    # the offline engine writes no summary (no measured detector): passages to read, not reviewable
    expect(preview.locator("#sec-summary .passage").first).to_be_visible()
    expect(preview.get_by_role("button", name=re.compile("^(Accept|Reject|Edit)"))).to_have_count(0)
    pchip = preview.get_by_role("button", name=re.compile(r"^Open in call\.txt at \d+:\d+")).first
    expect(pchip).to_have_text(re.compile(r"^\[\d+:\d+ · \w+\]$"))
    pchip.click()  # the viewer works from the preview too: the quote highlighted in its turn
    expect(pg.locator("#viewer-body mark").first).to_be_visible()
    expect(pg.locator("#review")).to_be_hidden()
    shot(pg, "03-progress")
    pg.keyboard.press("Escape")
    for _ in range(50):  # the page reconnects after a 1 s pause
        if held:
            break
        pg.wait_for_timeout(100)
    assert len(held) == 1 and held[0].request.url.endswith("/events?after=4"), seen
    held[0].continue_()

    expect(pg.locator("#review .rsec")).to_have_count(5, timeout=120_000)
    assert len(seen) == 2, seen
    ids = pg.eval_on_selector_all("#event-log li", "els => els.map(e => e.dataset.eventId)")
    assert len(ids) == len(set(ids)) >= 6, ids
    expect(pg.locator("#progress")).to_be_hidden(timeout=60_000)
    expect(pg.locator("#preview")).to_be_hidden()  # the final review replaced every preview
    expect(pg.locator(".rsec.preview")).to_have_count(0)
    expect(pg.locator(".summary")).to_contain_text("quotes located")
    expect(pg.locator(".notice")).to_contain_text("Extractive draft")
    shot(pg, "04-review")

    # a transcript citation: the viewer scrolls to the turn and highlights the quote
    chip = pg.get_by_role("button", name=re.compile(r"at 12:04, Jason")).first
    expect(chip).to_have_text("[12:04 · Jason]")
    chip.click()
    mark = pg.locator("#viewer-body mark")
    expect(mark).to_have_text("I'll send the migration runbook to the whole team by Friday.")
    expect(mark).to_be_in_viewport()
    expect(pg.locator("#viewer-body .seg.hit .seg-speaker")).to_have_text("Jason")
    shot(pg, "05-citation-transcript")
    pg.keyboard.press("Escape")
    assert pg.evaluate("document.activeElement.classList.contains('chip')")

    # a PDF citation, opened from the keyboard: that page's text with the quote highlighted
    pdf_chip = pg.get_by_role("button", name=re.compile(r"memo\.pdf page 2")).first
    pdf_chip.focus()
    pg.keyboard.press("Enter")
    expect(pg.locator("#viewer-nav")).to_contain_text("Page 2 of 2")
    expect(pg.locator("#viewer-body mark").first).to_be_visible()
    assert "p. 2]" in pdf_chip.inner_text()
    shot(pg, "06-citation-pdf")

    # edit an action item inline; the edit persists (reload) and is marked edited
    item_id = pg.locator("#sec-action_items li.item", has_text="migration runbook").first.get_attribute("id")
    item = pg.locator(f"#{item_id}")
    item.get_by_role("button", name=re.compile("^Edit")).click()
    task = item.get_by_label("Task")
    task.fill(f"Send the {MARKER} migration runbook to the whole team by Friday")
    item.get_by_label("Owner").fill("Priya")
    shot(pg, "07-editing")
    item.get_by_role("button", name="Save").click()
    expect(item).to_contain_text(MARKER)
    expect(item.locator(".tag.edited")).to_be_visible()
    expect(item.locator("dd[data-field=owner]")).to_have_text("Priya")

    # accept one item, reject another, and say a section missed something
    item.get_by_role("button", name=re.compile("^Accept")).click()
    expect(item.locator(".tag.accepted")).to_be_visible()
    # decisions have no offline detector of measured quality: passages to read, shown apart, never reviewed
    decisions = pg.locator("#sec-decisions")
    expect(decisions.locator(".passages")).to_contain_text("not findings")
    expect(decisions.get_by_role("button", name=re.compile("^(Accept|Reject|Edit)"))).to_have_count(0)
    other = pg.locator("#sec-action_items li.item").filter(has_not_text=MARKER).first
    other.get_by_role("button", name=re.compile("^Reject")).click()
    expect(pg.locator("#sec-action_items li.item.review-rejected")).to_have_count(1)
    pg.get_by_role("button", name="No, Decisions got something wrong").click()
    pg.get_by_label("What was wrong or missing?").fill("missed the Tuesday sync decision")
    pg.locator("#sec-decisions .fb-form").get_by_role("button", name=re.compile("Send")).click()
    expect(pg.locator("#sec-decisions .fb-done")).to_contain_text("missed the Tuesday sync decision")
    expect(pg.locator(".summary")).to_contain_text("2/")
    item.scroll_into_view_if_needed()
    pg.evaluate("window.scrollBy(0, -120)")
    shot(pg, "08-reviewed")

    pg.reload()
    expect(pg.locator("#sec-action_items li.item", has_text=MARKER).locator(".tag.accepted")).to_be_visible()
    expect(pg.get_by_role("button", name="No, Decisions got something wrong")).to_have_attribute("aria-pressed", "true")

    # the edit is in every download, rendered in the background: a button says "preparing" until its file is
    expect(pg.locator("#downloads a.preparing")).to_have_count(0, timeout=120_000)
    with pg.expect_download() as dl:
        pg.locator("#downloads a[data-fmt=docx]").click()
    assert MARKER in docx_text(Path(dl.value.path()).read_bytes())
    with pg.expect_download() as dl:
        pg.locator("#downloads a[data-fmt=pdf]").click()
    assert MARKER in pdf_text(Path(dl.value.path()).read_bytes(), tmp_path)
    md = httpx.get(f"{server}/v1/reports/{report_id}.md").text
    assert MARKER in md
    data = json.loads(httpx.get(f"{server}/v1/reports/{report_id}.json").text)
    edited = [i for s in data["sections"] for i in s["items"] if i["edited"]]
    assert len(edited) == 1 and edited[0]["fields"]["owner"] == "Priya" and edited[0]["review"] == "accepted"

    pg.goto(server + "/reports")
    row = pg.locator("#reports tbody tr", has_text="call.txt")
    expect(row).to_contain_text("Meeting action items")
    expect(row.locator(".tag.edited")).to_be_visible()
    shot(pg, "09-history")


def test_batch_of_data_rooms(server: str, page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("rooms/acme/call.txt", TRANSCRIPT)
        zf.writestr("rooms/globex/memo.pdf", MEMO)
        zf.writestr("rooms/globex/notes.txt", b"Globex notes. The CFO said churn rose to 4 percent in Q3.")
    pg = page
    pg.goto(server + "/")
    pg.set_input_files("#file-input", files=[{"name": "rooms.zip", "mimeType": "application/zip",
                                              "buffer": buf.getvalue()}])
    expect(pg.locator("li.file", has_text="rooms.zip")).to_contain_text("3 documents")
    pg.get_by_role("radio", name=re.compile("^Diligence memo")).check()
    pg.get_by_label("One report per data room").check()
    expect(pg.locator("#start-why")).to_contain_text("acme (1), globex (2)")
    pg.locator("#start").click()
    pg.wait_for_url(re.compile(r".*/batches/bat_\w+$"))
    expect(pg.locator("#batch-counts")).to_contain_text("2 ready", timeout=120_000)
    expect(pg.locator("#rooms tbody tr")).to_have_count(2)
    expect(pg.locator("#batch-downloads")).to_be_visible()
    shot(pg, "10-batch")
    with pg.expect_download() as dl:
        pg.locator("#batch-downloads a[data-fmt=md]").click()
    with zipfile.ZipFile(dl.value.path()) as zf:
        assert {"acme.md", "globex.md", "manifest.json"} <= set(zf.namelist())
    pg.get_by_role("link", name="Review globex").click()
    expect(pg.locator("#report-meta")).to_contain_text("room globex")
    expect(pg.locator("#review .rsec").first).to_be_visible()
    shot(pg, "11-batch-room-report")


def test_sections_preview_while_a_slow_llm_job_runs(tmp_path_factory: pytest.TempPathFactory, page) -> None:  # noqa: ANN001
    """A real running job (llm engine, one section at a time, 1.5 s per model call): finished
    sections appear grounded and read-only before the others are done, then the review replaces them.
    (1.5 s per call leaves a loaded machine time to show the previews before the report is done.)"""
    from playwright.sync_api import expect

    from reportgen.testing import serve_fake_openai

    with serve_fake_openai(latency=1.5) as llm, serve(
        tmp_path_factory, OPENAI_BASE_URL=llm.base_url, REPORTGEN_MAX_CONCURRENCY="1"
    ) as base:
        up = httpx.post(base + "/v1/documents", files=[("files", ("call.txt", TRANSCRIPT, "text/plain"))], timeout=30)
        doc_id = up.json()["documents"][0]["id"]
        started = httpx.post(base + "/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc_id],
                                                         "engine": "llm"}, timeout=30)
        assert started.status_code == 202, started.text
        pg = page
        pg.goto(f"{base}/reports/{started.json()['id']}")
        # two sections previewed while the report is still being built (no review yet)
        # a function, not an expression string: the page's CSP (script-src 'self') refuses eval
        pg.wait_for_function("() => document.querySelectorAll('#preview .rsec.preview').length >= 2 "
                             "&& document.getElementById('review').hidden", timeout=60_000)
        expect(pg.locator("#preview .chip").first).to_be_visible()
        assert pg.locator("#preview .rsec.preview").count() < 5
        assert pg.locator("#preview .chip.unsupported").count() == 0  # the fake copies real sentences
        shot(pg, "12-llm-preview")
        expect(pg.locator("#review .rsec")).to_have_count(5, timeout=60_000)
        expect(pg.locator("#preview")).to_be_hidden()
        expect(pg.locator(".rsec.preview")).to_have_count(0)
        ids = pg.eval_on_selector_all("#review .rsec", "els => els.map(e => e.id)")
        assert len(ids) == len(set(ids)) == 5, ids
        shot(pg, "13-llm-review")
