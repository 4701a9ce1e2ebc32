"""Downloads rendered before the click: a finished job's PDF and DOCX are kept by revision, an edit
re-renders them in the background, and GET /downloads says which are ready (the web page's "preparing")."""

from __future__ import annotations

import subprocess
import time

import pytest
from sqlmodel import select

from reportgen.store.tables import Rendered
from tests.service_fixtures import api, meeting_bytes, settings_for, upload, wait_report
from tests.support import require_tool


def _wait_ready(client, rid: str, revision: int, timeout: float = 120) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/reports/{rid}/downloads")
        assert r.status_code == 200, r.text
        body = r.json()
        if body["revision"] == revision and all(v == "ready" for v in body["formats"].values()):
            return body
        assert not any(v.startswith("failed") for v in body["formats"].values()), body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # noqa: ANN201
    with api(settings_for(tmp_path_factory.mktemp("prerender"), workers=1)) as client:
        doc = upload(client, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
        rid = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        st = wait_report(client, rid)
        assert st["state"] == "succeeded", st
        yield client, st


def _kept(client, rid: str) -> set[tuple[str, int]]:  # noqa: ANN001
    db = client.app.state.service.db
    with db.session() as s:
        return {(r.format, r.revision) for r in s.exec(select(Rendered).where(Rendered.report_id == rid)).all()}


def test_a_finished_job_keeps_its_pdf_and_docx(service) -> None:  # noqa: ANN001
    client, st = service
    rid, rev = st["id"], st["revision"]
    body = _wait_ready(client, rid, rev, timeout=30)  # the worker renders right after marking the job done
    assert set(body["formats"]) == {"pdf", "docx"}
    assert {("pdf", rev), ("docx", rev)} <= _kept(client, rid)
    pdf = client.get(f"/v1/reports/{rid}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_an_edit_is_rendered_in_the_background(service, tmp_path) -> None:  # noqa: ANN001
    client, st = service
    rid = st["id"]
    report = client.get(f"/v1/reports/{rid}/result").json()
    item = next(i for s in report["sections"] for i in s["items"] if i["citations"] and i["fields"])
    field = next(k for k, v in item["fields"].items() if isinstance(v, str))
    before = client.get(f"/v1/reports/{rid}").json()["revision"]
    r = client.patch(f"/v1/reports/{rid}/items/{item['id']}", json={"fields": {field: "Zebra quantum edit"}})
    assert r.status_code == 200, r.text
    _wait_ready(client, rid, before + 1)
    assert ("pdf", before + 1) in _kept(client, rid)  # made without anyone downloading it
    out = tmp_path / "edited.pdf"
    out.write_bytes(client.get(f"/v1/reports/{rid}.pdf").content)
    text = subprocess.run([require_tool("pdftotext", "poppler-utils"), str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Zebra quantum edit" in " ".join(text.split())


def test_downloads_of_an_unknown_report_is_404(service) -> None:  # noqa: ANN001
    client, _ = service
    r = client.get("/v1/reports/rep_nope/downloads")
    assert r.status_code == 404 and r.json()["error"]["message"]


def test_drain_at_shutdown_drops_queued_renders_and_waits_for_the_running_one(monkeypatch) -> None:  # noqa: ANN001
    import threading
    import time as _time

    from reportgen.jobs import prerender as pr

    started, done = threading.Event(), []

    def slow(db, report_id, *, pdf_engine=None):  # noqa: ANN001, ANN202, ARG001
        started.set()
        _time.sleep(0.5)
        done.append(report_id)
        return []

    monkeypatch.setattr(pr, "prerender", slow)
    assert pr.schedule(None, "first", 1) and pr.schedule(None, "second", 1)  # type: ignore[arg-type]
    assert started.wait(5)
    pr.drain(timeout=10)
    assert done == ["first"]  # the running render finished; the queued one never started
    assert ("second", 1) not in pr._PENDING and ("first", 1) not in pr._PENDING
    assert pr.schedule(None, "second", 1)  # type: ignore[arg-type]  # dropped, so it can be asked again
    deadline = _time.monotonic() + 10
    while ("second", 1) in pr._PENDING and _time.monotonic() < deadline:
        _time.sleep(0.05)
    assert done == ["first", "second"] and not pr._FUTURES
