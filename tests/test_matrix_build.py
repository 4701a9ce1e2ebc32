"""The matrix without a server: flags, free-text columns, and exports that a spreadsheet cannot run.

Reports are built here item by item, so each flag has exactly one cause.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reportgen.api.errors import ApiError
from reportgen.api.matrix import FORMULA_START, Room, _export, build_matrix, csv_safe, to_csv, to_xlsx
from reportgen.models import Citation, DocumentRef, Item, Report, Section
from reportgen.sop import find_sops
from tests.service_fixtures import api, settings_for
from tests.test_web_pages import parse

SOP = find_sops()["diligence-memo"]
DOC = DocumentRef(id="doc_1", filename="room/deck.pdf", kind="pdf", format="pdf", sha256="0" * 64, pages=3)


def cite(quote: str, *, located: bool = True, page: int = 2) -> Citation:
    return Citation(document_id="doc_1", quote=quote, status="exact" if located else "unsupported",
                    char_start=0 if located else None, char_end=len(quote) if located else None,
                    page=page if located else None)


def room(name: str, items: list[Item], section: str = "financials") -> Room:
    report = Report(sop_id="diligence-memo", documents=[DOC],
                    sections=[Section(id=section, title=section.title(), kind="table", items=items)])
    return Room(name=name, report_id=f"rep_{name}", state="succeeded", error=None, report=report)


def money(text: str, value: float, period: str) -> dict:
    return {"text": text, "value": value, "unit": "USD", "period": period}


def fin(metric: str, figure: dict, quote: str, **kw: object) -> Item:
    return Item(fields={"metric": metric, "figure": figure, "period": figure["period"]},
                citations=[cite(quote, located=bool(kw.get("located", True)))], flags=list(kw.get("flags", [])))


ROOMS = [
    room("acme", [fin("Revenue", money("$12.5M", 12.5e6, "FY2024"), "Revenue was $12.5M in FY2024"),
                  fin("Gross margin", money("71%", 71, "FY2024"), "gross margin of 71%",
                      flags=["value-not-in-quote: 71 is not in the quote"])]),
    room("globex", [fin("revenue", money("$3M", 3e6, "FY2024"), "revenue of $3M", located=False),
                    fin("gross margin.", money("40%", 40, "FY2024"), "margins of 40%")]),
    room("initech", [fin("Net burn", money("$200K", 2e5, "per month"), "we burn $200K a month")]),
    Room(name="hooli", report_id="rep_hooli", state="running", error=None, report=None),
    Room(name="pied", report_id="rep_pied", state="failed", error="nothing in folder 'pied' could be read",
         report=None),
]


def test_free_text_keys_become_columns_most_rooms_first_spelled_as_most_write_them() -> None:
    m = build_matrix("bat_1", "diligence-memo", SOP, ROOMS, section="financials", fields=[])
    assert [(c.id, c.label, c.found) for c in m.columns] == [
        ("gross margin", "Gross margin", 2), ("revenue", "Revenue", 2), ("net burn", "Net burn", 1)]
    flags = {r.room: [c.flag for c in r.cells] for r in m.rows}
    assert flags == {
        "acme": ["flagged", "supported", "not found"],  # its margin's value is not in its quote
        "globex": ["supported", "unsupported", "not found"],  # its revenue quote was not found
        "initech": ["not found", "not found", "supported"],
        "hooli": ["pending"] * 3,
        "pied": ["failed"] * 3,
    }
    acme_rev = m.rows[0].cells[1]
    assert acme_rev.value == "$12.5M (FY2024)" and acme_rev.entries[0].details == {"Period": "FY2024"}
    assert acme_rev.number == 12.5e6 and m.rows[1].cells[1].number == 3e6  # the page sorts $3M before $12.5M
    assert acme_rev.entries[0].citations[0].label == "deck.pdf p. 2"
    assert m.rows[1].cells[1].entries[0].citations[0].label == "quote not found"
    assert m.rows[4].error and m.value_field == "figure"


def test_fields_match_free_text_keys_whatever_their_case_or_stop() -> None:
    m = build_matrix("bat_1", "diligence-memo", SOP, ROOMS, section="financials", fields=["NET BURN, revenue"])
    assert [c.label for c in m.columns] == ["Net burn", "Revenue"]
    everything = build_matrix("bat_1", "diligence-memo", SOP, ROOMS, section="financials", fields=[])
    assert build_matrix("bat_1", "diligence-memo", SOP, ROOMS, section="financials", fields=[" ,", ""]) == everything
    with pytest.raises(ApiError) as err:
        build_matrix("bat_1", "diligence-memo", SOP, ROOMS, section="financials", fields=["EBITDA"])
    assert err.value.http_status == 422 and err.value.code == "unknown_field"
    assert "gross margin, revenue, net burn" in str(err.value)


def test_rejected_items_are_not_findings_so_not_in_the_matrix() -> None:
    item = fin("Revenue", money("$1M", 1e6, "FY2023"), "revenue of $1M")
    item.review = "rejected"
    m = build_matrix("bat_1", "diligence-memo", SOP, [room("acme", [item])], section="financials", fields=[])
    assert m.columns == [] and m.available == []


def test_a_section_that_failed_is_failed_not_missing() -> None:
    broken = room("acme", [])
    assert broken.report is not None
    broken.report.sections[0].status = "failed"
    m = build_matrix("bat_1", "diligence-memo", SOP, [broken, ROOMS[2]], section="financials", fields=[])
    assert [c.flag for c in m.rows[0].cells] == ["failed"] and [c.flag for c in m.rows[1].cells] == ["supported"]


def test_several_rows_of_one_kind_share_a_cell() -> None:
    law = [Item(fields={"clause": "governing law", "summary": s, "document": d}, citations=[cite(q)])
           for s, d, q in [("New York", "msa.pdf § 12", "laws of the State of New York"),
                           ("Texas", "nda.pdf § 9", "laws of the State of Texas")]]
    m = build_matrix("bat_1", "diligence-memo", SOP, [room("acme", law, "contract_terms")],
                     section="contract_terms", fields=["governing law"])
    cell = m.rows[0].cells[0]
    assert cell.value == "New York | Texas" and [e.details for e in cell.entries] == [
        {"Document": "msa.pdf § 12"}, {"Document": "nda.pdf § 9"}]


def test_no_export_before_a_room_has_finished() -> None:
    m = build_matrix("bat_1", "diligence-memo", SOP, ROOMS[3:], section="contract_terms", fields=[])
    assert [c.flag for r in m.rows for c in r.cells] == ["pending"] * 10 + ["failed"] * 10
    for fmt in ("csv", "xlsx"):
        with pytest.raises(ApiError) as err:
            _export(m, None, fmt)  # type: ignore[arg-type] - refused before the request is read
        assert err.value.http_status == 409 and err.value.code == "not_ready"


def test_the_sop_gone_the_sections_come_from_the_reports() -> None:
    m = build_matrix("bat_1", "old-sop", None, ROOMS, section=None, fields=[])
    assert m.section == "financials" and m.key_field == "metric" and len(m.columns) == 3


@pytest.mark.parametrize("start", FORMULA_START)
def test_every_formula_start_gets_a_quote(start: str) -> None:
    assert csv_safe(f"{start}1+1") == f"'{start}1+1"


def test_plain_text_is_left_alone() -> None:
    for text in ("Revenue", "'quoted", " =spaced", "12%", "", "(1,000)", "€5M"):
        assert csv_safe(text) == text


def hostile_rooms() -> list[Room]:
    evil = ['=cmd|" /C calc"!A0', "+SUM(A1:A9)", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1"]
    items = [Item(fields={"metric": f"m{i}", "figure": {"text": e}}, citations=[cite("q")]) for i, e in enumerate(evil)]
    items.append(Item(fields={"metric": "=bad metric", "figure": {"text": "fine"}}, citations=[cite("q")]))
    items.append(Item(fields={"metric": "form feed", "figure": {"text": "page\x0cbreak\x00"}}, citations=[cite("q")]))
    return [room("=HYPERLINK(\"http://evil.example\")", items)]


def test_no_csv_cell_starts_like_a_formula() -> None:
    m = build_matrix("bat_1", "diligence-memo", SOP, hostile_rooms(), section="financials", fields=[])
    text = to_csv(m, "http://localhost").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    cells = [c for line in lines for c in line]
    assert len(lines) == 2 and len(lines[0]) == 2 + 3 * 8
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert lines[1][0] == "'=HYPERLINK(\"http://evil.example\")" and "'=bad metric" in lines[0]
    values = sorted(lines[1][2::3])
    assert values == sorted(["'=cmd|\" /C calc\"!A0", "'+SUM(A1:A9)", "'-2+3", "'@SUM(1)", "'\t=1+1", "'\r=1+1", "fine",
                             "page\x0cbreak\x00"])


def test_the_xlsx_opens_and_holds_only_text() -> None:
    m = build_matrix("bat_1", "diligence-memo", SOP, ROOMS + hostile_rooms(), section="financials", fields=[])
    wb = load_workbook(io.BytesIO(to_xlsx(m, "http://localhost")))
    ws = wb.active
    assert ws.title == "financials" and ws.max_row == 1 + len(m.rows) and ws.freeze_panes == "C2"
    typed = {c.data_type for row in ws.iter_rows() for c in row if c.value is not None}
    assert typed == {"s"}  # no formula, whatever the value says
    assert ws.cell(row=len(m.rows) + 1, column=1).value == "=HYPERLINK(\"http://evil.example\")"
    assert "page\ufffdbreak\ufffd" in [c.value for c in ws[len(m.rows) + 1]]  # control characters XML cannot hold
    # flags coloured: acme's flagged margin, globex's unsupported revenue
    heads = [c.value for c in ws[1]]
    margin = heads.index("Gross margin") + 1
    assert ws.cell(row=2, column=margin).fill.fgColor.rgb.endswith("FFF3CD")
    assert ws.cell(row=3, column=heads.index("Revenue") + 1).fill.fgColor.rgb.endswith("F8D7DA")
    assert ws.cell(row=2, column=margin).hyperlink.target.startswith("http://localhost/reports/rep_acme#cite-")


def test_matrix_page_renders_with_labelled_controls(tmp_path: Path) -> None:
    with api(settings_for(tmp_path)) as client:
        r = client.get("/batches/bat_000000000000/matrix")
        assert r.status_code == 200 and r.headers["content-security-policy"].startswith("default-src 'self'")
        page = parse(r.text)
        ids = {c.get("id") for c in page.controls}
        assert {"mx-section", "mx-rows", "mx-filter", "mx-flag"} <= ids and ids <= page.label_for | {"signin-key"}
        assert "/static/matrix.js" in page.assets and "/static/matrix.css" in page.assets
        for asset in page.assets:
            assert client.get(asset).status_code == 200, asset
        batch_page = client.get("/batches/bat_000000000000").text
        assert 'href="/batches/bat_000000000000/matrix"' in batch_page
