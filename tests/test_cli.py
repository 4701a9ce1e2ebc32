"""The CLI as users run it: a real subprocess, clear one-line errors, never a traceback for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import reportgen


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def plain(text: str) -> str:
    """Click's message without the box Typer draws around it."""
    return " ".join(text.replace("│", " ").split())


TRANSCRIPT = """[00:00:04] Maya Chen: Let's start. We need a decision on the launch date.
[00:00:12] Daniel Okafor: I'll fix the retry path by Friday.
[00:00:20] Maya Chen: Then we decided to launch on March 14.
"""


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    p = tmp_path / "sync.txt"
    p.write_text(TRANSCRIPT, encoding="utf-8")
    return p


def test_ingest_summary_and_json(transcript: Path) -> None:
    r = run("ingest", str(transcript))
    assert r.returncode == 0, r.stderr
    assert "sync.txt" in r.stdout and "segments" in r.stdout and "Maya Chen" in r.stdout
    r = run("ingest", str(transcript), "--json")
    assert r.returncode == 0, r.stderr
    [doc] = json.loads(r.stdout)
    assert doc["segments"], doc
    for s in doc["segments"]:
        assert set(s) >= {"id", "text", "char_start", "char_end", "start", "end", "speaker", "page"}
        assert doc["text"][s["char_start"] : s["char_end"]] == s["text"]


@pytest.mark.parametrize(
    ("name", "data", "expect"),
    [
        ("empty.vtt", b"", "empty"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "PNG"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "PDF"),
        ("broken.zip", b"PK\x03\x04" + b"\0" * 30, "zip"),
    ],
)
def test_bad_input_exits_nonzero_without_traceback(tmp_path: Path, name: str, data: bytes, expect: str) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    r = run("ingest", str(p))
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ")
    assert expect.lower() in r.stderr.lower()


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    r = run("ingest", str(tmp_path / "nope.vtt"))
    assert r.returncode == 1 and "Traceback" not in r.stderr and "not found" in r.stderr


def test_version_and_exit_statuses(transcript: Path, tmp_path: Path) -> None:
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"reportgen {reportgen.__version__}"
    # a user error (ReportgenError) exits 1 with one line; a usage error exits 2 with Click's message
    r = run("render", str(tmp_path / "missing.json"), "-o", str(tmp_path / "r.md"))
    assert r.returncode == 1 and r.stderr.startswith("error: ") and "file not found" in r.stderr
    r = run("generate", str(transcript), "--sop", "meeting-action-items", "--engine", "gpt")
    assert r.returncode == 2 and "'gpt' is not one of 'local', 'llm'" in plain(r.stderr)
    r = run("cite", str(transcript), "-q", "retry path")  # -q is --quiet everywhere, and cite has no progress
    assert r.returncode == 2 and "No such option" in plain(r.stderr)


def test_generate_json_on_stdout_and_quiet(transcript: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    r = run("generate", str(transcript), "--sop", "meeting-action-items", "--date", "2026-03-02", "-o", str(out),
            "--json", "-q", "--engine", "local")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["sop_id"] == "meeting-action-items" and report["engine"] == "local" and out.is_file()
    assert "[" not in r.stderr.split("\n")[0] and "citations located" in r.stderr and f"wrote {out}" in r.stderr


def test_sops_show_json() -> None:
    r = run("sops", "show", "interview-scorecard", "--json")
    assert r.returncode == 0, r.stderr
    sop = json.loads(r.stdout)
    assert sop["id"] == "interview-scorecard" and sop["sections"]


HEAVY = ("weasyprint", "fastapi", "starlette", "uvicorn", "sqlalchemy", "sqlmodel", "alembic", "psycopg", "celery",
         "redis", "kombu")


def python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_core_verbs_import_no_optional_extra(transcript: Path, tmp_path: Path) -> None:
    """`pip install reportgen` (no extras) must be enough to import it and generate a JSON report."""
    code = f"""
import sys
import reportgen
from reportgen.cli import main
sys.argv = ["reportgen", "generate", {str(transcript)!r}, "--sop", "meeting-action-items", "-q",
            "-o", {str(tmp_path / "x.json")!r}, "-o", {str(tmp_path / "x.md")!r}, "-o", {str(tmp_path / "x.docx")!r}]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
print(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r})))
"""
    r = python(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "x.json").is_file() and (tmp_path / "x.docx").is_file()


def without(modules: tuple[str, ...], *argv: str) -> str:
    """Run the CLI with `modules` made unimportable, as when their extra is not installed."""
    return f"""
import sys
for m in {modules!r}:
    sys.modules[m] = None
from reportgen.cli import main
sys.argv = ["reportgen", *{list(argv)!r}]
main()
"""


@pytest.mark.parametrize(
    ("missing", "argv", "message"),
    [
        (("fastapi",), ["serve"], "reportgen serve needs the server extra: pip install 'reportgen[server]'"),
        (("sqlalchemy",), ["keys", "list"], "reportgen keys needs the server extra: pip install 'reportgen[server]'"),
        (("celery",), ["worker"], "reportgen worker needs the celery extra: pip install 'reportgen[celery]'"),
        (("weasyprint",), ["render", "r.json", "-o", "r.pdf"],
         "writing r.pdf needs the pdf extra: pip install 'reportgen[pdf]'"),
    ],
)
def test_a_missing_extra_is_named(tmp_path: Path, missing: tuple[str, ...], argv: list[str], message: str) -> None:
    r = python(without(missing, *argv), cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.strip() == f"error: {message}", r.stderr


def test_demo_without_pdf_extra_writes_the_other_formats(tmp_path: Path) -> None:
    r = python(without(("weasyprint",), "demo", "--out", str(tmp_path), "-q"))
    assert r.returncode == 0, r.stderr
    assert "pip install 'reportgen[pdf]'" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx", "report.html", "report.json", "report.md"]


def test_cite_locates_a_quote_and_says_unsupported_otherwise(transcript: Path) -> None:
    r = run("cite", str(transcript), "--quote", "i'll fix the retry path, by friday", "--json")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["status"] == "normalized" and c["start"] == 12.0 and c["speaker"] == "Daniel Okafor"
    text = transcript.read_text()
    assert text[c["char_start"] : c["char_end"]] == "I'll fix the retry path by Friday"
    r = run("cite", str(transcript), "--quote", "we will hire three engineers in Lisbon next quarter")
    assert r.returncode == 1 and "unsupported" in r.stdout


def test_sops_list_show_check(tmp_path: Path) -> None:
    r = run("sops", "list", "--json")
    assert r.returncode == 0, r.stderr
    ids = {s["id"] for s in json.loads(r.stdout)}
    assert {
        "meeting-action-items",
        "interview-scorecard",
        "diligence-memo",
        "expert-call-notes",
        "advisory-memo",
    } <= ids
    r = run("sops", "show", "interview-scorecard")
    assert r.returncode == 0 and "Problem solving" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nsections:\n  - id: a\n    title: A\n    fields:\n      owner: {type: persn}\n")
    r = run("sops", "check", str(bad))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "bad.yaml:7" in r.stderr and "persn" in r.stderr
