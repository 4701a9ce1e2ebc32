"""A data room's PDFs parsed in a process pool: the same Documents, order and per-file errors as one after another."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from reportgen.errors import EncryptedPDFError, IngestError, MalformedSourceError
from reportgen.ingest import DEFAULT_LIMITS, expand_zip, ingest_bytes, ingest_many, pool
from tests.fixtures_pdf import encrypt, text_pdf


def _room() -> dict[str, bytes]:
    members = {f"contracts/c{i}.pdf": text_pdf([[f"Contract {i}: the licence fee is {i}00 dollars a quarter."],
                                                ["Either party may terminate on ninety days notice."]])
               for i in range(5)}
    members["contracts/locked.pdf"] = encrypt(text_pdf([["Secret terms."]]), "pw")
    members["contracts/broken.pdf"] = b"%PDF-1.7\n this is not a real PDF body"
    members["notes.txt"] = b"Board notes: approve the budget.\n"
    return members


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_zip_in_a_pool_matches_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip(_room())
    monkeypatch.setenv(pool.WORKERS_ENV, "1")
    sequential = expand_zip(data, "room.zip")
    monkeypatch.setenv(pool.WORKERS_ENV, "2")
    pooled = expand_zip(data, "room.zip")
    assert [d.filename for d in pooled] == [f"contracts/c{i}.pdf" for i in range(5)] + ["notes.txt"]
    assert pooled == sequential  # text, segments, pages and the skipped-member warnings alike
    warnings = pooled[0].warnings
    assert any(w.startswith("skipped contracts/locked.pdf:") and "password" in w for w in warnings), warnings
    assert any(w.startswith("skipped contracts/broken.pdf:") for w in warnings), warnings


def test_parse_each_keeps_order_and_error_classes_with_a_small_window() -> None:
    room = _room()
    items = list(room.items())
    got = list(pool.parse_each(ingest_bytes, iter(items), workers=2, password=None, limits=DEFAULT_LIMITS,
                               depth=1))
    assert [name for name, _ in got] == [name for name, _ in items]
    outcomes = dict(got)
    assert isinstance(outcomes["contracts/locked.pdf"], EncryptedPDFError)
    assert outcomes["contracts/locked.pdf"].filename == "contracts/locked.pdf"
    assert isinstance(outcomes["contracts/broken.pdf"], MalformedSourceError)
    assert str(outcomes["contracts/broken.pdf"]).startswith("contracts/broken.pdf: ")
    first = outcomes["contracts/c0.pdf"]
    assert isinstance(first, list) and "Contract 0" in first[0].text


def test_ingest_many_reports_each_source(tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"c{i}.pdf"
        p.write_bytes(text_pdf([[f"Clause {i} of the agreement."]]))
        paths.append(p)
    missing = tmp_path / "gone.pdf"
    out = ingest_many([*paths, missing])
    assert [o[0].filename for o in out[:3] if isinstance(o, list)] == ["c0.pdf", "c1.pdf", "c2.pdf"]
    assert isinstance(out[3], IngestError) and "file not found" in str(out[3])


def test_one_pdf_never_starts_a_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    pool.shutdown()
    data = _zip({"only.pdf": text_pdf([["A single contract."]]), "a.txt": b"text"})
    docs = expand_zip(data, "room.zip")
    assert [d.filename for d in docs] == ["only.pdf", "a.txt"]
    assert pool._pool is None


def _thread_names() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate()]


def test_pool_workers_watch_the_process_that_started_them() -> None:
    """A server killed without its atexit hook must not leave idle PDF workers behind for ever: each worker
    runs a thread that exits it once its parent is gone (procs.exit_when_gone; tested in test_job_workers)."""
    from reportgen.ingest import pool

    try:
        names = pool._get_pool(1).submit(_thread_names).result(timeout=120)
    finally:
        pool.shutdown()
    assert "reportgen-parent-watch" in names
