"""`reportgen serve` as users run it: access log off unless asked, several HTTP processes with
--http-workers, and a clear refusal of a bad count."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from reportgen.procs import free_port
from reportgen.store.config import ServiceSettings


@contextmanager
def _serve(tmp: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen]]:
    port = free_port()
    env = {**os.environ, "REPORTGEN_DATA_DIR": str(tmp), "REPORTGEN_WORKERS": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REPORTGEN_BROKER_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "reportgen.cli", "serve", "--port", str(port), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /healthz within 60 s"
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _log(proc: subprocess.Popen) -> str:
    proc.terminate()
    proc.wait(timeout=30)
    return proc.stdout.read() if proc.stdout else ""  # uvicorn logs to both


def test_the_access_log_is_off_by_default_and_on_with_the_flag(tmp_path) -> None:  # noqa: ANN001
    assert ServiceSettings().access_log is False
    with _serve(tmp_path / "quiet") as (base, proc):
        assert httpx.get(f"{base}/v1/sops").status_code == 200
        quiet = _log(proc)
    assert "Application startup complete" in quiet and "GET /v1/sops" not in quiet
    with _serve(tmp_path / "loud", "--access-log") as (base, proc):
        assert httpx.get(f"{base}/v1/sops").status_code == 200
        loud = _log(proc)
    assert "GET /v1/sops" in loud


def test_two_http_workers_both_answer(tmp_path) -> None:  # noqa: ANN001
    with _serve(tmp_path, "--http-workers", "2") as (base, proc):
        for _ in range(40):
            assert httpx.get(f"{base}/healthz").status_code == 200
        time.sleep(5)  # /healthz answers as soon as one process is up; on a loaded machine the other starts later
        log = _log(proc)
    pids = {line.split("[")[1].split("]")[0] for line in log.splitlines() if "Started server process" in line}
    assert len(pids) == 2, log


def test_a_bad_http_worker_count_is_refused_clearly() -> None:
    r = subprocess.run([sys.executable, "-m", "reportgen.cli", "serve", "--http-workers", "0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--http-workers" in r.stderr and "Traceback" not in r.stderr
