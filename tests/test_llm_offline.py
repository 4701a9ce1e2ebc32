"""`--model-path model.gguf`: the llm engine offline, on a llama.cpp server started for the report and stopped
by its PID. A stand-in `llama_cpp.server` (the fake OpenAI server under llama-cpp-python's command line) lets
this run without compiling llama.cpp; tests/test_llm_real.py runs the real one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.errors import ConfigError
from reportgen.extract.llama_server import serve_gguf, server_command

STAND_IN = '''
import argparse, json, os
import uvicorn
from reportgen.testing.fake_openai import FakeOpenAI, create_app

ap = argparse.ArgumentParser()
for flag in ("--model", "--model_alias", "--host", "--n_ctx", "--logits_all"):
    ap.add_argument(flag)
ap.add_argument("--port", type=int)
args = ap.parse_args()
with open(os.environ["STAND_IN_RECORD"], "w") as f:
    json.dump({**vars(args), "omp": os.environ.get("OMP_WAIT_POLICY"), "pid": os.getpid()}, f)
uvicorn.run(create_app(FakeOpenAI()), host=args.host, port=args.port, log_level="warning")
'''

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch) -> Path:  # noqa: ANN001
    pkg = tmp_path / "site" / "llama_cpp" / "server"
    pkg.mkdir(parents=True)
    (pkg.parent / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "__main__.py").write_text(STAND_IN)
    record = tmp_path / "server-args.json"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path / "site"), str(REPO)]))
    monkeypatch.setenv("STAND_IN_RECORD", str(record))
    monkeypatch.setenv("REPORTGEN_LLAMA_SERVER", sys.executable)
    return record


def _gguf(tmp_path: Path) -> Path:
    model = tmp_path / "tiny-model.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 64)
    return model


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_generate_with_a_model_path_starts_and_stops_its_server(tmp_path: Path, stand_in: Path) -> None:
    src = tmp_path / "sync.txt"
    src.write_text("[00:00:04] Maya Chen: We decided to launch on March 14.\n"
                   "[00:00:12] Daniel Okafor: I'll fix the retry path by Friday.\n", encoding="utf-8")
    out = tmp_path / "r.json"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    r = subprocess.run([sys.executable, "-m", "reportgen.cli", "generate", str(src), "--sop", "meeting-action-items",
                        "--model-path", str(_gguf(tmp_path)), "-o", str(out)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    report = json.loads(out.read_text())
    assert report["engine"] == "llm" and report["model"] == "tiny-model"
    args = json.loads(stand_in.read_text())
    assert (args["n_ctx"], args["logits_all"], args["host"], args["omp"]) == ("8192", "false", "127.0.0.1", "PASSIVE")
    assert "starting a llama.cpp server for tiny-model.gguf" in r.stderr
    assert not _port_open(args["port"])  # stopped with the report
    with pytest.raises(ProcessLookupError):
        os.kill(args["pid"], 0)


def test_serve_gguf_stops_the_server_when_the_run_fails(tmp_path: Path, stand_in: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), serve_gguf(_gguf(tmp_path), context_window=4096) as server:
        assert server.base_url.startswith("http://127.0.0.1:") and server.context_window == 4096
        raise RuntimeError("boom")
    args = json.loads(stand_in.read_text())
    assert args["n_ctx"] == "4096" and not _port_open(args["port"])


def test_model_path_errors_are_clear(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError, match="no such file"), serve_gguf(tmp_path / "missing.gguf"):
        pass
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"PK\x03\x04")
    with pytest.raises(ConfigError, match="not a GGUF file"), serve_gguf(bad):
        pass
    llama_server = server_command(Path("m.gguf"), "m", 8088, 8192, server="/opt/llama.cpp/llama-server")
    assert llama_server[:3] == ["/opt/llama.cpp/llama-server", "-m", "m.gguf"] and "-c" in llama_server
    monkeypatch.delenv("REPORTGEN_LLAMA_SERVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    if not _llama_cpp_installed():
        with pytest.raises(ConfigError, match="needs a llama.cpp server"):
            server_command(Path("m.gguf"), "m", 8088, 8192)


def _llama_cpp_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None
