"""Jobs: claims and leases (a job runs more than once but finishes exactly once), tenant limits, failures
that keep their inputs, a restarted server resuming unfinished jobs, and the LLM ledger inside jobs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from sqlmodel import select

from reportgen.events import Event
from reportgen.jobs.claims import claim_job, finish_job, record_event
from reportgen.jobs.run import build_report, execute_job
from reportgen.models import Document
from reportgen.procs import free_port
from reportgen.store.db import Database
from reportgen.store.documents import save_document
from reportgen.store.keys import get_or_create_tenant
from reportgen.store.reports import create_report
from reportgen.store.tables import DocumentRow, EventRow, Job, LlmCall, ReportRow
from reportgen.testing import serve_fake_openai
from reportgen.testing.samples import transcript
from tests.service_fixtures import api, meeting_bytes, settings_for, upload, wait_report


@pytest.fixture
def db(tmp_path) -> Database:  # noqa: ANN001
    return Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")


def _job(db: Database, tenant: str = "acme", engine: str = "local", doc: Document | None = None) -> Job:
    with db.session() as s:
        t = get_or_create_tenant(s, tenant)
        row = save_document(s, t.id, doc or transcript(), blob_sha256=None, size=0)
        _, job = create_report(s, t.id, sop_id="meeting-action-items", document_ids=[row.id], engine=engine,
                               options={}, max_attempts=2)
        s.commit()
        return job


def test_a_redelivered_job_finishes_exactly_once(db: Database) -> None:
    job = _job(db)
    first = claim_job(db, job.id, "w1", lease=30, tenant_limit=5)
    assert not isinstance(first, str) and first.attempt == 1
    assert claim_job(db, job.id, "w2", lease=30, tenant_limit=5) == "busy"  # a live lease keeps others out
    with db.session() as s:  # w1 stalls past its lease (e.g. killed): its job may be claimed again
        s.get(Job, job.id).lease_until = time.time() - 1
        s.commit()
    second = claim_job(db, job.id, "w2", lease=30, tenant_limit=5)
    assert not isinstance(second, str) and second.attempt == 2
    report = build_report(db, second)
    stale = build_report(db, first)  # the stale worker computes too, at-least-once
    assert finish_job(db, second, report) is True
    assert finish_job(db, first, stale) is False  # but only the claim holder's result is written
    assert claim_job(db, job.id, "w3", lease=30, tenant_limit=5) == "done"
    with db.session() as s:
        row = s.get(Job, job.id)
        assert (row.state, row.attempts) == ("succeeded", 2)
        assert s.get(ReportRow, job.report_id).data["id"] == job.report_id
        finished = s.exec(select(EventRow).where(EventRow.report_id == job.report_id,
                                                 EventRow.stage == "finished")).all()
        assert [e.attempt for e in finished] == [2]


def test_tenant_concurrency_limit(db: Database) -> None:
    a1, a2, b1 = _job(db, "acme"), _job(db, "acme"), _job(db, "globex")
    assert not isinstance(claim_job(db, a1.id, "w1", lease=30, tenant_limit=1), str)
    assert claim_job(db, a2.id, "w2", lease=30, tenant_limit=1) == "tenant-limit"
    assert not isinstance(claim_job(db, b1.id, "w3", lease=30, tenant_limit=1), str)  # other tenants unaffected
    assert not isinstance(claim_job(db, a2.id, "w2", lease=30, tenant_limit=2), str)


def test_a_failed_job_keeps_its_inputs_and_says_why(db: Database, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    job = _job(db, engine="llm")
    settings = settings_for(tmp_path)
    assert execute_job(job.id, db=db, settings=settings) == "failed"
    with db.session() as s:
        row = s.get(Job, job.id)
        assert row.state == "failed" and "OPENAI_API_KEY" in row.error and row.attempts == 1  # a user error: no retry
        assert row.inputs["engine"] == "llm" and row.inputs["document_ids"]
        assert s.get(DocumentRow, row.inputs["document_ids"][0]) is not None
        assert s.get(ReportRow, row.report_id).data is None


def test_an_unexpected_error_is_retried_then_fails_with_the_reason(db: Database, tmp_path) -> None:  # noqa: ANN001
    job = _job(db)
    with db.session() as s:  # a damaged row: not the user's fault, so it is retried, then reported
        row = s.get(DocumentRow, job.inputs["document_ids"][0])
        row.document = {"broken": True}
        s.add(row)
        s.commit()
    settings = settings_for(tmp_path)
    assert execute_job(job.id, db=db, settings=settings) == "queued"
    assert execute_job(job.id, db=db, settings=settings) == "failed"
    with db.session() as s:
        row = s.get(Job, job.id)
        assert row.attempts == 2 and row.error.startswith("internal error: ValidationError")
        stages = [e.stage for e in s.exec(select(EventRow).where(EventRow.report_id == job.report_id))]
        assert stages.count("retry") == 1 and stages[-1] == "failed"


def test_restarted_server_resumes_queued_and_orphaned_jobs(tmp_path) -> None:  # noqa: ANN001
    with api(settings_for(tmp_path, workers=0)) as c:  # a server that dies before running anything
        doc = upload(c, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
        queued = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        orphan = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        db = c.app.state.service.db
        with db.session() as s:  # the second was mid-run in a worker process that no longer exists
            job = s.exec(select(Job).where(Job.report_id == orphan)).one()
            job.state, job.attempts, job.lease_until = "running", 1, time.time() + 3600
            job.worker = f"inproc:{socket.gethostname()}:{2**22 + 12345}:1"
            s.add(job)
            s.commit()
        assert c.get(f"/v1/reports/{queued}").json()["state"] == "queued"
    with api(settings_for(tmp_path, workers=2)) as c:
        assert wait_report(c, queued)["state"] == "succeeded"
        st = wait_report(c, orphan)
        assert st["state"] == "succeeded" and st["job"]["attempts"] == 2


def _serve(tmp_path, port: int) -> subprocess.Popen:  # noqa: ANN001
    env = {**os.environ, "REPORTGEN_DATA_DIR": str(tmp_path), "REPORTGEN_WORKERS": "1", "REPORTGEN_JOB_LEASE": "3"}
    env.pop("DATABASE_URL", None)
    env.pop("REPORTGEN_BROKER_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("reportgen serve did not start")


def test_kill_9_of_serve_mid_report_then_restart_finishes_it_once(tmp_path) -> None:  # noqa: ANN001
    port = free_port()
    proc = _serve(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            doc = upload(c, {"long.txt": meeting_bytes(extra=3000)}).json()["documents"][0]["id"]
            rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
            deadline = time.monotonic() + 30
            while c.get(f"/v1/reports/{rid}").json()["progress"]["stage"] in ("queued", "started"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            assert c.get(f"/v1/reports/{rid}").json()["state"] == "running"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the server and its worker processes, mid-report
        proc.wait()
    proc = _serve(tmp_path, port)
    try:
        with httpx.Client(base_url=base, timeout=30) as c:
            st = wait_report(c, rid, timeout=90)
            assert st["state"] == "succeeded" and st["job"]["attempts"] == 2
            events = c.get(f"/v1/reports/{rid}/events").text
            assert events.count("event: finished") == 1
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_llm_calls_inside_a_job_land_in_the_ledger_with_the_report(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    with serve_fake_openai() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        monkeypatch.setenv("REPORTGEN_DATA_DIR", str(tmp_path))
        with api(settings_for(tmp_path)) as c:
            doc = upload(c, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
            rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                              "engine": "llm"}).json()["id"]
            assert wait_report(c, rid)["state"] == "succeeded"
            calls = c.get(f"/v1/reports/{rid}/llm-calls").json()
            report = c.get(f"/v1/reports/{rid}/result").json()
            with c.app.state.service.db.session() as s:
                rows = s.exec(select(LlmCall).where(LlmCall.report_id == rid)).all()
            paid = server.calls
            # the same report again: every answer comes from the database's cache, shared by the workers
            again = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc],
                                                "engine": "llm"}).json()["id"]
            assert wait_report(c, again)["state"] == "succeeded"
            replayed = c.get(f"/v1/reports/{again}/llm-calls").json()
    assert calls and len(calls) == len(rows) == paid
    assert all(x["messages"] and x["model"] for x in calls)
    assert report["engine"] == "llm" and report["usage"]["calls"] == sum(not x["cached"] for x in calls)
    assert server.calls == paid and len(replayed) == len(calls) and all(x["cached"] for x in replayed)
    assert not (tmp_path / "llm.sqlite3").exists()  # nothing in a worker's data directory


def test_record_event_appends(db: Database) -> None:
    job = _job(db)
    claim = claim_job(db, job.id, "w", lease=30, tenant_limit=5)
    assert not isinstance(claim, str)
    record_event(db, claim, Event(stage="extracted", message="section 1 of 2", done=1, total=2))
    with db.session() as s:
        ev = s.exec(select(EventRow).where(EventRow.report_id == job.report_id)).one()
        assert (ev.stage, ev.done, ev.total, ev.attempt) == ("extracted", 1, 2, 1)
