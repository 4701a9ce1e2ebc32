"""A report created while Redis is down: the client gets its 202 (the job is committed), the dispatcher
keeps the job and re-sends it once a real Redis answers on that port, exactly once, and it then runs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

from sqlmodel import select

from reportgen.api import create_app
from reportgen.jobs.celery_app import CeleryDispatcher
from reportgen.procs import free_port
from reportgen.store.tables import Job
from tests.service_fixtures import meeting_bytes, postgres_available, postgres_schema, settings_for, upload, wait_report
from tests.support import require


def _queue_length(port: int, queue: str) -> int:
    import redis

    return int(redis.Redis(host="127.0.0.1", port=port, db=0, socket_connect_timeout=2).llen(queue))


def _wait(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen in {timeout}s")
        time.sleep(0.1)


def test_report_created_while_redis_is_down_is_202_then_sent_once_redis_is_back(tmp_path) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    require(postgres_available(), "PostgreSQL at 127.0.0.1:5432 with a database `test`")
    redis_server = shutil.which("redis-server")
    require(redis_server is not None, "redis-server on PATH")
    port = free_port()  # nothing listens here yet: the broker is down
    broker = f"redis://127.0.0.1:{port}/0"
    queue = f"reportgen-outage-{uuid.uuid4().hex[:8]}"
    procs: list[subprocess.Popen] = []
    with postgres_schema() as url:
        settings = settings_for(tmp_path, database_url=url, broker_url=broker, queue=queue, lease_seconds=5.0)
        dispatcher = CeleryDispatcher(settings, resend_seconds=0.5)
        try:
            with TestClient(create_app(settings, dispatcher=dispatcher), raise_server_exceptions=False,
                            base_url="http://localhost") as client:  # keyless mode answers loopback names only
                doc = upload(client, {"meeting.txt": meeting_bytes()}).json()["documents"][0]
                r = client.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc["id"]],
                                                     "engine": "local", "options": {"meeting_date": "2026-03-02"}})
                assert r.status_code == 202, r.text  # was a 500 "internal error (OperationalError)"
                rid = r.json()["id"]
                with client.app.state.service.db.session() as s:
                    job = s.exec(select(Job).where(Job.report_id == rid)).one()
                assert job.state == "queued" and dispatcher.pending() == [job.id]

                procs.append(subprocess.Popen([redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                               "--appendonly", "no"], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL))
                _wait(lambda: dispatcher.pending() == [], 20, "the re-send")
                assert _queue_length(port, queue) == 1
                time.sleep(1.5)  # three more re-send rounds: nothing is sent twice
                assert _queue_length(port, queue) == 1

                env = {**os.environ, "DATABASE_URL": url, "REPORTGEN_BROKER_URL": broker, "REPORTGEN_QUEUE": queue,
                       "REPORTGEN_DATA_DIR": str(tmp_path)}
                procs.append(subprocess.Popen([sys.executable, "-m", "reportgen.cli", "worker", "--concurrency", "1",
                                               "--loglevel", "WARNING"], env=env, start_new_session=True,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
                st = wait_report(client, rid, timeout=120)
                assert st["state"] == "succeeded", st
                with client.app.state.service.db.session() as s:
                    jobs = s.exec(select(Job).where(Job.report_id == rid)).all()
                assert len(jobs) == 1 and jobs[0].attempts == 1
        finally:
            for p in reversed(procs):
                if p.poll() is None:
                    if p.args[0] == redis_server:
                        p.terminate()
                    else:
                        os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=30)


def test_dispatcher_keeps_refused_jobs_in_order(tmp_path) -> None:  # noqa: ANN001
    settings = settings_for(tmp_path, broker_url=f"redis://127.0.0.1:{free_port()}/0")
    dispatcher = CeleryDispatcher(settings)
    for job_id in ("job_a", "job_b", "job_c"):
        dispatcher.submit(job_id)  # the broker is down: kept, not raised
    assert dispatcher.pending() == ["job_a", "job_b", "job_c"]
    assert dispatcher.resend() == 0 and dispatcher.pending() == ["job_a", "job_b", "job_c"]
