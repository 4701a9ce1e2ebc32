"""Celery over Redis for running jobs on many machines (`REPORTGEN_BROKER_URL=redis://...`).

A task carries only a job id; the job's inputs and state are in the database. Delivery is
at-least-once: `acks_late` acknowledges a message only after the job ran,
`reject_on_worker_lost` puts it back when the worker process is killed mid-job, and the
broker's visibility timeout redelivers messages of a worker that vanished entirely. The
claim/lease protocol in `reportgen.jobs.claims` turns those redeliveries into one finish.
"""

from __future__ import annotations

from celery import Celery

from reportgen.jobs.run import execute_job
from reportgen.store.config import ServiceSettings
from reportgen.store.db import forget_database, open_database

TASK_NAME = "reportgen.run_job"


def make_celery(settings: ServiceSettings | None = None) -> Celery:
    settings = settings or ServiceSettings.from_env()
    app = Celery("reportgen", broker=settings.broker_url or "redis://127.0.0.1:6379/0")
    # A message is redelivered once this passes without an ack: a long job is then re-delivered while
    # it runs, and the claim's lease answers "busy" to the second worker, so the default is generous.
    visibility = settings.visibility_seconds or max(60.0, settings.lease_seconds * 2)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # kombu sweeps for abandoned messages every interval x throttle seconds (100 s by default):
            # sweep at most every 10 s, so a lost worker's job moves on soon after the visibility timeout.
            "unacked_restore_interval": max(1, min(10, int(visibility / 2))),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
    )

    @app.task(name=TASK_NAME, bind=True, max_retries=None, acks_late=True)
    def run_job(self, job_id: str) -> str:  # noqa: ANN001 - Celery's bound task
        outcome = execute_job(job_id, settings=settings)
        if outcome == "busy":  # another live worker holds it; come back after its lease could expire
            raise self.retry(countdown=max(1.0, settings.lease_seconds / 2))
        if outcome in ("tenant-limit", "queued"):  # over the tenant's limit, or failed and due for another attempt
            raise self.retry(countdown=1.0)
        return outcome

    return app


class CeleryDispatcher:
    """What the API calls to hand a job to the workers."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.app = make_celery(settings)

    def start(self) -> None:
        pass

    def submit(self, job_id: str) -> None:
        self.app.send_task(TASK_NAME, args=[job_id])

    def stop(self) -> None:
        pass


def worker_main(settings: ServiceSettings, *, concurrency: int = 1, loglevel: str = "INFO",
                extra: list[str] | None = None) -> None:
    """`reportgen worker`: migrate the database (so a fresh one works), then consume the queue."""
    open_database(settings)  # migrate once, then let each forked pool process open its own connections
    forget_database(settings.url)
    app = make_celery(settings)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "-Q", settings.queue,
            "--without-gossip", "--without-mingle", *(extra or [])]
    app.worker_main(argv)
