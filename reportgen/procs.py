"""Child processes on loopback: a free port to give one, and stopping it for sure.

The local model server (`--model-path`), the fake OpenAI process, the benchmarks and the tests all
start servers on 127.0.0.1 and must stop them even when they hang, so the two steps live here once.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it; a child process binds it next)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout` seconds; always reaped."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[Any] | None = None, timeout: float = 60.0) -> bool:
    """Poll `url` (e.g. a server's /healthz) until it answers 200: True; False if `proc` exits or the
    deadline passes first, so each caller says in its own words (and with its own log) what failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:  # noqa: S310 - loopback URLs built by callers
                if r.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    return False
