"""The in-process runner's worker processes: forked from a warmed fork server, started with the runner,
and gone when the server is (docs/scale.md, "Every core")."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import psutil

from reportgen.jobs.inprocess import InProcessRunner, _ready, job_context
from reportgen.procs import exit_when_gone
from reportgen.store.db import Database
from tests.service_fixtures import settings_for


def test_the_fork_server_preload_starts_no_thread() -> None:
    """Workers fork from the process that imported `reportgen.jobs.warm`: a Python thread there would be
    missing (or hold a lock forever) in every worker, so importing it must start none."""
    out = subprocess.run(
        [sys.executable, "-c", "import threading, reportgen.jobs.warm as w; "
         "print(threading.active_count(), 'reportgen.extract.local' in __import__('sys').modules)"],
        capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.split() == ["1", "True"]


def test_workers_start_warm_with_the_runner_before_any_job(tmp_path) -> None:  # noqa: ANN001
    settings = settings_for(tmp_path, runner="process", workers=2)
    db = Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    runner = InProcessRunner(db, settings, poll=0.2)
    runner.start()
    try:
        pool = runner._pool  # noqa: SLF001 - what the runner started, before any job was submitted
        assert pool is not None
        deadline = time.monotonic() + 120
        while len(pool._processes) < 2 and time.monotonic() < deadline:  # type: ignore[attr-defined]  # noqa: SLF001
            time.sleep(0.1)
        workers = dict(pool._processes)  # type: ignore[attr-defined]  # noqa: SLF001
        assert len(workers) == 2
        # each worker has run its warm-up (a tiny report through the local engine and typst), so the
        # embedding model's weights are mapped in it before a user's job arrives
        pids = {pool.submit(_ready).result(timeout=120) for _ in range(4)}
        assert pids <= set(workers)
        for pid in workers:
            maps = " ".join(m.path for m in psutil.Process(pid).memory_maps())
            assert "tokenizers" in maps or "safetensors" in maps, f"worker {pid} has not loaded the model"
        if "forkserver" in multiprocessing.get_all_start_methods():
            assert job_context().get_start_method() == "forkserver"
    finally:
        runner.stop()


def test_a_worker_exits_once_its_server_is_gone() -> None:
    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    worker = multiprocessing.get_context("spawn").Process(target=exit_when_gone, args=(server.pid, 0.05))
    worker.start()
    try:
        time.sleep(0.3)
        assert worker.is_alive()  # the server is there: the worker stays
        server.kill()
        server.wait()
        worker.join(timeout=10)
        assert worker.exitcode == 0
    finally:
        server.kill()
        if worker.is_alive():
            worker.kill()


def _broken() -> Future:
    fut: Future = Future()
    fut.set_exception(BrokenProcessPool("a worker died"))
    return fut


def test_a_broken_pool_is_replaced_once_and_not_while_stopping(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """Two jobs failing with the same dead pool made two new pools (the first one's workers leaked), and a
    server being stopped, whose workers had the SIGTERM first, started workers that outlived it."""
    db = Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    runner = InProcessRunner(db, settings_for(tmp_path, runner="process", workers=2))
    made: list[int] = []
    monkeypatch.setattr(runner, "_make_pool", lambda: made.append(1) or ThreadPoolExecutor(1))
    runner._pool = ThreadPoolExecutor(1)  # noqa: SLF001
    runner._inflight = {"a": ("t", _broken()), "b": ("t", _broken())}  # noqa: SLF001
    runner._schedule()  # noqa: SLF001
    assert made == [1] and runner._inflight == {}  # noqa: SLF001
    runner._stop.set()  # noqa: SLF001
    runner._inflight = {"c": ("t", _broken())}  # noqa: SLF001
    runner._schedule()  # noqa: SLF001
    assert made == [1] and runner._pool is None  # noqa: SLF001


def test_a_worker_killed_while_idle_does_not_stall_the_queue(tmp_path) -> None:  # noqa: ANN001
    """A pool whose worker dies before any job reached it (in its warm-up, or killed) refuses every submit;
    no job of ours saw it die, so the runner must notice on submit and start a new pool."""
    import os
    import signal

    from tests.service_fixtures import api, meeting_bytes, upload, wait_report

    with api(settings_for(tmp_path, runner="process", workers=1)) as c:
        runner = c.app.state.service.dispatcher
        pool = runner._pool  # noqa: SLF001
        assert pool is not None
        pid = pool.submit(_ready).result(timeout=120)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not pool._broken and time.monotonic() < deadline:  # type: ignore[attr-defined]  # noqa: SLF001
            time.sleep(0.05)
        assert pool._broken  # type: ignore[attr-defined]  # noqa: SLF001
        doc = upload(c, {"m.txt": meeting_bytes()}).json()["documents"][0]["id"]
        rid = c.post("/v1/reports", json={"sop": "meeting-action-items", "document_ids": [doc]}).json()["id"]
        assert wait_report(c, rid, timeout=120)["state"] == "succeeded"
        assert runner._pool is not pool  # noqa: SLF001
