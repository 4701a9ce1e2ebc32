"""The batch matrix page in headless Chromium against a real `reportgen serve`: three contract rooms
(tests/matrix_fixtures.py), the page reached from the batch page, a section chosen, sorted, filtered,
exported as CSV and Excel, and a citation chip that opens the quote in the room's report.
Screenshots go to test-artifacts/web/ (matrix-*.png)."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook

from tests.matrix_fixtures import rooms_zip
from tests.test_web_browser import SHOTS, chromium, serve


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with serve(tmp_path_factory) as base:
        r = httpx.post(base + "/v1/batches/upload", files={"file": ("rooms.zip", rooms_zip())},
                       data={"sop": "diligence-memo"}, timeout=60)
        assert r.status_code == 202, r.text
        batch_id = r.json()["id"]
        deadline = time.monotonic() + 180
        while httpx.get(f"{base}/v1/batches/{batch_id}").json()["state"] != "succeeded":
            assert time.monotonic() < deadline, "the batch did not finish in 180 s"
            time.sleep(0.3)
        yield base, batch_id


@pytest.fixture
def page():  # noqa: ANN201 - a playwright page
    SHOTS.mkdir(parents=True, exist_ok=True)
    with chromium() as b:
        ctx = b.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        ctx.close()
        assert not errors, f"JavaScript errors on the page: {errors}"


def rooms(pg) -> list[str]:  # noqa: ANN001
    return pg.locator("#matrix tbody th[scope=row] a").all_inner_texts()


def test_matrix_shows_sorts_filters_exports_and_opens_quotes(batch: tuple[str, str], page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    base, batch_id = batch
    pg = page
    pg.goto(f"{base}/batches/{batch_id}")
    pg.get_by_role("link", name="Compare rooms (matrix)").click()
    pg.wait_for_url(re.compile(rf".*/batches/{batch_id}/matrix$"))
    expect(pg.locator("#mx-section")).to_have_value("financials")  # the SOP's first table section
    pg.locator("#mx-section").select_option("contract_terms")
    pg.wait_for_url(re.compile(r".*\?section=contract_terms$"))
    expect(pg.locator("#matrix-title")).to_have_text("Key contract terms across 3 data rooms")
    expect(pg.locator("#matrix thead th")).to_have_count(11)  # room + the ten clause kinds
    assert rooms(pg) == ["acme", "globex", "initech"]
    coc = pg.locator("#matrix thead th", has_text="Change of control")
    col = int(coc.get_attribute("data-col")) + 2  # nth-child: the room column, then 0-based columns
    cell = pg.locator(f"#matrix tbody tr[data-room=globex] td:nth-child({col})")
    expect(cell).to_have_attribute("data-flag", "not found")
    expect(pg.locator(f"#matrix tbody tr[data-room=acme] td:nth-child({col}) .mx-value")).to_contain_text(
        "Upon a Change of Control of Acme Hosting Inc")
    pg.screenshot(path=str(SHOTS / "matrix-contract-terms.png"), full_page=True)

    # sort: a column's found values first, A-Z then Z-A; rooms without the clause stay last either way
    coc.get_by_role("button").click()
    expect(coc).to_have_attribute("aria-sort", "ascending")
    assert rooms(pg) == ["acme", "initech", "globex"]
    coc.get_by_role("button").click()
    expect(coc).to_have_attribute("aria-sort", "descending")
    assert rooms(pg) == ["initech", "acme", "globex"]
    room_head = pg.locator("#matrix thead th").first
    room_head.get_by_role("button").click()
    room_head.get_by_role("button").click()
    expect(room_head).to_have_attribute("aria-sort", "descending")
    assert rooms(pg) == ["initech", "globex", "acme"]

    # filter: by text, then by flag over the chosen columns
    pg.locator("#mx-filter").fill("texas")
    expect(pg.locator("#matrix tbody tr")).to_have_count(1)
    assert rooms(pg) == ["globex"]
    pg.locator("#mx-filter").fill("")
    pg.locator("#mx-columns-box summary").click()
    for label in ("Parties", "Agreement dates", "Term and renewal", "Termination", "Assignment", "Exclusivity",
                  "Governing law", "Other"):
        pg.locator("#mx-columns label", has_text=label).locator("input").uncheck()
    expect(pg.locator("#matrix thead th")).to_have_count(3)
    assert "fields=change+of+control%2Cliability+cap" in pg.url
    pg.locator("#mx-flag").select_option("complete")
    expect(pg.locator("#matrix tbody tr")).to_have_count(1)
    assert rooms(pg) == ["acme"]
    pg.locator("#mx-flag").select_option("not found")
    expect(pg.locator("#matrix tbody tr")).to_have_count(2)
    expect(pg.locator("#mx-status")).to_contain_text("2 of 3 rows shown")
    pg.locator("#mx-flag").select_option("")

    # exports: the chosen columns, every room
    with pg.expect_download() as dl:
        pg.locator("#export-csv").click()
    assert dl.value.suggested_filename == f"{batch_id}-contract_terms.csv"
    lines = list(csv.reader(io.StringIO(open(dl.value.path(), encoding="utf-8-sig").read())))
    assert lines[0][2:] == ["Change of control", "Change of control · flag", "Change of control · source",
                            "Liability cap", "Liability cap · flag", "Liability cap · source"]
    assert {line[0]: line[3::3] for line in lines[1:]} == {
        "acme": ["supported", "supported"], "globex": ["not found", "not found"],
        "initech": ["supported", "not found"]}
    with pg.expect_download() as dl:
        pg.locator("#export-xlsx").click()
    assert dl.value.suggested_filename == f"{batch_id}-contract_terms.xlsx"
    ws = load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active
    assert [[c.value or "" for c in row] for row in ws.iter_rows()] == lines

    # a chip opens the room's report with that quote in the source viewer
    pg.locator("#mx-section").focus()  # the columns popover closes when focus leaves it
    pg.locator("#mx-columns-box summary").click()
    chip = pg.locator("#matrix tbody tr[data-room=initech] a.chip").first
    expect(chip).to_have_text("msa.pdf p. 2")
    pg.screenshot(path=str(SHOTS / "matrix-chosen-columns.png"), full_page=True)
    chip.click()
    pg.wait_for_url(re.compile(r".*/reports/rep_\w+#cite-itm_\w+-0$"))
    expect(pg.locator("#viewer")).to_have_class(re.compile(r"\bopen\b"))
    expect(pg.locator("#viewer-body mark").first).to_contain_text("Change of Control of Initech")
    expect(pg.locator(".chip.active")).to_have_count(1)
    pg.screenshot(path=str(SHOTS / "matrix-chip-opens-report.png"))

    # a link naming a column this batch does not have says so, and offers the default matrix
    pg.goto(f"{base}/batches/{batch_id}/matrix?section=contract_terms&fields=warranty")
    expect(pg.locator("#load-error")).to_contain_text("unknown field 'warranty'")
    pg.get_by_role("button", name="Show the default matrix").click()
    expect(pg.locator("#load-error")).to_be_hidden()
    expect(pg.locator("#mx-section")).to_have_value("financials")
    assert pg.url.endswith(f"/batches/{batch_id}/matrix")
