"""The CLI as users run it: a real subprocess, clear one-line errors, never a traceback for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reportgen.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


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
    assert r.returncode == 2 and "Traceback" not in r.stderr and "not found" in r.stderr


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
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.yaml:7" in r.stderr and "persn" in r.stderr
