"""Child processes on loopback: a free port to give one, and stopping it for sure.

The local model server (`--model-path`), the fake OpenAI process, the benchmarks and the tests all
start servers on 127.0.0.1 and must stop them even when they hang, so the two steps live here once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
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


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def exit_when_gone(pid: int, every: float = 1.0) -> None:
    """Exit this process once process `pid` (the one that started it) is gone.

    A pool worker never notices on its own: it waits on a queue whose pipe it holds both ends of, so a
    server killed without its atexit hooks would leave its workers idling forever."""
    while pid_alive(pid):
        time.sleep(every)
    os._exit(0)


def watch_parent(pid: int, every: float = 1.0) -> None:
    """A pool initializer: start the daemon thread that runs `exit_when_gone` for the parent `pid`."""
    threading.Thread(target=exit_when_gone, args=(pid, every), name="reportgen-parent-watch", daemon=True).start()
