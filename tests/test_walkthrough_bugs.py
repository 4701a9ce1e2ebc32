"""Regressions for the bugs of issue 14's web and API walk-through, one test each.

Each test reproduces what the walk-through saw; the comment on it says what that was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.models import Citation, Item, Section
from reportgen.sop import FieldSpec, SectionSpec, find_sops
from reportgen.sop.suggest import rank_sops
from reportgen.validate.duplicates import merge_duplicates
from tests.fixtures_pdf import encrypt, image_only_pdf, text_pdf
from tests.service_fixtures import api, make_zip, meeting_bytes, settings_for, upload, wait_report
from tests.support import require_tool

ROOT = Path(__file__).resolve().parent.parent
RISKS = SectionSpec(id="risks", title="Risks", kind="list", fields={
    "risk": FieldSpec(type="text"), "severity": FieldSpec(type="enum", values=["low", "medium", "high"])})


def _cite(start: int, end: int, quote: str = "q") -> Citation:
    return Citation(document_id="d1", quote=quote, char_start=start, char_end=end, status="exact", score=1.0)


def _flag(item: Item) -> str:
    return next(f for f in item.flags if f.startswith("duplicate-merged"))


def test_items_with_different_figures_are_not_merged() -> None:
    # was: "2 repeated items merged, their quotes are listed" with one citation, and the facts
    # "20 percent privacy" / "2 percent weather" lost
    same = _cite(100, 180)
    sec = Section(id="risks", title="Risks", kind="list", items=[
        Item(fields={"risk": "Revenue at risk from churn: 20 percent privacy", "severity": "high"}, citations=[same]),
        Item(fields={"risk": "Revenue at risk from churn: 2 percent weather", "severity": "low"}, citations=[same]),
    ])
    merge_duplicates(RISKS, sec)
    assert [i.fields["risk"] for i in sec.items] == ["Revenue at risk from churn: 20 percent privacy",
                                                      "Revenue at risk from churn: 2 percent weather"]
    assert not any(f.startswith("duplicate-merged") for i in sec.items for f in i.flags)


def test_merged_item_keeps_every_quote_and_says_what_it_absorbed() -> None:
    sec = Section(id="risks", title="Risks", kind="list", items=[
        Item(fields={"risk": "Key customers may leave after the pricing change"}, citations=[_cite(100, 180)]),
        Item(fields={"risk": "Key customers might leave after the pricing change"},
             citations=[_cite(100, 180), _cite(400, 460)]),
        Item(fields={"risk": "Key customers may leave after the pricing change."}, citations=[_cite(100, 180)]),
    ])
    merge_duplicates(RISKS, sec)
    assert len(sec.items) == 1
    item = sec.items[0]
    assert [(c.char_start, c.char_end) for c in item.citations] == [(100, 180), (400, 460)]
    flag = _flag(item)
    assert "2 repeated item(s)" in flag and "1 more quote(s)" in flag
    assert "\u201cKey customers might leave after the pricing change\u201d" in flag  # its wording is kept

    # merged again (a report validated twice): the count and the wording survive
    sec.items.append(Item(fields={"risk": "Key customers may leave after the pricing change"},
                          citations=[_cite(100, 180)]))
    merge_duplicates(RISKS, sec)
    flag = _flag(sec.items[0])
    assert "3 repeated item(s)" in flag and "might leave" in flag and "the same quote(s)" in flag


def test_repeat_with_the_same_quote_does_not_claim_quotes_it_lacks() -> None:
    sec = Section(id="risks", title="Risks", kind="list", items=[
        Item(fields={"risk": "Churn"}, citations=[_cite(1, 50)]),
        Item(fields={"risk": "churn"}, citations=[_cite(1, 50)]),
    ])
    merge_duplicates(RISKS, sec)
    assert len(sec.items) == 1 and len(sec.items[0].citations) == 1
    assert "they cited the same quote(s)" in _flag(sec.items[0]) and "listed with it" not in _flag(sec.items[0])


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # noqa: ANN001, ANN201
    with api(settings_for(tmp_path_factory.mktemp("walk"))) as c:
        yield c


@pytest.fixture(scope="module")
def finished(client) -> dict:  # noqa: ANN001
    doc = upload(client, {"meeting.txt": meeting_bytes()}).json()["documents"][0]
    r = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc["id"]],
                                         "engine": "local"})
    assert r.status_code == 202, r.text
    st = wait_report(client, r.json()["id"])
    assert st["state"] == "succeeded", st
    return st


def test_patch_refuses_a_value_outside_the_sops_enum(client, finished) -> None:  # noqa: ANN001
    # was: `status: catastrophic` stored unflagged (200)
    rid = finished["id"]
    report = client.get(f"/v1/reports/{rid}/result").json()
    item = next(i for s in report["sections"] if s["id"] == "action_items" for i in s["items"])
    url = f"/v1/reports/{rid}/items/{item['id']}"
    r = client.patch(url, json={"fields": {"status": "catastrophic"}})
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_field_value" and "open, done, blocked" in err["message"]
    assert "catastrophic" in err["message"]
    after = client.get(f"/v1/reports/{rid}/result").json()
    assert next(i for s in after["sections"] for i in s["items"] if i["id"] == item["id"]) == item  # unchanged
    assert client.patch(url, json={"fields": {"status": "done"}}).status_code == 200
    # a free-text field takes any text
    assert client.patch(url, json={"fields": {"task": "anything a person writes"}}).status_code == 200


def test_event_log_speaks_to_users_not_of_workers(client, finished) -> None:  # noqa: ANN001
    # was: "attempt 1 started on inproc:vm:22141:139882662538112"
    events = client.get(f"/v1/reports/{finished['id']}/events").text
    assert "event: started" in events
    assert "inproc" not in events and "started on" not in events


def test_favicon_is_served(client) -> None:  # noqa: ANN001
    # was: 404
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content


def test_batch_status_names_its_sop(client) -> None:  # noqa: ANN001
    # was: the batches table showed `meeting-action-items`
    z = make_zip({"acme/call.txt": meeting_bytes()})
    r = client.post("/v1/batches/upload", files={"file": ("rooms.zip", z)}, data={"sop": "meeting-action-items"})
    assert r.status_code == 202, r.text
    assert r.json()["sop_name"] == "Meeting action items"
    assert client.get("/v1/batches").json()[0]["sop_name"] == "Meeting action items"


def _cli(*args: str, cwd, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    base = {k: v for k, v in os.environ.items() if not k.startswith(("REPORTGEN_", "DATABASE_URL", "OPENAI_"))}
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={**base, **(env or {})}, timeout=120)


def test_keys_create_elsewhere_does_not_make_a_second_database(tmp_path) -> None:  # noqa: ANN001
    # was: run outside the checkout, it silently made ./.reportgen/reportgen.sqlite3 there, and the
    # running server refused the key
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    r = _cli("keys", "create", "--tenant", "acme", cwd=elsewhere)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    msg = " ".join(r.stderr.replace("│", " ").split())
    assert "no reportgen database at" in msg and "REPORTGEN_DATA_DIR" in msg and "--new-database" in msg
    assert not (elsewhere / ".reportgen").exists() and r.stdout == ""

    # pointed at the server's data folder it works, and says where it wrote
    server_data = tmp_path / "server-data"
    with api(settings_for(server_data)) as c:  # the server made its database there
        assert upload(c, {"m.txt": meeting_bytes()}).status_code == 201
        doc = c.get("/v1/documents").json()[0]["id"]
        rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        wait_report(c, rid)
        r = _cli("keys", "create", "--tenant", "acme", cwd=elsewhere, env={"REPORTGEN_DATA_DIR": str(server_data)})
        assert r.returncode == 0, r.stderr
        key = r.stdout.strip()
        assert f"database: {(server_data / 'reportgen.sqlite3').resolve()}" in r.stderr
        # the web-made report is not silently hidden: the command says whose it is and how to reach it
        assert "1 report(s) made without a key" in r.stderr and "--tenant local" in r.stderr
        assert c.get("/v1/documents", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert not (elsewhere / ".reportgen").exists()
    r = _cli("keys", "create", "--tenant", "solo", "--new-database", cwd=elsewhere)
    assert r.returncode == 0 and (elsewhere / ".reportgen" / "reportgen.sqlite3").exists()


def test_sop_suggestion_ranks_by_cues_and_kind(client) -> None:  # noqa: ANN001
    # was: the page preselected the first SOP alphabetically and said nothing of a mismatch
    contract = ("SUPPLY AGREEMENT. 1. Term: three years, renews automatically. 2. Termination: either party may "
                "terminate upon a Change of Control. 3. Liability is capped at the fees paid. Exclusivity applies. "
                "Governing law: Delaware.")
    fits = rank_sops(list(find_sops().values()), [("pdf", contract)])
    assert fits[0].sop_id == "diligence-memo" and fits[0].suggested and fits[0].warning is None
    scorecard = next(f for f in fits if f.sop_id == "interview-scorecard")
    assert not scorecard.suggested and not scorecard.kinds_fit and "made for transcript" in (scorecard.warning or "")
    assert [f for f in rank_sops(list(find_sops().values()), [("text", "lorem ipsum dolor")]) if f.suggested] == []

    doc = upload(client, {"meeting.txt": meeting_bytes()}).json()["documents"][0]["id"]
    r = client.post("/v1/sops/suggest", json={"document_ids": [doc]})
    assert r.status_code == 200, r.text
    assert r.json()[0]["sop"] == "meeting-action-items" and r.json()[0]["suggested"]
    assert client.post("/v1/sops/suggest", json={"document_ids": ["doc_nope"]}).status_code == 404
    assert client.post("/v1/sops/suggest", json={"document_ids": []}).status_code == 422


def test_upload_errors_speak_to_web_and_api_users(client) -> None:  # noqa: ANN001
    # was: "--password on the CLI", "run with --ocr" (the page had no OCR), "this zip is damaged" for a .docx
    locked = encrypt(text_pdf([["Board note: the budget was approved."]]), "s3cret")
    r = upload(client, {"board.pdf": locked})
    msg = r.json()["error"]["message"]
    assert r.status_code == 422 and "--password" not in msg and "the `password` form field" in msg
    assert "password box" in msg

    scan = image_only_pdf([["The supplier shall deliver", "the goods by Friday."]])
    r = upload(client, {"scan.pdf": scan})
    assert r.status_code == 201, r.text
    warnings = r.json()["documents"][0]["warnings"]
    assert warnings and all("--ocr" not in w and "ocr=True" not in w for w in warnings)
    assert any("Read again with OCR" in w and "`ocr=true`" in w for w in warnings)

    r = upload(client, {"notes.docx": b"PK\x03\x04" + b"\x00" * 200})
    msg = r.json()["error"]["message"]
    assert r.status_code == 422 and "Word document is damaged" in msg and "zip" not in msg


def test_api_offers_ocr(client) -> None:  # noqa: ANN001
    require_tool("tesseract", "tesseract-ocr")
    scan = image_only_pdf([["The supplier shall deliver", "the goods by Friday."]])
    r = client.post("/v1/documents", files=[("files", ("scan2.pdf", scan))], data={"ocr": "true"})
    assert r.status_code == 201, r.text
    doc = r.json()["documents"][0]
    assert all("recognised by OCR" in w for w in doc["warnings"])  # said, since OCR can misread
    text = client.get(f"/v1/documents/{doc['id']}").json()["text"].lower()
    assert "supplier" in text and "friday" in text
