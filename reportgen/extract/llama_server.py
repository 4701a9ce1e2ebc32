"""A llama.cpp server for one run, started from a GGUF file and stopped by its PID: the llm engine offline.

`reportgen generate --engine llm --model-path model.gguf` needs no API key and no server set up
by hand. The server is found, in order:

1. `REPORTGEN_LLAMA_SERVER`: llama.cpp's `llama-server` binary, or a Python interpreter that has
   `llama-cpp-python[server]` (its own venv: the server's pins are not ours to share);
2. `llama-server` on PATH (llama.cpp's release binaries);
3. this interpreter, when `llama_cpp.server` imports.

It listens on 127.0.0.1 on a free port with the flags measured to matter on a CPU machine
(docs/llm.md): OMP_WAIT_POLICY=PASSIVE (busy-waiting threads cut generation to a third on a
shared machine) and, for llama-cpp-python, `--logits_all false` (else every saved prefix keeps
~1.8 GB of logits).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from reportgen.errors import ConfigError, ExtractionError
from reportgen.procs import free_port, stop

DEFAULT_CONTEXT_WINDOW = 8192
START_TIMEOUT = 180.0  # seconds: loading a 1-2 GB GGUF from a cold disk on a busy machine


@dataclass(frozen=True)
class LocalServer:
    base_url: str  # ending in /v1
    model: str  # the alias the server answers to
    context_window: int
    pid: int


def server_command(model_path: Path, alias: str, port: int, context_window: int,
                   server: str | None = None) -> list[str]:
    """The command line that serves `model_path` (see module doc for how the server is found)."""
    choice = server or os.environ.get("REPORTGEN_LLAMA_SERVER") or shutil.which("llama-server")
    if choice is None and importlib.util.find_spec("llama_cpp") is not None:
        choice = sys.executable
    if choice is None:
        raise ConfigError(
            "--model-path needs a llama.cpp server: pip install 'llama-cpp-python[server]' (in this environment, "
            "or in its own venv and set REPORTGEN_LLAMA_SERVER to that venv's python), or put llama.cpp's "
            "llama-server on PATH (or set REPORTGEN_LLAMA_SERVER to it)."
        )
    if "llama-server" in Path(choice).name:
        return [choice, "-m", str(model_path), "--alias", alias, "--host", "127.0.0.1", "--port", str(port),
                "-c", str(context_window), "--jinja"]
    return [choice, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias,
            "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(context_window), "--logits_all", "false"]


@contextmanager
def serve_gguf(model_path: Path, *, context_window: int = DEFAULT_CONTEXT_WINDOW, server: str | None = None,
               log_path: Path | None = None) -> Iterator[LocalServer]:
    """Serve `model_path` for the `with` block; the server is stopped (by PID) however the block ends."""
    if not model_path.is_file():
        raise ConfigError(f"--model-path {model_path}: no such file.")
    with open(model_path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ConfigError(f"--model-path {model_path}: not a GGUF file (llama.cpp's model format).")
    alias, port = model_path.stem, free_port()
    cmd = server_command(model_path, alias, port, context_window, server)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    log = open(log_path, "ab") if log_path else None  # noqa: SIM115 - closed below
    out = log if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, stdout=out, stderr=out, env=env)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        _wait_until_up(proc, url)
        yield LocalServer(base_url=url, model=alias, context_window=context_window, pid=proc.pid)
    finally:
        stop(proc)
        if log is not None:
            log.close()


def _wait_until_up(proc: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ExtractionError(f"the llama.cpp server exited with status {proc.returncode} before it answered "
                                  f"(command: {' '.join(proc.args if isinstance(proc.args, list) else [])})")
        try:
            if httpx.get(url + "/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ExtractionError(f"the llama.cpp server did not answer at {url} within {START_TIMEOUT:g} s")
