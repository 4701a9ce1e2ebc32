"""The REST API end to end on SQLite and on PostgreSQL: uploads, reports, events, downloads, edits, batches."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.fixtures_pdf import encrypt, text_pdf
from tests.service_fixtures import (
    bomb_zip,
    client_on,
    make_zip,
    meeting_bytes,
    upload,
    wait_report,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request, tmp_path_factory):  # noqa: ANN001, ANN201
    yield from client_on(request.param, tmp_path_factory.mktemp(f"api-{request.param}"))


@pytest.fixture(scope="module")
def finished(client):  # noqa: ANN001, ANN201
    """One uploaded meeting and its finished report."""
    r = upload(client, {"meeting.txt": meeting_bytes()})
    assert r.status_code == 201, r.text
    doc = r.json()["documents"][0]
    r = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc["id"]],
                                         "engine": "local", "options": {"meeting_date": "2026-03-02"}})
    assert r.status_code == 202, r.text
    st = wait_report(client, r.json()["id"])
    assert st["state"] == "succeeded", st
    return doc, st


def test_upload_lists_documents_with_segments(client, finished) -> None:  # noqa: ANN001
    doc, _ = finished
    assert doc["id"].startswith("doc_") and doc["segment_count"] == 8 and doc["kind"] == "transcript"
    listed = client.get("/v1/documents").json()
    assert doc["id"] in [d["id"] for d in listed]
    detail = client.get(f"/v1/documents/{doc['id']}").json()
    assert len(detail["segments"]) == 8
    seg = detail["segments"][2]
    assert detail["text"][seg["char_start"]:seg["char_end"]] == seg["text"] and seg["speaker"] == "Jason"
    again = upload(client, {"meeting.txt": meeting_bytes()}).json()["documents"][0]
    assert again["id"] == doc["id"]  # the same bytes under the same name are stored once


def test_zip_upload_expands_into_documents(client) -> None:  # noqa: ANN001
    z = make_zip({"room/a.txt": meeting_bytes(company="Acme"), "room/b.txt": meeting_bytes(company="Beta"),
                  "room/pic.png": b"\x89PNG\r\n\x1a\n" + b"0" * 100})
    r = upload(client, {"room.zip": z})
    assert r.status_code == 201, r.text
    docs = r.json()["documents"]
    assert sorted(d["filename"] for d in docs) == ["room/a.txt", "room/b.txt"]
    assert any("skipped room/pic.png" in w for d in docs for w in d["warnings"])


def test_zip_of_pdfs_is_parsed_on_every_core_in_zip_order(client) -> None:  # noqa: ANN001
    pdfs = {f"room/c{i}.pdf": text_pdf([[f"Contract {i}: the fee is {i}00 dollars."]]) for i in range(4)}
    z = make_zip({**pdfs, "room/locked.pdf": encrypt(text_pdf([["Secret."]]), "pw"), "room/z.txt": meeting_bytes()})
    r = upload(client, {"pdf-room.zip": z})
    assert r.status_code == 201, r.text
    docs = r.json()["documents"]
    assert [d["filename"] for d in docs] == [*pdfs, "room/z.txt"]
    assert any(w.startswith("skipped room/locked.pdf:") and "password" in w for w in docs[0]["warnings"])
    blob = client.get(f"/v1/documents/{docs[2]['id']}").json()
    assert "Contract 2" in blob["text"]


def test_report_result_status_and_downloads(client, finished) -> None:  # noqa: ANN001
    doc, st = finished
    rid = st["id"]
    assert st["progress"]["stage"] == "finished" and st["progress"]["done"] == st["progress"]["total"]
    assert st["job"]["attempts"] == 1 and st["document_ids"] == [doc["id"]]
    report = client.get(f"/v1/reports/{rid}/result").json()
    assert report["id"] == rid and report["sop_id"] == "meeting-action-items"
    cites = [c for s in report["sections"] for i in s["items"] for c in i["citations"]]
    assert cites and all(c["document_id"] == doc["id"] for c in cites)
    md = client.get(f"/v1/reports/{rid}.md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "I'll send the migration runbook" in md.text
    js = client.get(f"/v1/reports/{rid}/download", params={"format": "json"})
    assert js.status_code == 200 and json.loads(js.content)["id"] == rid
    docx = client.get(f"/v1/reports/{rid}.docx")
    assert docx.status_code == 200 and zipfile.ZipFile(io.BytesIO(docx.content)).namelist()
    assert client.get(f"/v1/reports/{rid}.exe").status_code == 422
    assert any(r["id"] == rid for r in client.get("/v1/reports").json())


def test_events_stream_and_resume_with_last_event_id(client, finished) -> None:  # noqa: ANN001
    _, st = finished
    body = client.get(f"/v1/reports/{st['id']}/events").text
    ids = [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]
    stages = [line[7:] for line in body.splitlines() if line.startswith("event: ")]
    assert stages[0] == "started" and "finished" in stages and stages[-1] == "end"
    assert ids == sorted(ids) and len(ids) >= 4
    resumed = client.get(f"/v1/reports/{st['id']}/events", headers={"Last-Event-ID": str(ids[1])}).text
    assert [int(x[4:]) for x in resumed.splitlines() if x.startswith("id: ")] == ids[2:]


def test_patch_item_keeps_citations_and_marks_edited(client, finished) -> None:  # noqa: ANN001
    _, st = finished
    rid = st["id"]
    report = client.get(f"/v1/reports/{rid}/result").json()
    section = next(s for s in report["sections"] if s["id"] == "action_items")
    item = next(i for i in section["items"] if i["citations"])
    field = next(iter(item["fields"]))
    r = client.patch(f"/v1/reports/{rid}/items/{item['id']}", json={"fields": {field: "edited by a human"},
                                                                    "review": "accepted"})
    assert r.status_code == 200, r.text
    after = client.get(f"/v1/reports/{rid}/result").json()
    new = next(i for s in after["sections"] for i in s["items"] if i["id"] == item["id"])
    assert new["edited"] and new["review"] == "accepted" and new["fields"][field] == "edited by a human"
    assert new["citations"] == item["citations"]
    assert client.get(f"/v1/reports/{rid}").json()["revision"] == st["revision"] + 1
    assert "edited by a human" in client.get(f"/v1/reports/{rid}.md").text  # rendered anew for the new revision
    bad = client.patch(f"/v1/reports/{rid}/items/{item['id']}", json={"fields": {"nope": 1}})
    assert bad.status_code == 422 and "nope" in bad.json()["error"]["message"]
    assert client.patch(f"/v1/reports/{rid}/items/itm_missing", json={}).status_code == 404


def test_feedback_per_section(client, finished) -> None:  # noqa: ANN001
    _, st = finished
    rid = st["id"]
    r = client.post(f"/v1/reports/{rid}/feedback", json={"section_id": "action_items", "vote": "down",
                                                         "reason": "missed one", "edits": {"add": "call Bob"}})
    assert r.status_code == 201, r.text
    got = client.get(f"/v1/reports/{rid}/feedback").json()
    assert [(f["section_id"], f["vote"], f["edits"]) for f in got][-1] == ("action_items", "down", {"add": "call Bob"})
    bad = client.post(f"/v1/reports/{rid}/feedback", json={"section_id": "nope", "vote": "up"})
    assert bad.status_code == 422 and "action_items" in bad.json()["error"]["message"]


def test_idempotency_key_replays_the_first_response(client, finished) -> None:  # noqa: ANN001
    doc, _ = finished
    body = {"sop": "meeting-action-items", "document_ids": [doc["id"]], "engine": "local"}
    h = {"Idempotency-Key": "create-once-" + doc["id"]}
    a = client.post("/v1/reports", json=body, headers=h)
    b = client.post("/v1/reports", json=body, headers=h)
    assert a.status_code == b.status_code == 202 and a.json()["id"] == b.json()["id"]
    assert b.headers.get("Idempotent-Replayed") == "true"
    other = client.post("/v1/reports", json={**body, "engine": None}, headers=h)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    wait_report(client, a.json()["id"])


def test_user_errors_are_clear_json(client) -> None:  # noqa: ANN001
    r = upload(client, {"clip.mp4": b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64})
    assert r.status_code == 415 and "transcribe" in r.json()["error"]["message"].lower()
    locked = encrypt(text_pdf([["A secret agreement between two parties."]]), "s3cret")
    r = upload(client, {"locked.pdf": locked})
    assert r.status_code == 422 and "password" in r.json()["error"]["message"]
    ok = upload(client, {"locked.pdf": locked}, password="s3cret")
    assert ok.status_code == 201 and ok.json()["documents"][0]["pages"] == 1
    r = upload(client, {"bomb.zip": bomb_zip()})
    assert r.status_code == 422 and "bomb" in r.json()["error"]["message"]
    r = upload(client, {"empty.txt": b""})
    assert r.status_code == 422 and "empty" in r.json()["error"]["message"]
    r = client.post("/v1/reports", json={"sop": "nope", "document_ids": ["doc_x"]})
    assert r.status_code == 422 and "meeting-action-items" in r.json()["error"]["message"]
    r = client.post("/v1/reports", json={"sop": "/etc/passwd", "document_ids": ["doc_x"]})
    assert r.status_code == 422
    r = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": ["doc_missing"]})
    assert r.status_code == 404 and "doc_missing" in r.json()["error"]["message"]
    r = client.post("/v1/reports", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    for path in ("/v1/reports/rep_missing", "/v1/documents/doc_missing", "/v1/batches/bat_missing", "/v1/nothing"):
        r = client.get(path)
        assert r.status_code == 404 and set(r.json()["error"]) == {"code", "message"}
    assert client.post("/v1/documents").status_code == 422


def test_sops_listed(client) -> None:  # noqa: ANN001
    sops = {s["id"]: s for s in client.get("/v1/sops").json()}
    assert {"meeting-action-items", "diligence-memo"} <= set(sops)
    assert sops["meeting-action-items"]["sections"]


def test_batch_from_zip_isolates_a_failed_room_and_zips_results(client) -> None:  # noqa: ANN001
    z = make_zip({
        "rooms/acme/call.txt": meeting_bytes(company="Acme"),
        "rooms/globex/notes.txt": meeting_bytes(company="Globex"),
        "rooms/globex/extra.txt": meeting_bytes(company="Globex", extra=3),
        "rooms/initech/clip.mp3": b"ID3" + b"\0" * 200,  # nothing readable in this room
    })
    r = client.post("/v1/batches/upload", files={"file": ("rooms.zip", z)},
                    data={"sop": "meeting-action-items", "engine": "local"})
    assert r.status_code == 202, r.text
    batch = r.json()
    rooms = {x["room"]: x for x in batch["reports"]}
    assert set(rooms) == {"acme", "globex", "initech"}
    assert len(rooms["globex"]["document_ids"]) == 2
    assert rooms["initech"]["state"] == "failed" and "clip.mp3" in rooms["initech"]["error"]
    for x in batch["reports"]:
        wait_report(client, x["report_id"])
    batch = client.get(f"/v1/batches/{batch['id']}").json()
    assert batch["state"] == "partial" and batch["counts"] == {"queued": 0, "running": 0, "succeeded": 2,
                                                                "failed": 1, "total": 3}
    dl = client.get(f"/v1/batches/{batch['id']}/download", params={"format": "md"})
    assert dl.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(dl.content))
    assert sorted(zf.namelist()) == ["acme.md", "globex.md", "manifest.json"]
    assert "notes.txt" in zf.read("globex.md").decode() and "call.txt" in zf.read("acme.md").decode()
    manifest = json.loads(zf.read("manifest.json"))
    assert {x["room"]: x["state"] for x in manifest["reports"]}["initech"] == "failed"


def test_batch_from_document_sets(client, finished) -> None:  # noqa: ANN001
    doc, _ = finished
    other = upload(client, {"other.txt": meeting_bytes(company="Other")}).json()["documents"][0]
    r = client.post("/v1/batches", json={"sop": "meeting-action-items", "engine": "local", "rooms": [
        {"name": "one", "document_ids": [doc["id"]]}, {"name": "two", "document_ids": [doc["id"], other["id"]]}]})
    assert r.status_code == 202, r.text
    for x in r.json()["reports"]:
        assert wait_report(client, x["report_id"])["state"] == "succeeded"
    assert client.get(f"/v1/batches/{r.json()['id']}").json()["state"] == "succeeded"
    dup = client.post("/v1/batches", json={"sop": "meeting-action-items", "rooms": [
        {"name": "a", "document_ids": [doc["id"]]}, {"name": "a", "document_ids": [doc["id"]]}]})
    assert dup.status_code == 422
