"""Celery with a real worker on Redis: jobs run out of process, and a worker killed with SIGKILL
mid-report has its job delivered again and finished exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlmodel import select

from reportgen.store.tables import EventRow, Job
from tests.service_fixtures import (
    REDIS_URL,
    api,
    meeting_bytes,
    postgres_available,
    postgres_schema,
    redis_available,
    settings_for,
    upload,
    wait_report,
)
from tests.support import require

REDIS_DB = 13


@pytest.fixture
def celery_env(tmp_path):  # noqa: ANN001, ANN201
    require(redis_available(), "Redis at 127.0.0.1:6379")
    require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
    queue = f"reportgen-test-{uuid.uuid4().hex[:8]}"
    broker = f"{REDIS_URL}/{REDIS_DB}"
    with postgres_schema() as url:
        env = {**os.environ, "DATABASE_URL": url, "REPORTGEN_BROKER_URL": broker, "REPORTGEN_QUEUE": queue,
               "REPORTGEN_JOB_LEASE": "2", "REPORTGEN_DATA_DIR": str(tmp_path),
               "REPORTGEN_VISIBILITY_TIMEOUT": "4"}
        settings = settings_for(tmp_path, database_url=url, broker_url=broker, queue=queue, lease_seconds=2.0,
                                visibility_seconds=4.0)
        procs: list[subprocess.Popen] = []

        def start_worker() -> subprocess.Popen:
            p = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "worker", "--concurrency", "1",
                                  "--loglevel", "WARNING"], env=env, start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=open(tmp_path / "worker.log", "ab"))  # noqa: SIM115
            procs.append(p)
            return p

        try:
            yield settings, start_worker
        finally:
            for p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
            import redis

            redis.Redis.from_url(broker).delete(queue)


def _job(c, rid: str) -> Job:  # noqa: ANN001
    with c.app.state.service.db.session() as s:
        return s.exec(select(Job).where(Job.report_id == rid)).one()


def test_worker_runs_jobs_and_a_killed_worker_job_finishes_exactly_once(celery_env) -> None:  # noqa: ANN001
    settings, start_worker = celery_env
    with api(settings) as c:
        start_worker()
        small = upload(c, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
        rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [small]}).json()["id"]
        st = wait_report(c, rid, timeout=60)
        assert st["state"] == "succeeded" and _job(c, rid).worker.startswith("worker:")

        long = upload(c, {"long.txt": meeting_bytes(extra=3000)}).json()["documents"][0]["id"]
        rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [long]}).json()["id"]
        deadline = time.monotonic() + 30
        while (job := _job(c, rid)).state != "running" or not job.worker:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        pid = int(job.worker.split(":")[2])  # the pool process running the report
        time.sleep(0.5)
        assert _job(c, rid).state == "running"
        os.kill(pid, signal.SIGKILL)
        st = wait_report(c, rid, timeout=90)
        assert st["state"] == "succeeded", st
        job = _job(c, rid)
        assert job.attempts == 2 and int(job.worker.split(":")[2]) != pid
        with c.app.state.service.db.session() as s:
            finished = s.exec(select(EventRow).where(EventRow.report_id == rid, EventRow.stage == "finished")).all()
            started = s.exec(select(EventRow).where(EventRow.report_id == rid, EventRow.stage == "started")).all()
        assert len(finished) == 1 and finished[0].attempt == 2 and [e.attempt for e in started] == [1, 2]
        assert c.get(f"/v1/reports/{rid}/result").json()["id"] == rid


def test_a_whole_worker_killed_mid_report_is_replaced_and_the_report_finishes_once(celery_env) -> None:  # noqa: ANN001
    """kill -9 the worker's main process and its pool together (a lost machine), then start another:
    Redis' visibility timeout hands the unacknowledged message to the new worker."""
    settings, start_worker = celery_env
    with api(settings) as c:
        first = start_worker()
        long = upload(c, {"long.txt": meeting_bytes(extra=3000)}).json()["documents"][0]["id"]
        rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [long]}).json()["id"]
        deadline = time.monotonic() + 30
        while (job := _job(c, rid)).state != "running" or not job.worker:
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)  # the main process and every pool process, at once
        first.wait()
        assert _job(c, rid).state == "running"  # nobody finished it: the row still says running
        start_worker()
        st = wait_report(c, rid, timeout=120)
        assert st["state"] == "succeeded", st
        job = _job(c, rid)
        assert job.attempts == 2
        with c.app.state.service.db.session() as s:
            finished = s.exec(select(EventRow).where(EventRow.report_id == rid, EventRow.stage == "finished")).all()
        assert len(finished) == 1 and finished[0].attempt == 2
