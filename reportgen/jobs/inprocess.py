"""The embedded job runner: a scheduler thread in the server and a pool of worker processes.

It needs no broker because it reads the queue from the database: every poll (or wake-up
after a submit) it hands queued jobs, and running ones whose worker died, to the pool,
keeping within the pool size and each tenant's concurrency limit. So a restarted server
resumes whatever the previous one left unfinished. Worker processes (not threads) by
default, because the local engine is CPU-bound and must not starve the API's event loop.

The workers are forked from a fork server that has already imported the job path and loaded the
embedding model (`reportgen.jobs.warm`), and they start, and run one tiny report each, when the
runner starts. Spawned on the first job instead, each worker re-did about 2.5 s of CPU of imports and
first-use loading at the start of the batch, all at once: with 2 workers on 2 cores that cost more
than the second worker saved on a 20-room batch (docs/scale.md, "Every core").
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
from collections import Counter
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext

from sqlmodel import col, func, select, update

from reportgen.jobs.claims import unfinished_jobs, worker_id
from reportgen.jobs.run import execute_job
from reportgen.jobs.status_cache import STATUS_CACHE
from reportgen.procs import pid_alive, watch_parent
from reportgen.store.config import ServiceSettings
from reportgen.store.db import Database
from reportgen.store.tables import Job, now

log = logging.getLogger("reportgen.jobs")
_child_settings: ServiceSettings | None = None


def _init_child(settings_json: str, server_pid: int = 0, watch_every: float = 1.0) -> None:
    global _child_settings
    _child_settings = ServiceSettings.model_validate_json(settings_json)
    if server_pid:
        watch_parent(server_pid, watch_every)
    from reportgen.jobs.warm import first_report  # preloaded by the fork server: free there

    first_report()


def _ready() -> int:
    """A task that only proves the worker exists (and has run `_init_child`); submitted once per worker."""
    return os.getpid()


def job_context() -> BaseContext:
    """forkserver with `reportgen.jobs.warm` preloaded, where the platform has it; else spawn.

    Not fork: the server has threads (uvicorn, this scheduler), and a child forked from it could
    inherit a lock one of them held. The fork server is a fresh single-threaded process, started on
    first use, that imports the preload once; each worker is a fork of it, so starting one costs
    milliseconds and the imported modules and model are shared copy-on-write."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["reportgen.jobs.warm"])
    return ctx


def _run_in_child(job_id: str) -> str:
    return execute_job(job_id, settings=_child_settings, worker=worker_id("inproc"))


def release_orphans(db: Database) -> int:
    """Expire the leases of jobs held by in-process workers of this host that no longer exist."""
    prefix = f"inproc:{socket.gethostname()}:"
    with db.session() as s:
        rows = s.exec(select(Job).where(Job.state == "running", col(Job.worker).startswith(prefix))).all()
        dead = [j.id for j in rows if not pid_alive(int((j.worker or "").split(":")[2] or 0))]
        if dead:
            s.exec(update(Job).where(col(Job.id).in_(dead), col(Job.state) == "running").values(lease_until=0.0))
            s.commit()
    return len(dead)


class InProcessRunner:
    def __init__(self, db: Database, settings: ServiceSettings, *, poll: float = 1.0) -> None:
        self.db, self.settings, self.poll = db, settings, poll
        self._wake, self._stop = threading.Event(), threading.Event()
        self._inflight: dict[str, tuple[str, Future]] = {}  # job id -> (tenant id, future)
        self._pool: Executor | None = None
        self._thread: threading.Thread | None = None

    def _make_pool(self) -> Executor:
        n = self.settings.workers
        if self.settings.runner == "thread":
            return ThreadPoolExecutor(max_workers=n, thread_name_prefix="reportgen-job")
        pool = ProcessPoolExecutor(
            max_workers=n, mp_context=job_context(),
            initializer=_init_child, initargs=(self.settings.model_dump_json(), os.getpid()),
        )
        # Start every worker now rather than on the first jobs: the pool starts a process per task
        # submitted while none is idle, so n tasks start n workers, each warming up in its initializer.
        for _ in range(n):
            pool.submit(_ready)
        return pool

    def start(self) -> None:
        if self.settings.workers <= 0 or self._thread is not None:
            return
        release_orphans(self.db)
        self._pool = self._make_pool()
        self._thread = threading.Thread(target=self._loop, name="reportgen-scheduler", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:  # noqa: ARG002 - the queue is the table; this only wakes the scheduler
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _replace_pool(self) -> None:
        """Drop a broken pool and start a new one; none while shutting down (the workers had the SIGTERM first,
        and new ones would outlive the server)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None if self._stop.is_set() else self._make_pool()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._schedule()
            except Exception:  # noqa: BLE001 - e.g. the database restarting: log and poll again
                log.exception("job scheduler: poll failed")
            self._wake.wait(self.poll)
            self._wake.clear()

    def _schedule(self) -> None:
        broken = False
        for job_id, (_, fut) in list(self._inflight.items()):
            if fut.done():
                del self._inflight[job_id]
                STATUS_CACHE.clear()  # a job this process ran has finished: the next poll reads its row
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):  # a worker process died: its job's lease will expire
                    log.error("job worker process died while running %s; restarting the pool", job_id)
                    broken = True
                elif exc is not None:
                    log.error("job %s: runner error %r", job_id, exc)
                elif fut.result() == "tenant-limit":
                    pass  # stays queued; considered again next poll
        if broken:  # one new pool however many of its jobs failed with it
            self._replace_pool()
        free = self.settings.workers - len(self._inflight)
        if free <= 0 or self._pool is None:
            return
        with self.db.session() as s:
            candidates = [j for j in unfinished_jobs(s) if j.id not in self._inflight]
            if not candidates:
                return
            t = now()
            running = Counter(
                dict(
                    s.exec(
                        select(Job.tenant_id, func.count())
                        .where(Job.state == "running", col(Job.lease_until) >= t)
                        .group_by(Job.tenant_id)
                    ).all()
                )
            )
        pending = Counter(tenant for tenant, _ in self._inflight.values())
        for job in candidates:
            if free <= 0:
                break
            busy = max(running[job.tenant_id], pending[job.tenant_id])
            if busy >= self.settings.tenant_concurrency:
                continue
            pending[job.tenant_id] += 1
            free -= 1
            try:
                if self.settings.runner == "process":
                    fut = self._pool.submit(_run_in_child, job.id)
                else:
                    fut = self._pool.submit(execute_job, job.id, db=self.db, settings=self.settings,
                                            worker=worker_id("inproc"))
            except BrokenProcessPool:
                # A worker died while the pool was idle (in its warm-up, or killed): no job of ours saw
                # it, so the check above cannot have. Without a new pool every later submit fails too
                # and the queue never moves.
                log.error("job worker process died while idle; restarting the pool")
                self._replace_pool()
                return
            fut.add_done_callback(lambda _f: self._wake.set())
            self._inflight[job.id] = (job.tenant_id, fut)
