"""Celery over Redis for running jobs on many machines (`REPORTGEN_BROKER_URL=redis://...`).

A task carries only a job id; the job's inputs and state are in the database. Delivery is
at-least-once: `acks_late` acknowledges a message only after the job ran,
`reject_on_worker_lost` puts it back when the worker process is killed mid-job, and the
broker's visibility timeout redelivers messages of a worker that vanished entirely. The
claim/lease protocol in `reportgen.jobs.claims` turns those redeliveries into one finish.

Sending can fail too (Redis down or restarting) after the job row is committed. The API then
still answers 202, since the job exists and is `queued`, and the dispatcher keeps the job id and
re-sends it every few seconds until the broker takes it; a server that dies meanwhile re-sends
every queued job when it starts again. A message sent twice is harmless for the same reason a
redelivery is: only one claim finishes the job.
"""

from __future__ import annotations

import logging
import threading

from celery import Celery
from kombu.exceptions import KombuError

from reportgen.jobs.run import execute_job
from reportgen.store.config import ServiceSettings
from reportgen.store.db import forget_database, open_database

TASK_NAME = "reportgen.run_job"
RESEND_SECONDS = 5.0
# One quick retry inside the request; a broker that is down then costs the client ~0.1 s, not
# Celery's default of three retries with a connection timeout each.
_SEND_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}

log = logging.getLogger("reportgen.jobs")


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
    """What the API calls to hand a job to the workers; jobs the broker refused are re-sent."""

    def __init__(self, settings: ServiceSettings, *, resend_seconds: float = RESEND_SECONDS) -> None:
        self.app = make_celery(settings)
        self.resend_seconds = resend_seconds
        self._pending: dict[str, None] = {}  # job ids committed but not yet taken by the broker, in order
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._resend_loop, name="reportgen-resend", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        """Send the job, or keep it for the re-send loop: the caller's job row is already committed."""
        try:
            self._send(job_id)
        except (KombuError, OSError) as exc:
            log.warning("job %s is queued but the broker refused it (%s); re-sending every %.0f s",
                        job_id, exc, self.resend_seconds)
            with self._lock:
                self._pending[job_id] = None

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._pending)

    def resend(self) -> int:
        """Re-send the kept jobs in order, stopping at the first refusal; returns how many went."""
        sent = 0
        for job_id in self.pending():
            try:
                self._send(job_id)
            except (KombuError, OSError):
                break
            with self._lock:
                self._pending.pop(job_id, None)
            sent += 1
        if sent:
            log.info("re-sent %d queued job(s) to the broker", sent)
        return sent

    def _send(self, job_id: str) -> None:
        self.app.send_task(TASK_NAME, args=[job_id], retry=True, retry_policy=_SEND_RETRY)

    def _resend_loop(self) -> None:
        while not self._stopping.wait(self.resend_seconds):
            if self.pending():
                self.resend()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def worker_main(settings: ServiceSettings, *, concurrency: int = 1, loglevel: str = "INFO",
                extra: list[str] | None = None) -> None:
    """`reportgen worker`: migrate the database (so a fresh one works), then consume the queue."""
    open_database(settings)  # migrate once, then let each forked pool process open its own connections
    forget_database(settings.url)
    # Celery's prefork pool forks its processes from this one: import the job path and load the embedding
    # model here, once, rather than in each pool process on its first job (reportgen/jobs/warm.py).
    from reportgen.jobs.warm import preload

    preload()
    app = make_celery(settings)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", "-Q", settings.queue,
            "--without-gossip", "--without-mingle", *(extra or [])]
    app.worker_main(argv)
