"""Child processes on loopback: a free port to give one, and stopping it for sure.

The local model server (`--model-path`), the fake OpenAI process, the benchmarks and the tests all
start servers on 127.0.0.1 and must stop them even when they hang, so the two steps live here once.
"""

from __future__ import annotations

import socket
import subprocess
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
